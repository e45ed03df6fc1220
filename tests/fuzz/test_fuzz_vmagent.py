"""Property: every valid VMServiceScrape renders into a config the real vmagent accepts (``-dryRun``, strict).

Each example is a batch of about 50 scrapes (see ``strategies.batches``) with the Secrets and ConfigMaps
they use and sometimes a VMAgent; all of them are rendered into one config, checked by one vmagent run.
On the way, the models must accept every manifest the strategy builds (it builds only valid ones), the
renderer must leave no scrape out, and the YAML must read back as the config that was rendered.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given

from tests.fuzz.session import BATCH_SIZE, COUNTS, fuzz_settings
from tests.fuzz.strategies import Batch, batches
from tests.support.vmagent import dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import Assets, config_yaml, dump_yaml, render_config

pytestmark = pytest.mark.vmagent

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_JOB_NAME = re.compile(r"serviceScrape/([^/\s\"`]+)/([^/\s\"`]+)/\d+")
_LINE = re.compile(r"\bline (\d+)\b")
_QUOTED = re.compile(r'="([^"]{3,})"|`([^`]{3,})`')


def _models(batch: Batch) -> tuple[list[VMServiceScrapeModel], VMAgentModel | None]:
    scrapes = []
    for manifest in batch.scrapes:
        try:
            scrapes.append(VMServiceScrapeModel.from_manifest(manifest))
        except VMScrapeError as exc:
            pytest.fail(
                f"the models refuse a valid manifest:\n{exc}\n--- manifest ---\n{dump_yaml(manifest)}"
            )
    agent = VMAgentModel.from_manifest(batch.agent) if batch.agent is not None else None
    return scrapes, agent


def _culprits(errors: list[str], config: str, batch: Batch) -> str:
    """The manifests behind the jobs vmagent names: by job name, by the config line it points at, or by
    the config lines holding a value it quotes."""
    lines = config.splitlines()
    keys: set[tuple[str, str]] = set()

    def job_of(number: int) -> None:
        # The job a line belongs to: the nearest `- job_name:` above it.
        for line in reversed(lines[:number]):
            m = _JOB_NAME.search(line) if line.startswith("- job_name:") else None
            if m:
                keys.add((m[1], m[2]))
                return

    for error in errors:
        keys.update(_JOB_NAME.findall(error))
        for number in _LINE.findall(error):
            job_of(int(number))
        if not keys:
            for quoted in _QUOTED.findall(error):
                value = quoted[0] or quoted[1]
                for number, line in enumerate(lines, 1):
                    if value in line and not line.startswith("- job_name:"):
                        job_of(number)
    culprits = [s for s in batch.scrapes if (s["metadata"]["namespace"], s["metadata"]["name"]) in keys]
    parts = [dump_yaml(s) for s in culprits] or ["(no job named: see the whole config)"]
    if batch.agent is not None:
        parts.append("--- rendered for the agent ---\n" + dump_yaml(batch.agent))
    return "\n---\n".join(parts)


def _check(batch: Batch, vmagent: str) -> None:
    scrapes, agent = _models(batch)
    with tempfile.TemporaryDirectory(prefix="vmscrape-fuzz-") as tmp:
        assets = Assets(batch.objects, reveal=True, strict=True, tls_mount_dir=tmp)
        rendered = render_config(scrapes, agent, assets=assets, preselected=True)
        assert not rendered.skipped, f"scrapes left out: {rendered.skipped}"
        config = config_yaml(rendered)
        # What vmagent reads is what was rendered (PyYAML and vmagent's yaml.v2 both read YAML 1.1).
        assert yaml.load(config, Loader=_Loader) == rendered.as_dict(), (
            "the YAML does not read back as rendered"
        )
        for name, content in assets.tls_files.items():
            (Path(tmp) / name).write_text(content or "placeholder\n")
        result = dry_run(config, binary=vmagent)
    if not result.ok:
        pytest.fail(
            "vmagent refused the config:\n"
            + "\n".join(result.errors or [result.output])
            + "\n--- the manifests of the jobs it names ---\n"
            + _culprits(result.errors, config, batch)
        )
    COUNTS["batches"] += 1
    COUNTS["scrapes"] += len(scrapes)
    COUNTS["jobs"] += len(rendered.jobs)
    COUNTS["agent_batches"] += agent is not None


@fuzz_settings()
@given(batch=batches(min_size=BATCH_SIZE * 4 // 5, max_size=BATCH_SIZE))
def test_vmagent_accepts_every_rendered_batch(batch: Batch, vmagent: str) -> None:
    _check(batch, vmagent)


def test_culprits_are_found_by_job_name_and_by_line() -> None:
    scrape: dict[str, Any] = {"metadata": {"namespace": "ns", "name": "a.b"}, "spec": {}}
    other: dict[str, Any] = {"metadata": {"namespace": "ns", "name": "c"}, "spec": {}}
    batch = Batch([scrape, other])
    config = "scrape_configs:\n- job_name: serviceScrape/ns/a.b/0\n  bearer_token: x\n"
    assert "a.b" in _culprits(["skipping job_name=serviceScrape/ns/a.b/0"], config, batch)
    found = _culprits(["line 3: cannot unmarshal"], config, batch)
    assert "a.b" in found and "name: c" not in found
    assert "a.b" in _culprits(['cannot parse proxy_url="x y z": bad'], config + "  proxy_url: x y z\n", batch)
