"""The real vmagent accepts every config we render (``-dryRun`` with strict parsing).

Inputs: every example program (run under Pulumi mocks), every real-world VMServiceScrape manifest, the
conversion of every real-world ServiceMonitor, and every operator case. Needs the real vmagent
(``scripts/install-vmagent``); with ``VMSCRAPE_REQUIRE_VMAGENT=1`` (as in CI) a missing binary fails
instead of skipping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.pulumi_programs import run_program, scrape_manifests
from tests.support.reference import (
    REAL_MONITORS,
    REAL_SCRAPES,
    REJECTED_REAL_SCRAPES,
    ROOT,
    SERVICE_CASES,
    VMAGENT_REJECTS_CASE,
    case_models,
)
from tests.support.vmagent import dry_run
from vmscrape_component.manifests import load_manifests
from vmscrape_component.render import Assets, config_yaml, render_config

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())
ACCEPTED_REAL_SCRAPES = [p for p in REAL_SCRAPES if p.stem not in REJECTED_REAL_SCRAPES]

pytestmark = pytest.mark.vmagent


def _dry_run(vmagent: str, config: str, tls_dir: Path, assets: Assets) -> Any:
    # Files the jobs refer to exist, as the operator's mounted TLS assets would.
    for name, content in assets.tls_files.items():
        (tls_dir / name).write_text(content or "placeholder\n")
    return dry_run(config, binary=vmagent)


def _accepts(vmagent: str, config: str, tls_dir: Path, assets: Assets) -> None:
    result = _dry_run(vmagent, config, tls_dir, assets)
    assert result.ok, f"vmagent rejected the config:\n{result.output}\n--- config ---\n{config}"


def test_examples_are_found() -> None:
    assert {p.name for p in EXAMPLES} >= {"basic", "cross-namespace", "endpointslices", "auth-tls"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_vmagent_accepts_example(example: Path, vmagent: str, tmp_path: Path) -> None:
    manifests = scrape_manifests(run_program(example))
    assert manifests, f"{example.name} registered no VMServiceScrape"
    assets = Assets(tls_mount_dir=str(tmp_path))
    config = config_yaml(render_config(manifests, assets=assets))
    _accepts(vmagent, config, tmp_path, assets)


@pytest.mark.parametrize("path", ACCEPTED_REAL_SCRAPES, ids=lambda p: p.stem)
def test_vmagent_accepts_real_manifest(path: Path, vmagent: str, tmp_path: Path) -> None:
    found = load_manifests([path])
    assert found.scrapes, f"{path.name} holds no VMServiceScrape"
    assets = Assets(found.assets, tls_mount_dir=str(tmp_path))
    config = config_yaml(render_config(found.scrapes, assets=assets))
    _accepts(vmagent, config, tmp_path, assets)


@pytest.mark.parametrize("path", REAL_MONITORS, ids=lambda p: p.stem)
def test_vmagent_accepts_the_conversion_of_a_real_service_monitor(
    path: Path, vmagent: str, tmp_path: Path
) -> None:
    found = load_manifests([path])
    assert found.conversions, f"{path.name} holds no ServiceMonitor"
    assets = Assets(found.assets, tls_mount_dir=str(tmp_path))
    config = config_yaml(render_config(found.scrapes, assets=assets))
    _accepts(vmagent, config, tmp_path, assets)


@pytest.mark.parametrize("path", SERVICE_CASES, ids=lambda p: p.stem)
def test_vmagent_accepts_operator_case(path: Path, vmagent: str, tmp_path: Path) -> None:
    case: dict[str, Any] = yaml.safe_load(path.read_text())
    assets = Assets(case.get("objects") or [], reveal=True, tls_mount_dir=str(tmp_path))
    agent, scrape = case_models(case)
    config = config_yaml(render_config([scrape], agent, assets=assets, preselected=True))
    refusal = VMAGENT_REJECTS_CASE.get(path.stem)
    if refusal is None:
        _accepts(vmagent, config, tmp_path, assets)
    else:
        # Faithful to the operator, and so refused by vmagent, for exactly this reason.
        result = _dry_run(vmagent, config, tmp_path, assets)
        assert not result.ok and refusal in result.output, result.output


def test_vmagent_accepts_the_standalone_example_config(vmagent: str, tmp_path: Path) -> None:
    mocks = run_program(ROOT / "examples" / "standalone-vmagent")
    (config_map,) = [r.inputs for r in mocks.resources if r.typ == "kubernetes:core/v1:ConfigMap"]
    config = config_map["data"]["scrape.yml"]
    assert "bearer_token_file: /etc/vmagent-tls/certs/shop_checkout-metrics-token_token" in config
    # The files the agent's projected volume would hold, at a local mount point.
    (tmp_path / "shop_checkout-metrics-token_token").write_text("change-me")
    result = dry_run(config.replace("/etc/vmagent-tls/certs", str(tmp_path)), binary=vmagent)
    assert result.ok, result.output
    assert config.count("job_name:") == 3
