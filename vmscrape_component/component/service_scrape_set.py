"""``VMServiceScrapeSet`` — many VMServiceScrapes under one component: one engine resource per scrape.

A :class:`~.service_scrape.VMServiceScrape` component is two engine resources (itself and its custom
resource), each registered, diffed and checkpointed by the engine. A stack that manages hundreds of
scrapes given as data (manifests kept in the repository, generated lists) can register them all under
one component instead: one custom resource each, rendered and checked together, every output keyed by
``namespace/name``. Data only: no ``Output`` inside a manifest, no ``SecretValue`` (use
:class:`VMServiceScrape` for those).

No ``from __future__ import annotations`` here: the analyzer reads the real annotations (see ``_args``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from ..errors import Problem, VMScrapeError
from ..grammar import API_VERSION, object_key
from ..lint import refusal_warnings
from ..models import NamespaceSelector, VMServiceScrapeModel, credentials
from ..render import AgentSettings, Assets, dump_yaml, render_scrape_jobs
from ..select import selection_report
from ._args import (
    AgentsArg,
    AgentSpecArg,
    OperatorArg,
    agent_manifest,
    agent_spec_manifest,
    operator_settings,
    resolve_args,
)
from ._preview import predicted_targets, snapshot_path
from .service_scrape import KIND

TYPE_TOKEN = "vmscrape:index:VMServiceScrapeSet"

if TYPE_CHECKING:
    from collections.abc import Sequence

    #: ``scrapes`` of a set: VMServiceScrape manifests, or in Python their models.
    ScrapeDataArg = Sequence[VMServiceScrapeModel | Mapping[str, Any]]
else:
    ScrapeDataArg = list[dict[str, Any]]


@dataclass(kw_only=True)
class VMServiceScrapeSetArgs:
    """The arguments of a :class:`VMServiceScrapeSet` component."""

    scrapes: ScrapeDataArg
    """The VMServiceScrapes: manifests (``apiVersion``, ``kind``, ``metadata``, ``spec``; a manifest
    without ``metadata.namespace`` is in ``default``); in Python also
    :class:`~vmscrape_component.models.VMServiceScrapeModel` objects. Each ``namespace/name`` once."""
    agent: AgentSpecArg | None = None
    """The spec of the VMAgent that will pick the scrapes up (as for :class:`VMServiceScrape`); not
    created."""
    operator: OperatorArg | None = None
    """The operator's own settings that change its output: its environment variables."""
    agents: AgentsArg | None = None
    """VMAgents (manifests or models) that may pick the scrapes up: output ``selection`` says which do."""
    snapshot: str | None = None
    """A cluster snapshot file (default: the stack setting ``vmscrape:snapshot``) for ``targets``."""


def _models(scrapes: Any) -> list[VMServiceScrapeModel]:
    if not isinstance(scrapes, (list, tuple)):
        raise VMScrapeError(
            [Problem("", "scrapes", "must be a list of VMServiceScrape manifests", type(scrapes).__name__)]
        )
    models: list[VMServiceScrapeModel] = []
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for i, item in enumerate(scrapes):
        if isinstance(item, VMServiceScrapeModel):
            model = item
        elif isinstance(item, Mapping) and item.get("kind") == "ServiceMonitor":
            problems.append(
                Problem(
                    "",
                    f"scrapes[{i}]",
                    "is a ServiceMonitor: give the VMServiceScrape it becomes (`vmscrape convert`, or "
                    "service_monitor_args for a VMServiceScrape component)",
                )
            )
            continue
        elif isinstance(item, Mapping):
            try:
                model = VMServiceScrapeModel.from_manifest(item)
            except VMScrapeError as exc:
                problems.extend(exc.within(f"scrapes[{i}]").problems)
                continue
        else:
            problems.append(
                Problem(
                    "",
                    f"scrapes[{i}]",
                    "must be a VMServiceScrape manifest or a VMServiceScrapeModel",
                    type(item).__name__,
                )
            )
            continue
        if model.key in first:
            problems.append(
                Problem(
                    "", f"scrapes[{i}]", f"{model.key} is given twice (first as scrapes[{first[model.key]}])"
                )
            )
            continue
        first[model.key] = i
        models.append(model)
    if problems:
        raise VMScrapeError(problems)
    return models


