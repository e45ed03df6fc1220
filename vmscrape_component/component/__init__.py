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
from .service_monitor import service_monitor_args, service_monitor_args_from_file
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
    "provider_options",
    "render_dir",
    "service_monitor_args",
    "service_monitor_args_from_file",
]

#: One provider per program run (keyed by the run's engine monitor) and target.
_providers: dict[tuple[int, str, str], k8s.Provider] = {}


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
                provider = k8s.Provider("vmscrape-render", render_yaml_to_directory=directory)
            _providers[key] = provider
        kwargs.setdefault("provider", provider)
    return pulumi.ResourceOptions(**kwargs)
