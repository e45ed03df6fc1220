"""`vmscrape diff OLD NEW --snapshot FILE`: besides the config changes, the targets each job gains and loses.

The snapshot (tests/fixtures/snapshots/front-ports.yaml) has one Service, shop/front, with ports http
(every pod) and web (a named targetPort only front-1 and front-2 have; front-3 is left out of it). A
scrape moving from ``port: http`` to ``port: web`` gains the two web targets and loses the three http ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cli.__main__ import main
from vmscrape_component.diff import TargetChange, diff_targets, target_text

SNAPSHOT = str(Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "front-ports.yaml")
JOB = "serviceScrape/shop/front/0"

SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {{name: front, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: front}}}}
  endpoints:
  - port: {port}
"""


def _target(ip: str, port: int, endpoint: str, pod: str) -> str:
    labels = (
        f'container="app", endpoint="{endpoint}", instance="{ip}:{port}", job="front", namespace="shop", '
        f'pod="{pod}", service="front"'
    )
    return f"http://{ip}:{port}/metrics {{{labels}}}"


WEB = [_target("127.0.0.31", 8081, "web", "front-1"), _target("127.0.0.32", 8081, "web", "front-2")]
HTTP = [
    _target("127.0.0.31", 8080, "http", "front-1"),
    _target("127.0.0.32", 8080, "http", "front-2"),
    _target("127.0.0.33", 8080, "http", "front-3"),
]


def _scrape(tmp_path: Path, name: str, port: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCRAPE.format(port=port))
    return str(path)


def _diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["diff", *argv])
    return code, capsys.readouterr().out


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out = _diff(capsys, *argv, "-o", "json")
    assert code == 0
    return json.loads(out)


def test_a_port_rename_gains_and_loses_exactly_these_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _scrape(tmp_path, "old", "http"), _scrape(tmp_path, "new", "web")
    result = _json(capsys, old, new, "--snapshot", SNAPSHOT)
    assert result["targets"] == [{"job": JOB, "gained": WEB, "lost": HTTP}]
    # The config change itself is still reported.
    assert [c["path"] for c in result["jobs"]["changed"][JOB]] == [
        "relabel_configs[1].regex",
        "relabel_configs[9].replacement",
    ]


def test_the_reverse_rename_swaps_gained_and_lost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _scrape(tmp_path, "old", "web"), _scrape(tmp_path, "new", "http")
    result = _json(capsys, old, new, "--snapshot", SNAPSHOT)
    assert result["targets"] == [{"job": JOB, "gained": HTTP, "lost": WEB}]


def test_text_lists_each_target_with_its_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _scrape(tmp_path, "old", "http"), _scrape(tmp_path, "new", "web")
    code, out = _diff(capsys, old, new, "--snapshot", SNAPSHOT, "--exit-code")
    assert code == 1
    lines = out.splitlines()
    assert [ln for ln in lines if ln.startswith(("+ target", "- target"))] == [
        *(f"+ target {t} ({JOB})" for t in WEB),
        *(f"- target {t} ({JOB})" for t in HTTP),
    ]
    assert lines[-1] == "0 job(s) added, 0 removed, 1 changed, targets +2 -3"


def test_markdown_has_a_targets_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _scrape(tmp_path, "old", "http"), _scrape(tmp_path, "new", "web")
    code, out = _diff(capsys, old, new, "--snapshot", SNAPSHOT, "-o", "markdown")
    assert code == 0
    assert f"| `{JOB}` | {'<br>'.join(WEB)} | {'<br>'.join(HTTP)} |" in out.splitlines()


def test_a_new_job_gains_all_its_targets_and_a_removed_one_loses_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("scrape_configs: []\n")
    scrape = _scrape(tmp_path, "web", "web")
    added = _json(capsys, str(empty), scrape, "--snapshot", SNAPSHOT)
    assert added["jobs"]["added"] == [JOB]
    assert added["targets"] == [{"job": JOB, "gained": WEB, "lost": []}]
    removed = _json(capsys, scrape, str(empty), "--snapshot", SNAPSHOT)
    assert removed["targets"] == [{"job": JOB, "gained": [], "lost": WEB}]


def test_same_targets_under_a_changed_config_are_no_target_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A drop rule that matches nothing changes the config, not the targets.
    old = _scrape(tmp_path, "old", "http")
    new = tmp_path / "new.yaml"
    new.write_text(
        SCRAPE.format(port="http")
        + "    relabelConfigs:\n"
        + "    - {action: drop, sourceLabels: [__meta_kubernetes_pod_name], regex: nope}\n"
    )
    result = _json(capsys, old, str(new), "--snapshot", SNAPSHOT)
    assert result["jobs"]["changed"]
    assert result["targets"] == []


def test_without_a_cluster_no_targets_are_simulated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _scrape(tmp_path, "old", "http"), _scrape(tmp_path, "new", "web")
    assert _json(capsys, old, new)["targets"] == []


def test_a_bad_snapshot_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _scrape(tmp_path, "old", "http"), _scrape(tmp_path, "new", "web")
    assert main(["diff", old, new, "--snapshot", str(tmp_path / "absent.yaml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "cannot read" in err[0]


def test_diff_targets_per_job() -> None:
    old = {"a": ["t1", "t2"], "b": ["t3"], "gone": ["t4"]}
    new = {"a": ["t2", "t5"], "b": ["t3"], "fresh": ["t6"]}
    assert diff_targets(old, new) == [
        TargetChange("a", gained=["t5"], lost=["t1"]),
        TargetChange("fresh", gained=["t6"], lost=[]),
        TargetChange("gone", gained=[], lost=["t4"]),
    ]


def test_target_text_sorts_and_escapes_labels() -> None:
    text = target_text("http://127.0.0.1:8080/metrics", {"pod": "web-1", "job": 'we"b\\x'})
    assert text == 'http://127.0.0.1:8080/metrics {job="we\\"b\\\\x", pod="web-1"}'
