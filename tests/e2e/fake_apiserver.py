"""A read-only Kubernetes API server on 127.0.0.1 that serves a snapshot to vmagent's discovery.

vmagent (``lib/promscrape/discovery/kubernetes/api_watcher.go``) lists, then watches:

- ``GET /api/v1/{pods,services,endpoints,namespaces,nodes}`` and ``/apis/discovery.k8s.io/v1/endpointslices``,
  or the ``/namespaces/<ns>/<kind>`` form when ``namespaces.names`` is set; query
  ``resourceVersion=0&resourceVersionMatch=NotOlderThan`` (list) or ``watch=1&allowWatchBookmarks=true&
  timeoutSeconds=N&resourceVersion=V`` (watch); ``labelSelector`` / ``fieldSelector`` are not applied here.

Lists return the snapshot's objects with ``metadata.resourceVersion: "1"``; a watch stays open without
events until the client leaves or the server stops. Everything is bounded: the server binds to loopback
only and :meth:`FakeAPIServer.stop` ends every open watch.

For ``vmscrape verify`` it also serves ``objects`` of the kinds in ``_OBJECT_KINDS`` (VMAgents and
VMServiceScrapes listed cluster-wide, Secrets and ConfigMaps read one at a time by namespace and name;
404 when absent), and answers 403 to every path that starts with one of ``forbidden`` (RBAC denied).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vmscrape_component.simulate.discovery import Snapshot

_KINDS = {
    "pods": ("pods", "PodList"),
    "services": ("services", "ServiceList"),
    "endpoints": ("endpoints", "EndpointsList"),
    "endpointslices": ("endpointslices", "EndpointSliceList"),
    "namespaces": ("namespaces", "NamespaceList"),
    "nodes": ("nodes", "NodeList"),
}

#: Kind → (API path prefix, plural) of the objects served besides the snapshot.
_OBJECT_KINDS = {
    "VMAgent": ("/apis/operator.victoriametrics.com/v1beta1", "vmagents"),
    "VMServiceScrape": ("/apis/operator.victoriametrics.com/v1beta1", "vmservicescrapes"),
    "Secret": ("/api/v1", "secrets"),
    "ConfigMap": ("/api/v1", "configmaps"),
}


class FakeAPIServer:
    """Serve ``snapshot`` on ``127.0.0.1:<port>`` (port 0 picks a free one) until :meth:`stop`."""

    def __init__(
        self,
        snapshot: Snapshot,
        port: int = 0,
        *,
        objects: Iterable[Mapping[str, Any]] = (),
        forbidden: Iterable[str] = (),
    ) -> None:
        self.snapshot = snapshot
        self.requests: list[str] = []
        #: (plural, namespace, name) → object, for the kinds of ``_OBJECT_KINDS``; see :meth:`put`.
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        #: Path prefixes answered with 403 Forbidden.
        self.forbidden = list(forbidden)
        for obj in objects:
            self.put(obj)
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            # Headers and body go out in separate writes: without this, each answer waits ~40 ms (Nagle).
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                server.requests.append(self.path)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if any(parts.path.startswith(prefix) for prefix in server.forbidden):
                    self._send(
                        403, {"kind": "Status", "status": "Failure", "reason": "Forbidden", "code": 403}
                    )
                    return
                served = server._served(parts.path)
                if served is not None:
                    code, body = served
                    self._send(code, body)
                    return
                items = server._items(parts.path)
                if items is None:
                    self._send(404, {"kind": "Status", "status": "Failure", "code": 404})
                    return
                if query.get("watch") == ["1"]:
                    self._watch(float((query.get("timeoutSeconds") or ["60"])[0]))
                    return
                bucket, list_kind = items
                body = {
                    "kind": list_kind,
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": bucket,
                }
                self._send(200, body)

            def _send(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _watch(self, timeout: float) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                deadline = time.monotonic() + min(timeout, 300)
                try:
                    while not server._stopping.is_set() and time.monotonic() < deadline:
                        server._stopping.wait(0.5)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-apiserver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeAPIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeAPIServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def put(self, obj: Mapping[str, Any]) -> None:
        """Serve ``obj`` (a kind of ``_OBJECT_KINDS``) from now on, replacing one of the same name."""
        meta = obj.get("metadata") or {}
        plural = _OBJECT_KINDS[str(obj.get("kind"))][1]
        self.objects[(plural, meta.get("namespace") or "default", meta.get("name") or "")] = dict(obj)

    def remove(self, kind: str, namespace: str, name: str) -> None:
        """Stop serving an object :meth:`put` added."""
        del self.objects[(_OBJECT_KINDS[kind][1], namespace, name)]

    def _served(self, path: str) -> tuple[int, dict[str, Any]] | None:
        """The answer for a path of ``_OBJECT_KINDS`` (a cluster-wide list or one object), else ``None``."""
        for prefix, plural in _OBJECT_KINDS.values():
            if path == f"{prefix}/{plural}":
                items = [
                    {**o, "metadata": {**(o.get("metadata") or {}), "resourceVersion": "1"}}
                    for (p, _, _), o in sorted(self.objects.items())
                    if p == plural
                ]
                return 200, {
                    "kind": "List",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": items,
                }
            rest = path.removeprefix(prefix + "/").split("/") if path.startswith(prefix + "/") else []
            if len(rest) == 4 and rest[0] == "namespaces" and rest[2] == plural:
                found = self.objects.get((plural, rest[1], rest[3]))
                if found is None:
                    return 404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}
                return 200, found
        return None

    def _items(self, path: str) -> tuple[list[dict[str, Any]], str] | None:
        segments = [s for s in path.split("/") if s]
        if segments[:2] == ["api", "v1"]:
            rest = segments[2:]
        elif segments[:3] == ["apis", "discovery.k8s.io", "v1"]:
            rest = segments[3:]
        else:
            return None
        namespace = None
        if len(rest) == 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        if len(rest) != 1 or rest[0] not in _KINDS:
            return None
        attr, list_kind = _KINDS[rest[0]]
        objects = getattr(self.snapshot, attr).values()
        items = [
            {**o, "metadata": {**(o.get("metadata") or {}), "resourceVersion": "1"}}
            for o in objects
            if namespace is None or (o.get("metadata") or {}).get("namespace") == namespace
        ]
        return items, list_kind
