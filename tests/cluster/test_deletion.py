"""Deletion on the local control plane works as in users' clusters: kube-controller-manager's garbage
collector finishes a foreground deletion (the dependents first, then the owner, whose
``foregroundDeletion`` finalizer it removes) and a background one (the dependents after the owner), and
its namespace controller finalizes a deleted namespace with everything in it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.cluster import fresh_namespace

pytestmark = pytest.mark.kube

#: Seconds each deletion may take; without the controllers they would never finish.
DELETION_TIMEOUT = 60.0


def _gone(read: Callable[[], Any]) -> bool:
    from kubernetes.client.rest import ApiException

    try:
        read()
    except ApiException as exc:
        if exc.status == 404:
            return True
        raise
    return False


def _wait(what: str, done: Callable[[], bool]) -> float:
    began = time.monotonic()
    while not done():
        if time.monotonic() - began > DELETION_TIMEOUT:
            pytest.fail(f"{what} did not finish within {DELETION_TIMEOUT}s")
        time.sleep(0.2)
    return time.monotonic() - began


def _owner_and_child(core: Any, namespace: str) -> None:
    owner = core.create_namespaced_config_map(namespace, {"metadata": {"name": "owner"}})
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    child = {"metadata": {"name": "child", "ownerReferences": [{**reference, "blockOwnerDeletion": True}]}}
    core.create_namespaced_config_map(namespace, child)


@pytest.mark.parametrize("policy", ["Foreground", "Background"])
def test_the_garbage_collector_deletes_dependents(local_cluster: Any, policy: str) -> None:
    from kubernetes import client

    api = local_cluster.api_client()
    core = client.CoreV1Api(api)
    namespace = fresh_namespace("gc")
    core.create_namespace({"metadata": {"name": namespace}})
    _owner_and_child(core, namespace)

    core.delete_namespaced_config_map(
        "owner", namespace, body=client.V1DeleteOptions(propagation_policy=policy)
    )
    _wait(
        f"{policy} deletion",
        lambda: all(
            _gone(lambda n=n: core.read_namespaced_config_map(n, namespace)) for n in ("owner", "child")
        ),
    )
    core.delete_namespace(namespace)
    api.close()


def test_a_deleted_namespace_is_finalized_with_its_contents(local_cluster: Any) -> None:
    from kubernetes import client

    api = local_cluster.api_client()
    core = client.CoreV1Api(api)
    namespace = fresh_namespace("ns")
    core.create_namespace({"metadata": {"name": namespace}})
    _owner_and_child(core, namespace)
    assert core.read_namespace(namespace).spec.finalizers == ["kubernetes"]

    core.delete_namespace(namespace)
    _wait("namespace deletion", lambda: _gone(lambda: core.read_namespace(namespace)))
    api.close()
