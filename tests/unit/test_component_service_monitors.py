"""ServiceMonitors in Pulumi programs: adopted as the stack's VMServiceScrapes, or given to an agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import (
    CR_TYPE,
    RecordingMocks,
    inputs_of,
    run_and_check,
    run_program,
    scrape_manifests,
)
from vmscrape_component import (
    OperatorVMAgent,
    OperatorVMAgentArgs,
    VMScrapeError,
    VMServiceScrape,
    convert_service_monitor,
    service_monitor_args,
    service_monitor_args_from_file,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "adopt-service-monitors"
IGNORE = "operator.victoriametrics.com/ignore-prometheus-updates"

MONITOR: dict[str, Any] = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "ServiceMonitor",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"team": "a"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "endpoints": [{"port": "http", "enableHttp2": True}],
    },
}


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def test_adopted_args_are_the_conversion_plus_the_opt_out() -> None:
    args, conversion = service_monitor_args(MONITOR)
    assert args.resource_name == "web" and args.namespace == "apps"
    assert args.labels == {"team": "a"}
    assert args.annotations == {IGNORE: "enabled"}
    assert args.spec == conversion.scrape.spec
    assert [n.path for n in conversion.dropped] == ["spec.endpoints[0].enableHttp2"]
    plain, _ = service_monitor_args(MONITOR, keep_from_operator=False)
    assert plain.annotations is None


def test_a_file_without_monitors_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(VMScrapeError, match="holds no ServiceMonitor"):
        service_monitor_args_from_file(path)


def test_the_example_registers_exactly_the_operators_conversion() -> None:
    mocks = run_program(EXAMPLE)
    (registered,) = scrape_manifests(mocks)
    (doc,) = [d for d in yaml.safe_load_all((EXAMPLE / "chart-servicemonitor.yaml").read_text()) if d]
    expected = convert_service_monitor(doc).scrape.manifest()
    assert registered["spec"] == expected["spec"]
    assert registered["metadata"]["labels"] == expected["metadata"]["labels"]
    assert registered["metadata"]["annotations"] == {IGNORE: "enabled"}
    assert (registered["metadata"]["name"], registered["metadata"]["namespace"]) == ("web", "apps")


def test_an_agent_renders_a_monitor_but_does_not_register_it(mocks: RecordingMocks) -> None:
    def program() -> Any:
        agent = OperatorVMAgent(
            "main",
            OperatorVMAgentArgs(namespace="apps", agent={"selectAllByDefault": True}, scrapes=[MONITOR]),
        )

        def check(config_text: str) -> None:
            assert inputs_of(mocks, CR_TYPE) == []  # the operator creates the conversion, not the stack
            jobs = [j["job_name"] for j in yaml.safe_load(config_text)["scrape_configs"]]
            assert jobs == ["serviceScrape/apps/web/0"]

        return agent.config_yaml, check

    run_and_check(program)


def test_a_monitor_that_would_overwrite_the_stacks_scrape_is_refused(mocks: RecordingMocks) -> None:
    def program() -> Any:
        mine = VMServiceScrape("web", namespace="apps", spec={"endpoints": [{"port": "metrics"}]})
        with pytest.raises(VMScrapeError) as info:
            OperatorVMAgent("main", OperatorVMAgentArgs(namespace="apps", scrapes=[mine, MONITOR]))
        (problem,) = info.value.problems
        assert problem.path == "scrapes[1]"
        assert "ServiceMonitor apps/web" in problem.message and "VMServiceScrape apps/web" in problem.message
        assert IGNORE in problem.message
        kept = VMServiceScrape(
            "kept", namespace="apps", annotations={IGNORE: "enabled"}, spec={"endpoints": [{"port": "m"}]}
        )
        other = {**MONITOR, "metadata": {"name": "kept", "namespace": "apps"}}
        agent = OperatorVMAgent(
            "ok",
            OperatorVMAgentArgs(namespace="apps", agent={"selectAllByDefault": True}, scrapes=[kept, other]),
        )

        def check(config_text: str) -> None:
            assert "regex: m\n" in config_text and "regex: http" not in config_text  # the stack's own wins

        return agent.config_yaml, check

    run_and_check(program)
