"""The agent-level and operator-level knobs that change how a VMServiceScrape is rendered.

A VMServiceScrape alone does not decide its job: the VMAgent that picks it up adds scrape classes,
interval limits, a relabel template, security overrides and API-server settings, and the operator's own
environment (``WATCH_NAMESPACE``, ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES``) matters too.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem, VMScrapeError
from .models import APIServerConfig, RelabelConfig, ScrapeClass, VMAgentSpec
from .operator_env import OPERATOR_ENV_NAMES, OPERATOR_VERSION

#: The operator's default ``VM_CONFIG_DATA_BUDGET_BYTES`` (internal/config/config.go:154 at v0.74.1).
DEFAULT_CONFIG_DATA_BUDGET_BYTES = 524288

_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _parse_go_bool(value: str) -> bool:
    # Go's strconv.ParseBool, which the operator's env parser uses for bool fields.
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise ValueError(
        "must be a Go boolean (true, false, 1, 0, t, f, TRUE, FALSE...): the operator would not start"
    )


def _parse_namespaces(value: str) -> tuple[str, ...]:
    return tuple(ns for ns in value.split(",") if ns)


def _parse_go_list(value: str) -> tuple[str, ...]:
    # caarlos0/env splits on "," and keeps every item as written (an empty item is a prefix of every key).
    return tuple(value.split(","))


def _parse_budget(value: str) -> int:
    # A budget of 0 (or below) makes PackItems divide by zero (build/child_object.go:196): refused here.
    text = value.strip()
    if not text.lstrip("+").isdigit() or int(text) <= 0:
        raise ValueError("must be a positive whole number of bytes (the operator's default is 524288)")
    return int(text)


@dataclass(frozen=True)
class OperatorVariable:
    """One environment variable of the operator that changes what vmscrape predicts."""

    #: The variable's name, as the operator reads it.
    name: str
    #: The :class:`OperatorSettings` field it sets.
    field: str
    #: What it means, in one line.
    meaning: str
    #: Its value's grammar: text → the field's value; raises ``ValueError`` saying what is allowed.
    parse: Callable[[str], Any]


#: The one table of operator environment variables vmscrape models. Add a row (and a field of
#: :class:`OperatorSettings`) to model another one; every ``--operator-env`` goes through it.
OPERATOR_ENV: tuple[OperatorVariable, ...] = (
    OperatorVariable(
        "WATCH_NAMESPACE",
        "watch_namespaces",
        "namespaces the operator watches (comma-separated); empty: cluster-wide",
        _parse_namespaces,
    ),
    OperatorVariable(
        "VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES",
        "enforce_endpoint_slices",
        "scrapes that name no discoveryRole get endpointslice instead of endpoints",
        _parse_go_bool,
    ),
    # The ServiceMonitor converter (internal/config/config.go:703-726 at v0.74.1); read by convert.py.
    OperatorVariable(
        "VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE",
        "convert_service_monitors",
        "the operator converts ServiceMonitors into VMServiceScrapes (default true)",
        _parse_go_bool,
    ),
    OperatorVariable(
        "VM_ENABLEDPROMETHEUSCONVERTEROWNERREFERENCES",
        "converter_owner_references",
        "the ServiceMonitor owns its converted VMServiceScrape",
        _parse_go_bool,
    ),
    OperatorVariable(
        "VM_PROMETHEUSCONVERTERADDARGOCDIGNOREANNOTATIONS",
        "converter_argocd_annotations",
        "two ArgoCD annotations on converted objects",
        _parse_go_bool,
    ),
    OperatorVariable(
        "VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES",
        "converter_label_prefixes",
        "label keys with these prefixes (comma-separated) are not copied to converted objects",
        _parse_go_list,
    ),
    OperatorVariable(
        "VM_FILTERPROMETHEUSCONVERTERANNOTATIONPREFIXES",
        "converter_annotation_prefixes",
        "annotation keys with these prefixes (comma-separated) are not copied to converted objects",
        _parse_go_list,
    ),
    OperatorVariable(
        "VM_CONFIG_DATA_BUDGET_BYTES",
        "config_data_budget_bytes",
        "gzipped bytes of scrape jobs per Secret before the config is split into buckets",
        _parse_budget,
    ),
)
_BY_NAME = {row.name: row for row in OPERATOR_ENV}


def _unknown_variable(name: str) -> Problem:
    close = difflib.get_close_matches(name, sorted(OPERATOR_ENV_NAMES), n=1, cutoff=0.8)
    hint = f"did you mean {close[0]}? " if close else ""
    modelled = ", ".join(row.name for row in OPERATOR_ENV)
    return Problem(
        object="--operator-env",
        path=name,
        message=f"not a variable of the operator {OPERATOR_VERSION}; {hint}vmscrape models {modelled} "
        f"(the operator's {len(OPERATOR_ENV_NAMES)} names: vmscrape_component/operator_env.py)",
    )


def check_operator_env(env: Mapping[str, str]) -> list[str]:
    """Check an operator environment: every name must be one the operator reads, every modelled value must
    parse. Returns the names the operator reads that vmscrape does not model (they change nothing it
    predicts, or vmscrape does not know how they would). Raises :class:`VMScrapeError` otherwise."""
    problems: list[Problem] = []
    unmodelled: list[str] = []
    for name, value in env.items():
        row = _BY_NAME.get(name)
        if row is None:
            if name in OPERATOR_ENV_NAMES:
                unmodelled.append(name)
            else:
                problems.append(_unknown_variable(name))
            continue
        if value == "":
            continue  # the operator's env parser treats an empty value as unset
        try:
            row.parse(value)
        except ValueError as exc:
            problems.append(Problem(object="--operator-env", path=name, message=str(exc), value=value))
    if problems:
        raise VMScrapeError(problems)
    return unmodelled


@dataclass(frozen=True)
class OperatorSettings:
    """How the operator itself was started (its environment variables, :data:`OPERATOR_ENV`).

    ``watch_namespaces``: the operator's ``WATCH_NAMESPACE`` list; empty means cluster-wide (the default).
    ``enforce_endpoint_slices``: ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES=true`` — scrapes that
    name no ``discoveryRole`` get ``endpointslice`` instead of ``endpoints``.
    ``config_data_budget_bytes``: ``VM_CONFIG_DATA_BUDGET_BYTES`` — when the gzipped job list is over it,
    the operator splits the jobs into buckets, one Secret each (see :mod:`vmscrape_component.render.secrets`).
    """

    watch_namespaces: tuple[str, ...] = ()
    enforce_endpoint_slices: bool = False
    #: The ServiceMonitor converter's variables (rows of :data:`OPERATOR_ENV`).
    convert_service_monitors: bool = True
    converter_owner_references: bool = False
    converter_argocd_annotations: bool = False
    converter_label_prefixes: tuple[str, ...] = ()
    converter_annotation_prefixes: tuple[str, ...] = ()
    config_data_budget_bytes: int = DEFAULT_CONFIG_DATA_BUDGET_BYTES
    #: Variables given that the operator reads but vmscrape does not model (told to the user as a note).
    unmodelled: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OperatorSettings:
        """The settings of an operator started with the variables ``env`` (an ``operator_config`` mapping).

        Every name must be one the operator reads
        (:data:`~vmscrape_component.operator_env.OPERATOR_ENV_NAMES`) and every modelled value must
        parse; otherwise :class:`~vmscrape_component.errors.VMScrapeError` names the variable and
        what is allowed. Empty values count as unset, as in the operator.
        """
        unmodelled = check_operator_env(env)
        values: dict[str, Any] = {
            row.field: row.parse(env[row.name]) for row in OPERATOR_ENV if env.get(row.name)
        }
        return cls(**values, unmodelled=tuple(sorted(unmodelled)))

    @classmethod
    def of(cls, value: OperatorSettings | Mapping[str, str] | None) -> OperatorSettings:
        """Settings given as settings, as the operator's environment (read by :meth:`from_env`), or not
        at all (the defaults): what the components accept as ``operator``."""
        if value is None:
            return cls()
        if isinstance(value, OperatorSettings):
            return value
        return cls.from_env(value)


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
