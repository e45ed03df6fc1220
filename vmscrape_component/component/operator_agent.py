"""``OperatorVMAgent`` — a VMAgent run by the VictoriaMetrics operator, and the config it will generate.

The operator builds the config; this component registers the VMServiceScrape custom resources of the
scrapes given as data (components given as scrapes registered their own) and, with ``create_agent``, the
VMAgent itself, and shows the config the operator will generate as an output, warning about every scrape
the agent will not select.

No ``from __future__ import annotations``: the analyzer reads the real annotations (see ``_args``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

from ..errors import Problem, VMScrapeError
from ..models import API_VERSION
from ..render import config_yaml, render_config, render_secret_layout
from ..render.secrets import SecretLayout
from ._agents import (
    AGENT_OUTPUTS,
    FORMER_TYPE_TOKEN,
    ScrapesArg,
    agent_object,
    agent_outputs,
    output_attributes,
    split_scrapes,
)
from ._args import AgentSpecArg, OperatorArg, operator_settings, resolve_args
from ._preview import snapshot_path
from .service_scrape import VMServiceScrape, VMServiceScrapeArgs

TYPE_TOKEN = "vmscrape:index:OperatorVMAgent"
#: The outputs only this component gives: the operator's Secret layout (after :data:`AGENT_OUTPUTS`).
LAYOUT_OUTPUTS = ("bucket_count", "buckets")


def layout_outputs(layout: SecretLayout) -> dict[str, Any]:
    """``bucket_count`` and ``buckets`` (per Secret: name, first/last job index, job count, gzipped bytes
    of its jobs, the budget, and whether the sizes are Go's own)."""
    return {
        "bucket_count": len(layout.buckets),
        "buckets": [
            {
                "secret": layout.secret_name(b.index),
                "first_job": b.start,
                "last_job": b.stop - 1,
                "jobs": b.stop - b.start,
                "gzip_bytes": b.gzip_bytes,
                "budget": layout.budget,
                "exact": layout.exact,
            }
            for b in layout.buckets
        ],
    }


@dataclass(kw_only=True)
class OperatorVMAgentArgs:
    """The arguments of an :class:`OperatorVMAgent` component."""

    scrapes: ScrapesArg
    """The scrapes the agent may take: VMServiceScrape manifests (registered here, as children); in
    Python also :class:`VMServiceScrape` and :class:`VMServiceScrapeSet` components (they register their
    own custom resources) and :class:`~vmscrape_component.models.VMServiceScrapeModel` objects."""
    agent: AgentSpecArg | None = None
    """The VMAgent's spec: selectors, scrape classes, overrides, external labels..."""
    namespace: str | None = "default"
    """The VMAgent's namespace."""
    agent_name: str | None = None
    """The VMAgent's ``metadata.name`` (default: the component's name)."""
    create_agent: bool | None = False
    """Register the VMAgent custom resource too (else it is managed elsewhere; the spec only predicts)."""
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None
    """Labels of the namespaces involved, for an agent whose ``serviceScrapeNamespaceSelector`` matches
    labels."""
    operator: OperatorArg | None = None
    """The operator's own settings that change its output: its environment variables
    (``{"VM_CONFIG_DATA_BUDGET_BYTES": "8000"}``, ``WATCH_NAMESPACE``...); in Python also an
    ``OperatorSettings``."""
    snapshot: str | None = None
    """A cluster snapshot file (default: the stack setting ``vmscrape:snapshot``) for ``targets``."""


def _check_creatable(spec: dict[str, Any]) -> None:
    """What the API server requires of a VMAgent beyond the scrape fields the models check."""
    remote_write = spec.get("remoteWrite")
    if not isinstance(remote_write, list) or not remote_write:
        raise VMScrapeError(
            [
                Problem(
                    "",
                    "agent.remoteWrite",
                    "the VMAgent CRD requires spec.remoteWrite to create the agent (create_agent=True): "
                    "a list of targets such as [{'url': 'http://vmsingle:8429/api/v1/write'}]",
                    remote_write,
                )
            ]
        )
    for index, target in enumerate(remote_write):
        if not isinstance(target, dict) or not isinstance(target.get("url"), str) or not target["url"]:
            raise VMScrapeError(
                [
                    Problem(
                        "", f"agent.remoteWrite[{index}].url", "every remoteWrite target needs a url", target
                    )
                ]
            )


class OperatorVMAgent(pulumi.ComponentResource):
    """A VMAgent the operator runs: its scrapes' custom resources, and the config the operator will build.

    ``OperatorVMAgent(name, OperatorVMAgentArgs(scrapes=[...], agent={...}), opts)``, or the same fields
    as keywords. The scrapes are selected exactly as the operator selects them.

    Outputs: ``config_yaml`` (for review: secret values are ``<secret ns/name key>`` placeholders),
    ``checksum`` (sha256 of the config), ``config_size`` / ``config_gzip_size`` (bytes),
    ``bucket_count`` / ``buckets`` (the operator's Secrets for it: over ``VM_CONFIG_DATA_BUDGET_BYTES``
    of gzipped jobs the config is split into ``vmagent-<name>-sc-<i>`` Secrets, which the operator owns:
    this component never registers them; a warning says when the layout is about to change, and a
    single job over the budget is an error before anything rolls out),
    ``job_names``, ``selected`` / ``not_selected`` (``namespace/name`` -> reason), ``skipped`` (selected
    but left out by the operator, with the reason), ``targets`` (per job, the targets predicted in the
    cluster snapshot; empty without one), ``shards`` (with a snapshot and ``shardCount``: targets per
    vmagent shard and the balance, max/mean; a warning above 1.5x the mean); attributes ``scrapes``
    (every VMServiceScrape component, given or made here) and ``agent_resource`` (with ``create_agent``).
    """

    config_yaml: pulumi.Output[str]
    checksum: pulumi.Output[str]
    config_size: pulumi.Output[int]
    config_gzip_size: pulumi.Output[int]
    bucket_count: pulumi.Output[int]
    buckets: pulumi.Output[list[dict[str, Any]]]
    job_names: pulumi.Output[list[str]]
    selected: pulumi.Output[dict[str, str]]
    not_selected: pulumi.Output[dict[str, str]]
    skipped: pulumi.Output[dict[str, str]]
    targets: pulumi.Output[dict[str, dict[str, Any]]]
    shards: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        # The analyzer reads this annotation as the inputs: the Args type itself (None: keywords instead).
        args: OperatorVMAgentArgs = None,  # type: ignore[assignment]
        opts: pulumi.ResourceOptions | None = None,
        **keywords: Any,
    ) -> None:
        # Everything is checked before anything is registered.
        try:
            args = resolve_args(OperatorVMAgentArgs, args, keywords)
            agent = agent_object(args.agent_name or name, args.namespace or "default", args.agent)
            if args.create_agent:
                _check_creatable(agent.manifest()["spec"])
            operator = operator_settings(args.operator)
            components, models, in_sets, converted = split_scrapes(args.scrapes, operator)
        except VMScrapeError as exc:
            raise exc.within(f"OperatorVMAgent {name}") from None
        aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=FORMER_TYPE_TOKEN)])
        super().__init__(TYPE_TOKEN, name, None, pulumi.ResourceOptions.merge(opts, aliases))
        child = pulumi.ResourceOptions(parent=self)

        self.agent = agent
        agent_manifest = agent.manifest()
        # Scrapes given as data become custom resources here; components already registered theirs.
        self.scrapes = components + [
            VMServiceScrape(
                m.name,
                VMServiceScrapeArgs(
                    spec=m.spec,
                    namespace=m.namespace,
                    labels=m.labels,
                    annotations=m.annotations,
                    operator=operator,
                ),
                opts=child,
            )
            for m in models
        ]
        if args.create_agent:
            self.agent_resource = CustomResource(
                agent.name,
                api_version=API_VERSION,
                kind="VMAgent",
                metadata=agent_manifest["metadata"],
                spec=agent_manifest["spec"],
                opts=child,
            )
        namespaces = dict(args.namespace_labels or {})
        snapshot = snapshot_path(args.snapshot)

        def outputs(scrapes: list[dict[str, Any]]) -> dict[str, Any]:
            config = render_config(scrapes, agent_manifest, namespaces=namespaces, operator=operator)
            values = agent_outputs(
                self,
                agent_manifest,
                config,
                config_yaml(config),
                scrapes,
                namespaces=namespaces,
                operator=operator,
                snapshot=snapshot,
                sharded=True,
            )
            # The operator packs the gzipped jobs into Secrets of VM_CONFIG_DATA_BUDGET_BYTES each.
            try:
                layout = render_secret_layout(config, agent, budget=operator.config_data_budget_bytes)
            except VMScrapeError as exc:
                raise exc.within(f"OperatorVMAgent {name}") from None
            for warning in layout.warnings():
                pulumi.log.warn(warning, resource=self)
            if layout.split:
                pulumi.log.info("; ".join(line.strip() for line in layout.summary()), resource=self)
            return {**values, **layout_outputs(layout)}

        # ServiceMonitors given are the chart's: the operator creates their VMServiceScrapes, not the stack.
        # Sets registered theirs, as plain data.
        from_monitors = [m.manifest() for m in converted]
        from_sets = [m.manifest() for m in in_sets]
        values = pulumi.Output.all(*[c.manifest for c in self.scrapes]).apply(
            lambda ms: outputs([*ms, *from_sets, *from_monitors])
        )
        attributes = output_attributes(values, AGENT_OUTPUTS + LAYOUT_OUTPUTS)
        for output_name, output in attributes.items():
            setattr(self, output_name, output)
        self.register_outputs(attributes)
