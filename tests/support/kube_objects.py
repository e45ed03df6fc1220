"""Put a snapshot's objects (tests/fixtures/snapshots/) into a real API server, and take them out again.

The local control plane has no kubelet and no controllers, so the test writes what they would: Pods with
their status (phase, IPs, conditions) through the status subresource, Endpoints and EndpointSlices as
objects of their own, Nodes with their addresses. Values the API server owns (uids, resource versions,
cluster IPs, which it allocates from its own range) are left to it.

Addresses: the snapshots use 127.0.0.0/8, which the API server refuses in Endpoints. Every
``127.0.X.Y`` becomes ``198.18.X.Y`` (the benchmarking range, RFC 2544: never routed on the Internet).
The tests never let vmagent contact a target anyway: every job scrapes through a refused loopback proxy.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from vmscrape_component.simulate.discovery import Snapshot

_LOOPBACK = re.compile(r"127\.0\.(\d{1,3})\.(\d{1,3})")
#: Metadata the API server sets itself.
_SERVER_METADATA = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")
#: A Pod needs an image to be valid; nothing ever pulls it.
_NO_IMAGE = "registry.invalid/none:0"


def off_loopback(value: Any) -> Any:
    """``value`` with every ``127.0.X.Y`` address (as a whole string) replaced by ``198.18.X.Y``."""
    if isinstance(value, str):
        match = _LOOPBACK.fullmatch(value)
        return f"198.18.{match[1]}.{match[2]}" if match else value
    if isinstance(value, dict):
        return {k: off_loopback(v) for k, v in value.items()}
    if isinstance(value, list):
        return [off_loopback(v) for v in value]
    return value


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_METADATA}
    if meta.get("ownerReferences"):
        # The API server wants an owner's uid; the owners (ReplicaSets...) are not created: a stable one.
        meta["ownerReferences"] = [
            {"uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{o.get('kind')}/{o.get('name')}")), **o}
            for o in meta["ownerReferences"]
        ]
    return off_loopback({**obj, "metadata": meta})


def _service(obj: dict[str, Any]) -> dict[str, Any]:
    spec = dict(obj.get("spec") or {})
    headless = spec.get("clusterIP") == "None"
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        spec.pop(key, None)
    if headless:
        spec["clusterIP"] = "None"
    return {**obj, "spec": spec}


def _pod(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The Pod to create (no status; an image for every container) and its status to write after."""
    spec = dict(obj.get("spec") or {})
    for key in ("containers", "initContainers"):
        if key in spec:
            spec[key] = [{"image": _NO_IMAGE, **c} for c in spec[key]]
    # No token volume: nothing here runs, and no ServiceAccount token controller runs either.
    spec.setdefault("automountServiceAccountToken", False)
    status = obj.get("status")
    return {k: v for k, v in {**obj, "spec": spec}.items() if k != "status"}, status


@dataclass
class Placed:
    """What :func:`place` created, for :func:`remove` (namespaces are left: without a namespace
    controller a deleted namespace stays ``Terminating`` for ever)."""

    #: (kind, namespace, name), in creation order.
    objects: list[tuple[str, str, str]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)


def _ordered(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    for bucket in ("nodes", "services", "pods", "endpoints", "endpointslices"):
        yield from getattr(snapshot, bucket).values()


def place(api_client: Any, snapshot: Snapshot) -> Placed:
    """Create ``snapshot``'s objects in the cluster of ``api_client`` (a ``kubernetes.client.ApiClient``);
    namespaces that exist already get the snapshot's labels and annotations."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core, discovery = client.CoreV1Api(api_client), client.DiscoveryV1Api(api_client)
    placed = Placed()
    for ns in snapshot.namespaces.values():
        ns = _clean(ns)
        name = ns["metadata"]["name"]
        try:
            core.create_namespace(ns)
        except ApiException as exc:
            if exc.status != 409:
                raise
            meta = ns["metadata"]
            core.patch_namespace(
                name, {"metadata": {k: meta[k] for k in ("labels", "annotations") if k in meta}}
            )
        placed.namespaces.append(name)
        try:
            core.create_namespaced_service_account(name, {"metadata": {"name": "default"}})
        except ApiException as exc:
            if exc.status != 409:
                raise
    try:
        for raw in _ordered(snapshot):
            obj = _clean(raw)
            kind, meta = obj["kind"], obj["metadata"]
            ns, name = meta.get("namespace", ""), meta["name"]
            if kind == "Node":
                status = obj.pop("status", None)
                core.create_node(obj)
                placed.objects.append((kind, "", name))
                if status:
                    core.patch_node_status(name, {"status": status})
            elif kind == "Service":
                core.create_namespaced_service(ns, _service(obj))
                placed.objects.append((kind, ns, name))
            elif kind == "Pod":
                pod, status = _pod(obj)
                core.create_namespaced_pod(ns, pod)
                placed.objects.append((kind, ns, name))
                if status:
                    core.patch_namespaced_pod_status(name, ns, {"status": status})
            elif kind == "Endpoints":
                core.create_namespaced_endpoints(ns, obj)
                placed.objects.append((kind, ns, name))
            elif kind == "EndpointSlice":
                discovery.create_namespaced_endpoint_slice(ns, obj)
                placed.objects.append((kind, ns, name))
    except BaseException:
        remove(api_client, placed)
        raise
    return placed


def remove(api_client: Any, placed: Placed) -> None:
    """Delete what :func:`place` created (what is gone already is fine)."""
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    core, discovery = client.CoreV1Api(api_client), client.DiscoveryV1Api(api_client)
    calls = {
        "Node": lambda ns, name: core.delete_node(name),
        "Service": lambda ns, name: core.delete_namespaced_service(name, ns),
        # No kubelet confirms a pod's end: delete it at once.
        "Pod": lambda ns, name: core.delete_namespaced_pod(name, ns, grace_period_seconds=0),
        "Endpoints": lambda ns, name: core.delete_namespaced_endpoints(name, ns),
        "EndpointSlice": lambda ns, name: discovery.delete_namespaced_endpoint_slice(name, ns),
    }
    for kind, ns, name in reversed(placed.objects):
        try:
            calls[kind](ns, name)
        except ApiException as exc:
            if exc.status != 404:
                raise
    placed.objects.clear()
