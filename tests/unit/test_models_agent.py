"""The VMAgent model: the scrape-related fields typed and checked, everything else kept as given."""

from __future__ import annotations

from typing import Any

import pytest

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import LabelSelector, VMAgentModel, VMAgentSpec


def _agent(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "metadata": {"name": "main", "namespace": "monitoring"},
        "spec": spec,
    }


def _spec_problem(spec: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(VMScrapeError) as err:
        VMAgentSpec.parse(spec)
    (problem,) = err.value.problems
    return problem.path, problem.message


def test_an_absent_selector_stays_absent() -> None:
    agent = VMAgentModel.from_manifest(_agent({"serviceScrapeNamespaceSelector": {}}))
    assert agent.spec.service_scrape_selector is None
    assert "serviceScrapeSelector" not in agent.manifest()["spec"]


def test_an_empty_selector_stays_empty() -> None:
    agent = VMAgentModel.from_manifest(_agent({"serviceScrapeSelector": {}}))
    assert agent.spec.service_scrape_selector == LabelSelector()
    assert agent.manifest()["spec"] == {"serviceScrapeSelector": {}}


def test_unmodelled_spec_keys_are_kept_as_given() -> None:
    spec = {
        "remoteWrite": [{"url": "http://vmsingle:8428/api/v1/write"}],
        "resources": {"limits": {"memory": "1Gi"}},
        "globalScrapeRelabelConfigs": [{"source_labels": ["a"], "target_label": "b"}],
        "selectAllByDefault": True,
    }
    agent = VMAgentModel.from_manifest(_agent(spec))
    assert agent.spec.select_all_by_default is True
    assert agent.manifest()["spec"] == spec


def test_modelled_fields_take_python_names() -> None:
    spec = VMAgentSpec(
        min_scrape_interval="10s", service_scrape_selector={"match_labels": {"release": "prod"}}
    )
    assert spec.model_dump(by_alias=True, exclude_none=True) == {
        "minScrapeInterval": "10s",
        "serviceScrapeSelector": {"matchLabels": {"release": "prod"}},
    }


@pytest.mark.parametrize(
    ("spec", "takes"),
    [
        ({}, False),
        ({"selectAllByDefault": True}, True),
        ({"serviceScrapeSelector": {}}, True),
        ({"serviceScrapeNamespaceSelector": {"matchLabels": {"a": "b"}}}, True),
        ({"selectAllByDefault": True, "ingestOnlyMode": True}, False),
    ],
)
def test_whether_the_agent_takes_service_scrapes_at_all(spec: dict[str, Any], takes: bool) -> None:
    assert VMAgentSpec.parse(spec).takes_service_scrapes is takes


def test_scrape_class_relabelings_are_checked() -> None:
    path, message = _spec_problem(
        {"scrapeClasses": [{"name": "a", "relabelConfigs": [{"action": "hashmod"}]}]}
    )
    assert path == "spec.scrapeClasses[0].relabelConfigs[0].sourceLabels"
    assert "hashmod" in message


def test_scrape_class_names_are_unique() -> None:
    assert _spec_problem({"scrapeClasses": [{"name": "a"}, {"name": "a"}]}) == (
        "spec.scrapeClasses[1].name",
        "scrape class names must be unique",
    )


def test_only_one_scrape_class_is_the_default() -> None:
    path, message = _spec_problem(
        {"scrapeClasses": [{"name": "a", "default": True}, {"name": "b", "default": True}]}
    )
    assert path == "spec.scrapeClasses[1].default"
    assert "'a' already is" in message


def test_a_scrape_class_authorization_cannot_be_basic() -> None:
    path, message = _spec_problem({"scrapeClasses": [{"name": "a", "authorization": {"type": "Basic"}}]})
    assert path == "spec.scrapeClasses[0].authorization.type"
    assert "basicAuth" in message


def test_a_scrape_class_authorization_needs_credentials() -> None:
    assert _spec_problem({"scrapeClasses": [{"name": "a", "authorization": {"type": "Bearer"}}]}) == (
        "spec.scrapeClasses[0].authorization",
        "set `credentials` or `credentialsFile`",
    )


@pytest.mark.parametrize(
    "field", ["minScrapeInterval", "maxScrapeInterval", "scrapeInterval", "scrapeTimeout"]
)
def test_agent_durations_are_checked(field: str) -> None:
    path, message = _spec_problem({field: "1 minute"})
    assert path == f"spec.{field}" and "e.g. 30s" in message


@pytest.mark.parametrize("field", ["externalLabelName", "enforcedNamespaceLabel"])
def test_label_name_settings_may_be_empty_but_not_malformed(field: str) -> None:
    assert VMAgentSpec.parse({field: ""}).manifest_dict() == {field: ""}
    assert _spec_problem({field: "agent-name"})[0] == f"spec.{field}"


def test_the_api_server_bearer_token_is_never_echoed() -> None:
    with pytest.raises(VMScrapeError) as err:
        VMAgentSpec.parse({"apiServerConfig": {"host": "k8s:6443", "bearerToken": ["s3cr3t"]}})
    assert "s3cr3t" not in str(err.value)
    assert err.value.problems[0].path == "spec.apiServerConfig.bearerToken"


def test_a_misplaced_object_holding_a_token_is_not_echoed() -> None:
    with pytest.raises(VMScrapeError) as err:
        VMAgentSpec.parse({"apiServerConfig": [{"host": "k8s:6443", "bearerToken": "s3cr3t"}]})
    assert "s3cr3t" not in str(err.value)
    assert err.value.problems[0].message == "must be a mapping"


def test_agent_problems_name_the_agent() -> None:
    with pytest.raises(VMScrapeError) as err:
        VMAgentModel.from_manifest(_agent({"scrapeInterval": "soon"}))
    (problem,) = err.value.problems
    assert (problem.object, problem.path) == ("VMAgent monitoring/main", "spec.scrapeInterval")


@pytest.mark.parametrize("field", ["scrapeInterval", "scrapeTimeout"])
@pytest.mark.parametrize("value", ["1d", "1w", "15", "0.5", "80W"])
def test_agent_durations_follow_the_crd_pattern(field: str, value: str) -> None:
    # vmagent reads these, but the VMAgent CRD's pattern [0-9]+(ms|s|m|h) refuses them.
    path, message = _spec_problem({field: value})
    assert path == f"spec.{field}" and "[0-9]+(ms|s|m|h)" in message


@pytest.mark.parametrize("value", ["30s", "1m30s", "1h-5m", "500ms"])
def test_agent_durations_the_crd_pattern_finds_anywhere_are_accepted(value: str) -> None:
    assert VMAgentSpec.parse({"scrapeInterval": value}).manifest_dict() == {"scrapeInterval": value}
