"""The one registry of what is a credential, in the models and in the vmagent config rendered from them.

Every printer (``diff``, ``verify``, the standalone writer, the component's outputs) decides what to mask
from here, and nowhere else. Credentials come in four shapes:

- a **value taken from a Secret** and inlined by the operator under one of :data:`INLINE_KEYS`
  (``basic_auth.password``, ``bearer_token``, ``oauth2.client_secret``...). vmagent reads most of them
  from a file too: the standalone writer moves them to :data:`INLINE_KEYS`' file key;
- a **header value** (``headers: ["Authorization: Bearer …"]``, endpoint ``vm_scrape_params.headers``),
  written inline in the CR: every header's value is masked, its name kept;
- the **userinfo of a URL** (``proxy_url: http://user:PASSWORD@proxy``, the endpoint's ``proxyURL`` and
  ``oauth2.proxy_url``): the userinfo is masked, scheme, host and path kept;
- **token-request parameters** (``oauth2.endpoint_params``): every value masked, names kept.

In the models the same fields are marked with :func:`secret_field` (never echoed in error messages); a
Secret reference (:class:`~.secrets.SecretKeySelector`) names a credential by construction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import Field

__all__ = [
    "HEADER_KEYS",
    "INLINE_KEYS",
    "MAP_KEYS",
    "MASK",
    "MASK_DIFFERS",
    "NOT_CONFIG_KEYS",
    "URL_KEYS",
    "URL_SAFE_MASK",
    "holds_credentials",
    "is_credential_path",
    "is_secret_field",
    "mask_config",
    "mask_header",
    "mask_url",
    "secret_field",
]

#: vmagent config keys whose value the operator copies from a Secret (``client_id``: or a ConfigMap),
#: each with the key under which vmagent reads the same value from a file (``None``: it has none).
INLINE_KEYS: Mapping[str, str | None] = {
    "username": "username_file",
    "password": "password_file",
    "bearer_token": "bearer_token_file",
    "proxy_bearer_token": "proxy_bearer_token_file",
    "credentials": "credentials_file",
    "client_secret": "client_secret_file",
    "client_id": None,
}
#: Keys holding a list of ``Name: value`` headers: the values are credentials (``Authorization: …``).
HEADER_KEYS = frozenset({"headers"})
#: Keys holding a URL whose userinfo (``user:password@``) is a credential.
URL_KEYS = frozenset({"proxy_url", "proxyURL"})
#: Keys holding a mapping whose values may be credentials (OAuth2 token-request parameters).
MAP_KEYS = frozenset({"endpoint_params"})

#: Keys whose values are relabeling rules or labels, not config: their keys are label names (a graphite
#: rule's ``labels: {password: …}`` is a label called ``password``), never credentials, and not walked.
NOT_CONFIG_KEYS = frozenset({"relabel_configs", "metric_relabel_configs", "external_labels"})

#: What a masked value reads as.
MASK = "<secret>"
#: A masked value that is not the one on the other side of a comparison.
MASK_DIFFERS = "<secret, another value>"
#: :data:`MASK` as URL userinfo Go's net/url accepts (``%3C`` is ``<``): a rendered config stays readable
#: by vmagent (a ``<`` there makes it refuse the whole config).
URL_SAFE_MASK = "%3Csecret%3E"

#: ``scheme://userinfo@`` of an absolute URL (the userinfo is everything before the last ``@`` of the
#: authority, as Go's net/url reads it).
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)@")


#: What the renderer writes where it does not reveal a value (``<secret apps/creds password>``): no
#: credential, kept as it is.
_PLACEHOLDER = re.compile(r"<(?:secret|configmap) [^<>\n]*>")


def secret_field(default: Any = None, **kwargs: Any) -> Any:
    """A model field whose value may be a credential: it is never echoed in error messages."""
    return Field(default, json_schema_extra={"secret": True}, **kwargs)


def is_secret_field(field: Any) -> bool:
    """Whether a pydantic field was declared with :func:`secret_field`."""
    extra = getattr(field, "json_schema_extra", None)
    return isinstance(extra, dict) and bool(extra.get("secret"))


def mask_url(url: str, mask: str = MASK) -> str:
    """``url`` with its userinfo masked: ``http://<secret>@proxy:3128``; unchanged when it has none."""
    return _USERINFO.sub(lambda m: f"{m.group(1)}{mask}@", url, count=1)


