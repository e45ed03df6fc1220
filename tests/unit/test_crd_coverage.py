"""The models against the CRDs' openAPIV3Schema: every property expressible, no invented field.

VMServiceScrape: the whole ``spec`` is walked, both ways. ``status`` is deliberately not modelled: the
operator writes it and users never do; ``from_manifest`` ignores it (tested below).
VMAgent: only the scrape-related part is modelled (other keys are kept as given), so only the modelled
fields are walked — both ways.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any, Literal, Union

import pydantic
import pytest
import yaml

from tests.support.reference import CRDS
from vmscrape_component.models import (
    API_VERSION,
    PROMETHEUS_API_VERSION,
    ServiceMonitorModel,
    ServiceMonitorSpec,
    VMAgentModel,
    VMAgentSpec,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
)


@cache
def _schema(crd: str) -> dict[str, Any]:
    doc = yaml.safe_load((CRDS / crd).read_text())
    (version,) = doc["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def _spec_schema(crd: str) -> dict[str, Any]:
    return _schema(crd)["properties"]["spec"]


def _unwrap(tp: Any) -> Any:
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if typing.get_origin(tp) in (Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in typing.get_args(tp) if a is not type(None)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _spellings(field: Any) -> set[str]:
    """The keys a field is written under in a manifest: its alias and its other accepted CRD spellings."""
    spelled = {field.alias} if field.alias else set()
    if isinstance(field.validation_alias, pydantic.AliasChoices):
        spelled.update(c for c in field.validation_alias.choices if isinstance(c, str))
    return spelled


def _field_for(model: type[pydantic.BaseModel], prop: str) -> Any:
    for name, field in model.model_fields.items():
        if prop in _spellings(field) or (not field.alias and name == prop):
            return field
    return None


_SCALARS = {"string": str, "integer": int, "boolean": bool}


def _scalar_fits(schema: dict[str, Any], annotation: Any) -> bool:
    types_allowed = (
        {_SCALARS[s["type"]] for s in schema["anyOf"]} if "anyOf" in schema else {_SCALARS[schema["type"]]}
    )
    found: set[Any] = set()
    for member in _members(annotation):
        if typing.get_origin(member) is Literal:
            found.update(type(a) for a in typing.get_args(member))
        else:
            found.add(member)
    return found == types_allowed


def _missing(schema: dict[str, Any], annotation: Any, path: str) -> list[str]:
    """CRD paths under ``schema`` that ``annotation`` cannot express."""
    tp = _unwrap(annotation)
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return []  # schemaless in the CRD: any value the model accepts is fine here
    if "properties" in schema:
        if not _is_model(tp):
            return [f"{path} (an object in the CRD, {tp!r} in the model)"]
        missing = []
        for prop, sub in schema["properties"].items():
            field = _field_for(tp, prop)
            if field is None:
                missing.append(f"{path}.{prop}")
                continue
            missing += _missing(sub, field.annotation, f"{path}.{prop}")
            if prop in schema.get("required", ()) and not field.is_required():
                missing.append(f"{path}.{prop} (required in the CRD, optional in the model)")
        return missing
    if schema.get("type") == "array":
        if typing.get_origin(tp) is not list:
            return [f"{path} (an array in the CRD, {tp!r} in the model)"]
        return _missing(schema["items"], typing.get_args(tp)[0], f"{path}[]")
    if "additionalProperties" in schema:
        if typing.get_origin(tp) is not dict:
            return [f"{path} (a map in the CRD, {tp!r} in the model)"]
        return _missing(schema["additionalProperties"], typing.get_args(tp)[1], f"{path}{{}}")
    if schema.get("type") == "object":
        return [] if _is_model(tp) or typing.get_origin(tp) is dict else [f"{path} (an object in the CRD)"]
    if not _scalar_fits(schema, annotation):
        return [
            f"{path} ({schema.get('type') or schema.get('anyOf')} in the CRD, {annotation!r} in the model)"
        ]
    enum = schema.get("enum")
    literals = [
        a for m in _members(annotation) if typing.get_origin(m) is Literal for a in typing.get_args(m)
    ]
    if enum and sorted(enum) != sorted(literals):
        return [f"{path} (enum {enum} in the CRD, {literals} in the model)"]
    return []


def _invented(model: type[pydantic.BaseModel], schema: dict[str, Any], path: str) -> list[str]:
    """Model fields (at any depth) whose manifest spelling is not a property of the CRD."""
    properties = schema.get("properties", {})
    invented = []
    for name, field in model.model_fields.items():
        spellings = _spellings(field) or {name}
        for key in sorted(spellings - set(properties)):
            invented.append(f"{path}.{key}")
        key = next((s for s in spellings if s in properties), None)
        if key is not None:
            invented += _invented_in(field.annotation, properties[key], f"{path}.{key}")
    return invented


def _invented_in(annotation: Any, schema: dict[str, Any], path: str) -> list[str]:
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return []  # the CRD does not describe what is below: nothing to compare with
    tp = _unwrap(annotation)
    if _is_model(tp):
        return _invented(tp, schema, path)
    if typing.get_origin(tp) is list and "items" in schema:
        return _invented_in(typing.get_args(tp)[0], schema["items"], f"{path}[]")
    if typing.get_origin(tp) is dict and isinstance(schema.get("additionalProperties"), dict):
        return _invented_in(typing.get_args(tp)[1], schema["additionalProperties"], f"{path}{{}}")
    return []


def test_every_vmservicescrape_spec_property_is_expressible_by_the_models() -> None:
    missing = _missing(_spec_schema("vmservicescrapes.yaml"), VMServiceScrapeSpec, "spec")
    assert missing == [], "CRD properties the models cannot express:\n" + "\n".join(missing)


def test_no_vmservicescrape_model_field_is_missing_from_the_crd() -> None:
    invented = _invented(VMServiceScrapeSpec, _spec_schema("vmservicescrapes.yaml"), "spec")
    assert invented == [], "model fields the CRD does not have:\n" + "\n".join(invented)


def test_what_the_crd_requires_of_the_whole_object_the_model_requires() -> None:
    required = set(_schema("vmservicescrapes.yaml").get("required", ()))
    assert required == {"spec"}
    assert VMServiceScrapeModel.model_fields["spec"].is_required()


def test_the_walk_finds_a_required_property_the_model_leaves_optional() -> None:
    # The check above must be able to fail: a CRD that requires `selector` is not what the model says.
    schema = _spec_schema("vmservicescrapes.yaml")
    stricter = {**schema, "required": [*schema.get("required", ()), "selector"]}
    assert _missing(stricter, VMServiceScrapeSpec, "spec") == [
        "spec.selector (required in the CRD, optional in the model)"
    ]


def test_vmservicescrape_object_fields_are_metadata_and_spec_but_not_status() -> None:
    # status is the operator's to write; a manifest's status is read past, never kept.
    assert "status" in _schema("vmservicescrapes.yaml")["properties"]
    assert set(VMServiceScrapeModel.model_fields) == {"name", "namespace", "labels", "annotations", "spec"}


def test_status_of_a_manifest_is_ignored() -> None:
    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {"endpoints": [{"port": "http"}]},
        "status": {"updateStatus": "operational", "observedGeneration": 3},
    }
    assert "status" not in VMServiceScrapeModel.from_manifest(manifest).manifest()


def test_modelled_vmagent_fields_cover_their_crd_properties() -> None:
    schema = _spec_schema("vmagents.yaml")
    missing: list[str] = []
    for name, field in VMAgentSpec.model_fields.items():
        key = field.alias or name
        assert key in schema["properties"], f"spec.{key} is not in the VMAgent CRD"
        missing += _missing(schema["properties"][key], field.annotation, f"spec.{key}")
    assert missing == [], "VMAgent CRD properties the models cannot express:\n" + "\n".join(missing)


def test_no_vmagent_model_field_is_missing_from_the_crd() -> None:
    invented = _invented(VMAgentSpec, _spec_schema("vmagents.yaml"), "spec")
    assert invented == [], "model fields the CRD does not have:\n" + "\n".join(invented)


#: VMAgent spec properties the CRD requires that the models do not enforce, because they do not model
#: them: VMAgentSpec is the scrape-related part of an agent (other keys are kept as given), used as the
#: agent's settings; the operator's own cases leave `remoteWrite` out of 34 of their 37 VMAgents.
UNMODELLED_REQUIRED = {"remoteWrite"}


def test_required_vmagent_properties_are_enforced_or_listed_as_unmodelled() -> None:
    schema = _spec_schema("vmagents.yaml")
    modelled = {_spellings(f).pop() if _spellings(f) else n for n, f in VMAgentSpec.model_fields.items()}
    required = set(schema.get("required", ()))
    assert required - modelled == UNMODELLED_REQUIRED
    for prop in required & modelled:
        assert _field_for(VMAgentSpec, prop).is_required(), f"spec.{prop} is required by the CRD"


def test_vmagent_object_fields_are_metadata_and_spec() -> None:
    assert set(VMAgentModel.model_fields) == {"name", "namespace", "labels", "annotations", "spec"}


@pytest.mark.parametrize("crd", ["vmservicescrapes.yaml", "vmagents.yaml"])
def test_the_models_speak_the_crds_api_version(crd: str) -> None:
    doc = yaml.safe_load((CRDS / crd).read_text())
    assert [f"{doc['spec']['group']}/{v['name']}" for v in doc["spec"]["versions"]] == [API_VERSION]


def test_every_servicemonitor_spec_property_is_expressible_by_the_models() -> None:
    missing = _missing(_spec_schema("servicemonitors.yaml"), ServiceMonitorSpec, "spec")
    assert missing == [], "CRD properties the models cannot express:\n" + "\n".join(missing)


def test_no_servicemonitor_model_field_is_missing_from_the_crd() -> None:
    invented = _invented(ServiceMonitorSpec, _spec_schema("servicemonitors.yaml"), "spec")
    assert invented == [], "model fields the CRD does not have:\n" + "\n".join(invented)


def test_servicemonitor_object_fields_and_api_version() -> None:
    doc = yaml.safe_load((CRDS / "servicemonitors.yaml").read_text())
    versions = [f"{doc['spec']['group']}/{v['name']}" for v in doc["spec"]["versions"]]
    assert versions == [PROMETHEUS_API_VERSION]
    assert doc["metadata"]["annotations"]["operator.prometheus.io/version"] == "0.93.0"
    assert set(ServiceMonitorModel.model_fields) == {"name", "namespace", "labels", "annotations", "spec"}
    assert set(_schema("servicemonitors.yaml").get("required", ())) == {"spec"}
