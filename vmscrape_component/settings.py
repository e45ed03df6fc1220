"""The agent-level and operator-level knobs that change how a VMServiceScrape is rendered.

A VMServiceScrape alone does not decide its job: the VMAgent that picks it up adds scrape classes,
interval limits, a relabel template, security overrides and API-server settings, and the operator's own
environment (``WATCH_NAMESPACE``, ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES``) matters too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .models import APIServerConfig, RelabelConfig, ScrapeClass, VMAgentSpec


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
    """What a VMAgent contributes to every service-scrape job it renders, as validated models.

    Build it with :meth:`from_spec` from a VMAgent's spec (a
    :class:`~vmscrape_component.models.VMAgentSpec` or its manifest mapping); the default instance is an
    agent with no such settings.
    """

    namespace: str = "default"
    scrape_classes: tuple[ScrapeClass, ...] = ()
    min_scrape_interval: str | None = None
    max_scrape_interval: str | None = None
    relabel_template: tuple[RelabelConfig, ...] = ()
    enforced_namespace_label: str = ""
    override_honor_labels: bool = False
    override_honor_timestamps: bool = False
    enable_kubernetes_api_selectors: bool = False
    api_server_config: APIServerConfig | None = None
    #: Namespace selectors of scrapes are ignored (each scrape discovers only in its own namespace).
    #: The operator (v0.74.1) does this only when it watches specific namespaces and the agent owns
    #: its service account; the VMAgent field ``ignoreNamespaceSelectors`` itself is not read by it.
    ignore_namespace_selectors: bool = False
    operator: OperatorSettings = field(default_factory=OperatorSettings)

    @classmethod
    def from_spec(
        cls,
        spec: VMAgentSpec | Mapping[str, Any] | None,
        *,
        namespace: str = "default",
        operator: OperatorSettings | None = None,
    ) -> AgentSettings:
        """The settings of an agent in ``namespace`` with this spec (a manifest's ``spec`` is validated)."""
        typed = VMAgentSpec.parse(spec or {}, object="VMAgent")
        operator = operator or OperatorSettings()
        owns_service_account = not typed.service_account_name
        return cls(
            namespace=namespace,
            scrape_classes=tuple(typed.scrape_classes or ()),
            min_scrape_interval=typed.min_scrape_interval,
            max_scrape_interval=typed.max_scrape_interval,
            relabel_template=tuple(typed.service_scrape_relabel_template or ()),
            enforced_namespace_label=typed.enforced_namespace_label or "",
            override_honor_labels=bool(typed.override_honor_labels),
            override_honor_timestamps=bool(typed.override_honor_timestamps),
            enable_kubernetes_api_selectors=bool(typed.enable_kubernetes_api_selectors),
            api_server_config=typed.api_server_config,
            ignore_namespace_selectors=bool(operator.watch_namespaces) and owns_service_account,
            operator=operator,
        )
