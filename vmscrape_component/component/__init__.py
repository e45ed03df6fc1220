"""The Pulumi components. The only part of vmscrape that imports ``pulumi``.

Each component takes ``(name, args, opts)`` with a typed ``…Args`` object (or the same fields as
keywords): :class:`VMServiceScrape` (one scrape), :class:`OperatorVMAgent` (an agent the operator runs)
and :class:`StandaloneVMAgent` (a plain vmagent, no operator).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi.runtime.settings import get_monitor

from .operator_agent import OperatorVMAgent, OperatorVMAgentArgs
from .service_scrape import VMServiceScrape, VMServiceScrapeArgs
from .standalone_agent import StandaloneDeployment, StandaloneVMAgent, StandaloneVMAgentArgs

__all__ = [
    "OperatorVMAgent",
    "OperatorVMAgentArgs",
    "StandaloneDeployment",
    "StandaloneVMAgent",
    "StandaloneVMAgentArgs",
    "VMServiceScrape",
    "VMServiceScrapeArgs",
    "kube_context",
    "managed_namespaces",
    "provider_options",
    "render_dir",
]

#: One provider per program run (keyed by the run's engine monitor) and target.
_providers: dict[tuple[int, str, str], k8s.Provider] = {}
#: The Namespaces :func:`managed_namespaces` registered, per program run.
_namespaces: dict[tuple[int, str], k8s.core.v1.Namespace] = {}
#: Namespaces every cluster has: never created nor deleted by a stack.
BUILT_IN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def kube_context() -> str | None:
    """The stack setting ``vmscrape:kubeContext``: deploy to that kubeconfig context."""
    return pulumi.Config("vmscrape").get("kubeContext") or None


def render_dir() -> str | None:
    """The stack setting ``vmscrape:renderDir``, unless ``vmscrape:kubeContext`` asks for a cluster."""
    if kube_context():
        return None
    return pulumi.Config("vmscrape").get("renderDir") or None


def provider_options(**kwargs: Any) -> pulumi.ResourceOptions:
    """Resource options that honour the stack settings ``vmscrape:kubeContext`` and ``vmscrape:renderDir``.

    ``vmscrape:kubeContext`` set: the resources go to the cluster of that kubeconfig context.
    Else ``vmscrape:renderDir`` set (the root project's default is ``rendered``): they are written as YAML
    manifests into that directory — no cluster needed (the provider's ``render_yaml_to_directory`` mode;
    note that Secrets are written with their values). Neither: the ambient kubeconfig, as usual.
    """
    context, directory = kube_context(), render_dir()
    run = id(get_monitor())
    key = (run, "context", context) if context else (run, "render", directory or "")
    if context or directory:
        provider = _providers.get(key)
        if provider is None:
            if context:
                provider = k8s.Provider("vmscrape-cluster", context=context)
            else:
                # kubeconfig="": the SDK would otherwise fill it from $KUBECONFIG, and the provider refuses
                # a kubeconfig together with renderYamlToDirectory (provider.go, CheckConfig).
                provider = k8s.Provider("vmscrape-render", render_yaml_to_directory=directory, kubeconfig="")
            _providers[key] = provider
        kwargs.setdefault("provider", provider)
    return pulumi.ResourceOptions(**kwargs)


def create_namespaces() -> bool:
    """The stack setting ``vmscrape:createNamespaces``: the stack owns the Namespaces its objects go to."""
    return pulumi.Config("vmscrape").get_bool("createNamespaces") or False


def managed_namespaces(*names: str) -> dict[str, k8s.core.v1.Namespace]:
    """With ``vmscrape:createNamespaces=true``, the stack's own Namespace resources for ``names``.

    Each is created by ``up`` (one that already exists is adopted: the provider's server-side apply
    takes it over) and deleted by ``destroy`` with everything in it, so give only namespaces the stack
    may own. Every Kubernetes object registered afterwards in one of them waits for its Namespace (a
    stack transform adds the dependency), and is deleted before it. The built-in namespaces
    (``default``, ``kube-system``...) are never managed. Without the setting: ``{}``, nothing changes.
    """
    if not create_namespaces():
        return {}
    run = id(get_monitor())
    wanted = sorted({n for n in names if n not in BUILT_IN_NAMESPACES})
    fresh = [n for n in wanted if (run, n) not in _namespaces]
    for name in fresh:
        _namespaces[(run, name)] = k8s.core.v1.Namespace(
            f"namespace-{name}", metadata={"name": name}, opts=provider_options()
        )
    owned = {n: _namespaces[(run, n)] for n in wanted}
    if fresh:
        pulumi.runtime.register_resource_transform(_wait_for_namespace(owned))
    return owned


def _wait_for_namespace(owned: dict[str, k8s.core.v1.Namespace]) -> Any:
    """A stack transform: a Kubernetes object in an owned namespace depends on that Namespace."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if not args.type_.startswith("kubernetes:") or args.type_ == "kubernetes:core/v1:Namespace":
            return None
        metadata = args.props.get("metadata")
        namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
        if isinstance(namespace, str):
            needed = [owned[namespace]] if namespace in owned else []
        else:
            # Not known yet (an Output): wait for every owned namespace, the safe order.
            needed = list(owned.values()) if namespace is not None else []
        if not needed:
            return None
        # merge() appends to the object's own depends_on.
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(depends_on=needed))
        return pulumi.ResourceTransformResult(args.props, opts)

    return transform
