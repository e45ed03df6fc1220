"""The real operator (v0.74.1) turns a sharded VMAgent into the vmagents vmscrape's shard view assumes.

A VMAgent with ``shardCount: 3`` and ``extraArgs`` (replicationFactor, shardByLabels, and a
``membersCount`` the operator must replace) is applied to the local control plane; the operator creates
one Deployment per shard. The cluster flags in each Deployment's ``vmagent`` container must be those
:meth:`~vmscrape_component.simulate.shards.ShardSettings.for_agent` reads from the same VMAgent: one
member number per shard, 0..N-1, ``membersCount`` = N, and the replication factor and shard labels of
``extraArgs``. (Which target each such vmagent keeps is ``tests/e2e/test_shards_vs_vmagent.py``.)
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.cluster import apply_manifests, delete_namespace, fresh_namespace
from vmscrape_component.cluster import LocalCluster
from vmscrape_component.models import API_VERSION
from vmscrape_component.simulate.shards import ShardSettings

pytestmark = pytest.mark.kube

TIMEOUT = 90.0


def _flags(args: list[str]) -> dict[str, list[str]]:
    """``-name=value`` arguments by name (Go's flag package: one or two dashes), each value in order."""
    out: dict[str, list[str]] = {}
    for arg in args:
        name, _, value = arg.lstrip("-").partition("=")
        out.setdefault(name, []).append(value)
    return out


def _shard_deployments(api: Any, namespace: str, count: int) -> dict[str, dict[str, list[str]]]:
    from kubernetes.client import AppsV1Api

    apps = AppsV1Api(api)
    deadline = time.monotonic() + TIMEOUT
    found: dict[str, dict[str, list[str]]] = {}
    while time.monotonic() < deadline:
        found = {}
        for deployment in apps.list_namespaced_deployment(namespace).items:
            for container in deployment.spec.template.spec.containers:
                if container.name == "vmagent":
                    found[deployment.metadata.name] = _flags(list(container.args or ()))
        if len(found) >= count:
            return found
        time.sleep(0.5)
    pytest.fail(f"the operator made {len(found)} of {count} shard Deployments within {TIMEOUT:.0f} s")


def test_each_shard_gets_the_flags_vmscrape_reads(local_cluster: LocalCluster) -> None:
    api = local_cluster.api_client()
    namespace = fresh_namespace("shards")
    agent = {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "sharded", "namespace": namespace},
        "spec": {
            "shardCount": 3,
            "selectAllByDefault": True,
            "remoteWrite": [{"url": "http://127.0.0.1:1/api/v1/write"}],
            "extraArgs": {
                "promscrape.cluster.replicationFactor": "2",
                "promscrape.cluster.shardByLabels": "pod,namespace",
                "promscrape.cluster.membersCount": "7",
            },
        },
    }
    settings = ShardSettings.for_agent(agent)
    assert any("replaced by the operator" in note for note in settings.notes)
    namespace_object = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    apply_manifests(api, [namespace_object, agent])
    try:
        shards = _shard_deployments(api, namespace, settings.members)
    finally:
        delete_namespace(api, namespace)

    assert sorted(shards) == [f"vmagent-sharded-{i}" for i in range(settings.members)]
    member_nums = []
    for name, flags in shards.items():
        assert flags["promscrape.cluster.membersCount"] == [str(settings.members)], name
        (member,) = flags["promscrape.cluster.memberNum"]
        member_nums.append(int(member))
        assert flags["promscrape.cluster.replicationFactor"] == [str(settings.replication_factor)]
        assert tuple(flags["promscrape.cluster.shardByLabels"][0].split(",")) == settings.shard_by_labels
    assert sorted(member_nums) == list(range(settings.members))
