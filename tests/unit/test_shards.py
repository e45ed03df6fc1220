"""The shard rule (vmagent's cluster mode) and how it reads a VMAgent; the member-by-member comparison
with real vmagents is ``tests/e2e/test_shards_vs_vmagent.py``.

Expected values here are vmagent's and cespare/xxhash's own test tables (cited per test), not output of
the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import API_VERSION
from vmscrape_component.simulate import JobTargets
from vmscrape_component.simulate.discovery import DiscoveredTarget
from vmscrape_component.simulate.shards import ShardSettings, member_nums, shard_key
from vmscrape_component.simulate.xxhash import xxhash64

S63 = "Call me Ishmael. Some years ago--never mind how long precisely-"


@pytest.mark.parametrize(
    ("data", "seed", "want"),
    [
        # github.com/cespare/xxhash/v2 v2.3.0 xxhash_test.go:20-29 (63 bytes: every code path).
        ("", 0, 0xEF46DB3751D8E999),
        ("a", 0, 0xD24EC4F1A98C6E5B),
        ("as", 0, 0x1C330FB2D66BE179),
        ("asd", 0, 0x631C37CE72A97393),
        ("asdf", 0, 0x415872F599CEA71E),
        (S63, 0, 0x02A2E85470D6FD96),
        ("", 123, 0xE0DB84DE91F3E198),
        ("asdf", 2**64 - 1, 0x9A2FD8473BE539B6),
        (S63, 54321, 0x1736D186DAF5D1CD),
    ],
)
def test_xxhash64_matches_cespare_xxhash(data: str, seed: int, want: int) -> None:
    assert xxhash64(data.encode(), seed) == want


@pytest.mark.parametrize(
    ("key", "members", "factor", "want"),
    [
        # VictoriaMetrics v1.150.0 lib/promscrape/config_test.go:125-148 (its member-number table)
        ("foo", 0, 0, (0,)),
        ("baz", 2, 0, (0,)),
        ("foo", 2, 0, (1,)),
        ("baz", 2, 2, (0, 1)),
        ("foo", 2, 2, (1, 0)),
        ("abc", 3, 2, (0, 1)),
        ("bar", 3, 2, (1, 2)),
        ("foo", 3, 2, (2, 0)),
    ],
)
def test_members_follow_vmagents_table(key: str, members: int, factor: int, want: tuple[int, ...]) -> None:
    assert member_nums(key.encode(), members, factor) == want


ABCD = [("a", "aa"), ("b", "bb"), ("c", "cc"), ("d", "dd")]


@pytest.mark.parametrize(
    ("labels", "by", "want"),
    [
        # lib/promscrape/config_test.go:151-218 (TestAppendScrapeWorkKeyShardByLabels)
        (ABCD, [], "a=aa,b=bb,c=cc,d=dd,"),
        (ABCD, ["a", "c"], "a=aa,c=cc,"),
        (ABCD, ["c", "a"], "a=aa,c=cc,"),
        ([("a", "aa"), ("c", "cc"), ("d", "dd")], ["a", "b", "c"], "a=aa,c=cc,"),
        ([("d", "dd"), ("e", "ee")], ["a", "b", "c"], "d=dd,e=ee,"),
    ],
)
def test_the_key_is_vmagents(labels: list[tuple[str, str]], by: list[str], want: str) -> None:
    assert shard_key(labels, by) == want.encode()


def test_the_key_keeps_the_order_relabeling_leaves() -> None:
    # vmagent appends a label relabeling adds (promrelabel setLabelValue) and does not sort again, so
    # the key has the discovered labels sorted, then the added ones (config.go:1224-1246).
    job = {
        "job_name": "j",
        "relabel_configs": [
            {"target_label": "zz", "replacement": "1"},
            {"target_label": "aa", "replacement": "2"},
        ],
    }
    target = JobTargets(job).target(
        DiscoveredTarget({"__address__": "127.0.0.1:80", "__meta_x": "y"}, "test")
    )
    names = [name for name, _ in target.shard_labels]
    assert names[:2] == ["__address__", "__metrics_path__"]
    assert names[-2:] == ["zz", "aa"]
    assert "__meta_x" not in names and "instance" not in names


def _agent(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "a", "namespace": "m"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("spec", "members", "factor", "by"),
    [
        ({}, 1, 1, ()),
        ({"shardCount": 4}, 4, 1, ()),
        ({"shardCount": 0}, 1, 1, ()),
        ({"shardCount": -2}, 1, 1, ()),
        # api/operator/v1beta1/vmagent_types.go:255: no sharding in daemonSetMode.
        ({"shardCount": 3, "daemonSetMode": True}, 1, 1, ()),
        ({"shardCount": 3, "extraArgs": {"promscrape.cluster.replicationFactor": "2"}}, 3, 2, ()),
        # The operator writes "-" + key; Go's flag package also takes "--name".
        ({"shardCount": 3, "extraArgs": {"-promscrape.cluster.replicationFactor": "0x2"}}, 3, 2, ()),
        (
            {"shardCount": 3, "extraArgs": {"promscrape.cluster.shardByLabels": "pod,namespace"}},
            3,
            1,
            ("pod", "namespace"),
        ),
    ],
)
def test_settings_from_the_vmagent(
    spec: dict[str, Any], members: int, factor: int, by: tuple[str, ...]
) -> None:
    settings = ShardSettings.for_agent(_agent(spec))
    assert (settings.members, settings.replication_factor, settings.shard_by_labels) == (members, factor, by)


def test_extra_args_the_operator_replaces_are_noted() -> None:
    settings = ShardSettings.for_agent(
        _agent({"shardCount": 2, "extraArgs": {"promscrape.cluster.membersCount": "9"}})
    )
    assert settings.members == 2
    assert any("replaced by the operator" in n for n in settings.notes)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"shardCount": "3"}, "shardCount"),
        ({"shardCount": 2**31}, "shardCount"),
        (
            {"shardCount": 2, "extraArgs": {"promscrape.cluster.replicationFactor": "two"}},
            "replicationFactor",
        ),
        ({"extraArgs": {"x": 1}}, "extraArgs"),
    ],
)
def test_bad_settings_are_errors_naming_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(VMScrapeError) as caught:
        ShardSettings.for_agent(_agent(spec))
    assert field in str(caught.value)
