"""The agent-level and operator-level knobs that change how a VMServiceScrape is rendered.

A VMServiceScrape alone does not decide its job: the VMAgent that picks it up adds scrape classes,
interval limits, a relabel template, security overrides and API-server settings, and the operator's own
environment (``WATCH_NAMESPACE``, ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES``) matters too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem, VMScrapeError
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
    #: ServiceMonitor conversion (internal/config/config.go:703-726 at v0.74.1):
    #: ``VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE`` (default true): the conversion runs.
    convert_service_monitors: bool = True
    #: ``VM_ENABLEDPROMETHEUSCONVERTEROWNERREFERENCES`` — the ServiceMonitor owns its copy.
    converter_owner_references: bool = False
    #: ``VM_PROMETHEUSCONVERTERADDARGOCDIGNOREANNOTATIONS`` — two ArgoCD annotations on converted objects.
    converter_argocd_annotations: bool = False
    #: ``VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES`` — label keys with these prefixes are not copied.
    converter_label_prefixes: tuple[str, ...] = ()
    #: ``VM_FILTERPROMETHEUSCONVERTERANNOTATIONPREFIXES`` — such annotations are not copied.
    converter_annotation_prefixes: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OperatorSettings:
        """Read the operator's environment variables (as an ``operator_config`` mapping or ``os.environ``)."""
        watch = tuple(ns for ns in (env.get("WATCH_NAMESPACE") or "").split(",") if ns)
        enforce = (env.get("VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES") or "").lower() == "true"
        return cls(
            watch_namespaces=watch,
            enforce_endpoint_slices=enforce,
            convert_service_monitors=_go_bool(env, "VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE", True),
            converter_owner_references=_go_bool(env, "VM_ENABLEDPROMETHEUSCONVERTEROWNERREFERENCES", False),
            converter_argocd_annotations=_go_bool(
                env, "VM_PROMETHEUSCONVERTERADDARGOCDIGNOREANNOTATIONS", False
            ),
            converter_label_prefixes=_go_list(env, "VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES"),
            converter_annotation_prefixes=_go_list(env, "VM_FILTERPROMETHEUSCONVERTERANNOTATIONPREFIXES"),
        )


#: What Go's strconv.ParseBool accepts (the operator reads its env with caarlos0/env, which uses it).
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True}
_GO_BOOLS |= {"0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


def _go_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    if value not in _GO_BOOLS:
        raise VMScrapeError(
            [
                Problem(
                    name,
                    "",
                    "must be a Go boolean (true, false, 1, 0, t, f...): the operator would not start",
                    value,
                )
            ]
        )
    return _GO_BOOLS[value]


def _go_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    # caarlos0/env splits on "," and keeps every item as written (an empty item is a prefix of every key).
    value = env.get(name) or ""
    return tuple(value.split(",")) if value else ()


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
