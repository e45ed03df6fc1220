"""`vmscrape explain --shards`, `vmscrape diff` across a reshard, and OperatorVMAgent's ``shards`` output.

Inputs: tests/fixtures/snapshots/web-and-db.yaml with the scrapes of
tests/fixtures/snapshots/scrapes/web-and-db.yaml (13 kept targets in 5 jobs, 2 namespaces). Which shard
takes which target is checked against real vmagents in tests/e2e/test_shards_vs_vmagent.py; these tests
check what the commands and the component make of the split: every kept target is on exactly
``replicationFactor`` shards, counts add up across views, a reshard's moves are the targets whose shards
differ, and bad options are one-line errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.support.pulumi_programs import RecordingMocks, run_to_completion
from vmscrape_component.cli.__main__ import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"
SNAPSHOT = str(FIXTURES / "web-and-db.yaml")
SCRAPES = str(FIXTURES / "scrapes" / "web-and-db.yaml")
KEPT = 13

AGENT = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {{name: main, namespace: monitoring}}
spec:
  selectAllByDefault: true
  shardCount: {shards}
{extra}"""


def _agent(tmp_path: Path, shards: int, extra: str = "", name: str = "agent.yaml") -> str:
    path = tmp_path / name
    path.write_text(AGENT.format(shards=shards, extra=extra))
    return str(path)


def _explain_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["explain", *argv, "--snapshot", SNAPSHOT, "-o", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _kept(data: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((job["job_name"], t["scrape_url"]) for job in data["jobs"] for t in job["active"])


def test_each_kept_target_is_on_one_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _explain_json(capsys, SCRAPES, _agent(tmp_path, 3), "--shards")
    shards = data["shards"]
    assert (shards["shards"], shards["replication_factor"]) == (3, 1)
    assert sorted((t["job"], t["scrape_url"]) for t in shards["targets"]) == _kept(data)
    assert len(_kept(data)) == KEPT
    assert all(len(t["shards"]) == 1 and 0 <= t["shards"][0] < 3 for t in shards["targets"])
    per_shard = {row["shard"]: row["targets"] for row in shards["per_shard"]}
    assert per_shard == {m: sum(t["shards"] == [m] for t in shards["targets"]) for m in range(3)}
    assert sum(row["share"] for row in shards["per_shard"]) == pytest.approx(1.0)
    assert shards["balance"] == pytest.approx(max(per_shard.values()) / (KEPT / 3), abs=1e-4)


def test_shards_n_overrides_the_agent_and_works_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_agent = _explain_json(capsys, SCRAPES, _agent(tmp_path, 3), "--shards", "5")["shards"]
    without = _explain_json(capsys, SCRAPES, "--shards", "5")["shards"]
    assert with_agent["shards"] == without["shards"] == 5
    # The split depends on the targets' labels, which the agent here does not change.
    assert [t["shards"] for t in with_agent["targets"]] == [t["shards"] for t in without["targets"]]


def test_replication_factor_puts_each_target_on_consecutive_shards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "  extraArgs: {promscrape.cluster.replicationFactor: '2'}\n"
    shards = _explain_json(capsys, SCRAPES, _agent(tmp_path, 3, extra), "--shards")["shards"]
    assert shards["replication_factor"] == 2
    for t in shards["targets"]:
        first, second = t["shards"]
        assert second == (first + 1) % 3
    assert sum(row["targets"] for row in shards["per_shard"]) == 2 * KEPT


def test_shard_by_a_label_keeps_its_values_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _explain_json(capsys, SCRAPES, "--shards", "4", "--shard-by-labels", "namespace")
    members: dict[str, set[int]] = {}
    for t in data["shards"]["targets"]:
        members.setdefault(t["labels"]["namespace"], set()).update(t["shards"])
    assert sorted(members) == ["apps", "other"]
    assert all(len(m) == 1 for m in members.values())


def test_by_namespace_counts_add_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shards = _explain_json(capsys, SCRAPES, _agent(tmp_path, 2), "--shards", "--by", "namespace")["shards"]
    rows = shards["groups"]["rows"]
    assert shards["groups"]["by"] == "namespace"
    assert [r["group"] for r in rows] == ["apps", "other"]
    assert all(sum(r["shards"].values()) == r["targets"] for r in rows)
    for m in range(2):
        assert sum(r["shards"][str(m)] for r in rows) == shards["per_shard"][m]["targets"]


def test_by_scrape_names_the_vmservicescrapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shards = _explain_json(capsys, SCRAPES, "--shards", "2", "--by", "scrape")["shards"]
    assert [(r["group"], r["targets"]) for r in shards["groups"]["rows"]] == [
        ("apps/web", 10),
        ("apps/web-slices", 2),
        ("other/db", 1),
    ]


def test_text_shows_shards_balance_and_warns_on_an_uneven_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Sharding by namespace puts the 12 apps targets on one of 3 shards: 12 > 1.5 x 13/3.
    argv = ["explain", SCRAPES, "--snapshot", SNAPSHOT, "--shards", "3", "--shard-by-labels", "namespace"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "Targets by shard" in out and "Per shard" in out
    assert "3 shards, shardByLabels namespace: balance max/mean" in out
    (warning,) = [line for line in err.splitlines() if line.startswith("warning: uneven shards")]
    assert "takes 12 targets" in warning


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--by", "job"], "--by: goes with --shards"),
        (["--shards"], "--shards: MANIFESTS hold no VMAgent"),
        (["--shards", "-1"], "--shards"),
        (["--shards", "2", "--replication-factor", "0"], "--replication-factor"),
    ],
)
def test_bad_shard_options_are_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", SCRAPES, "--snapshot", SNAPSHOT, *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_shards_on_an_unsharded_agent_asks_for_n(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", SCRAPES, _agent(tmp_path, 1), "--snapshot", SNAPSHOT, "--shards"]) == 2
    assert "--shards N" in capsys.readouterr().err


