"""The Pulumi components. The only part of vmscrape that imports ``pulumi``.

Each component takes ``(name, args, opts)`` with a typed ``…Args`` object (or the same fields as
keywords): :class:`VMServiceScrape` (one scrape), :class:`VMServiceScrapeSet` (many scrapes given as
data, one engine resource each), :class:`OperatorVMAgent` (an agent the operator runs)
and :class:`StandaloneVMAgent` (a plain vmagent, no operator).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi.runtime.settings import get_monitor

from .operator_agent import OperatorVMAgent, OperatorVMAgentArgs
from .service_monitor import service_monitor_args, service_monitor_args_from_file
from .service_scrape import VMServiceScrape, VMServiceScrapeArgs
from .service_scrape_set import VMServiceScrapeSet, VMServiceScrapeSetArgs
from .standalone_agent import StandaloneDeployment, StandaloneVMAgent, StandaloneVMAgentArgs

__all__ = [
    "OperatorVMAgent",
    "OperatorVMAgentArgs",
    "StandaloneDeployment",
    "StandaloneVMAgent",
    "StandaloneVMAgentArgs",
    "VMServiceScrape",
    "VMServiceScrapeArgs",
    "VMServiceScrapeSet",
    "VMServiceScrapeSetArgs",
    "kube_context",
    "managed_namespaces",
    "provider_options",
    "render_dir",
    "service_monitor_args",
    "service_monitor_args_from_file",
]

#: One provider per program run (keyed by the run's engine monitor) and target.
_providers: dict[tuple[int, str, str], k8s.Provider] = {}
#: The Namespaces :func:`managed_namespaces` registered, per program run.
_namespaces: dict[int, dict[str, k8s.core.v1.Namespace]] = {}
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


def _new_provider(name: str, context: str | None, directory: str | None, **opts: Any) -> k8s.Provider:
    options = pulumi.ResourceOptions(**opts)
    if context:
        return k8s.Provider(name, context=context, opts=options)
    if directory:
        # kubeconfig="": the SDK would otherwise fill it from $KUBECONFIG, and the provider refuses a
        # kubeconfig together with renderYamlToDirectory (pkg/provider/provider.go, CheckConfig).
        return k8s.Provider(name, render_yaml_to_directory=directory, kubeconfig="", opts=options)
    return k8s.Provider(name, opts=options)  # the ambient kubeconfig, as the default provider


def _provider_key() -> tuple[int, str, str]:
    context, directory = kube_context(), render_dir()
    run = id(get_monitor())
    return (run, "context", context) if context else (run, "render", directory or "")


def provider_options(**kwargs: Any) -> pulumi.ResourceOptions:
    """Resource options that honour the stack settings ``vmscrape:kubeContext`` and ``vmscrape:renderDir``.

    ``vmscrape:kubeContext`` set: the resources go to the cluster of that kubeconfig context.
    Else ``vmscrape:renderDir`` set (the root project's default is ``rendered``): they are written as YAML
    manifests into that directory — no cluster needed (the provider's ``render_yaml_to_directory`` mode;
    note that Secrets are written with their values; ``$KUBECONFIG`` is ignored). Neither: the ambient
    kubeconfig, as usual. With :func:`managed_namespaces`, the provider waits for those Namespaces.
    """
    context, directory = kube_context(), render_dir()
    key = _provider_key()
    owned = _namespaces.get(key[0], {})
    if context or directory or owned:
        provider = _providers.get(key)
        if provider is None:
            name = "vmscrape-cluster" if context or not directory else "vmscrape-render"
            provider = _new_provider(name, context, directory, depends_on=list(owned.values()) or None)
            _providers[key] = provider
        kwargs.setdefault("provider", provider)
    return pulumi.ResourceOptions(**kwargs)


def create_namespaces() -> bool:
    """The stack setting ``vmscrape:createNamespaces``: the stack owns the Namespaces its objects go to."""
    return pulumi.Config("vmscrape").get_bool("createNamespaces") or False


def managed_namespaces(*names: str) -> dict[str, k8s.core.v1.Namespace]:
    """With ``vmscrape:createNamespaces=true``, the stack's own Namespace resources for ``names``.

    Call it once, before any component. Each Namespace is created by ``up`` (one that already exists is
    adopted: the provider's server-side apply takes it over) and deleted by ``destroy`` with everything in
    it, so give only namespaces the stack may own. The provider every component uses
    (:func:`provider_options`) depends on them: every object is created after its namespace and deleted
    before it. The built-in namespaces (``default``, ``kube-system``...) are never managed. Without the
    setting: ``{}``, nothing changes.
    """
    if not create_namespaces():
        return {}
    key = _provider_key()
    if key in _providers or key[0] in _namespaces:
        raise RuntimeError(
            "managed_namespaces() must be called once, before any component or provider_options(): the "
            "components' provider depends on the namespaces"
        )
    wanted = sorted({n for n in names if n not in BUILT_IN_NAMESPACES})
    # Their own provider (same target): the components' provider depends on them, so they cannot use it.
    provider = _new_provider("vmscrape-namespaces", kube_context(), render_dir())
    owned = {
        name: k8s.core.v1.Namespace(
            f"namespace-{name}", metadata={"name": name}, opts=pulumi.ResourceOptions(provider=provider)
        )
        for name in wanted
    }
    _namespaces[key[0]] = owned
    return owned
