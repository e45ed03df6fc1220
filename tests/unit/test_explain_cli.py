"""`vmscrape explain` as a user runs it: manifests + a cluster snapshot in, selection and targets out.

The expected targets follow from the operator's rendered relabeling (keep on the port name / container
port) and vmagent's discovery rules (see tests/unit/test_discovery.py for the label-level ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmscrape_component.cli.__main__ import main

SNAPSHOT = str(Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "web-and-db.yaml")

MANIFESTS = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
  - targetPort: 9100
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: db, namespace: other}
spec:
  discoveryRole: endpointslice
  selector: {matchLabels: {app: db}}
  endpoints:
  - targetPort: metrics
"""

AGENT = """\
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {name: main, namespace: monitoring}
spec:
  serviceScrapeNamespaceSelector: {matchLabels: {team: shop}}
  serviceScrapeSelector: {}
"""


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "manifests.yaml"
    path.write_text(text)
    return str(path)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["explain", *argv, "-o", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT)
    assert list(out) == ["agent", "selection", "skipped", "jobs", "duplicates", "notes"]
    assert out["agent"] is None
    job = out["jobs"][0]
    assert list(job) == ["job_name", "role", "namespaces", "discovered", "active", "dropped", "notes"]
    assert list(job["active"][0]) == ["address", "scrape_url", "labels", "source"]
    assert list(job["dropped"][0]) == ["address", "source", "reason", "rule", "discovered_labels"]


def test_port_http_keeps_ready_and_not_ready_addresses_of_both_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `port: http` renders keep(__meta_kubernetes_endpoint_port_name == http); vmagent does not filter
    # not-ready addresses, and the headless Service publishes the same pods again: 4 targets, job label
    # from the service name.
    out = _json(capsys, _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT)
    job = next(j for j in out["jobs"] if j["job_name"] == "serviceScrape/apps/web/0")
    assert job["role"] == "endpoints" and job["namespaces"] == ["apps"]
    assert sorted((t["labels"]["job"], t["address"]) for t in job["active"]) == [
        ("web", "127.0.0.11:8080"),
        ("web", "127.0.0.12:8080"),
        ("web-headless", "127.0.0.11:8080"),
        ("web-headless", "127.0.0.12:8080"),
    ]
    first = next(t for t in job["active"] if t["labels"]["pod"] == "web-1" and t["labels"]["job"] == "web")
    assert first["scrape_url"] == "http://127.0.0.11:8080/metrics"
    assert first["labels"] == {
        "container": "app",
        "endpoint": "http",
        "instance": "127.0.0.11:8080",
        "job": "web",
        "namespace": "apps",
        "pod": "web-1",
        "service": "web",
    }
    # Everything else discovered in apps was dropped by the port-name keep (rule #1, after the
    # service selector keep #0).
    assert job["discovered"] == 12 and len(job["dropped"]) == 8
    assert {(d["reason"], d["rule"]["index"], d["rule"]["action"]) for d in job["dropped"]} == {
        ("relabeling", 1, "keep")
    }


def test_numeric_target_port_picks_up_the_headless_extra_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `targetPort: 9100` keeps __meta_kubernetes_pod_container_port_number == 9100: from Endpoints web
    # (port 9100 listed) and from web-headless, whose pods' unlisted 9100 ports become extra targets.
    out = _json(capsys, _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT)
    job = next(j for j in out["jobs"] if j["job_name"] == "serviceScrape/apps/web/1")
    assert sorted((t["source"], t["address"]) for t in job["active"]) == [
        ("Endpoints apps/web", "127.0.0.11:9100"),
        ("Endpoints apps/web", "127.0.0.12:9100"),
        ("Endpoints apps/web-headless (pod apps/web-1 port not in it)", "127.0.0.11:9100"),
        ("Endpoints apps/web-headless (pod apps/web-2 port not in it)", "127.0.0.12:9100"),
    ]


def test_agent_selection_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The agent selects namespaces labelled team=shop; the snapshot's Namespace objects supply the labels.
    out = _json(capsys, _write(tmp_path, MANIFESTS + AGENT), "--snapshot", SNAPSHOT)
    assert out["agent"] == "monitoring/main"
    selection = {s["scrape"]: s for s in out["selection"]}
    assert selection["apps/web"]["selected"] is True
    assert selection["other/db"]["selected"] is False
    assert "team" in selection["other/db"]["reason"]
    assert {j["job_name"] for j in out["jobs"]} == {"serviceScrape/apps/web/0", "serviceScrape/apps/web/1"}


def test_endpointslice_named_target_port_with_native_sidecar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _json(capsys, _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT)
    job = next(j for j in out["jobs"] if j["job_name"] == "serviceScrape/other/db/0")
    assert job["role"] == "endpointslice"
    (target,) = job["active"]
    assert target["address"] == "127.0.0.21:9187"
    assert target["labels"]["container"] == "exporter"
    # postgres' 5432 is discovered as an extra pod-port target, then dropped by the container port keep.
    (dropped,) = job["dropped"]
    assert dropped["address"] == "127.0.0.21:5432"
    assert dropped["discovered_labels"]["__meta_kubernetes_pod_container_port_name"] == "pg"


def test_text_output_has_a_table_per_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", _write(tmp_path, MANIFESTS + AGENT), "--snapshot", SNAPSHOT]) == 0
    text = capsys.readouterr().out
    assert "Selection by VMAgent monitoring/main" in text
    assert "serviceScrape/apps/web/0" in text and "4 active, 8 dropped of 12 discovered" in text
    assert "http://127.0.0.11:8080/metrics" in text
    assert "keep" in text and "__meta_kubernetes_endpoint_port_name" in text


@pytest.mark.parametrize(
    ("argv_tail", "words"),
    [
        (["--snapshot", "/nonexistent/snapshot.yaml"], "cannot read"),
        (["--snapshot", SNAPSHOT, "--agent", "monitoring/other"], "no VMAgent with that namespace/name"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv_tail: list[str], words: str
) -> None:
    assert main(["explain", _write(tmp_path, MANIFESTS + AGENT), *argv_tail]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_invalid_snapshot_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "snap.yaml"
    bad.write_text("apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {namespace: x}\n")
    assert main(["explain", _write(tmp_path, MANIFESTS), "--snapshot", str(bad)]) == 2
    assert "metadata.name" in capsys.readouterr().err


def test_pods_behind_a_headless_and_a_clusterip_service_are_reported_as_scraped_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # web and web-headless select the same two pods; `port: http` keeps both Endpoints' http addresses,
    # and `targetPort: 9100` keeps the exporter port of both (web lists it; for web-headless it is a pod
    # port not in the Endpoints, which vmagent still makes a target of): every URL twice.
    out = _json(capsys, _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT)
    dup = {d["scrape_url"]: sorted(t["labels"]["service"] for t in d["targets"]) for d in out["duplicates"]}
    assert dup == {
        "http://127.0.0.11:8080/metrics": ["web", "web-headless"],
        "http://127.0.0.11:9100/metrics": ["web", "web-headless"],
        "http://127.0.0.12:8080/metrics": ["web", "web-headless"],
        "http://127.0.0.12:9100/metrics": ["web", "web-headless"],
    }
    assert main(["explain", _write(tmp_path, MANIFESTS), "--snapshot", SNAPSHOT]) == 0
    err = capsys.readouterr().err
    assert "warning: http://127.0.0.11:8080/metrics is scraped 2 times" in err
