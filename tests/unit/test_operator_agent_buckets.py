"""OperatorVMAgent and the operator's Secret layout: outputs, warnings and refusals; no Secret of its own."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tests.support.pulumi_programs import RecordingMocks, run_and_check
from vmscrape_component import OperatorVMAgent, OperatorVMAgentArgs, VMScrapeError


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _scrape(i: int, rules: int = 0) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"port": "http", "path": f"/m/{i}"}
    if rules:
        endpoint["metricRelabelConfigs"] = [
            {"action": "drop", "sourceLabels": ["__name__"], "regex": f"m_{r}_{r * 7919}_[a-z]+"}
            for r in range(rules)
        ]
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"svc-{i:02d}", "namespace": "mon"},
        "spec": {"selector": {"matchLabels": {"app": f"svc-{i}"}}, "endpoints": [endpoint, {"port": "x"}]},
    }


def test_the_outputs_give_the_buckets_and_no_secret_is_registered(mocks: RecordingMocks) -> None:
    def program() -> Any:
        agent = OperatorVMAgent(
            "big",
            OperatorVMAgentArgs(
                namespace="mon",
                agent={"selectAllByDefault": True},
                scrapes=[_scrape(i) for i in range(40)],
                operator={"VM_CONFIG_DATA_BUDGET_BYTES": "1000"},
            ),
        )

        def check(values: list[Any]) -> None:
            count, buckets, job_names = values
            assert count == len(buckets) >= 2
            assert [b["secret"] for b in buckets] == ["vmagent-big"] + [
                f"vmagent-big-sc-{i}" for i in range(1, count)
            ]
            assert buckets[0]["first_job"] == 0 and buckets[-1]["last_job"] == len(job_names) - 1
            assert sum(b["jobs"] for b in buckets) == len(job_names) == 80
            assert all(0 < b["gzip_bytes"] <= b["budget"] == 1000 for b in buckets)
            # The operator owns its Secrets: the component registers the scrapes' custom resources only.
            assert {r.typ for r in mocks.resources} == {
                "vmscrape:index:OperatorVMAgent",
                "vmscrape:index:VMServiceScrape",
                "kubernetes:operator.victoriametrics.com/v1beta1:VMServiceScrape",
            }

        return pulumi.Output.all(agent.bucket_count, agent.buckets, agent.job_names), check

    run_and_check(program)


def test_an_unknown_operator_variable_is_refused_before_registering(mocks: RecordingMocks) -> None:
    with pytest.raises(VMScrapeError) as caught:
        OperatorVMAgent("big", scrapes=[_scrape(0)], operator={"VM_CONFIG_DATA_BUDGET": "1000"})
    assert "did you mean VM_CONFIG_DATA_BUDGET_BYTES?" in str(caught.value)
    # Named as the component's argument (operator.NAME), not as the CLI's --operator-env.
    assert str(caught.value).startswith("OperatorVMAgent big: operator.VM_CONFIG_DATA_BUDGET: not a variable")
    assert mocks.resources == []


def test_a_job_over_the_budget_fails_the_preview_naming_the_scrape(mocks: RecordingMocks) -> None:
    seen: list[BaseException] = []

    @pulumi.runtime.test
    def program() -> Any:
        agent = OperatorVMAgent(
            "big",
            scrapes=[_scrape(0), _scrape(1, rules=300)],
            agent={"selectAllByDefault": True},
            namespace="mon",
            operator={"VM_CONFIG_DATA_BUDGET_BYTES": "1000"},
        )
        return agent.bucket_count

    try:
        program()
    except Exception as exc:  # the apply's error, as the engine reports it
        seen.append(exc)
    assert seen, "a job over the budget must fail the program"
    text = str(seen[0])
    assert "VMServiceScrape mon/svc-01 endpoint 0 (spec.endpoints[0]): its job alone is" in text
    assert "over VM_CONFIG_DATA_BUDGET_BYTES 1000" in text
