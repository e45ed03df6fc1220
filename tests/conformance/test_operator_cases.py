"""The operator's own unit-test cases (tests/data/operator-cases/) as our conformance suite.

Each case was produced by the operator's Go tests; ``expected_*`` is what the real operator generates.
Jobs and configs are compared byte for byte as text (the operator's yaml.v2 output against ours), which
is stricter than the structural comparison the cases' README asks for; selection compares name lists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.reference import OPERATOR_CASES as CASES
from tests.support.reference import case_models
from vmscrape_component.models import VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import config_yaml
from vmscrape_component.render.agent import render_agent_config
from vmscrape_component.render.assets import Assets
from vmscrape_component.render.scrape import render_endpoint_job
from vmscrape_component.render.yaml import dump
from vmscrape_component.select import namespace_labels, select_service_scrapes
from vmscrape_component.settings import AgentSettings, OperatorSettings


def _cases(folder: str) -> list[Any]:
    files = sorted((CASES / folder).glob("*.yaml"))
    assert files, f"no operator cases found under {CASES / folder}"
    return [pytest.param(yaml.safe_load(f.read_text()), id=f.stem) for f in files]


def _service_scrape_config_text(text: str) -> str:
    """The operator's config text with only its ``serviceScrape/`` jobs, cut as text (each job is a
    top-level ``- `` item of ``scrape_configs``); yaml.v2 writes an empty list as ``[]``."""
    head, sep, body = text.partition("scrape_configs:")
    if not sep:
        return text
    items = [] if body.strip() in ("", "[]") else re.split(r"(?m)^(?=- )", body.removeprefix("\n"))
    kept = [item for item in items if item.startswith("- job_name: serviceScrape/")]
    return head + ("scrape_configs:\n" + "".join(kept) if kept else "scrape_configs: []\n")


def _operator(case: dict[str, Any]) -> OperatorSettings:
    return OperatorSettings.from_env(case.get("operator_config") or {})


@pytest.mark.parametrize("case", _cases("service"))
def test_service_scrape_job_matches_operator(case: dict[str, Any]) -> None:
    agent, scrape = case_models(case)
    settings = AgentSettings.from_spec(agent.spec, namespace=agent.namespace or "", operator=_operator(case))
    # The operator's unit-test harness mounts TLS assets under /tls.
    assets = Assets(case.get("objects") or [], reveal=True, strict=True, tls_mount_dir="/tls")
    job = render_endpoint_job(scrape, 0, settings, assets)
    assert dump(job) == case["expected_job"]


@pytest.mark.parametrize("case", _cases("select"))
def test_agent_selects_the_same_scrapes(case: dict[str, Any]) -> None:
    objects = case["objects"]
    # TestSelectServiceMonitors builds its scrapes without the `endpoints` the CRD requires (selection
    # never reads them): given as empty here, so that they validate as the API server would need.
    scrapes = [
        {**o, "spec": {"endpoints": [], **(o.get("spec") or {})}}
        for o in objects
        if o["kind"] == "VMServiceScrape"
    ]
    chosen = select_service_scrapes(case["vmagent"], scrapes, namespace_labels(objects), _operator(case))
    got = sorted(f"{s.namespace}/{s.name}" for s in chosen)
    assert got == sorted(case.get("expected_selected") or [])


@pytest.mark.parametrize("case", _cases("agent"))
def test_whole_agent_config_matches_operator(case: dict[str, Any]) -> None:
    objects = case["objects"]
    config = render_agent_config(
        VMAgentModel.from_manifest(case["vmagent"]),
        [VMServiceScrapeModel.from_manifest(o) for o in objects if o["kind"] == "VMServiceScrape"],
        namespaces=namespace_labels(objects),
        assets=Assets(objects, reveal=True, strict=True),
        operator=_operator(case),
    )
    # Only VMServiceScrape jobs are in scope; other kinds' jobs are the operator's other builders.
    assert config_yaml(config) == _service_scrape_config_text(case["expected_config"])


@pytest.mark.parametrize("case", _cases("agent"))
def test_vmscrape_render_reproduces_the_operator_config(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same, end to end: the case's objects as a file, through the CLI, as a user would run it."""
    from vmscrape_component.cli.__main__ import main

    objects = tmp_path / "objects.yaml"
    objects.write_text(yaml.safe_dump_all([case["vmagent"], *case["objects"]]))
    env = [f"--operator-env={k}={v}" for k, v in (case.get("operator_config") or {}).items()]
    assert main(["render", "--reveal-secrets", "--strict-refs", *env, str(objects)]) == 0
    assert capsys.readouterr().out == _service_scrape_config_text(case["expected_config"])
