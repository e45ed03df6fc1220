"""The agent-level and operator-level knobs that change how a VMServiceScrape is rendered.

A VMServiceScrape alone does not decide its job: the VMAgent that picks it up adds scrape classes,
interval limits, a relabel template, security overrides and API-server settings, and the operator's own
environment (``WATCH_NAMESPACE``, ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES``) matters too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OperatorSettings:
    """How the operator itself was started (its environment variables).

    ``watch_namespaces``: the operator's ``WATCH_NAMESPACE`` list; empty means cluster-wide (the default).
    ``enforce_endpoint_slices``: ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES=true`` — scrapes that
    name no ``discoveryRole`` get ``endpointslice`` instead of ``endpoints``.
    """

    watch_namespaces: tuple[str, ...] = ()
    enforce_endpoint_slices: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OperatorSettings:
        """Read the operator's environment variables (as an ``operator_config`` mapping or ``os.environ``)."""
        watch = tuple(ns for ns in (env.get("WATCH_NAMESPACE") or "").split(",") if ns)
        enforce = (env.get("VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES") or "").lower() == "true"
        return cls(watch_namespaces=watch, enforce_endpoint_slices=enforce)


@dataclass(frozen=True)
class AgentSettings:
    """What a VMAgent contributes to every service-scrape job it renders (manifest spelling in, Python out).

    Build it with :meth:`from_spec` from a VMAgent ``spec`` mapping; the default instance is an agent
    with no such settings.
    """

    namespace: str = "default"
    scrape_classes: tuple[Mapping[str, Any], ...] = ()
    min_scrape_interval: str | None = None
    max_scrape_interval: str | None = None
    relabel_template: tuple[Mapping[str, Any], ...] = ()
    enforced_namespace_label: str = ""
    override_honor_labels: bool = False
    override_honor_timestamps: bool = False
    enable_kubernetes_api_selectors: bool = False
    api_server_config: Mapping[str, Any] | None = None
    #: Namespace selectors of scrapes are ignored (each scrape discovers only in its own namespace).
    #: The operator (v0.74.1) does this only when it watches specific namespaces and the agent owns
    #: its service account; the VMAgent field ``ignoreNamespaceSelectors`` itself is not read by it.
    ignore_namespace_selectors: bool = False
    operator: OperatorSettings = field(default_factory=OperatorSettings)

    @classmethod
    def from_spec(
        cls,
        spec: Mapping[str, Any] | None,
        *,
        namespace: str = "default",
        operator: OperatorSettings | None = None,
    ) -> AgentSettings:
        spec = spec or {}
        operator = operator or OperatorSettings()
        owns_service_account = not spec.get("serviceAccountName")
        return cls(
            namespace=namespace,
            scrape_classes=tuple(spec.get("scrapeClasses") or ()),
            min_scrape_interval=spec.get("minScrapeInterval"),
            max_scrape_interval=spec.get("maxScrapeInterval"),
            relabel_template=tuple(spec.get("serviceScrapeRelabelTemplate") or ()),
            enforced_namespace_label=spec.get("enforcedNamespaceLabel") or "",
            override_honor_labels=bool(spec.get("overrideHonorLabels")),
            override_honor_timestamps=bool(spec.get("overrideHonorTimestamps")),
            enable_kubernetes_api_selectors=bool(spec.get("enableKubernetesAPISelectors")),
            api_server_config=spec.get("apiServerConfig"),
            ignore_namespace_selectors=bool(operator.watch_namespaces) and owns_service_account,
            operator=operator,
        )
