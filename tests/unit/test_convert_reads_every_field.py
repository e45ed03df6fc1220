"""Every property of the ServiceMonitor CRD either reaches the converted VMServiceScrape or is reported.

The CRD's schema (tests/data/crds/servicemonitors.yaml) is walked to every leaf; each leaf is set, on an
otherwise minimal ServiceMonitor, to a valid value that differs from its absence, and the conversion must
change or a note must name the field (or one of its parents). A field the models accept but the
conversion silently ignores fails here.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml

from tests.support.reference import CRDS
from vmscrape_component.convert import convert_service_monitor

Path = tuple[str | int, ...]

#: Valid values for properties with a pattern (by property name).
_PATTERNED = {
    "interval": "1m",
    "scrapeTimeout": "10s",
    "proxyUrl": "http://proxy.example:3128",
    "tokenUrl": "https://auth.example/token",
    "bodySizeLimit": "1MB",
    "nativeHistogramMinBucketFactor": "2",
}
#: Minimal valid objects where the schema's required keys are not enough for vmscrape's checks.
_MINIMAL_ITEMS = {
    "relabelings": {"sourceLabels": ["a"], "targetLabel": "b"},
    "metricRelabelings": {"sourceLabels": ["a"], "targetLabel": "b"},
    "matchExpressions": {"key": "k", "operator": "In", "values": ["v"]},
}
#: A second valid value for a property the minimal object already holds (a required one).
_OTHER = {"operator": "NotIn", "tokenUrl": "https://other.example/token"}


@cache
def _spec_schema() -> dict[str, Any]:
    doc = yaml.safe_load((CRDS / "servicemonitors.yaml").read_text())
    return doc["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]


def _is_leaf(schema: dict[str, Any]) -> bool:
    if "properties" in schema:
        return False
    return not (schema.get("type") == "array" and "properties" in schema.get("items", {}))


def _leaves(schema: dict[str, Any], path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    if _is_leaf(schema):
        yield path, schema
    elif "properties" in schema:
        for key, sub in schema["properties"].items():
            yield from _leaves(sub, (*path, key))
    else:
        yield from _leaves(schema["items"], (*path, 0))


def _value(name: str, schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][-1]  # never the CRD's default (`replace`, listed first)
    if name in _PATTERNED:
        return _PATTERNED[name]
    if schema.get("x-kubernetes-int-or-string"):
        return 8080
    kind = schema.get("type")
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "string":
        return "x"
    if kind == "array":
        return [_value(name, schema["items"])]
    if "additionalProperties" in schema:
        return {"x": _value(name, schema["additionalProperties"])}
    return _minimal(name, schema)


def _minimal(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if name in _MINIMAL_ITEMS:
        return copy.deepcopy(_MINIMAL_ITEMS[name])
    props = schema.get("properties", {})
    return {key: _value(key, props[key]) for key in schema.get("required", ())}


def _with_parents(path: Path) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """A minimal spec holding every parent of ``path``; the leaf's container and the leaf's schema."""
    spec = _minimal("spec", _spec_schema())
    spec["endpoints"] = []
    container: Any = spec
    schema = _spec_schema()
    for step, nxt in itertools.pairwise(path):
        sub = schema["properties"][step] if isinstance(step, str) else schema["items"]
        if isinstance(step, str) and step not in container:
            container[step] = [] if sub.get("type") == "array" else _minimal(step, sub)
        if isinstance(nxt, int) and not container[step]:
            container[step].append(_minimal(step, sub["items"]))
        container = container[step] if isinstance(step, str) else container[0]
        schema = sub
    leaf = path[-1]
    leaf_schema = schema["properties"][leaf] if isinstance(leaf, str) else schema["items"]
    return spec, container, leaf_schema


def _monitor(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "m", "namespace": "apps"},
        "spec": spec,
    }


def _dotted(path: Path) -> str:
    out = "spec"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


LEAVES = [path for path, _ in _leaves(_spec_schema())]


def test_the_walk_reaches_the_fields_that_matter() -> None:
    dotted = {_dotted(p) for p in LEAVES}
    assert {"spec.endpoints[0].enableHttp2", "spec.endpoints[0].oauth2.tlsConfig.minVersion"} <= dotted
    assert len(LEAVES) > 100


@pytest.mark.parametrize("path", LEAVES, ids=_dotted)
def test_every_field_is_converted_or_reported(path: Path) -> None:
    spec, container, schema = _with_parents(path)
    leaf = path[-1]
    assert isinstance(leaf, str)
    before = convert_service_monitor(_monitor(copy.deepcopy(spec)))
    value = _OTHER.get(leaf, _value(leaf, schema))
    if container.get(leaf) == value:  # a required field the minimal object holds already
        value = _OTHER.get(leaf, f"{value}-other")
    container[leaf] = value
    after = convert_service_monitor(_monitor(spec))
    where = _dotted(path)
    # A note on the field itself, or on a parent that is dropped whole (oauth2.tlsConfig...).
    reported = [n for n in after.notes if where == n.path or where.startswith((n.path + ".", n.path + "["))]
    assert after.manifest != before.manifest or reported, f"{where} = {value!r} changes nothing"
