"""Golden files of ``vmscrape render``, ``explain`` and ``diff`` on every example program.

Each example under ``examples/`` runs under Pulumi's mocks (as in ``tests/e2e/test_explain_vs_vmagent.py``);
the custom resources and Secrets it registers are the manifests the CLI reads, and the snapshot is the
one the end-to-end test checks the example against with the real vmagent. ``standalone-vmagent`` renders
its config itself: its golden render is the ``scrape.yml`` of its ConfigMap, explained as vmagent reads it.

``diff`` compares an example with a changed copy of it (``CHANGES``: the kind of edit a pull request
makes), with the snapshot, so the targets each job gains and loses are part of the golden output.

Golden files live in ``tests/golden/examples/<example>/``; a mismatch fails with a unified diff, and
``pytest --update-golden`` rewrites them (review the git diff before committing them).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.golden import Golden
from tests.support.pulumi_programs import SECRET_SIG, run_program, scrape_manifests, secret_value
from vmscrape_component.cli.__main__ import main
from vmscrape_component.cli.explain import print_text
from vmscrape_component.simulate import Explanation, explain_jobs, load_snapshot

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "examples"
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots"

#: Each example program and the cluster snapshot it is explained over.
EXAMPLES: dict[str, str | tuple[str, ...]] = {
    "adopt-service-monitors": "web-and-db.yaml",
    "auth-tls": "billing-tls.yaml",
    "basic": "web-and-db.yaml",
    "cross-namespace": "cross-namespace.yaml",
    "endpointslices": "shop-endpointslices.yaml",
    "standalone-vmagent": "standalone-shop.yaml",
    # The quick start's cluster is three snapshots read as one (as in test_explain_vs_vmagent).
    "quickstart": ("web-and-db.yaml", "cross-namespace.yaml", "payments-endpointslices.yaml"),
}
OPERATOR_EXAMPLES = sorted(set(EXAMPLES) - {"standalone-vmagent"})

Manifests = list[dict[str, Any]]


def _scrape(manifests: Manifests, name: str) -> dict[str, Any]:
    (found,) = [m for m in manifests if m["kind"] == "VMServiceScrape" and m["metadata"]["name"] == name]
    return found


def _basic_change(manifests: Manifests) -> None:
    # Scrape the exporter sidecar too (a new job), and the app less often.
    spec = _scrape(manifests, "web")["spec"]
    spec["endpoints"][0]["interval"] = "1m"
    spec["endpoints"].append({"port": "metrics", "path": "/metrics"})


def _cross_namespace_change(manifests: Manifests) -> None:
    # Payments in dev too; the envoy admin port scraped twice as often.
    _scrape(manifests, "payments")["spec"]["namespaceSelector"]["matchNames"].append("payments-dev")
    _scrape(manifests, "envoy-sidecars")["spec"]["endpoints"][0]["interval"] = "30s"


def _endpointslices_change(manifests: Manifests) -> None:
    # The debug endpoint goes away; every go_* metric is dropped, not only go_gc_*.
    endpoints = _scrape(manifests, "api")["spec"]["endpoints"]
    del endpoints[1]
    endpoints[0]["metricRelabelConfigs"][0]["regex"] = "go_.*"


def _auth_tls_change(manifests: Manifests) -> None:
    # Metrics move to another path; the certificate is checked for the Service's short name.
    endpoint = _scrape(manifests, "billing")["spec"]["endpoints"][0]
    endpoint["path"] = "/internal/metrics"
    endpoint["tlsConfig"]["serverName"] = "billing"


def _quickstart_change(manifests: Manifests) -> None:
    # Payments stop discovering in staging; the web app is scraped every 15s.
    _scrape(manifests, "payments")["spec"]["namespaceSelector"]["matchNames"].remove("payments-staging")
    _scrape(manifests, "web")["spec"]["endpoints"][0]["interval"] = "15s"


def _adopt_change(manifests: Manifests) -> None:
    # The adopted scrape (the chart's ServiceMonitor, converted) scraped twice as often, and every go_*
    # metric dropped, not only go_gc_*.
    endpoint = _scrape(manifests, "web")["spec"]["endpoints"][0]
    endpoint["interval"] = "15s"
    endpoint["metricRelabelConfigs"][0]["regex"] = "go_.*"


CHANGES: dict[str, Callable[[Manifests], None]] = {
    "adopt-service-monitors": _adopt_change,
    "quickstart": _quickstart_change,
    "auth-tls": _auth_tls_change,
    "basic": _basic_change,
    "cross-namespace": _cross_namespace_change,
    "endpointslices": _endpointslices_change,
}


@functools.cache
def _registered(example: str) -> tuple[Manifests, Manifests, str | None]:
    """The example's VMServiceScrape manifests, its Secrets, and its ConfigMap's ``scrape.yml`` if any."""
    mocks = run_program(ROOT / "examples" / example)
    secrets = [
        {"kind": "Secret", **{k: _revealed(v) for k, v in r.inputs.items() if k != "kind"}}
        for r in mocks.resources
        if r.typ == "kubernetes:core/v1:Secret"
    ]
    config_maps = [r.inputs for r in mocks.resources if r.typ == "kubernetes:core/v1:ConfigMap"]
    scrape_yml = config_maps[0]["data"]["scrape.yml"] if config_maps else None
    return scrape_manifests(mocks), secrets, scrape_yml


def _revealed(value: Any) -> Any:
    """A Secret's field as a manifest file holds it: the mocks see values given as Pulumi secrets wrapped."""
    return secret_value(value) if isinstance(value, dict) and SECRET_SIG in value else value