def mask_header(header: str) -> str:
    """``Name: <secret>`` for a ``Name: value`` header (the whole text when it has no ``:``)."""
    name, sep, _ = header.partition(":")
    return f"{name}: {MASK}" if sep else MASK


def mask_value(key: str, value: Any, *, url_mask: str = MASK) -> Any:
    """``value`` as it may be printed when it sits under ``key`` (the last key of its path)."""
    if value is None:
        return None
    if key in INLINE_KEYS:
        return value if isinstance(value, str) and _PLACEHOLDER.fullmatch(value) else MASK
    if key in HEADER_KEYS:
        if isinstance(value, list):
            return [mask_header(h) if isinstance(h, str) else MASK for h in value]
        return mask_header(value) if isinstance(value, str) else MASK
    if key in URL_KEYS:
        return mask_url(value, url_mask) if isinstance(value, str) else MASK
    if key in MAP_KEYS:
        return {k: MASK for k in value} if isinstance(value, Mapping) else MASK
    return mask_config(value, url_mask=url_mask)


def mask_config(node: Any, *, url_mask: str = MASK) -> Any:
    """A copy of ``node`` (parsed config data: mappings, lists, scalars) with every credential masked;
    ``url_mask``: what URL userinfo becomes (:data:`URL_SAFE_MASK` for a config vmagent must still read)."""
    if isinstance(node, Mapping):
        out: dict[Any, Any] = {}
        for key, value in node.items():
            if key in NOT_CONFIG_KEYS:
                out[key] = value
            elif isinstance(key, str):
                out[key] = mask_value(key, value, url_mask=url_mask)
            else:
                out[key] = mask_config(value, url_mask=url_mask)
        return out
    if isinstance(node, list):
        return [mask_config(item, url_mask=url_mask) for item in node]
    return node


def holds_credentials(node: Any) -> bool:
    """Whether printing ``node`` unmasked could show a credential (masking would change it); a walk that
    stops at the first one, copies nothing and visits a part shared by several jobs once."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if type(item) is list:
            stack.extend(v for v in item if type(v) is dict or type(v) is list)
        elif isinstance(item, Mapping):
            for key in _CREDENTIAL_KEYS.intersection(item):
                if _is_credential(key, item[key]):
                    return True
            for key, value in item.items():
                if (type(value) is dict or type(value) is list) and key not in NOT_CONFIG_KEYS:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return False


#: Every key the registry names.
_CREDENTIAL_KEYS = frozenset(INLINE_KEYS) | HEADER_KEYS | URL_KEYS | MAP_KEYS


def _is_credential(key: str, value: Any) -> bool:
    return value is not None and mask_value(key, value) != value


def is_credential_path(path: str) -> str | None:
    """The registry key a change path ends in (``scrape_configs[0].headers[1]`` → ``headers``), if any.

    A path ends in a credential when its last key is one (``basic_auth.password``), or when it points into
    a header list, a URL key or a parameter map (``headers[1]``, ``endpoint_params.audience``)."""
    parts = [p.split("[", 1)[0] for p in path.split(".")]
    if NOT_CONFIG_KEYS.intersection(parts):
        return None
    last = parts[-1] if parts else ""
    if last in INLINE_KEYS or last in HEADER_KEYS or last in URL_KEYS or last in MAP_KEYS:
        return last
    if len(parts) > 1 and parts[-2] in MAP_KEYS:
        return parts[-2]
    return None
