"""The shape of plain data vmscrape reads without a model, checked once where it is read.

Secrets, ConfigMaps, Namespaces and objects of other kinds in manifest files, the objects of a cluster
snapshot, a rendered vmagent config given to ``vmscrape diff`` and a kubeconfig are used as plain
mappings. Each is checked here against the fields vmscrape reads from it, so that a wrong type
(``subsets: 3``, a mapping as ``metadata.namespace``) is one
:class:`~vmscrape_component.errors.VMScrapeError` naming the object, the field path and what is allowed,
instead of a failure deep inside discovery or rendering.

A shape is written as data:

- a type (``str``, ``int``, ``bool``, ``float``): a scalar of that type (``bool`` is not an ``int``);
- ``{key: shape}``: a mapping whose listed keys, where present, have those shapes (others are not read);
- ``[shape]``: a list whose items have that shape;
- :class:`MapOf` ``(shape)``: a mapping from strings to values of that shape;
- :class:`OneOf` ``(shape, ...)``: any of the shapes;
- :data:`JSON`: any JSON data (string keys; strings, numbers, booleans, null, lists, mappings).

``null`` is allowed for a field (Kubernetes reads a null field as an absent one), not as an item of a list
or a value of a map, where it is almost always a value left out by mistake (``key:`` with nothing after).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Problem, VMScrapeError
from .grammar.relabel_actions import RELABEL_KEYS

__all__ = [
    "CONFIG",
    "JSON",
    "KUBECONFIG",
    "OBJECTS",
    "OTHER_OBJECT",
    "MapOf",
    "OneOf",
    "check",
    "check_object",
    "describe",
    "matches",
    "problems",
]

#: How many problems one object reports at most (the rest are usually the same mistake repeated).
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class MapOf:
    """A mapping from strings to values of ``values``' shape (labels, annotations, a Secret's data)."""

    values: Any


@dataclass(frozen=True)
class OneOf:
    """A value of any of ``shapes``."""

    shapes: tuple[Any, ...]

    def __init__(self, *shapes: Any) -> None:
        object.__setattr__(self, "shapes", shapes)


class _JSON:
    """Any JSON data."""


JSON: Any = _JSON()

_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}


def check(value: Any, shape: Any, *, object: str, path: str = "", secret: bool = False) -> None:
    """Raise :class:`VMScrapeError` listing where ``value`` does not have ``shape``.

    ``object`` names the object (``"Secret apps/creds"``), ``path`` is put in front of every field path;
    ``secret``: never show the offending values.
    """
    found = problems(value, shape, object=object, path=path, secret=secret)
    if found:
        raise VMScrapeError(found)


def problems(value: Any, shape: Any, *, object: str, path: str = "", secret: bool = False) -> list[Problem]:
    """Where ``value`` does not have ``shape``, as problems (see :func:`check`); at most 20."""
    if matches(value, shape):
        return []  # the common case, decided without building a single path
    out: list[Problem] = []
    _Walk(out, object, secret).walk(value, shape, path, field=True)
    return out


_MATCHERS: dict[int, tuple[Any, Callable[[Any], bool]]] = {}


def _matcher(shape: Any) -> Callable[[Any], bool]:
    """A function telling whether a non-null value has ``shape``: the fast yes/no of :func:`problems`,
    compiled once per shape (a snapshot of thousands of objects is checked object by object)."""
    cached = _MATCHERS.get(id(shape))
    if cached is None or cached[0] is not shape:
        cached = _MATCHERS[id(shape)] = (shape, _generate(shape))
    return cached[1]


def _generate(shape: Any) -> Callable[[Any], bool]:
    """:func:`_compile`'s matcher written out as one Python function for the mappings, lists and maps
    of ``shape`` (no call per nested field); the other shapes are called as :func:`_compile` built them.
    Checked against :func:`_compile` and :class:`_Walk` by ``tests/unit/test_shapes.py``."""
    if not isinstance(shape, dict | list | MapOf):
        return _compile(shape)
    lines = ["def match(v0):"]
    names: dict[str, Any] = {"Mapping": Mapping}
    counter = iter(range(1, 1 << 30))

    def emit(shape: Any, var: str, indent: str) -> None:
        # Code returning False when the non-null value in `var` does not have `shape`.
        if isinstance(shape, dict):
            lines.append(
                f"{indent}if type({var}) is not dict and not isinstance({var}, Mapping): return False"
            )
            for key, sub in shape.items():
                item = f"v{next(counter)}"
                lines.append(f"{indent}{item} = {var}.get({key!r})")
                if sub is str:
                    lines.append(
                        f"{indent}if {item} is not None and type({item}) is not str"
                        f" and not isinstance({item}, str): return False"
                    )
                else:
                    lines.append(f"{indent}if {item} is not None:")
                    emit(sub, item, indent + "    ")
        elif isinstance(shape, list):
            item = f"v{next(counter)}"
            lines.append(f"{indent}if type({var}) is not list: return False")
            lines.append(f"{indent}for {item} in {var}:")
            lines.append(f"{indent}    if {item} is None: return False")
            emit(shape[0], item, indent + "    ")
        elif isinstance(shape, MapOf):
            key, item = f"v{next(counter)}", f"v{next(counter)}"
            lines.append(
                f"{indent}if type({var}) is not dict and not isinstance({var}, Mapping): return False"
            )
            lines.append(f"{indent}for {key}, {item} in {var}.items():")
            if shape.values is str:
                lines.append(
                    f"{indent}    if type({key}) is not str or (type({item}) is not str"
                    f" and not isinstance({item}, str)): return False"
                )
            else:
                lines.append(f"{indent}    if not isinstance({key}, str) or {item} is None: return False")
                emit(shape.values, item, indent + "    ")
        else:
            name = f"m{next(counter)}"
            names[name] = _compile(shape)
            lines.append(f"{indent}if not {name}({var}): return False")

    emit(shape, "v0", "    ")
    lines.append("    return True")
    exec("\n".join(lines), names)  # the source is built from the shape's own keys (repr) and fixed text
    match: Callable[[Any], bool] = names["match"]
    return match


def _compile(shape: Any) -> Callable[[Any], bool]:
    # Plain loops and `type(...) is dict` first: this runs for every field of every snapshot object.
    if isinstance(shape, dict):
        text_fields = tuple(key for key, sub in shape.items() if sub is str)
        fields = [(key, _compile(sub)) for key, sub in shape.items() if sub is not str]

        def mapping(value: Any) -> bool:
            if type(value) is not dict and not isinstance(value, Mapping):
                return False
            get = value.get
            for key in text_fields:
                item = get(key)
                if item is not None and type(item) is not str and not isinstance(item, str):
                    return False
            for key, matches in fields:
                item = get(key)
                if item is not None and not matches(item):
                    return False
            return True

        return mapping
    if isinstance(shape, list):
        matches_item = _compile(shape[0])
        return lambda value: (
            type(value) is list and all(item is not None and matches_item(item) for item in value)
        )
    if isinstance(shape, MapOf):
        if shape.values is str:

            def strings(value: Any) -> bool:
                if type(value) is not dict and not isinstance(value, Mapping):
                    return False
                for key, item in value.items():
                    if type(key) is not str or (type(item) is not str and not isinstance(item, str)):
                        return False
                return True

            return strings
        matches_value = _compile(shape.values)

        def map_of(value: Any) -> bool:
            if type(value) is not dict and not isinstance(value, Mapping):
                return False
            for key, item in value.items():
                if not isinstance(key, str) or item is None or not matches_value(item):
                    return False
            return True

        return map_of
    if isinstance(shape, OneOf):
        options = [_compile(option) for option in shape.shapes]
        return lambda value: any(matches(value) for matches in options)
    if shape is JSON:
        return _is_json
    if shape is str:
        return lambda value: type(value) is str or isinstance(value, str)
    return lambda value: _is_scalar(value, shape)


@dataclass
class _Walk:
    out: list[Problem]
    object: str
    secret: bool

    def walk(self, value: Any, shape: Any, path: str, *, field: bool) -> None:
        """``field``: ``value`` is a field of a mapping (may be null), not a list item or a map value."""
        if len(self.out) >= _MAX_PROBLEMS:
            return
        if value is None:
            if not field:
                self.fail(path, "must not be null", None)
            return
        if isinstance(shape, dict):
            if not isinstance(value, Mapping):
                self.fail(path, "must be a mapping", value)
                return
            for key, sub in shape.items():
                if key in value:
                    self.walk(value[key], sub, _join(path, key), field=True)
        elif isinstance(shape, list):
            if not isinstance(value, list):
                self.fail(path, "must be a list", value)
                return
            for index, item in enumerate(value):
                self.walk(item, shape[0], f"{path}[{index}]", field=False)
        elif isinstance(shape, MapOf):
            if not isinstance(value, Mapping):
                self.fail(path, "must be a mapping", value)
                return
            for key, item in value.items():
                if not isinstance(key, str):
                    self.fail(path, f"keys must be strings, not {key!r}", None)
                    continue
                self.walk(item, shape.values, _join(path, key), field=False)
        elif isinstance(shape, OneOf):
            for option in shape.shapes:
                if not problems(value, option, object=self.object, path=path, secret=self.secret):
                    return
            self.fail(path, "must be " + _describe(shape), value)
        elif shape is JSON:
            _walk_json(value, path, self)
        elif not _is_scalar(value, shape):
            self.fail(path, f"must be {_NAMES[shape]}", value)

    def fail(self, path: str, message: str, value: Any) -> None:
        # Whole mappings and lists are not shown: they may hold credentials.
        shown = None if self.secret or isinstance(value, Mapping | list) else value
        self.out.append(Problem(object=self.object, path=path, message=message, value=shown))


def _walk_json(value: Any, path: str, walk: _Walk) -> None:
    # Iterative: a rendered config can be large; its depth is bounded where it was read.
    stack = [(value, path)]
    while stack and len(walk.out) < _MAX_PROBLEMS:
        item, at = stack.pop()
        if item is None or isinstance(item, str | int | float):  # bool is an int
            continue
        if isinstance(item, list):
            stack.extend((sub, f"{at}[{i}]") for i, sub in enumerate(item))
        elif isinstance(item, Mapping):
            for key, sub in item.items():
                if not isinstance(key, str):
                    walk.fail(at, f"keys must be strings, not {key!r}", None)
                    continue
                stack.append((sub, _join(at, key)))
        else:
            walk.fail(
                at, f"must be a string, number, boolean, list or mapping, not {type(item).__name__}", None
            )


def _is_json(value: Any) -> bool:
    walk = _Walk([], "", secret=True)
    _walk_json(value, "", walk)
    return not walk.out


def _is_scalar(value: Any, shape: type) -> bool:
    if shape is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if shape is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, shape)


def _describe(shape: Any) -> str:
    if isinstance(shape, OneOf):
        return " or ".join(_describe(s) for s in shape.shapes)
    if isinstance(shape, dict | MapOf):
        return "a mapping"
    if isinstance(shape, list):
        return f"a list of {_describe(shape[0]).removeprefix('a ').removeprefix('an ')}s"
    return _NAMES.get(shape, "JSON data")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# -- the shapes vmscrape reads ---------------------------------------------------------------------------

#: ``metadata`` of any Kubernetes object, as far as vmscrape reads it.
METADATA = {
    "name": str,
    "namespace": str,
    "uid": str,
    "labels": MapOf(str),
    "annotations": MapOf(str),
    "ownerReferences": [{"kind": str, "name": str, "controller": bool}],
}
_OBJECT_REF = {"kind": str, "name": str, "namespace": str}
_ENDPOINT_PORT = {"name": str, "port": int, "protocol": str, "appProtocol": str}
_ENDPOINT_ADDRESS = {"ip": str, "hostname": str, "nodeName": str, "targetRef": _OBJECT_REF}
_CONTAINER = {
    "name": str,
    "image": str,
    "restartPolicy": str,
    "ports": [{"name": str, "containerPort": int, "protocol": str}],
}
_CONTAINER_STATUS = {"name": str, "containerID": str, "state": {"terminated": {}}}

#: Every kind vmscrape reads as plain data: its shape (``metadata`` included).
OBJECTS: dict[str, Any] = {
    "Secret": {"metadata": METADATA, "data": MapOf(str), "stringData": MapOf(str)},
    "ConfigMap": {"metadata": METADATA, "data": MapOf(str), "binaryData": MapOf(str)},
    "Namespace": {"metadata": METADATA},
    "Node": {"metadata": METADATA},
    "Service": {
        "metadata": METADATA,
        "spec": {
            "type": str,
            "clusterIP": str,
            "externalName": str,
            "ports": [{"name": str, "port": int, "protocol": str}],
        },
    },
    "Endpoints": {
        "metadata": METADATA,
        "subsets": [
            {
                "addresses": [_ENDPOINT_ADDRESS],
                "notReadyAddresses": [_ENDPOINT_ADDRESS],
                "ports": [_ENDPOINT_PORT],
            }
        ],
    },
    "EndpointSlice": {
        "metadata": METADATA,
        "addressType": str,
        "endpoints": [
            {
                "addresses": [str],
                "conditions": {"ready": bool, "serving": bool, "terminating": bool},
                "hostname": str,
                "nodeName": str,
                "targetRef": _OBJECT_REF,
                "topology": MapOf(str),
            }
        ],
        "ports": [_ENDPOINT_PORT],
    },
    "Pod": {
        "metadata": METADATA,
        "spec": {"nodeName": str, "containers": [_CONTAINER], "initContainers": [_CONTAINER]},
        "status": {
            "podIP": str,
            "hostIP": str,
            "phase": str,
            "conditions": [{"type": str, "status": str}],
            "containerStatuses": [_CONTAINER_STATUS],
            "initContainerStatuses": [_CONTAINER_STATUS],
        },
    },
}
#: Any other kind: only its ``metadata`` is read (to name it).
OTHER_OBJECT = {"metadata": METADATA}

_SCALAR = OneOf(str, float, bool)
#: The fields of a rule vmagent reads (the one list in :mod:`.grammar.relabel_actions`) and their shapes.
_RELABEL_FIELD_SHAPES: dict[str, Any] = {
    "action": str,
    "source_labels": [str],
    "separator": str,
    "target_label": str,
    "replacement": _SCALAR,
    "modulus": int,
    "regex": OneOf(_SCALAR, [_SCALAR]),
    "if": OneOf(str, [str]),
    "match": str,
    "labels": MapOf(str),
}
_RELABEL_RULE = {key: _RELABEL_FIELD_SHAPES[key] for key in RELABEL_KEYS}
_DURATION = OneOf(str, int)
_SD_CONFIG = {
    "role": str,
    "namespaces": {"names": [str], "own_namespace": bool},
    "selectors": [{"role": str, "label": str, "field": str}],
    "attach_metadata": {"node": bool, "namespace": bool},
}
#: A rendered vmagent config, as far as ``diff`` and the simulation read it; all of it JSON data.
CONFIG = {
    "global": {"scrape_interval": _DURATION, "scrape_timeout": _DURATION, "relabel_configs": [_RELABEL_RULE]},
    "scrape_configs": [
        {
            "job_name": str,
            "scrape_interval": _DURATION,
            "scrape_timeout": _DURATION,
            "scheme": str,
            "metrics_path": str,
            "params": MapOf([_SCALAR]),
            "relabel_configs": [_RELABEL_RULE],
            "kubernetes_sd_configs": [_SD_CONFIG],
        }
    ],
}

#: A kubeconfig, as far as the Kubernetes client reads it before it can report a problem itself.
KUBECONFIG = {
    "current-context": str,
    "clusters": [{"name": str, "cluster": {"server": str, "certificate-authority": str}}],
    "contexts": [{"name": str, "context": {"cluster": str, "user": str, "namespace": str}}],
    "users": [{"name": str, "user": {}}],
}


def matches(value: Any, shape: Any) -> bool:
    """Whether ``value`` has ``shape`` (:func:`problems` says where it has not)."""
    return value is None or _matcher(shape)(value)


def describe(obj: Mapping[str, Any]) -> str:
    """``Kind ns/name``, from whichever of those are strings (the object may not be checked yet)."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    ns, name = meta.get("namespace"), meta.get("name")
    ns = f"{ns}/" if isinstance(ns, str) and ns else ""
    return f"{obj.get('kind')} {ns}{name if isinstance(name, str) else '?'}"


def check_object(obj: Mapping[str, Any], *, where: str, kinds: Mapping[str, Any] = OBJECTS) -> None:
    """Check a Kubernetes object read as plain data against the shape of its kind (``where`` names it)."""
    kind = obj.get("kind")
    shape = kinds.get(kind, OTHER_OBJECT) if isinstance(kind, str) else OTHER_OBJECT
    check(obj, shape, object=where, secret=kind == "Secret")
