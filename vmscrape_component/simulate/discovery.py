"""vmagent's Kubernetes service discovery over a cluster snapshot: which targets a ``kubernetes_sd_config``
finds and the ``__meta_kubernetes_*`` labels each carries.

Follows ``lib/promscrape/discovery/kubernetes`` of VictoriaMetrics v1.150.0 for the roles a
VMServiceScrape renders (``endpoints``, ``endpointslice`` — ``endpointslices`` is the operator's alias —
and ``service``), plus ``pod``:

- **endpoints**: one target per (subset port, address), ``addresses`` with
  ``__meta_kubernetes_endpoint_ready="true"`` and ``notReadyAddresses`` with ``"false"``; the Service of
  the same name adds its labels; a ``Pod`` target reference adds the pod's labels and, for each container
  (and native-sidecar init container, ``restartPolicy: Always``) with a port equal to the endpoint port,
  the container labels. Every container port of a referenced pod that no endpoint port matched becomes a
  target of its own (``__address__`` = pod IP : container port).
- **endpointslice**: the same from EndpointSlices (Service from the ``kubernetes.io/service-name`` label),
  with ``conditions`` as labels instead of a ready split; absent conditions read ``false``.
- **service**: one target per Service port, ``__address__`` = ``<name>.<namespace>.svc:<port>``.
- Only objects in ``namespaces.names`` are seen (absent: every namespace) — the pods and Services used
  for enrichment too; ``selectors`` filter each role's objects; ``attach_metadata`` adds node (from Node
  objects, if the snapshot has them) and namespace labels and annotations.

Targets come out in a stable order (objects sorted by namespace/name); vmagent itself has none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import Problem, VMScrapeError
from ..grammar import object_key, sanitize_label_name
from ..shapes import OBJECTS, OTHER_OBJECT, describe, matches
from ..shapes import problems as shape_problems

T = TypeVar("T")

__all__ = ["DiscoveredTarget", "Discovery", "Snapshot", "discover", "load_snapshot", "snapshot_from_objects"]

_KINDS = {
    "Namespace": "namespaces",
    "Service": "services",
    "Endpoints": "endpoints",
    "EndpointSlice": "endpointslices",
    "Pod": "pods",
    "Node": "nodes",
}


@dataclass
class Snapshot:
    """The cluster objects discovery reads, keyed by ``namespace/name`` (``/name`` for cluster objects)."""

    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpointslices: dict[str, dict[str, Any]] = field(default_factory=dict)
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``Kind ns/name`` of objects of other kinds.
    ignored: list[str] = field(default_factory=list)

    def namespace_labels(self) -> dict[str, dict[str, str]]:
        """``{namespace: labels}`` of the Namespace objects (for namespace selectors)."""
        return {
            _meta(o).get("name", ""): dict(_meta(o).get("labels") or {}) for o in self.namespaces.values()
        }


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _key(obj: Mapping[str, Any]) -> str:
    return object_key(obj, default_namespace="")  # cluster objects without a namespace key as "/name"


def snapshot_from_objects(objects: Iterable[Any], *, where: str = "snapshot") -> Snapshot:
    """Sort Kubernetes objects (``List`` documents are opened) into a :class:`Snapshot`."""
    snapshot = Snapshot()
    problems: list[Problem] = []

    def visit(obj: Any, at: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, Mapping):
            problems.append(Problem(object=at, path="", message="expected a Kubernetes object (a mapping)"))
            return
        kind = obj.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(obj.get("items"), list):
            for i, item in enumerate(obj["items"]):
                visit(item, f"{at}.items[{i}]")
            return
        # Every field discovery reads, checked here once: discovery itself trusts the types.
        shape = OBJECTS.get(str(kind), OTHER_OBJECT)
        if not matches(obj, shape):
            problems.extend(shape_problems(obj, shape, object=f"{at} {describe(obj)}"))
            return
        if not _meta(obj).get("name"):
            problems.append(Problem(object=at, path="metadata.name", message="missing", value=None))
            return
        bucket = _KINDS.get(str(kind))
        if bucket is None:
            snapshot.ignored.append(f"{kind} {_key(obj).lstrip('/')}")
            return
        key = _key(obj) if bucket not in ("namespaces", "nodes") else "/" + _meta(obj)["name"]
        getattr(snapshot, bucket)[key] = dict(obj)

    for i, obj in enumerate(objects):
        visit(obj, f"{where}#{i}")
    if problems:
        raise VMScrapeError(problems)
    return snapshot


def load_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot file: ``kubectl get namespaces,services,endpoints,endpointslices,pods -A -o yaml``
    output (a ``List``), or any multi-document YAML of such objects. ``-`` is standard input.

    ``-o json`` output is read as JSON, which is many times faster than YAML for large clusters.
    """
    from ..bulk import gc_paused
    from ..manifests import parse_documents, parse_json, read_text

    text = read_text(path)
    with gc_paused():  # a snapshot is one big tree: the cyclic GC would rescan it over and over
        docs = [parse_json(path, text)] if text.lstrip().startswith("{") else parse_documents(path, text)
        return snapshot_from_objects(docs, where=str(path))


