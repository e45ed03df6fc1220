"""OperatorVMAgent under Pulumi's mocks: the custom resources it registers, selection, outputs, errors."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import CR_TYPE, RecordingMocks, inputs_of, run_and_check
from vmscrape_component import (
    OperatorVMAgent,
    OperatorVMAgentArgs,
    StandaloneDeployment,
    VMScrapeError,
    VMServiceScrape,
    VMServiceScrapeArgs,
    VMServiceScrapeModel,
)

AGENT_CR = "kubernetes:operator.victoriametrics.com/v1beta1:VMAgent"


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _scrape_model(name: str, spec: dict[str, Any], **metadata: Any) -> VMServiceScrapeModel:
    return VMServiceScrapeModel.from_manifest(
        {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMServiceScrape",
            "metadata": {"name": name, "namespace": "monitoring", **metadata},
            "spec": spec,
        }
    )


#: A remote-write target: the VMAgent CRD requires at least the list.
WRITE = {"url": "http://vmsingle:8429/api/v1/write"}


def test_selects_like_the_operator_and_emits_the_custom_resources(mocks: RecordingMocks) -> None:
    def program() -> Any:
        picked = VMServiceScrape(
            "web",
            VMServiceScrapeArgs(
                namespace="monitoring",
                labels={"team": "a"},
                spec={"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]},
            ),
        )
        unlabelled = _scrape_model("db", {"endpoints": [{"port": "m"}]})
        agent = OperatorVMAgent(
            "main",
            OperatorVMAgentArgs(
                namespace="monitoring",
                create_agent=True,
                agent={"serviceScrapeSelector": {"matchLabels": {"team": "a"}}, "remoteWrite": [WRITE]},
                scrapes=[picked, unlabelled],
            ),
        )

        def check(values: list[Any]) -> None:
            config_text, selected, not_selected, checksum = values
            names = sorted(cr["metadata"]["name"] for cr in inputs_of(mocks, CR_TYPE))
            assert names == ["db", "web"]  # the model became a custom resource too
            (agent_cr,) = inputs_of(mocks, AGENT_CR)
            assert agent_cr["metadata"] == {"name": "main", "namespace": "monitoring"}
            assert agent_cr["spec"] == {
                "serviceScrapeSelector": {"matchLabels": {"team": "a"}},
                "remoteWrite": [WRITE],
            }
            config = yaml.safe_load(config_text)
            assert [j["job_name"] for j in config["scrape_configs"]] == ["serviceScrape/monitoring/web/0"]
            assert config["global"]["external_labels"] == {"prometheus": "monitoring/main"}
            assert list(selected) == ["monitoring/web"]
            assert "label `team` missing" in not_selected["monitoring/db"]
            assert checksum == hashlib.sha256(config_text.encode()).hexdigest()
            # `scrapes`: the components given, then those made here from data.
            assert [s._name for s in agent.scrapes] == ["web", "db"]

        outputs = (agent.config_yaml, agent.selected, agent.not_selected, agent.checksum)
        return pulumi.Output.all(*outputs), check

    run_and_check(program)


def test_a_scrape_given_as_data_keeps_its_labels_and_annotations(mocks: RecordingMocks) -> None:
    def program() -> Any:
        annotated = _scrape_model(
            "db",
            {"endpoints": [{"port": "m"}]},
            labels={"team": "a"},
            annotations={"owner": "dba@example.com"},
        )
        agent = OperatorVMAgent("main", namespace="monitoring", agent={}, scrapes=[annotated])

        def check(_: Any) -> None:
            (cr,) = inputs_of(mocks, CR_TYPE)
            assert cr["metadata"] == {
                "name": "db",
                "namespace": "monitoring",
                "labels": {"team": "a"},
                "annotations": {"owner": "dba@example.com"},
            }
            assert inputs_of(mocks, AGENT_CR) == []  # create_agent is off by default

        return agent.job_names, check

    run_and_check(program)


def test_keywords_and_args_register_the_same_resources() -> None:
    def declare(use_args: bool) -> list[tuple[str, str, Any]]:
        mocks = RecordingMocks()
        pulumi.runtime.set_mocks(mocks, preview=False)
        fields: dict[str, Any] = {
            "namespace": "monitoring",
            "create_agent": True,
            "agent": {"selectAllByDefault": True, "remoteWrite": [WRITE]},
            "scrapes": [_scrape_model("db", {"endpoints": [{"port": "m"}]})],
        }

        def program() -> Any:
            if use_args:
                agent = OperatorVMAgent("main", OperatorVMAgentArgs(**fields))
            else:
                agent = OperatorVMAgent("main", **fields)
            return agent.config_yaml

        run_and_check(lambda: (program(), lambda _: None))
        return sorted((r.typ, r.name, r.inputs) for r in mocks.resources)  # type: ignore[misc]

    with_args = declare(True)
    assert [typ for typ, _, _ in with_args] == sorted(
        [CR_TYPE, AGENT_CR, "vmscrape:index:OperatorVMAgent", "vmscrape:index:VMServiceScrape"]
    )
    assert declare(False) == with_args


@pytest.mark.parametrize(
    ("args", "keywords", "path", "words"),
    [
        # Deploying vmagent itself is what StandaloneVMAgent does; the operator deploys its own.
        (
            None,
            {"scrapes": [], "deployment": StandaloneDeployment("http://vm")},
            "deployment",
            "unknown argument; allowed: scrapes, agent, namespace",
        ),
        (None, {"agent": {}}, "scrapes", "is required"),
        (None, {"scrapes": [42]}, "scrapes[0]", "must be a VMServiceScrape component"),
        (OperatorVMAgentArgs(scrapes=[]), {"namespace": "x"}, "namespace", "either a OperatorVMAgentArgs"),
        (42, {}, "args", "must be a OperatorVMAgentArgs"),
        # A plain dict (what construct passes from another language) is checked like keywords.
        ({"scrapes": [], "agent_nmae": "x"}, {}, "agent_nmae", "unknown argument; allowed: scrapes, agent"),
        # The API server refuses a VMAgent without remoteWrite: say so before registering anything.
        (None, {"scrapes": [], "create_agent": True}, "agent.remoteWrite", "CRD requires spec.remoteWrite"),
        (
            None,
            {"scrapes": [], "create_agent": True, "agent": {"remoteWrite": [{"url": ""}]}},
            "agent.remoteWrite[0].url",
            "needs a url",
        ),
    ],
)
def test_bad_arguments_name_the_argument(
    mocks: RecordingMocks, args: Any, keywords: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(VMScrapeError) as err:
        OperatorVMAgent("bad", args, **keywords)
    (problem,) = err.value.problems
    assert problem.object == "OperatorVMAgent bad"
    assert problem.path == path and words in problem.message
    assert mocks.resources == []


#: An agent that selects every scrape.
ALL = {"selectAllByDefault": True}


def test_config_yaml_is_a_secret_output_exactly_when_a_cr_holds_a_credential(mocks: RecordingMocks) -> None:
    token = "Bearer tok-7c1d-in-the-cr"

    def program() -> Any:
        header = _scrape_model(
            "api",
            {"endpoints": [{"port": "m", "vm_scrape_params": {"headers": [f"Authorization: {token}"]}}]},
        )
        plain = _scrape_model("db", {"endpoints": [{"port": "m"}]})
        with_header = OperatorVMAgent("a", namespace="monitoring", agent=ALL, scrapes=[header])
        without = OperatorVMAgent("b", namespace="monitoring", agent=ALL, scrapes=[plain])

        async def observed() -> tuple[bool, bool, str]:
            return (
                await with_header.config_yaml.is_secret(),
                await without.config_yaml.is_secret(),
                await with_header.config_yaml.future(),
            )

        done = asyncio.get_event_loop().create_future()
        done.set_result(True)
        return pulumi.Output(set(), asyncio.ensure_future(observed()), done), check

    def check(values: tuple[bool, bool, str]) -> None:
        header_secret, plain_secret, config = values
        assert (header_secret, plain_secret) == (True, False)
        assert token in config

    run_and_check(program)
