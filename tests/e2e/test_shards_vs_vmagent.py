"""`vmscrape explain --shards`'s split against real vmagents in cluster mode, over the same snapshot.

For each case a VMAgent manifest (``shardCount``, maybe ``extraArgs``) and the workload of
``benchmarks/simulate_scale.py`` at 24 Services (24 namespaces, 48 jobs, 94 kept targets; relabeling adds
a ``version`` label to half of them) are given to both sides:

- the prediction: :func:`~vmscrape_component.simulate.explain` and
  :func:`~vmscrape_component.simulate.shards.shard_report` with the settings read from the VMAgent;
- the real thing: ``shardCount`` vmagents (v1.150.0) started at once, each with the flags the operator
  gives shard ``i`` (``-promscrape.cluster.membersCount=<shardCount> -promscrape.cluster.memberNum=<i>``,
  ``factory/vmagent/vmagent.go:819-837`` at v0.74.1, and each ``extraArgs`` entry as ``-key=value``),
  their discovery pointed at :mod:`tests.e2e.fake_apiserver` serving the snapshot.

Each member's active targets (``/api/v1/targets``) must equal the targets predicted for that member, and
``vmscrape explain --shards -o json`` over the same files must name, for each target, exactly the members
that scrape it.
Cases: 2, 3 and 5 shards; 3 shards with ``replicationFactor=2``; 3 shards with ``shardByLabels=version``
(targets without the label are sharded by all their labels).

Safety as in ``test_explain_vs_vmagent.py``: loopback only (every pod IP is in 127.0.0.0/8, every job
scrapes through a refused proxy on 127.0.0.1:1, the interval is 1h), vmagents stopped by PID, every wait
bounded.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks.simulate_scale import scrape_manifests, snapshot_objects
from tests.e2e.fake_apiserver import FakeAPIServer
from tests.support.vmagent import start_vmagent, stop_vmagent
from vmscrape_component.cli.__main__ import main
from vmscrape_component.models import API_VERSION
from vmscrape_component.render import dump_yaml, render_config
from vmscrape_component.simulate import explain, snapshot_from_objects
from vmscrape_component.simulate.shards import ShardSettings, shard_report

pytestmark = pytest.mark.vmagent

SERVICES = 24
SETTLE_TIMEOUT = 40.0
POLL = 0.5
PROXY = "http://127.0.0.1:1"


def _agent(shards: int, extra_args: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"selectAllByDefault": True, "shardCount": shards}
    if extra_args:
        spec["extraArgs"] = extra_args
    return {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "sharded", "namespace": "monitoring"},
        "spec": spec,
    }


CASES = {
    "2-shards": _agent(2),
    "3-shards": _agent(3),
    "5-shards": _agent(5),
    "3-shards-replication-2": _agent(3, {"promscrape.cluster.replicationFactor": "2"}),
    "3-shards-by-version": _agent(3, {"promscrape.cluster.shardByLabels": "version"}),
}


def _operator_flags(agent: dict[str, Any], member: int) -> list[str]:
    """The cluster flags the operator gives shard ``member`` (written from the operator's source, not
    from vmscrape's reading of it)."""
    spec = agent["spec"]
    flags = [f"-{k}={v}" for k, v in sorted((spec.get("extraArgs") or {}).items())]
    return [
        *flags,
        f"-promscrape.cluster.membersCount={spec['shardCount']}",
        f"-promscrape.cluster.memberNum={member}",
    ]


def _targets(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets", timeout=2) as response:
            return json.load(response)["data"]
    except (OSError, ValueError, KeyError):
        return None


def _member(
    vmagent: str, config: Path, flags: list[str], workdir: Path
) -> tuple[subprocess.Popen[bytes], int, Path]:
    workdir.mkdir()
    return start_vmagent(vmagent, config, workdir, flags)


def _settle_all(
    members: list[tuple[subprocess.Popen[bytes], int, Path]], discovered: int
) -> list[dict[str, Any]]:
    """Poll every member until each has seen all ``discovered`` targets (active + dropped) in three
    answers in a row (or time out)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    results: list[dict[str, Any] | None] = [None] * len(members)
    streak = [0] * len(members)
    while time.monotonic() < deadline and min(streak) < 3:
        for i, (proc, port, log) in enumerate(members):
            if proc.poll() is not None:
                pytest.fail(f"vmagent {i} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
            if streak[i] >= 3:
                continue
            data = _targets(port)
            seen = len(data["activeTargets"]) + len(data.get("droppedTargets") or ()) if data else -1
            streak[i] = streak[i] + 1 if seen == discovered else 0
            results[i] = data
        time.sleep(POLL)
    if min(streak) < 3:
        pytest.fail(f"members did not all settle within {SETTLE_TIMEOUT}s (streaks {streak})")
    return [r for r in results if r is not None]


def _key(job: str, url: str, labels: dict[str, str]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return job, url, tuple(sorted(labels.items()))


def _cli_members(
    agent: dict[str, Any],
    objects: list[dict[str, Any]],
    scrapes: list[dict[str, Any]],
    tmp: Path,
    capsys: Any,
) -> Counter[tuple[Any, ...]]:
    """(job, URL, labels, member) of every target, as ``vmscrape explain --shards -o json`` says."""
    snapshot_file, manifests = tmp / "snapshot.yaml", tmp / "manifests.yaml"
    snapshot_file.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects}))
    manifests.write_text(yaml.safe_dump_all([*scrapes, agent]))
    capsys.readouterr()
    assert main(["explain", str(manifests), "--snapshot", str(snapshot_file), "--shards", "-o", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["shards"]
    return Counter(
        (*_key(t["job"], t["scrape_url"], t["labels"]), member)
        for t in data["targets"]
        for member in t["shards"]
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_real_member_scrapes_the_predicted_share(
    case: str, tmp_path: Path, vmagent: str, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = CASES[case]
    shard_count = agent["spec"]["shardCount"]
    snapshot = snapshot_from_objects(snapshot_objects(SERVICES))
    scrapes = scrape_manifests(SERVICES)
    result = explain(scrapes, snapshot, agent)
    report = shard_report(result.jobs, ShardSettings.for_agent(agent))
    assert report.settings.members == shard_count
    predicted = [
        Counter(_key(t.job, t.target.scrape_url, t.target.labels) for t in report.per_member[m])
        for m in range(shard_count)
    ]
    assert all(predicted), "every member should get some targets, or the comparison proves little"
    discovered = sum(len(j.targets) for j in result.jobs)

    config = render_config(scrapes, agent).as_dict()
    for job in config["scrape_configs"]:
        job["proxy_url"] = PROXY
    with FakeAPIServer(snapshot) as api:
        for job in config["scrape_configs"]:
            for sd in job["kubernetes_sd_configs"]:
                sd["api_server"] = api.url
        (tmp_path / "scrape.yaml").write_text(dump_yaml(config))
        members = [
            _member(vmagent, tmp_path / "scrape.yaml", _operator_flags(agent, m), tmp_path / f"member-{m}")
            for m in range(shard_count)
        ]
        try:
            data = _settle_all(members, discovered)
        finally:
            for proc, _, _ in members:
                stop_vmagent(proc)

    real = [
        Counter(_key(t["scrapePool"], t["scrapeUrl"], t["labels"]) for t in member["activeTargets"])
        for member in data
    ]
    for m in range(shard_count):
        assert real[m] == predicted[m], f"member {m} of {shard_count}"
    real_members = Counter((*key, m) for m in range(shard_count) for key in real[m].elements())
    assert _cli_members(agent, snapshot_objects(SERVICES), scrapes, tmp_path, capsys) == real_members
    # Every kept target is scraped by replicationFactor members, no more, no fewer.
    factor = report.settings.replication_factor
    assert sum(sum(c.values()) for c in real) == factor * sum(len(j.active) for j in result.jobs)