# -- label sets ----------------------------------------------------------------------------------------------


class _Labels:
    """Labels in the order vmagent adds them; a name added again takes the later value (vmagent's
    RemoveDuplicates keeps the last of a name, and the order is lost to the sort that follows)."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, name: str, value: Any) -> None:
        self.values[name] = "" if value is None else str(value)

    def extend(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.values.update(pairs)

    @property
    def items(self) -> list[tuple[str, str]]:
        return list(self.values.items())

    def final(self) -> dict[str, str]:
        values = self.values
        return {name: values[name] for name in sorted(values)}

    def target(self, source: str) -> DiscoveredTarget:
        """The labels, in name order, as a discovered target from ``source``."""
        return _discovered(self.values, source)


def _discovered(values: dict[str, str], source: str) -> DiscoveredTarget:
    """``values`` in name order, as a discovered target from ``source``."""
    names = sorted(values)
    # The names with one prefix are one run of the sorted names: its two ends tell about all of them.
    ordered = bool(names) and names[0] == "__address__"
    if ordered and len(names) > 1:
        ordered = names[1].startswith("__meta_") and names[-1].startswith("__meta_")
    return DiscoveredTarget({name: values[name] for name in names}, source, ordered)


def join_host_port(host: str, port: Any) -> str:
    """``host:port``, with ``[host]`` when the host has a colon (IPv6)."""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{_int(port)}"


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


#: (prefix, labels' items, annotations' items) -> the pairs :func:`_register` adds for them. Keyed by
#: content, not identity: an object registered for every target of its service or pod (and again by
#: every job that watches it) is worked out once. Emptied when it grows past _REGISTERED_LIMIT.
_REGISTERED: dict[tuple[Any, ...], list[tuple[str, str]]] = {}
_REGISTERED_LIMIT = 200_000


#: (prefix, kind, key) -> the two label names :func:`_register` writes for a label or annotation key (the
#: same few keys — app, version, pod-template-hash — are on most objects). Emptied past _REGISTERED_LIMIT.
_NAMES: dict[tuple[str, str, str], tuple[str, str]] = {}


def _registered_names(prefix: str, kind: str, key: str) -> tuple[str, str]:
    """``<prefix>_<kind>_<key>`` and ``<prefix>_<kind>present_<key>``, sanitized."""
    names = _NAMES.get((prefix, kind, key))
    if names is None:
        if len(_NAMES) > _REGISTERED_LIMIT:
            _NAMES.clear()
        names = (
            sanitize_label_name(f"{prefix}_{kind}_{key}"),
            sanitize_label_name(f"{prefix}_{kind}present_{key}"),
        )
        _NAMES[(prefix, kind, key)] = names
    return names


def _register(obj: Mapping[str, Any], prefix: str, m: _Labels) -> None:
    """``ObjectMeta.registerLabelsAndAnnotations``: labels then annotations, each sorted by name."""
    meta = _meta(obj)
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    try:
        key: tuple[Any, ...] | None = (prefix, tuple(labels.items()), tuple(annotations.items()))
        pairs = _REGISTERED.get(key)  # type: ignore[arg-type]
    except (TypeError, AttributeError):  # unhashable or odd values: worked out each time
        key, pairs = None, None
    if pairs is None:
        one = _Labels()
        for kind, values in (("label", labels), ("annotation", annotations)):
            for name in sorted(values):
                value_name, present_name = _registered_names(prefix, kind, name)
                one.add(value_name, values[name])
                one.add(present_name, "true")
        pairs = one.items
        # Only all-string entries are kept: 1 == True would otherwise let `1` reuse the text of `True`.
        if key is not None and all(type(x) is str for part in key[1:] for item in part for x in item):
            if len(_REGISTERED) > _REGISTERED_LIMIT:
                _REGISTERED.clear()
            _REGISTERED[key] = pairs
    m.extend(pairs)


@dataclass(frozen=True)
class DiscoveredTarget:
    """One target as discovery hands it to relabeling: ``__address__`` and the ``__meta_*`` labels."""

    labels: dict[str, str]
    #: Where it came from, e.g. ``Endpoints apps/web`` or ``EndpointSlice apps/web-x7k2p``.
    source: str
    #: ``labels`` is ``__address__`` and then only ``__meta_*`` labels, in name order (as discovery
    #: builds them): relabeling's starting set is then these and the job's labels, without a sort.
    ordered: bool = False

    @property
    def address(self) -> str:
        return self.labels.get("__address__", "")


@dataclass
class Discovery:
    """What one ``kubernetes_sd_config`` finds in a snapshot."""

    role: str
    #: Namespaces watched; empty means all.
    namespaces: list[str]
    targets: list[DiscoveredTarget]
    #: Things the simulation could not follow exactly (unsupported selectors or roles).
    notes: list[str] = field(default_factory=list)


# -- the watcher view: which objects a config sees -----------------------------------------------------------

_ROLE_BUCKETS = {
    "endpoints": "endpoints",
    "endpointslice": "endpointslices",
    "service": "services",
    "pod": "pods",
}


@dataclass
class _BucketIndex:
    """One snapshot bucket's keys, sorted, and grouped by the objects' ``metadata.namespace``."""

    bucket_id: int
    size: int
    keys: list[str]
    by_namespace: dict[Any, list[str]]


def _bucket_index(snapshot: Snapshot, attr: str) -> _BucketIndex:
    """The index of ``snapshot.<attr>``, built once per snapshot (every job's view reads the same one);
    rebuilt if the bucket was replaced or objects were added or removed."""
    bucket: dict[str, dict[str, Any]] = getattr(snapshot, attr)
    indexes: dict[str, _BucketIndex] = snapshot.__dict__.setdefault("_view_indexes", {})
    index = indexes.get(attr)
    if index is not None and index.bucket_id == id(bucket) and index.size == len(bucket):
        return index
    keys = sorted(bucket)
    by_namespace: dict[Any, list[str]] = {}
    for key in keys:
        try:
            group = by_namespace.setdefault(_meta(bucket[key]).get("namespace") or "", [])
        except TypeError:  # an unhashable namespace is in no watched namespace
            continue
        group.append(key)
    index = indexes[attr] = _BucketIndex(id(bucket), len(bucket), keys, by_namespace)
    return index


class _View:
    def __init__(self, snapshot: Snapshot, sd: Mapping[str, Any], notes: list[str]) -> None:
        self.snapshot = snapshot
        names = ((sd.get("namespaces") or {}).get("names")) or []
        if (sd.get("namespaces") or {}).get("own_namespace") and not names:
            notes.append(
                "namespaces.own_namespace is vmagent's own namespace, unknown here: all namespaces used"
            )
        self.namespaces = [str(n) for n in names]
        meta = sd.get("attach_metadata") or {}
        self.attach_node = bool(meta.get("node"))
        self.attach_namespace = bool(meta.get("namespace"))
        self.selectors: dict[str, list[tuple[str, str]]] = {}
        for s in sd.get("selectors") or ():
            role = _role(str(s.get("role") or ""))
            if s.get("label"):
                self.selectors.setdefault(role, []).append(("label", str(s["label"])))
            if s.get("field"):
                self.selectors.setdefault(role, []).append(("field", str(s["field"])))
        self.notes = notes
        self._cache: dict[str, list[dict[str, Any]]] = {}
        self._by_name: dict[str, dict[tuple[Any, Any], dict[str, Any]]] = {}
        #: (id(obj), what) -> (obj, value): what :meth:`_once` worked out for an object of the snapshot.
        self._once_values: dict[tuple[int, Any], tuple[Mapping[str, Any], Any]] = {}

    def _once(self, obj: Mapping[str, Any], what: Any, build: Callable[..., T], *args: Any) -> T:
        """``build(*args)`` for ``obj``, worked out once per object while this view lives (a pod, Service
        or Endpoints object is in every target it gives; the snapshot is not changed during a discovery).
        The object is kept with the value, so its id is not reused meanwhile."""
        key = (id(obj), what)
        hit = self._once_values.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]  # type: ignore[no-any-return]
        value = build(*args)
        self._once_values[key] = (obj, value)
        return value

    def common(
        self, obj: Mapping[str, Any], labels: Callable[[Mapping[str, Any], _View, _Labels], None]
    ) -> list[tuple[str, str]]:
        """The labels ``labels`` adds for ``obj``, worked out once per object."""
        return self._once(obj, labels, _added, labels, obj, self)

    def registered(self, obj: Mapping[str, Any], prefix: str) -> list[tuple[str, str]]:
        """What :func:`_register` adds for ``obj`` under ``prefix``, worked out once per object."""
        return self._once(obj, prefix, _added, _register, obj, prefix)

    def container_ports(
        self, pod: Mapping[str, Any], sidecars_only: bool
    ) -> dict[int, list[list[tuple[str, str]]]]:
        """:func:`_container_ports` of ``pod``, worked out once per pod."""
        return self._once(pod, sidecars_only, _container_ports, pod, sidecars_only)

    def objects(self, role: str) -> list[dict[str, Any]]:
        if role not in self._cache:
            self._cache[role] = self._objects(role)
        return self._cache[role]

    def _objects(self, role: str) -> list[dict[str, Any]]:
        attr = _ROLE_BUCKETS[role]
        bucket: dict[str, dict[str, Any]] = getattr(self.snapshot, attr)
        index = _bucket_index(self.snapshot, attr)
        if self.namespaces:
            keys = [key for ns in dict.fromkeys(self.namespaces) for key in index.by_namespace.get(ns, ())]
            keys.sort()  # already sorted runs: near-linear
        else:
            keys = index.keys
        selectors = self.selectors.get(role, ())
        if not selectors:
            return [bucket[key] for key in keys]
        out = []
        for key in keys:
            obj = bucket[key]
            if all(self._selected(obj, kind, text) for kind, text in selectors):
                out.append(obj)
        return out

    def get(self, role: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The first object of ``role`` (in :meth:`objects` order) named ``namespace/name``."""
        if not name:
            return None
        by_name = self._by_name.get(role)
        if by_name is None:
            by_name = self._by_name[role] = {}
            for obj in self.objects(role):
                meta = _meta(obj)
                try:
                    by_name.setdefault((meta.get("namespace") or "", meta.get("name")), obj)
                except TypeError:  # an unhashable name: only the linear scan below finds it
                    continue
        try:
            return by_name.get((namespace, name))
        except TypeError:
            for obj in self.objects(role):
                meta = _meta(obj)
                if meta.get("name") == name and (meta.get("namespace") or "") == namespace:
                    return obj
            return None

    def node(self, name: str) -> dict[str, Any] | None:
        return self.snapshot.nodes.get("/" + name) if self.attach_node else None

    def namespace(self, name: str) -> dict[str, Any] | None:
        return self.snapshot.namespaces.get("/" + name) if self.attach_namespace else None

    def _selected(self, obj: Mapping[str, Any], kind: str, text: str) -> bool:
        if kind == "label":
            try:
                return label_selector_matches(text, _meta(obj).get("labels") or {})
            except ValueError as exc:
                self._note(f"label selector {text!r} not simulated ({exc}); objects not filtered by it")
                return True
        return self._field_selected(obj, text)

    def _field_selected(self, obj: Mapping[str, Any], text: str) -> bool:
        for requirement in filter(None, (r.strip() for r in text.split(","))):
            m = re.fullmatch(r"([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)", requirement)
            if not m or m.group(1) not in ("metadata.name", "metadata.namespace"):
                self._note(f"field selector {requirement!r} not simulated; objects not filtered by it")
                continue
            value = _meta(obj).get(m.group(1).split(".")[1]) or ""
            if (value == m.group(3)) != (m.group(2) != "!="):
                return False
        return True

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _added(add: Callable[..., None], *args: Any) -> list[tuple[str, str]]:
    """The labels ``add(*args, labels)`` adds to an empty set, in order."""
    m = _Labels()
    add(*args, m)
    return m.items


def label_selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` match a label selector in Kubernetes' string form (``a=b,c in (d),!e``)."""
    for requirement in _split_requirements(selector):
        m = re.fullmatch(r"([^\s!=,()]+)\s+(in|notin)\s+\((.*)\)", requirement)
        if m:
            values = {v.strip() for v in m.group(3).split(",") if v.strip()}
            present = m.group(1) in labels
            if m.group(2) == "in" and not (present and labels[m.group(1)] in values):
                return False
            if m.group(2) == "notin" and present and labels[m.group(1)] in values:
                return False
            continue
        m = re.fullmatch(r"([^\s!=,()]+)\s*(==|!=|=)\s*([^\s,()]*)", requirement)
        if m:
            equal = labels.get(m.group(1)) == m.group(3)
            if m.group(2) == "!=":
                if m.group(1) in labels and equal:
                    return False
            elif not equal:
                return False
            continue
        m = re.fullmatch(r"(!?)\s*([^\s!=,()]+)", requirement)
        if m:
            if (m.group(2) in labels) == bool(m.group(1)):
                return False
            continue
        raise ValueError(f"cannot parse requirement {requirement!r}")
    return True


def _split_requirements(selector: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


# -- object labels -------------------------------------------------------------------------------------------


def _pod_ready(pod: Mapping[str, Any]) -> str:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return str(cond.get("status") or "").lower()
    return "unknown"


def _pod_controller(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for ref in _meta(pod).get("ownerReferences") or ():
        if isinstance(ref, Mapping) and ref.get("controller"):
            return ref
    return None


def _pod_common(pod: Mapping[str, Any], view: _View, m: _Labels) -> None:
    m.extend(view.common(pod, _pod_labels))


def _pod_labels(pod: Mapping[str, Any], view: _View, m: _Labels) -> None:
    meta, spec, status = _meta(pod), pod.get("spec") or {}, pod.get("status") or {}
    if view.attach_node:
        m.add("__meta_kubernetes_node_name", spec.get("nodeName"))
        node = view.node(spec.get("nodeName") or "")
        if node is not None:
            _register(node, "__meta_kubernetes_node", m)
    if view.attach_namespace:
        ns = view.namespace(meta.get("namespace") or "")
        if ns is not None:
            _register(ns, "__meta_kubernetes_namespace", m)
    m.add("__meta_kubernetes_pod_name", meta.get("name"))
    m.add("__meta_kubernetes_pod_ip", status.get("podIP"))
    m.add("__meta_kubernetes_pod_ready", _pod_ready(pod))
    m.add("__meta_kubernetes_pod_phase", status.get("phase"))
    m.add("__meta_kubernetes_pod_node_name", spec.get("nodeName"))
    m.add("__meta_kubernetes_pod_host_ip", status.get("hostIP"))
    m.add("__meta_kubernetes_pod_uid", meta.get("uid"))
    m.add("__meta_kubernetes_namespace", meta.get("namespace"))
    controller = _pod_controller(pod)
    if controller is not None:
        if controller.get("kind"):
            m.add("__meta_kubernetes_pod_controller_kind", controller["kind"])
        if controller.get("name"):
            m.add("__meta_kubernetes_pod_controller_name", controller["name"])
    _register(pod, "__meta_kubernetes_pod", m)


def _container_labels(
    container: Mapping[str, Any], port: Mapping[str, Any] | None, init: bool, m: _Labels
) -> None:
    values = m.values
    values["__meta_kubernetes_pod_container_image"] = _text(container.get("image"))
    values["__meta_kubernetes_pod_container_name"] = _text(container.get("name"))
    values["__meta_kubernetes_pod_container_init"] = "true" if init else "false"
    if port is not None:
        values["__meta_kubernetes_pod_container_port_name"] = _text(port.get("name"))
        values["__meta_kubernetes_pod_container_port_number"] = str(_int(port.get("containerPort")))
        values["__meta_kubernetes_pod_container_port_protocol"] = _text(port.get("protocol"))


def _service_common(svc: Mapping[str, Any], view: _View, m: _Labels) -> None:
    m.extend(view.common(svc, _service_labels))


def _service_labels(svc: Mapping[str, Any], view: _View, m: _Labels) -> None:
    meta, spec = _meta(svc), svc.get("spec") or {}
    m.add("__meta_kubernetes_namespace", meta.get("namespace"))
    m.add("__meta_kubernetes_service_name", meta.get("name"))
    m.add("__meta_kubernetes_service_type", spec.get("type"))
    if spec.get("type") != "ExternalName":
        m.add("__meta_kubernetes_service_cluster_ip", spec.get("clusterIP"))
    else:
        m.add("__meta_kubernetes_service_external_name", spec.get("externalName"))
    if view.attach_namespace:
        ns = view.namespace(meta.get("namespace") or "")
        if ns is not None:
            _register(ns, "__meta_kubernetes_namespace", m)
    _register(svc, "__meta_kubernetes_service", m)


def _containers(pod: Mapping[str, Any], init: bool) -> list[Mapping[str, Any]]:
    return list((pod.get("spec") or {}).get("initContainers" if init else "containers") or ())


def _native_sidecar(container: Mapping[str, Any]) -> bool:
    return container.get("restartPolicy") == "Always"


def _ports(container: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(container.get("ports") or ())


class _PodPortsSeen:
    """Pods referenced by endpoints and the container ports an endpoint port matched (``podPortsSeen``)."""

    def __init__(self) -> None:
        self.pods: dict[str, tuple[Mapping[str, Any], list[int]]] = {}

    def touch(self, pod: Mapping[str, Any]) -> list[int]:
        return self.pods.setdefault(_key(pod), (pod, []))[1]

    def extra_targets(
        self, view: _View, add_owner: Any, svc: Mapping[str, Any] | None, source: str
    ) -> list[DiscoveredTarget]:
        out = []
        for key in sorted(self.pods):
            pod, seen = self.pods[key]
            for init in (False, True):
                for container in _containers(pod, init):
                    if init and not _native_sidecar(container):
                        continue
                    for port in _ports(container):
                        if _int(port.get("containerPort")) in seen:
                            continue
                        m = _Labels()
                        ip = (pod.get("status") or {}).get("podIP") or ""
                        m.add("__address__", join_host_port(ip, port.get("containerPort")))
                        _pod_common(pod, view, m)
                        _container_labels(container, port, init, m)
                        add_owner(pod, m)
                        if svc is not None:
                            _service_common(svc, view, m)
                        out.append(m.target(f"{source} (pod {key} port not in it)"))
        return out


def _endpoints_targets(eps: Mapping[str, Any], view: _View) -> list[DiscoveredTarget]:
    meta = _meta(eps)
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    source = f"Endpoints {namespace}/{name}"
    svc = view.get("service", namespace, name)
    seen = _PodPortsSeen()
    out: list[DiscoveredTarget] = []
    # Labels are written in vmagent's order (a name written again takes the later value); what is the
    # same for every address of the object, or of one port, is worked out once.
    shared = [*(view.common(svc, _service_labels) if svc is not None else ()), *view.registered(eps, _EPS)]
    own = {
        "__meta_kubernetes_namespace": _text(meta.get("namespace")),
        _EPS + "_name": _text(meta.get("name")),
    }
    for subset in eps.get("subsets") or ():
        for port in subset.get("ports") or ():
            number = _int(port.get("port"))
            for ready, addresses in (("true", "addresses"), ("false", "notReadyAddresses")):
                per_port = {
                    **own,
                    _EP + "_ready": ready,
                    _EP + "_port_name": _text(port.get("name")),
                    _EP + "_port_protocol": _text(port.get("protocol")),
                }
                for address in subset.get(addresses) or ():
                    ref = address.get("targetRef") or {}
                    values = {"__address__": join_host_port(address.get("ip") or "", port.get("port"))}
                    values.update(per_port)
                    if ref.get("kind"):
                        values[_EP + "_address_target_kind"] = _text(ref.get("kind"))
                        values[_EP + "_address_target_name"] = _text(ref.get("name"))
                    if address.get("nodeName"):
                        values[_EP + "_node_name"] = _text(address["nodeName"])
                    if address.get("hostname"):
                        values[_EP + "_hostname"] = _text(address["hostname"])
                    values.update(shared)
                    pod = (
                        view.get("pod", ref.get("namespace") or "", ref.get("name") or "")
                        if ref.get("name")
                        else None
                    )
                    if ref.get("kind") == "Pod" and pod is not None:
                        values.update(view.common(pod, _pod_labels))
                        _add_container_ports(pod, number, seen.touch(pod), values, view, sidecars_only=True)
                    out.append(_discovered(values, source))

    def owner(pod: Mapping[str, Any], m: _Labels) -> None:
        m.add("__meta_kubernetes_endpoints_name", name)
        m.add("__meta_kubernetes_endpoint_address_target_kind", "Pod")
        m.add("__meta_kubernetes_endpoint_address_target_name", _meta(pod).get("name"))
        m.extend(view.registered(eps, _EPS))

    return out + seen.extra_targets(view, owner, svc, source)


_EP = "__meta_kubernetes_endpoint"
_EPS = "__meta_kubernetes_endpoints"
_SLICE = "__meta_kubernetes_endpointslice"


def _text(value: Any) -> str:
    """A label value: what vmagent writes for a field (``""`` for an absent one)."""
    return "" if value is None else str(value)


def _add_container_ports(
    pod: Mapping[str, Any],
    port: int,
    matched: list[int],
    values: dict[str, str],
    view: _View,
    *,
    sidecars_only: bool,
) -> None:
    """Each container with a port equal to ``port`` (its first such port) adds its labels, in order."""
    for pairs in view.container_ports(pod, sidecars_only).get(port, ()):
        matched.append(port)
        values.update(pairs)


def _container_ports(pod: Mapping[str, Any], sidecars_only: bool) -> dict[int, list[list[tuple[str, str]]]]:
    """``{port: [labels of each container whose first port of that number it is]}``, containers in order
    (init containers after the others; only native sidecars among them if ``sidecars_only``)."""
    by_port: dict[int, list[list[tuple[str, str]]]] = {}
    for init in (False, True):
        for container in _containers(pod, init):
            if init and sidecars_only and not _native_sidecar(container):
                continue
            seen: set[int] = set()
            for cp in _ports(container):
                number = _int(cp.get("containerPort"))
                if number not in seen:
                    seen.add(number)
                    m = _Labels()
                    _container_labels(container, cp, init, m)
                    by_port.setdefault(number, []).append(m.items)
    return by_port


def _endpointslice_targets(eps: Mapping[str, Any], view: _View) -> list[DiscoveredTarget]:
    meta = _meta(eps)
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    source = f"EndpointSlice {namespace}/{name}"
    svc = view.get("service", namespace, (meta.get("labels") or {}).get("kubernetes.io/service-name") or "")
    seen = _PodPortsSeen()
    out: list[DiscoveredTarget] = []
    # As for Endpoints: written in vmagent's order, what is shared worked out once.
    shared = [*(view.common(svc, _service_labels) if svc is not None else ()), *view.registered(eps, _SLICE)]
    own = {
        "__meta_kubernetes_namespace": _text(meta.get("namespace")),
        _SLICE + "_name": _text(meta.get("name")),
        _SLICE + "_address_type": _text(eps.get("addressType")),
    }
    ports = eps.get("ports") or ()
    for endpoint in eps.get("endpoints") or ():
        ref = endpoint.get("targetRef") or {}
        pod = view.get("pod", ref.get("namespace") or "", ref.get("name") or "")
        pod_labels = view.common(pod, _pod_labels) if ref.get("kind") == "Pod" and pod is not None else None
        endpoint_labels = _endpointslice_endpoint_labels(endpoint)
        for port in ports:
            number = _int(port.get("port"))
            per_port = {**own, **endpoint_labels[0]}
            per_port[_SLICE + "_port_name"] = _text(port.get("name"))
            per_port[_SLICE + "_port_protocol"] = _text(port.get("protocol"))
            per_port[_SLICE + "_port"] = str(number)
            if port.get("appProtocol"):
                per_port[_SLICE + "_port_app_protocol"] = _text(port["appProtocol"])
            per_port.update(endpoint_labels[1])
            for address in endpoint.get("addresses") or ():
                values = {"__address__": join_host_port(str(address), port.get("port"))}
                values.update(per_port)
                values.update(shared)
                if pod is not None and pod_labels is not None:
                    matched = seen.touch(pod)
                    values.update(pod_labels)
                    # Unlike role endpoints, any init container's port counts here (not only sidecars).
                    _add_container_ports(pod, number, matched, values, view, sidecars_only=False)
                out.append(_discovered(values, source))

    def owner(pod: Mapping[str, Any], m: _Labels) -> None:
        m.add("__meta_kubernetes_endpointslice_name", name)
        m.add("__meta_kubernetes_endpointslice_address_target_kind", "Pod")
        m.add("__meta_kubernetes_endpointslice_address_target_name", _meta(pod).get("name"))
        m.add("__meta_kubernetes_endpointslice_address_type", eps.get("addressType"))
        m.extend(view.registered(eps, _SLICE))

    return out + seen.extra_targets(view, owner, svc, source)


def _endpointslice_endpoint_labels(endpoint: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """One endpoint's labels, in two parts: those written before the port's, and those after."""
    conditions = endpoint.get("conditions") or {}
    ref = endpoint.get("targetRef") or {}
    before = {
        # A Go bool: an absent condition reads false.
        f"{_SLICE}_endpoint_conditions_{condition}": "true" if conditions.get(condition) is True else "false"
        for condition in ("ready", "serving", "terminating")
    }
    after: dict[str, str] = {}
    if ref.get("kind"):
        after[_SLICE + "_address_target_kind"] = _text(ref.get("kind"))
        after[_SLICE + "_address_target_name"] = _text(ref.get("name"))
    if endpoint.get("hostname"):
        after[_SLICE + "_endpoint_hostname"] = _text(endpoint["hostname"])
    if endpoint.get("nodeName"):
        after[_SLICE + "_endpoint_node_name"] = _text(endpoint["nodeName"])
    # discovery.k8s.io/v1 calls it deprecatedTopology, which vmagent's `Topology` field does not read.
    topology = endpoint.get("topology") or {}
    for key in sorted(topology):
        after[sanitize_label_name(f"{_SLICE}_endpoint_topology_{key}")] = _text(topology[key])
        after[sanitize_label_name(f"{_SLICE}_endpoint_topology_present_{key}")] = "true"
    return before, after


def _service_targets(svc: Mapping[str, Any], view: _View) -> list[DiscoveredTarget]:
    meta = _meta(svc)
    host = f"{meta.get('name')}.{meta.get('namespace')}.svc"
    source = f"Service {meta.get('namespace')}/{meta.get('name')}"
    out = []
    for port in (svc.get("spec") or {}).get("ports") or ():
        m = _Labels()
        m.add("__address__", join_host_port(host, port.get("port")))
        m.add("__meta_kubernetes_service_port_name", port.get("name"))
        m.add("__meta_kubernetes_service_port_number", _int(port.get("port")))
        m.add("__meta_kubernetes_service_port_protocol", port.get("protocol"))
        _service_common(svc, view, m)
        out.append(m.target(source))
    return out


def _pod_targets(pod: Mapping[str, Any], view: _View) -> list[DiscoveredTarget]:
    status = pod.get("status") or {}
    ip = status.get("podIP") or ""
    if not ip or status.get("phase") in ("Succeeded", "Failed"):
        return []
    source = f"Pod {_key(pod)}"
    out = []
    for init in (False, True):
        statuses = status.get("initContainerStatuses" if init else "containerStatuses") or ()
        for container in _containers(pod, init):
            state = next((s for s in statuses if s.get("name") == container.get("name")), None)
            if state is not None and (state.get("state") or {}).get("terminated") is not None:
                continue
            ports: list[Mapping[str, Any] | None] = [*_ports(container)] or [None]
            for port in ports:
                m = _Labels()
                if port is not None:
                    m.add("__address__", join_host_port(ip, port.get("containerPort")))
                else:
                    m.add("__address__", f"[{ip}]" if ":" in ip else ip)
                if state is not None and state.get("containerID"):
                    m.add("__meta_kubernetes_pod_container_id", state["containerID"])
                _pod_common(pod, view, m)
                _container_labels(container, port, init, m)
                out.append(m.target(source))
    return out


_ROLE_TARGETS = {
    "endpoints": _endpoints_targets,
    "endpointslice": _endpointslice_targets,
    "service": _service_targets,
    "pod": _pod_targets,
}


def _role(role: str) -> str:
    # vmagent accepts the operator's `endpointslices` as `endpointslice`.
    return "endpointslice" if role == "endpointslices" else role


def discover(snapshot: Snapshot, sd_config: Mapping[str, Any]) -> Discovery:
    """The targets one ``kubernetes_sd_configs`` entry finds in ``snapshot``."""
    role = _role(str(sd_config.get("role") or ""))
    notes: list[str] = []
    view = _View(snapshot, sd_config, notes)
    if role not in _ROLE_TARGETS:
        notes.append(f"role {role!r} is not simulated (endpoints, endpointslice, service and pod are)")
        return Discovery(role, view.namespaces, [], notes)
    targets: list[DiscoveredTarget] = []
    for obj in view.objects(role):
        targets.extend(_ROLE_TARGETS[role](obj, view))
    return Discovery(role, view.namespaces, targets, notes)
