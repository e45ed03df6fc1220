"""The local control plane for the tests: one per session, and helpers to read what the operator wrote.

Use the session fixture ``local_cluster`` (tests/conftest.py): it starts etcd, kube-apiserver v1.37.2
and the operator v0.74.1 once (``vmscrape_component.cluster.start`` in a temp dir), and stops them by
PID when the session ends. With ``VMSCRAPE_REQUIRE_KUBE=1`` (``make test``) a missing part fails the
tests that need it; elsewhere they are skipped with ``scripts/install-kube``. Then::

    def test_x(local_cluster):
        api = local_cluster.api_client()                    # kubernetes.client.ApiClient
        apply_manifests(api, docs)                          # server-side apply, any kinds
        text = operator_config(api, "default", "agent")     # Secret vmagent-agent, vmagent.yaml.gz

Each test uses its own namespaces (``fresh_namespace``) so tests do not see each other's objects.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

#: The operator's environment in the test session: no self-scrape VMServiceScrape per VMAgent (it would
#: appear in every config a moment after the agent, a moving target for comparisons).
TEST_OPERATOR_ENV = {"VM_DISABLESELFSERVICESCRAPECREATION": "true"}
#: Seconds to wait for the operator to write (or rewrite) an agent's config Secret.
CONFIG_TIMEOUT = 60.0
_names = itertools.count()

#: Where each kind lives: (API path prefix, plural, namespaced).
_KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Secret": ("/api/v1", "secrets", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Service": ("/api/v1", "services", True),
    "VMServiceScrape": ("/apis/operator.victoriametrics.com/v1beta1", "vmservicescrapes", True),
    "VMAgent": ("/apis/operator.victoriametrics.com/v1beta1", "vmagents", True),
    "ServiceMonitor": ("/apis/monitoring.coreos.com/v1", "servicemonitors", True),
}


class ApiRefused(Exception):
    """The API server refused an object; ``status`` is the HTTP status, ``message`` its reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def fresh_namespace(prefix: str = "t") -> str:
    """A namespace name no other test in this session uses."""
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100000}"


def object_path(obj: Mapping[str, Any], *, with_name: bool = True) -> str:
    kind = obj.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"no API path known for kind {kind!r}")
    prefix, plural, namespaced = _KINDS[kind]
    meta = obj.get("metadata") or {}
    path = prefix
    if namespaced:
        path += f"/namespaces/{meta.get('namespace') or 'default'}"
    path += f"/{plural}"
    if with_name:
        path += f"/{meta.get('name')}"
    return path


#: Characters a YAML reader refuses raw (an apply patch is read as YAML); escaped, they are fine.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _yaml_safe_json(body: Any) -> bytes:
    """``body`` as JSON that YAML reads alike: UTF-8 (a YAML reader refuses the surrogate-pair escapes
    JSON uses for characters beyond the BMP) with the characters YAML refuses raw escaped."""
    text = json.dumps(body, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text).encode()


def _call(api: Any, method: str, path: str, *, body: Any = None, query: list[tuple[str, str]] | None = None,
          content_type: str = "application/json") -> Any:  # fmt: skip
    """One request with the cluster's credentials; the decoded JSON answer, or :class:`ApiRefused`."""
    request = api.param_serialize(
        method,
        path,
        query_params=query or [],
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=None if body is None else _yaml_safe_json(body),
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*request)
    data = response.read()
    if not 200 <= response.status < 300:
        try:
            message = json.loads(data).get("message", data)
        except (TypeError, ValueError):
            message = data.decode(errors="replace")
        raise ApiRefused(int(response.status), str(message))
    return json.loads(data) if data else None


def apply(api: Any, obj: Mapping[str, Any], *, dry_run: bool = False) -> Any:
    """Server-side apply of ``obj`` (``dry_run``: ``dryRun=All``, nothing stored); :class:`ApiRefused`
    when the API server refuses it."""
    query = [("fieldManager", "vmscrape-tests"), ("force", "true")]
    if dry_run:
        query.append(("dryRun", "All"))
    return _call(api, "PATCH", object_path(obj), body=dict(obj), query=query,
                 content_type="application/apply-patch+yaml")  # fmt: skip


def apply_manifests(api: Any, docs: Iterable[Mapping[str, Any]]) -> None:
    """Apply namespaces first, then Secrets/ConfigMaps, then the rest (the operator reads them)."""
    order = {"Namespace": 0, "Secret": 1, "ConfigMap": 1}
    for doc in sorted(docs, key=lambda d: order.get(str(d.get("kind")), 2)):
        apply(api, doc)


def delete_namespace(api: Any, name: str) -> None:
    """Delete a namespace (its objects go with it; without a controller-manager only the API objects)."""
    try:
        _call(api, "DELETE", f"/api/v1/namespaces/{name}")
    except ApiRefused as exc:
        if exc.status != 404:
            raise


def delete_namespace_and_wait(api: Any, name: str, *, timeout: float = 120.0) -> None:
    """Delete a namespace and wait until the API server no longer has it (the namespace controller has
    removed everything in it): tests that read every object of the cluster must not see its contents."""
    delete_namespace(api, name)
    deadline = time.monotonic() + timeout
    while True:
        try:
            _call(api, "GET", f"/api/v1/namespaces/{name}")
        except ApiRefused as exc:
            if exc.status == 404:
                return
            raise
        if time.monotonic() > deadline:
            raise AssertionError(f"namespace {name} still exists {timeout:.0f} s after its deletion")
        time.sleep(0.5)


def read_secret(api: Any, namespace: str, name: str) -> dict[str, str] | None:
    """A Secret's ``data`` (base64 values), or None when it does not exist."""
    try:
        secret = _call(api, "GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
    except ApiRefused as exc:
        if exc.status == 404:
            return None
        raise
    return dict(secret.get("data") or {})


def operator_config(api: Any, namespace: str, agent: str, *, expect: str | None = None, settled: float = 4.0,
                    timeout: float = CONFIG_TIMEOUT) -> str:  # fmt: skip
    """The vmagent config the operator wrote for VMAgent ``namespace/agent`` (Secret ``vmagent-<agent>``,
    key ``vmagent.yaml.gz``, gunzipped): as soon as it equals ``expect``, else once it has stayed the
    same for ``settled`` seconds (the operator may write a first version before it saw every scrape)."""
    deadline = time.monotonic() + timeout
    last: str | None = None
    since = 0.0
    while time.monotonic() < deadline:
        data = read_secret(api, namespace, f"vmagent-{agent}")
        text = None
        if data and "vmagent.yaml.gz" in data:
            text = gzip.decompress(base64.b64decode(data["vmagent.yaml.gz"])).decode()
        if text is not None and text == expect:
            return text
        if text is not None and text == last:
            if time.monotonic() - since >= settled:
                return text
        else:
            last, since = text, time.monotonic()
        time.sleep(0.25)
    if last is None:
        raise AssertionError(
            f"the operator wrote no Secret vmagent-{agent} in {namespace} within {timeout:.0f} s"
        )
    return last
