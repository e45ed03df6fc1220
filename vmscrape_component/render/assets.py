"""Where secret and config-map values come from when a job needs them.

The operator reads Secrets and ConfigMaps from the scrape's own namespace. Values that vmagent wants
inline (basic auth, bearer tokens, oauth2 client id/secret, authorization credentials) are written into
the config; values vmagent reads from files (TLS CA/cert/key) are written into a Secret that is mounted
under a directory (``/etc/vmagent-tls/certs`` in the real operator) and referenced by path.

:class:`Assets` reproduces that. It holds the Kubernetes Secret/ConfigMap objects it was given and, when
``reveal`` is false (the default for previews and Pulumi outputs), never puts a secret's value into the
config: it writes a readable placeholder such as ``<secret apps/creds password>`` instead.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Problem, VMScrapeError
from ..models import ConfigMapKeySelector, SecretKeySelector, SecretOrConfigMap

OPERATOR_TLS_MOUNT_DIR = "/etc/vmagent-tls/certs"


class MissingReference(LookupError):
    """A Secret/ConfigMap (or a key in it) that a scrape refers to is not known.

    The operator treats this as "object not found": it skips the whole scrape object and reports it in
    the object's status, while the other scrapes are still rendered.
    """

    def __init__(self, kind: str, namespace: str, name: str, key: str = "") -> None:
        self.kind, self.namespace, self.name, self.key = kind, namespace, name, key
        where = f"{kind.lower()} {namespace}/{name}"
        super().__init__(f"key {key!r} was not found in {where}" if key else f"{where} was not found")


class _Binary(str):
    """A Secret value that is valid base64 but not UTF-8 text (a keystore, a DER certificate): usable as a
    mounted file, never as an inlined value."""


def _decode(secret: str, key: str, value: str) -> str:
    """A Secret's ``data`` value: base64, as the API server insists (it refuses anything else)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VMScrapeError(
            [Problem(secret, f"data.{key}", "is not base64; put plain text under stringData instead")]
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Binary(value)


class Assets:
    """Secret and ConfigMap values available to the renderer, plus the TLS files it asked for.

    ``objects``: Kubernetes ``Secret``/``ConfigMap`` manifests (``data`` base64 as in the API; ``stringData``
    plain). ``reveal``: put real secret values into the config (what the operator does) instead of
    placeholders. ``strict``: a reference to an unknown object raises :class:`MissingReference` (what the
    operator does); otherwise a placeholder is used. ``tls_mount_dir``: where TLS assets are mounted.
    """

    def __init__(
        self,
        objects: Iterable[Mapping[str, Any]] = (),
        *,
        reveal: bool = False,
        strict: bool = False,
        tls_mount_dir: str = OPERATOR_TLS_MOUNT_DIR,
    ) -> None:
        self.reveal = reveal
        self.strict = strict
        self.tls_mount_dir = tls_mount_dir
        self._secrets: dict[tuple[str, str], dict[str, str]] = {}
        self._config_maps: dict[tuple[str, str], dict[str, str]] = {}
        #: file name (relative to ``tls_mount_dir``) → content, for every TLS file a job refers to.
        self.tls_files: dict[str, str] = {}
        #: ``(kind, namespace, name)`` of every Secret/ConfigMap a job referred to, known or not (what a
        #: reader of a live cluster must fetch).
        self.requested: set[tuple[str, str, str]] = set()
        for obj in objects:
            self.add(obj)

    def add(self, obj: Mapping[str, Any]) -> None:
        """Make a Secret or ConfigMap manifest known; other kinds are ignored."""
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        key = (meta.get("namespace") or "default", meta.get("name") or "")
        if kind == "Secret":
            where = f"Secret {key[0]}/{key[1]}"
            data = {k: _decode(where, k, v) for k, v in (obj.get("data") or {}).items()}
            data.update(obj.get("stringData") or {})
            self._secrets[key] = data
        elif kind == "ConfigMap":
            self._config_maps[key] = dict(obj.get("data") or {})

    # -- values inlined into the config ---------------------------------------------------------------

    def secret_value(self, namespace: str, selector: SecretKeySelector) -> str:
        """The value of ``selector`` in ``namespace``, or its placeholder."""
        name, key = selector.name or "", selector.key
        value = self._lookup(self._secrets, "Secret", namespace, name, key)
        if value is None or not self.reveal:
            return f"<secret {namespace}/{name} {key}>"
        if isinstance(value, _Binary):
            raise VMScrapeError(
                [
                    Problem(
                        f"Secret {namespace}/{name}",
                        f"data.{key}",
                        "is not UTF-8 text once decoded, so it cannot be inlined into the config",
                    )
                ]
            )
        return value

    def config_map_value(self, namespace: str, selector: ConfigMapKeySelector) -> str:
        name, key = selector.name or "", selector.key
        value = self._lookup(self._config_maps, "ConfigMap", namespace, name, key)
        # ConfigMaps hold no secrets: their values are shown when known.
        return f"<configmap {namespace}/{name} {key}>" if value is None else value

    def secret_or_config_map_value(self, namespace: str, ref: SecretOrConfigMap) -> str:
        if ref.secret is not None:
            return self.secret_value(namespace, ref.secret)
        assert ref.config_map is not None  # callers check ref.is_set
        return self.config_map_value(namespace, ref.config_map)

    # -- values mounted as files ----------------------------------------------------------------------

    def tls_file(
        self, namespace: str, ref: SecretKeySelector | ConfigMapKeySelector, *, config_map: bool = False
    ) -> str:
        """Path of the mounted file holding a TLS asset (operator naming: ``<ns>_<name>_<key>``)."""
        name, key = ref.name or "", ref.key
        table, kind = (self._config_maps, "ConfigMap") if config_map else (self._secrets, "Secret")
        value = self._lookup(table, kind, namespace, name, key)
        file_name = f"{namespace}_{'configmap_' if config_map else ''}{name}_{key}"
        self.tls_files[file_name] = value if value is not None else ""
        return posixpath.join(self.tls_mount_dir, file_name)

    def _lookup(
        self, table: dict[tuple[str, str], dict[str, str]], kind: str, namespace: str, name: str, key: str
    ) -> str | None:
        self.requested.add((kind, namespace, name))
        data = table.get((namespace, name))
        if data is None or key not in data:
            if self.strict:
                raise MissingReference(kind, namespace, name, key if data is not None else "")
            return None
        # The operator trims trailing white space of every value it reads (a newline at the end of a
        # token file is the common case).
        value = data[key]
        return value if isinstance(value, _Binary) else value.rstrip()
