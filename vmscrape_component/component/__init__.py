"""The Pulumi components. The only part of vmscrape that imports ``pulumi``."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .agent_config import StandaloneDeployment, VMAgentConfig
from .service_scrape import VMServiceScrape

__all__ = ["StandaloneDeployment", "VMAgentConfig", "VMServiceScrape", "provider_options"]

_render_providers: dict[str, k8s.Provider] = {}


def provider_options(**kwargs: Any) -> pulumi.ResourceOptions:
    """Resource options that honour the stack setting ``vmscrape:renderDir``.

    With ``pulumi config set vmscrape:renderDir rendered`` the resources are written as YAML manifests
    into that directory (no cluster needed: the Kubernetes provider's ``render_yaml_to_directory`` mode);
    without it they go to the cluster of the ambient kubeconfig/context, as usual.
    """
    render_dir = pulumi.Config("vmscrape").get("renderDir")
    if render_dir:
        provider = _render_providers.get(render_dir)
        if provider is None:
            provider = k8s.Provider("vmscrape-render", render_yaml_to_directory=render_dir)
            _render_providers[render_dir] = provider
        kwargs.setdefault("provider", provider)
    return pulumi.ResourceOptions(**kwargs)
