"""`vmscrape explain`'s prediction against the real vmagent, over the same snapshot.

For each case — every example program under ``examples/`` and a few topologies — vmagent
(``scripts/install-vmagent``) runs with the rendered config, its ``kubernetes_sd_configs`` pointed at
:mod:`tests.e2e.fake_apiserver` serving a snapshot from ``tests/fixtures/snapshots/``; once
``/api/v1/targets`` shows the simulation's active and dropped targets (polled until it does, for at most
``SETTLE_TIMEOUT``; then the last answer is compared, so a mismatch fails with the difference).

Cases (scrapes → snapshot):

- ``examples/<name>`` run under Pulumi's mocks, their VMServiceScrape CRs (``standalone-vmagent`` renders
  its config itself, so its ConfigMap's ``scrape.yml`` is used as is, predicted by
  :func:`~vmscrape_component.simulate.explain_jobs`);
- ``tests/fixtures/snapshots/scrapes/<name>.yaml`` over ``tests/fixtures/snapshots/<name>.yaml``: not-ready
  addresses, named and numeric target ports, multi-port pods with plain and native-sidecar init
  containers, several EndpointSlices per Service with serving/terminating conditions, Services of the same
  name in several namespaces (own namespace, ``matchNames``, ``any``), headless + ClusterIP pairs, Node and
  Namespace metadata.

Safety: the API server and vmagent listen on 127.0.0.1 only; every pod, endpoint and node address in the
snapshots is a 127.0.0.0/8 address (checked below); every job scrapes through ``proxy_url:
http://127.0.0.1:1`` (refused), so no scrape leaves loopback and the cluster DNS names of ``role: service``
targets are never resolved; remote write goes to 127.0.0.1:1 (refused). vmagent is stopped by PID, and
every wait is bounded (one vmagent process per case, a few seconds each).
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.fake_apiserver import FakeAPIServer
from tests.support.pulumi_programs import run_program, scrape_manifests
from tests.support.vmagent import start_vmagent, stop_vmagent
from vmscrape_component.manifests import load_manifests, parse_documents
from vmscrape_component.render import Assets, dump_yaml, render_config
from vmscrape_component.simulate import (
    JobExplanation,
    Snapshot,
    explain,
    explain_jobs,
    load_snapshot,
    snapshot_from_objects,
)

pytestmark = pytest.mark.vmagent

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots"
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())
SETTLE_TIMEOUT = 30.0
POLL = 0.5
#: Scrapes go here: a refused loopback port, so a target's host is never contacted or resolved.
PROXY = "http://127.0.0.1:1"
STANDALONE_MOUNT = "/etc/vmagent-tls/certs"


@dataclass(frozen=True)
class Prepared:
    """What one case hands vmagent (``config``) and what the simulation predicts for it (``jobs``)."""

    config: dict[str, Any]
    jobs: list[JobExplanation]


@dataclass(frozen=True)
class Case:
    id: str
    #: A snapshot file, or several read as one cluster.
    snapshot: str | tuple[str, ...]
    prepare: Callable[[Snapshot, Path], Prepared]


def _program_secrets(mocks: Any) -> list[dict[str, Any]]:
    return [
        {"kind": "Secret", **{k: v for k, v in r.inputs.items() if k != "kind"}}
        for r in mocks.resources
        if r.typ == "kubernetes:core/v1:Secret"
    ]


def _from_manifests(
    manifests: list[Any], objects: list[dict[str, Any]], snapshot: Snapshot, tmp: Path
) -> Prepared:
    """Render as the operator would, with TLS assets as files under ``tmp`` (as its mounted Secret)."""
    assets = Assets(objects, tls_mount_dir=str(tmp))
    prediction = explain(manifests, snapshot, assets=assets)
    config = render_config(manifests, assets=Assets(objects, tls_mount_dir=str(tmp)))
    for name, content in assets.tls_files.items():
        (tmp / name).write_text(content or "placeholder\n")
    assert [j.job_name for j in prediction.jobs] == [j["job_name"] for j in config.jobs]
    return Prepared(config.as_dict(), prediction.jobs)


def _example(name: str) -> Callable[[Snapshot, Path], Prepared]:
    def prepare(snapshot: Snapshot, tmp: Path) -> Prepared:
        mocks = run_program(ROOT / "examples" / name)
        manifests = scrape_manifests(mocks)
        assert manifests, f"{name} registered no VMServiceScrape"
        return _from_manifests(manifests, _program_secrets(mocks), snapshot, tmp)

    return prepare


def _standalone(snapshot: Snapshot, tmp: Path) -> Prepared:
    # No operator here: the example renders the whole config into a ConfigMap; use it as vmagent would.
    mocks = run_program(ROOT / "examples" / "standalone-vmagent")
    (config_map,) = [r.inputs for r in mocks.resources if r.typ == "kubernetes:core/v1:ConfigMap"]
    text = config_map["data"]["scrape.yml"]
    assert STANDALONE_MOUNT in text
    # The files the agent's projected volume would hold, at a local mount point.
    (tmp / "shop_checkout-metrics-token_token").write_text("change-me")
    config = yaml.safe_load(text.replace(STANDALONE_MOUNT, str(tmp)))
    return Prepared(config, explain_jobs(config, snapshot))


def _fixture(name: str) -> Callable[[Snapshot, Path], Prepared]:
    def prepare(snapshot: Snapshot, tmp: Path) -> Prepared:
        found = load_manifests([SNAPSHOTS / "scrapes" / f"{name}.yaml"])
        assert found.scrapes
        return _from_manifests(found.scrapes, list(found.assets), snapshot, tmp)

    return prepare


CASES = [
    Case("example-basic", "web-and-db.yaml", _example("basic")),
    Case("example-cross-namespace", "cross-namespace.yaml", _example("cross-namespace")),
    Case("example-endpointslices", "shop-endpointslices.yaml", _example("endpointslices")),
    Case("example-auth-tls", "billing-tls.yaml", _example("auth-tls")),
    Case("example-adopt-service-monitors", "web-and-db.yaml", _example("adopt-service-monitors")),
    Case("example-standalone-vmagent", "standalone-shop.yaml", _standalone),
    Case(
        "example-quickstart",
        ("web-and-db.yaml", "cross-namespace.yaml", "payments-endpointslices.yaml"),
        _example("quickstart"),
    ),
    Case("web-and-db", "web-and-db.yaml", _fixture("web-and-db")),
    Case("sidecars", "sidecars.yaml", _fixture("sidecars")),
    Case("namespaces", "namespaces.yaml", _fixture("namespaces")),
]


def test_every_example_has_a_case() -> None:
    covered = {c.id.removeprefix("example-") for c in CASES if c.id.startswith("example-")}
    assert covered == set(EXAMPLES)


def _targets(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2) as response:
            return json.load(response)["data"]
    except (OSError, ValueError, KeyError):
        return None


def _settled(
    port: int, proc: subprocess.Popen[bytes], log: Path, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Poll ``/api/v1/targets`` until ``until`` holds for an answer (the expected targets are there), at
    most ``SETTLE_TIMEOUT`` seconds; then the last answer, for the caller's assertion to show the
    difference."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"vmagent exited early with {proc.returncode}:\n{log.read_text(errors='replace')}")
        data = _targets(port)
        if data is not None:
            data.setdefault("activeTargets", [])
            data["droppedTargets"] = data.get("droppedTargets") or []
            if until(data):
                return data
            last = data
        time.sleep(POLL)
    if last is None:
        pytest.fail(f"vmagent's /api/v1/targets did not answer within {SETTLE_TIMEOUT}s")
    return last


def _run_vmagent(
    vmagent: str, config_text: str, tmp: Path, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """vmagent on ``config_text`` until its targets satisfy ``until`` (see :func:`_settled`)."""
    (tmp / "scrape.yaml").write_text(config_text)
    proc, port, log_path = start_vmagent(vmagent, tmp / "scrape.yaml", tmp)
    try:
        return _settled(port, proc, log_path, until)
    finally:
        stop_vmagent(proc)


def _loopback_only(snapshot: Snapshot) -> None:
    """Every address a scrape could reach in the snapshot is in 127.0.0.0/8."""
    loopback = ipaddress.ip_network("127.0.0.0/8")
    ips: list[str] = []
    for pod in snapshot.pods.values():
        status = pod.get("status") or {}
        ips += [status.get("podIP") or "127.0.0.1", status.get("hostIP") or "127.0.0.1"]
    for eps in snapshot.endpoints.values():
        for subset in eps.get("subsets") or ():
            ips += [a["ip"] for key in ("addresses", "notReadyAddresses") for a in subset.get(key) or ()]
    for eps in snapshot.endpointslices.values():
        ips += [a for e in eps.get("endpoints") or () for a in e.get("addresses") or ()]
    for svc in snapshot.services.values():
        ip = (svc.get("spec") or {}).get("clusterIP")
        if ip and ip != "None":
            ips.append(ip)
    assert ips
    assert [ip for ip in ips if ipaddress.ip_address(ip) not in loopback] == []


def _load(snapshot: str | tuple[str, ...]) -> Snapshot:
    if isinstance(snapshot, str):
        return load_snapshot(SNAPSHOTS / snapshot)
    paths = [SNAPSHOTS / name for name in snapshot]
    return snapshot_from_objects(doc for p in paths for doc in parse_documents(p, p.read_text()))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_real_vmagent_finds_the_predicted_targets(case: Case, tmp_path: Path, vmagent: str) -> None:
    snapshot = _load(case.snapshot)
    _loopback_only(snapshot)
    prepared = case.prepare(snapshot, tmp_path)
    predicted_active_count = sum(len(j.active) for j in prepared.jobs)
    assert predicted_active_count, "the snapshot should give the case real targets"
    predicted_active = Counter(
        (j.job_name, t.scrape_url, tuple(sorted(t.labels.items()))) for j in prepared.jobs for t in j.active
    )
    predicted_dropped = Counter(
        tuple(sorted(t.discovered_labels.items())) for j in prepared.jobs for t in j.dropped
    )

    with FakeAPIServer(snapshot) as api:
        for job in prepared.config["scrape_configs"]:
            job["proxy_url"] = PROXY
            for sd in job["kubernetes_sd_configs"]:
                sd["api_server"] = api.url
        data = _run_vmagent(
            vmagent,
            dump_yaml(prepared.config),
            tmp_path,
            until=lambda d: _real_active(d) == predicted_active and _real_dropped(d) == predicted_dropped,
        )
    assert _real_active(data) == predicted_active
    assert _real_dropped(data) == predicted_dropped


def _real_active(data: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (t["scrapePool"], t["scrapeUrl"], tuple(sorted(t["labels"].items()))) for t in data["activeTargets"]
    )


def _real_dropped(data: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    # vmagent reports each dropped target with the labels relabeling started from.
    return Counter(tuple(sorted(t["discoveredLabels"].items())) for t in data["droppedTargets"])
