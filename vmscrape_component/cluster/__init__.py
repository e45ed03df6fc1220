"""A local Kubernetes control plane with the real VictoriaMetrics operator, on 127.0.0.1 only.

etcd, kube-apiserver and kube-controller-manager (v1.37.2: its garbage collector and namespace
controller) and the operator (v0.74.1) run as plain processes with their state in a temporary
directory; there is no kubelet, so a small "ready marker" reports the operator's
Deployments/StatefulSets as rolled out. Install the parts once with
``scripts/install-kube``. Then::

    vmscrape cluster up              # or `make cluster`; prints the kubeconfig path and context
    export KUBECONFIG=$(vmscrape cluster status --kubeconfig)
    pulumi config set vmscrape:kubeContext vmscrape-local
    vmscrape cluster down            # or `make cluster-down`; stops every process by PID

From Python (tests use the session fixture ``local_cluster`` in ``tests/support/cluster.py``)::

    from vmscrape_component.cluster import start, stop
    cluster = start(tmp_dir)             # LocalCluster: .kubeconfig, .context, .api_client(), .server
    ...
    stop(tmp_dir)

The operator's config for VMAgent ``NAME`` appears in Secret ``vmagent-NAME``, key ``vmagent.yaml.gz``.
Nothing here imports pulumi.
"""

from __future__ import annotations

from .control_plane import CONTEXT, LocalCluster, default_state_dir, start, status, stop
from .processes import ClusterError
from .tools import KUBE_VERSION, OPERATOR_VERSION, ControlPlaneTools, ToolsMissing, find_tools

__all__ = [
    "CONTEXT",
    "KUBE_VERSION",
    "OPERATOR_VERSION",
    "ClusterError",
    "ControlPlaneTools",
    "LocalCluster",
    "ToolsMissing",
    "default_state_dir",
    "find_tools",
    "start",
    "status",
    "stop",
]
