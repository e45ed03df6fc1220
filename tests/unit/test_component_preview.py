"""What components show at preview time: which agents select a scrape, and the targets it would get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.support.pulumi_programs import RecordingMocks, run_to_completion

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "web-and-db.yaml"
API = "operator.victoriametrics.com/v1beta1"
PROD = {
    "apiVersion": API,
    "kind": "VMAgent",
    "metadata": {"name": "prod", "namespace": "monitoring"},
    "spec": {
        "serviceScrapeSelector": {"matchLabels": {"release": "prod"}},
        "serviceScrapeNamespaceSelector": {},
    },
}
ALL = {
    "apiVersion": API,
    "kind": "VMAgent",
    "metadata": {"name": "all", "namespace": "monitoring"},
    "spec": {"selectAllByDefault": True},
}
WEB = {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]}


@pytest.fixture(autouse=True)
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=True)
    return m


def test_selection_output_names_each_agents_decision() -> None:
    from vmscrape_component import VMServiceScrape

    def program() -> pulumi.Output[Any]:
        return VMServiceScrape("web", namespace="apps", spec=WEB, agents=[PROD, ALL]).selection

    selection = run_to_completion(program)
    assert selection["monitoring/all"]["selected"] is True
    assert selection["monitoring/prod"] == {
        "selected": False,
        "reason": "not matched by serviceScrapeSelector: "
        "label `release` missing (wants `release=prod`) on the scrape",
    }


def test_targets_are_predicted_from_the_snapshot() -> None:
    from vmscrape_component import VMServiceScrape

    def program() -> pulumi.Output[Any]:
        return VMServiceScrape("web", namespace="apps", spec=WEB, snapshot=str(SNAPSHOT)).targets

    (job,) = run_to_completion(program).items()
    name, targets = job
    assert name == "serviceScrape/apps/web/0"
    # endpoints role: one target per address x port of every Endpoints whose Service has app=web (web and
    # web-headless), kept when the port is named http; the pods' other container ports are dropped.
    urls = sorted(t.split(" ", 1)[0] for t in targets["active"])
    assert urls == ["http://127.0.0.11:8080/metrics"] * 2 + ["http://127.0.0.12:8080/metrics"] * 2
    assert {'service="web"' in t for t in targets["active"]} == {True, False}
    assert targets["dropped"] and all(d["reason"].startswith("relabeling by job") for d in targets["dropped"])
