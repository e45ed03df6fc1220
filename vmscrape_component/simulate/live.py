"""A :class:`~vmscrape_component.simulate.discovery.Snapshot` read from a live cluster instead of a file.

Lists what ``kubectl get namespaces,services,endpoints,endpointslices,pods -A -o yaml`` would (plus
``nodes`` when asked, for ``attach_metadata.node``) through the official ``kubernetes`` client, with the
kubeconfig's credentials (:mod:`vmscrape_component.kubeclient`: read-only, bounded by timeouts, one-line
errors), and hands the objects to the same parser a snapshot file goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .discovery import Snapshot, snapshot_from_objects

__all__ = ["load_cluster", "needs_nodes"]


def needs_nodes(config: Mapping[str, Any]) -> bool:
    """Whether a rendered config's discovery attaches node metadata (so Nodes must be read)."""
    return any(
        bool((sd.get("attach_metadata") or {}).get("node"))
        for job in config.get("scrape_configs") or ()
        for sd in job.get("kubernetes_sd_configs") or ()
    )


def load_cluster(
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    nodes: bool | Callable[[Snapshot], bool] = False,
) -> Snapshot:
    """The cluster objects discovery reads, listed from ``context`` of ``kubeconfig`` (``None``: the
    kubeconfig's current context; ``$KUBECONFIG`` or ``~/.kube/config``).

    ``nodes``: whether to list Nodes too, or a function that decides from the snapshot read so far (e.g.
    render the config and ask :func:`needs_nodes`) — clusters often grant no cluster-wide Node reads. Raises
    :class:`~vmscrape_component.errors.VMScrapeError` (one problem, one line) when the kubeconfig or the
    context is missing, the server cannot be reached, or a list is refused."""
    from ..kubeclient import connect

    with connect(context, kubeconfig) as cluster:
        core, discovery = cluster.core, cluster.discovery
        lists: list[tuple[str, str, Callable[..., Any]]] = [
            ("v1", "Namespace", core.list_namespace),
            ("v1", "Service", core.list_service_for_all_namespaces),
            ("v1", "Endpoints", core.list_endpoints_for_all_namespaces),
            ("discovery.k8s.io/v1", "EndpointSlice", discovery.list_endpoint_slice_for_all_namespaces),
            ("v1", "Pod", core.list_pod_for_all_namespaces),
        ]

        def read(lists: list[tuple[str, str, Callable[..., Any]]]) -> Snapshot:
            objects = [
                # kind/apiVersion filled in, as ``kubectl get -o yaml`` shows them
                {"apiVersion": api_version, "kind": kind, **item}
                for api_version, kind, list_call in lists
                for item in cluster.list_all(f"{kind} objects", list_call)
            ]
            return snapshot_from_objects(objects, where=cluster.where)

        snapshot = read(lists)
        if nodes(snapshot) if callable(nodes) else nodes:
            snapshot.nodes = read([("v1", "Node", core.list_node)]).nodes
    return snapshot
