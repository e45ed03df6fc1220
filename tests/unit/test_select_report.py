"""Selection across several agents: every pair with its reason, and the two warnings reviewers need."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cli.__main__ import main
from vmscrape_component.select import selection_report

API = "operator.victoriametrics.com/v1beta1"


def _agent(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "VMAgent",
        "metadata": {"name": name, "namespace": "monitoring"},
        "spec": spec,
    }


def _scrape(name: str, namespace: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": API,
        "kind": "VMServiceScrape",
        "metadata": meta,
        "spec": {"endpoints": [{"port": "http"}]},
    }


PROD = _agent(
    "prod",
    {"serviceScrapeSelector": {"matchLabels": {"release": "prod"}}, "serviceScrapeNamespaceSelector": {}},
)
ALL = _agent("all", {"selectAllByDefault": True})
# A selector but no namespace selector: the operator searches the agent's own namespace only.
LOCAL = _agent("local", {"serviceScrapeSelector": {}})


def test_every_pair_has_a_reason_and_the_warnings_name_the_scrapes() -> None:
    scrapes = [
        _scrape("web", "apps", {"release": "prod"}),
        _scrape("db", "data"),
        _scrape("vm", "monitoring"),
    ]
    report = selection_report([PROD, LOCAL], scrapes)
    decided = {(p.scrape, p.agent): p.selected for p in report.pairs}
    assert decided == {
        ("apps/web", "monitoring/prod"): True,
        ("apps/web", "monitoring/local"): False,
        ("data/db", "monitoring/prod"): False,
        ("data/db", "monitoring/local"): False,
        ("monitoring/vm", "monitoring/prod"): False,
        ("monitoring/vm", "monitoring/local"): True,
    }
    reasons = {(p.scrape, p.agent): p.reason for p in report.pairs}
    assert "label `release` missing" in reasons[("data/db", "monitoring/prod")]
    assert "not the agent's namespace" in reasons[("data/db", "monitoring/local")]
    assert report.unselected == ["data/db"]
    assert report.duplicated == {}
    assert report.warnings() == ["VMServiceScrape data/db is selected by no VMAgent: it will not be scraped"]


def test_a_scrape_taken_by_two_agents_is_reported() -> None:
    report = selection_report([PROD, ALL], [_scrape("web", "apps", {"release": "prod"})])
    assert report.duplicated == {"apps/web": ["monitoring/all", "monitoring/prod"]}
    assert "scraped once per agent" in report.warnings()[0]


def test_cli_json_and_strict_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    path = tmp_path / "objects.yaml"
    path.write_text(
        yaml.safe_dump_all([PROD, ALL, _scrape("web", "apps", {"release": "prod"}), _scrape("db", "x")])
    )
    assert main(["select", "-o", "json", "--strict", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["duplicated"] == {"apps/web": ["monitoring/all", "monitoring/prod"]}
    assert data["unselected"] == []  # selectAllByDefault takes db
    assert len(data["pairs"]) == 4 and len(data["warnings"]) == 1


def test_cli_needs_an_agent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    path = tmp_path / "objects.yaml"
    path.write_text(yaml.safe_dump(_scrape("web", "apps")))
    assert main(["select", str(path)]) == 2
    assert "no VMAgent given" in capsys.readouterr().err


def test_an_ingest_only_agent_takes_no_scrapes() -> None:
    # The operator's IsServiceScrapeUnmanaged: ingestOnlyMode wins over every selector.
    ingest = _agent("ingest", {"selectAllByDefault": True, "ingestOnlyMode": True})
    report = selection_report([ingest], [_scrape("web", "apps")])
    (pair,) = report.pairs
    assert not pair.selected and "ingestOnlyMode" in pair.reason
    assert report.unselected == ["apps/web"]