class VMServiceScrapeSet(pulumi.ComponentResource):
    """Many VictoriaMetrics ``VMServiceScrape`` custom resources as one component, and their vmagent jobs.

    ``VMServiceScrapeSet(name, VMServiceScrapeSetArgs(scrapes=[manifest, ...]), opts)``, or the same
    fields as keywords. Every scrape is validated before anything is registered; each becomes one
    custom resource child, named ``namespace/name``. Prefer it to one :class:`VMServiceScrape` per
    scrape when the scrapes are plain data: the engine handles one resource per scrape instead of two.

    Outputs, keyed by ``namespace/name``: ``manifests``, ``job_names``, ``discovery_namespaces``
    (``["*"]`` for all), ``selection`` (with ``agents``: per agent ``{"selected", "reason"}``); and
    ``scrape_config_yaml`` (every scrape's jobs as one vmagent YAML list; a Pulumi secret when a CR
    itself holds a credential), ``targets`` (per job, with a snapshot). Attributes ``models`` (the
    validated scrapes) and ``custom_resources`` (``namespace/name`` -> the child resource).
    """

    manifests: pulumi.Output[dict[str, dict[str, Any]]]
    scrape_config_yaml: pulumi.Output[str]
    job_names: pulumi.Output[dict[str, list[str]]]
    discovery_namespaces: pulumi.Output[dict[str, list[str]]]
    selection: pulumi.Output[dict[str, dict[str, dict[str, Any]]]]
    targets: pulumi.Output[dict[str, dict[str, Any]]]

    def __init__(
        self,
        name: str,
        # The analyzer reads this annotation as the inputs: the Args type itself (None: keywords instead).
        args: VMServiceScrapeSetArgs = None,  # type: ignore[assignment]
        opts: pulumi.ResourceOptions | None = None,
        **keywords: Any,
    ) -> None:
        # Everything is validated before anything is registered: nothing half-applies.
        try:
            args = resolve_args(VMServiceScrapeSetArgs, args, keywords)
            self.models = _models(args.scrapes)
            agent_spec = agent_spec_manifest(args.agent)
            operator = operator_settings(args.operator)
            agent_manifests = [agent_manifest(a, i) for i, a in enumerate(args.agents or ())]
        except VMScrapeError as exc:
            raise exc.within(f"VMServiceScrapeSet {name}") from None
        super().__init__(TYPE_TOKEN, name, None, opts)

        manifests = {m.key: m.manifest() for m in self.models}
        child = pulumi.ResourceOptions(parent=self)
        self.custom_resources = {
            key: CustomResource(
                key,
                api_version=API_VERSION,
                kind=KIND,
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                opts=child,
            )
            for key, manifest in manifests.items()
        }
        snapshot = snapshot_path(args.snapshot)

        def outputs(_: Any) -> dict[str, Any]:
            """Render and check the scrapes (run as an apply: while the engine takes the registrations)."""
            ignore = AgentSettings.from_spec(agent_spec, operator=operator).ignore_namespace_selectors
            all_jobs: list[dict[str, Any]] = []
            job_names: dict[str, list[str]] = {}
            namespaces: dict[str, list[str]] = {}
            settings: dict[str, AgentSettings] = {}
            for model in self.models:
                ns = model.namespace or "default"
                if ns not in settings:
                    settings[ns] = AgentSettings.from_spec(agent_spec, namespace=ns, operator=operator)
                jobs = render_scrape_jobs(model, settings[ns], Assets())
                all_jobs += jobs
                job_names[model.key] = [j["job_name"] for j in jobs]
                selector = model.spec.namespace_selector or NamespaceSelector.own()
                resolved = selector.resolve(ns, ignore_selectors=ignore)
                # The output's documented spelling of "every namespace" (None inside the package).
                namespaces[model.key] = ["*"] if resolved is None else resolved
            for warning in refusal_warnings(all_jobs):
                pulumi.log.warn(warning, resource=self)
            selection: dict[str, dict[str, dict[str, Any]]] = {}
            first_agent = None
            if agent_manifests:
                report = selection_report(agent_manifests, self.models, None, operator)
                for warning in report.warnings():
                    pulumi.log.warn(warning, resource=self)
                for pair in report.pairs:
                    selection.setdefault(pair.scrape, {})[pair.agent] = {
                        "selected": pair.selected,
                        "reason": pair.reason,
                    }
                picked = {pair.agent for pair in report.pairs if pair.selected}
                first_agent = next((a for a in agent_manifests if object_key(a) in picked), None)
            text = dump_yaml(all_jobs)
            return {
                "manifests": manifests,
                # Header values or proxy userinfo written in a CR itself: the text is a Pulumi secret.
                "scrape_config_yaml": pulumi.Output.secret(text)
                if credentials.holds_credentials(all_jobs)
                else text,
                "job_names": job_names,
                "discovery_namespaces": namespaces,
                "selection": selection,
                "targets": (
                    predicted_targets(list(manifests.values()), snapshot, first_agent, operator)
                    if snapshot
                    else {}
                ),
            }

        # One apply on a known Output, then one per attribute: Output.from_input would walk every nested
        # dict and list of the values, wrapping each in an Output of its own.
        rendered = pulumi.Output.from_input(True).apply(outputs)
        self.manifests = rendered.apply(lambda r: r["manifests"])
        self.scrape_config_yaml = rendered.apply(lambda r: r["scrape_config_yaml"])
        self.job_names = rendered.apply(lambda r: r["job_names"])
        self.discovery_namespaces = rendered.apply(lambda r: r["discovery_namespaces"])
        self.selection = rendered.apply(lambda r: r["selection"])
        self.targets = rendered.apply(lambda r: r["targets"])
        # Recorded in the stack's state: all but ``manifests`` (each custom resource holds its own there,
        # and sending them twice would double what the engine is sent).
        self.register_outputs(
            {
                "scrape_config_yaml": self.scrape_config_yaml,
                "job_names": self.job_names,
                "discovery_namespaces": self.discovery_namespaces,
                "selection": self.selection,
                "targets": self.targets,
            }
        )