def _snapshot(example: str, tmp_path: Path) -> str:
    """The path of the example's snapshot; several files are joined into one List."""
    names = EXAMPLES[example]
    if isinstance(names, str):
        return str(SNAPSHOTS / names)
    items: list[Any] = []
    for name in names:
        for doc in yaml.safe_load_all((SNAPSHOTS / name).read_text(encoding="utf-8")):
            items += doc["items"] if doc.get("kind") == "List" else [doc]
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}), encoding="utf-8")
    return str(path)


def _write_manifests(path: Path, manifests: Manifests) -> str:
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False), encoding="utf-8")
    return str(path)


def _integral(value: Any) -> Any:
    """``value`` with whole floats as ints: Pulumi's mocks see every number as a float (protobuf's)."""
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _objects(example: str) -> Manifests:
    """Fresh copies of what the example registers, as manifest files hold them."""
    scrapes, secrets, _ = _registered(example)
    return [_integral(obj) for obj in [*scrapes, *secrets]]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What ``vmscrape ARGV`` prints: standard output, then standard error (warnings) after a marker."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    captured = capsys.readouterr()
    return captured.out + (f"--- stderr ---\n{captured.err}" if captured.err else "")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # explain's tables are as wide as the terminal (at least 120 columns) and coloured when forced.
    monkeypatch.setenv("COLUMNS", "120")
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def test_every_example_has_golden_cases() -> None:
    programs = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())
    assert sorted(EXAMPLES) == programs
    assert sorted(CHANGES) == OPERATOR_EXAMPLES


@pytest.mark.parametrize("example", OPERATOR_EXAMPLES)
def test_render(example: str, golden: Golden, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifests = _write_manifests(tmp_path / "objects.yaml", _objects(example))
    golden.check(GOLDEN / example / "render.yaml", _cli(capsys, "render", manifests))


@pytest.mark.parametrize("example", OPERATOR_EXAMPLES)
def test_explain(example: str, golden: Golden, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifests = _write_manifests(tmp_path / "objects.yaml", _objects(example))
    snapshot = _snapshot(example, tmp_path)
    golden.check(GOLDEN / example / "explain.txt", _cli(capsys, "explain", manifests, "--snapshot", snapshot))


@pytest.mark.parametrize("example", OPERATOR_EXAMPLES)
def test_diff(example: str, golden: Golden, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _objects(example)
    new = copy.deepcopy(old)
    CHANGES[example](new)
    argv = [
        "diff",
        _write_manifests(tmp_path / "old.yaml", old),
        _write_manifests(tmp_path / "new.yaml", new),
    ]
    argv += ["--snapshot", _snapshot(example, tmp_path)]
    golden.check(GOLDEN / example / "diff.txt", _cli(capsys, *argv))
    if example == "basic":  # the pull-request comment form, once
        golden.check(GOLDEN / example / "diff.md", _cli(capsys, *argv, "-o", "markdown"))


def test_standalone_config_and_its_targets(golden: Golden, capsys: pytest.CaptureFixture[str]) -> None:
    # The component selected the scrapes already (its config holds only those); explain reads the config
    # as vmagent does, so the selection table is empty.
    _, _, scrape_yml = _registered("standalone-vmagent")
    assert scrape_yml is not None
    golden.check(GOLDEN / "standalone-vmagent" / "scrape.yml", scrape_yml)
    snapshot = load_snapshot(SNAPSHOTS / "standalone-shop.yaml")
    jobs = explain_jobs(yaml.safe_load(scrape_yml), snapshot)
    capsys.readouterr()
    print_text(Explanation(agent=None, selection=[], skipped={}, jobs=jobs))
    golden.check(GOLDEN / "standalone-vmagent" / "explain.txt", capsys.readouterr().out)
