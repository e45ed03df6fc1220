"""Stand-in for the workload controllers and the kubelet: report Deployments and StatefulSets as rolled out.

The local control plane runs no pods, so nothing would ever set a workload's status, and the operator
waits (up to 80 s) for the VMAgent's Deployment to be ready before it writes scrape changes. This loop
sets each workload's status to "all replicas updated and ready" through the status subresource, the
way the controllers would once the pods ran.

Run as ``python -m vmscrape_component.cluster.ready_marker KUBECONFIG CONTEXT``; the cluster manager
starts and stops it with the other processes.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any

_POLL_SECONDS = 0.25


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def deployment_status(obj: Any) -> dict[str, Any]:
    """The status a Deployment has once all its replicas run the current spec."""
    replicas = obj.spec.replicas if obj.spec.replicas is not None else 1
    now = _now()
    return {
        "observedGeneration": obj.metadata.generation,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": replicas,
        "availableReplicas": replicas,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "lastUpdateTime": now, "lastTransitionTime": now},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "lastUpdateTime": now, "lastTransitionTime": now},
        ],
    }  # fmt: skip


def statefulset_status(obj: Any) -> dict[str, Any]:
    """The status a StatefulSet has once all its replicas run the current revision."""
    replicas = obj.spec.replicas if obj.spec.replicas is not None else 1
    revision = f"{obj.metadata.name}-{obj.metadata.generation}"
    return {
        "observedGeneration": obj.metadata.generation,
        "replicas": replicas,
        "readyReplicas": replicas,
        "currentReplicas": replicas,
        "updatedReplicas": replicas,
        "availableReplicas": replicas,
        "currentRevision": revision,
        "updateRevision": revision,
    }


def _settled(obj: Any) -> bool:
    status = obj.status
    replicas = obj.spec.replicas if obj.spec.replicas is not None else 1
    return bool(
        status is not None
        and status.observed_generation == obj.metadata.generation
        and status.ready_replicas == replicas
        and status.updated_replicas == replicas
    )


def mark_once(apps: Any) -> int:
    """Set the status of every workload not yet reported ready; how many were updated."""
    updated = 0
    for obj in apps.list_deployment_for_all_namespaces().items:
        if not _settled(obj):
            apps.patch_namespaced_deployment_status(
                obj.metadata.name, obj.metadata.namespace, {"status": deployment_status(obj)}
            )
            updated += 1
    for obj in apps.list_stateful_set_for_all_namespaces().items:
        if not _settled(obj):
            apps.patch_namespaced_stateful_set_status(
                obj.metadata.name, obj.metadata.namespace, {"status": statefulset_status(obj)}
            )
            updated += 1
    return updated


def main(argv: list[str]) -> int:
    from kubernetes import client

    from ..kubeclient import api_client

    kubeconfig, context = argv
    apps = client.AppsV1Api(api_client(kubeconfig, context))
    print(f"ready_marker: watching Deployments and StatefulSets every {_POLL_SECONDS} s", flush=True)
    while True:
        try:
            count = mark_once(apps)
            if count:
                print(f"ready_marker: marked {count} workload(s) ready", flush=True)
        except Exception as exc:  # the API server restarting or a conflicting write: try again
            print(f"ready_marker: {type(exc).__name__}: {exc}", flush=True)
        time.sleep(_POLL_SECONDS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