# -- diff ----------------------------------------------------------------------------------------------------


def _side(tmp_path: Path, name: str, shards: int, scrapes: str = "") -> str:
    side = tmp_path / name
    side.mkdir()
    (side / "scrapes.yaml").write_text(scrapes or Path(SCRAPES).read_text())
    _agent(side, shards)
    return str(side)


def _diff_json(capsys: pytest.CaptureFixture[str], old: str, new: str) -> dict[str, Any]:
    assert main(["diff", old, new, "--snapshot", SNAPSHOT, "-o", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_reshard_moves_the_targets_whose_shard_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = _side(tmp_path, "old", 2), _side(tmp_path, "new", 3)
    before = _explain_json(capsys, SCRAPES, str(Path(old) / "agent.yaml"), "--shards")["shards"]["targets"]
    after = _explain_json(capsys, SCRAPES, str(Path(new) / "agent.yaml"), "--shards")["shards"]["targets"]
    expected = sorted(
        (a["job"], a["scrape_url"]) for a, b in zip(before, after, strict=True) if a["shards"] != b["shards"]
    )
    shards = _diff_json(capsys, old, new)["shards"]
    assert sorted((m["job"], m["scrape_url"]) for m in shards["moves"]) == expected
    assert shards["moved"] == len(expected) and shards["stayed"] == KEPT - len(expected)
    assert (shards["added"], shards["removed"]) == (0, 0)
    assert (
        sum(shards["old_targets_per_shard"].values()) == sum(shards["new_targets_per_shard"].values()) == KEPT
    )
    assert list(shards["new_targets_per_shard"]) == ["0", "1", "2"]


def test_a_relabeling_that_adds_a_label_moves_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = Path(SCRAPES).read_text()
    relabeled = text.replace(
        "  - port: metrics\n",
        "  - port: metrics\n    relabelConfigs: [{targetLabel: tier, replacement: web}]\n",
    )
    assert relabeled != text
    old, new = _side(tmp_path, "old", 3), _side(tmp_path, "new", 3, relabeled)
    data = _diff_json(capsys, old, new)
    shards = data["shards"]
    changed_job = "serviceScrape/apps/web-slices/0"
    assert data["jobs"]["changed"] and list(data["jobs"]["changed"]) == [changed_job]
    assert (shards["added"], shards["removed"]) == (0, 0)
    # Only that job's targets have new labels, so only they can move.
    assert {m["job"] for m in shards["moves"]} <= {changed_job}


def test_the_same_split_is_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _side(tmp_path, "old", 3), _side(tmp_path, "new", 3)
    assert main(["diff", old, new, "--snapshot", SNAPSHOT, "--exit-code"]) == 0
    out = capsys.readouterr().out
    assert "0 of 13 targets change shard" in out
    old1 = _side(tmp_path, "one", 2)
    assert main(["diff", old1, new, "--snapshot", SNAPSHOT, "--exit-code"]) == 1
    assert "2 shards -> 3 shards" in capsys.readouterr().out


def test_diff_shards_needs_a_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _side(tmp_path, "old", 3), _side(tmp_path, "new", 3)
    assert main(["diff", old, new, "--shards", "2"]) == 2
    assert "--shards: needs a cluster" in capsys.readouterr().err


# -- component -----------------------------------------------------------------------------------------------


def _component_shards(spec: dict[str, Any], warnings: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    import yaml

    from vmscrape_component import OperatorVMAgent

    pulumi.runtime.set_mocks(RecordingMocks(), preview=True)
    scrapes = list(yaml.safe_load_all(Path(SCRAPES).read_text()))

    def program() -> pulumi.Output[Any]:
        agent = OperatorVMAgent(
            "main", namespace="monitoring", agent=spec, scrapes=scrapes, snapshot=SNAPSHOT
        )
        return pulumi.Output.all(agent.shards, agent.targets)

    shards, targets = run_to_completion(program)
    return shards, targets


def test_the_operator_agent_previews_targets_per_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda msg, *a, **k: warnings.append(msg))
    shards, targets = _component_shards({"selectAllByDefault": True, "shardCount": 3}, warnings)
    assert shards["shards"] == 3 and list(shards["targets"]) == ["0", "1", "2"]
    assert sum(shards["targets"].values()) == sum(len(t["active"]) for t in targets.values()) == KEPT
    assert not [w for w in warnings if "uneven" in w]

    uneven = {
        "selectAllByDefault": True,
        "shardCount": 3,
        "extraArgs": {"promscrape.cluster.shardByLabels": "namespace"},
    }
    shards, _ = _component_shards(uneven, warnings)
    assert sorted(shards["targets"].values())[-1] == 12
    assert [w for w in warnings if "uneven shards" in w]


def test_an_unsharded_agent_has_no_shards_output() -> None:
    shards, targets = _component_shards({"selectAllByDefault": True}, [])
    assert shards == {} and targets


def test_markdown_has_a_shards_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _side(tmp_path, "old", 2), _side(tmp_path, "new", 3)
    moved = _diff_json(capsys, old, new)["shards"]["moved"]
    assert main(["diff", old, new, "--snapshot", SNAPSHOT, "-o", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "**Shards**" in out
    assert f"2 shards -> 3 shards: {moved} of {KEPT} targets change shard" in out
