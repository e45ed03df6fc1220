"""`vmscrape explain`'s prediction against the real vmagent, over the same snapshot.

vmagent (``scripts/install-vmagent``) runs with the rendered config, its ``kubernetes_sd_configs`` pointed
at :mod:`tests.e2e.fake_apiserver` serving ``tests/fixtures/snapshots/web-and-db.yaml``; once
``/api/v1/targets`` settles, its active and dropped targets must equal the simulation's.

Safety: the API server and vmagent listen on 127.0.0.1 only; every target in the snapshot is a 127.0.0.x
address (scrapes just fail); remote write goes to 127.0.0.1:1 (refused). Service-role jobs are left out,
since they would resolve cluster DNS names. vmagent is stopped by PID, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fake_apiserver import FakeAPIServer
from tests.support.vmagent import find_vmagent
from vmscrape_component.manifests import load_manifests
from vmscrape_component.render import config_yaml, render_config
from vmscrape_component.simulate import explain, load_snapshot

pytestmark = pytest.mark.vmagent

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "web-and-db.yaml"
SETTLE_TIMEOUT = 45.0

MANIFESTS = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
  - targetPort: 9100
  - targetPort: admin
    relabelConfigs:
    - action: drop
      sourceLabels: [__meta_kubernetes_endpoints_label_service_kubernetes_io_headless]
      regex: ".*"
      if: '{__meta_kubernetes_endpoints_labelpresent_service_kubernetes_io_headless="true"}'
    - action: hashmod
      sourceLabels: [__address__]
      modulus: 7
      targetLabel: shard
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web-slices, namespace: apps}
spec:
  discoveryRole: endpointslice
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: metrics
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: db, namespace: other}
spec:
  discoveryRole: endpointslice
  attach_metadata: {namespace: true}
  selector: {matchLabels: {app: db}}
  endpoints:
  - targetPort: metrics
    relabelConfigs:
    - sourceLabels: [__meta_kubernetes_namespace_label_team]
      targetLabel: team
"""


@pytest.fixture(scope="module")
def vmagent() -> str:
    binary = find_vmagent()
    if binary is None:
        if os.environ.get("VMSCRAPE_REQUIRE_VMAGENT"):
            pytest.fail("vmagent not found: run scripts/install-vmagent (VMSCRAPE_REQUIRE_VMAGENT is set)")
        pytest.skip("vmagent not installed (scripts/install-vmagent)")
    return binary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _targets(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2) as response:
            return json.load(response)["data"]
    except (OSError, ValueError, KeyError):
        return None


def _settled(port: int, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """Poll until two answers 2 s apart agree and show targets (or time out)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    previous = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"vmagent exited early with {proc.returncode}")
        data = _targets(port)
        if data and data.get("activeTargets"):
            shape = (len(data["activeTargets"]), len(data.get("droppedTargets") or ()))
            if shape == previous:
                return data
            previous = shape
        time.sleep(2)
    pytest.fail(f"vmagent's /api/v1/targets did not settle within {SETTLE_TIMEOUT}s (last: {previous})")


def test_real_vmagent_finds_the_predicted_targets(tmp_path: Path, vmagent: str) -> None:
    manifests = tmp_path / "manifests.yaml"
    manifests.write_text(MANIFESTS)
    found = load_manifests([manifests])
    snapshot = load_snapshot(SNAPSHOT)
    prediction = explain(found.scrapes, snapshot)
    config = render_config(found.scrapes)

    with FakeAPIServer(snapshot) as api:
        for job in config.jobs:
            for sd in job["kubernetes_sd_configs"]:
                sd["api_server"] = api.url
        (tmp_path / "scrape.yaml").write_text(config_yaml(config))
        port = _free_port()
        log = (tmp_path / "vmagent.log").open("wb")
        proc = subprocess.Popen(
            [
                vmagent,
                f"-promscrape.config={tmp_path / 'scrape.yaml'}",
                f"-httpListenAddr=127.0.0.1:{port}",
                "-remoteWrite.url=http://127.0.0.1:1/api/v1/write",
                f"-remoteWrite.tmpDataPath={tmp_path / 'rw'}",
                "-promscrape.kubernetesSDCheckInterval=1s",
                "-promscrape.suppressDuplicateScrapeTargetErrors",
                "-loggerLevel=ERROR",
            ],
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            data = _settled(port, proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()

    real_active = Counter(
        (t["scrapePool"], t["scrapeUrl"], tuple(sorted(t["labels"].items()))) for t in data["activeTargets"]
    )
    predicted_active = Counter(
        (j.job_name, t.scrape_url, tuple(sorted(t.labels.items()))) for j in prediction.jobs for t in j.active
    )
    assert real_active == predicted_active

    def dropped_key(labels: dict[str, str]) -> tuple[str, str]:
        return labels.get("job", ""), labels.get("__address__", "")

    real_dropped = Counter(dropped_key(t["discoveredLabels"]) for t in data.get("droppedTargets") or ())
    predicted_dropped = Counter(dropped_key(t.discovered_labels) for j in prediction.jobs for t in j.dropped)
    assert real_dropped == predicted_dropped
    # The labels vmagent reports for each dropped target are exactly the ones the simulation started from.
    real_labels = Counter(tuple(sorted(t["discoveredLabels"].items())) for t in data["droppedTargets"])
    predicted_labels = Counter(
        tuple(sorted(t.discovered_labels.items())) for j in prediction.jobs for t in j.dropped
    )
    assert real_labels == predicted_labels
