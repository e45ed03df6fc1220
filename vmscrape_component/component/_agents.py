"""What the two agent components share: reading their scrapes and agent, and the outputs they both give.

:class:`~.operator_agent.OperatorVMAgent` and :class:`~.standalone_agent.StandaloneVMAgent` call these
plain functions; neither knows the other.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import pulumi

from ..convert import IGNORE_CONVERSION_ANNOTATION, convert_service_monitor
from ..errors import Problem, VMScrapeError
from ..models import VMAgentModel, VMAgentSpec, VMServiceScrapeModel
from ..render import AgentConfig, OperatorSettings
from ..render.standalone import config_checksum, gzipped_size
from ..select import explain_selection, not_selected_warning
from ._preview import predicted_targets, predicted_targets_and_shards
from .service_scrape import VMServiceScrape
from .service_scrape_set import VMServiceScrapeSet

#: What an agent component takes as a scrape: a component (one scrape or a set), a model or a manifest (a
#: ServiceMonitor too).
ScrapeInput = VMServiceScrape | VMServiceScrapeSet | VMServiceScrapeModel | Mapping[str, Any]
if TYPE_CHECKING:
    #: ``scrapes`` of the agent components: in Python any :data:`ScrapeInput`.
    ScrapesArg = Sequence[ScrapeInput]
else:
    # The wire shape (see ``_args``): from another language, scrapes are VMServiceScrape manifests.
    ScrapesArg = list[dict[str, Any]]
#: The type the agent components had when they were one (``mode=``): aliased, so stacks keep their URNs.
FORMER_TYPE_TOKEN = "vmscrape:index:VMAgentConfig"

#: The outputs both agent components give, in the order they are registered.
AGENT_OUTPUTS = (
    "config_yaml",
    "checksum",
    "config_size",
    "config_gzip_size",
    "job_names",
    "selected",
    "not_selected",
    "skipped",
    "targets",
    "shards",
)


def argument_problem(path: str, message: str, value: Any = None) -> VMScrapeError:
    return VMScrapeError([Problem("", path, message, value)])


class Scrapes(NamedTuple):
    """An agent component's ``scrapes``, by who registers their custom resources."""

    #: VMServiceScrape components: they registered their own.
    components: list[VMServiceScrape]
    #: Given as data (models, or manifests read into models): the agent component registers them.
    models: list[VMServiceScrapeModel]
    #: The scrapes of VMServiceScrapeSet components: the sets registered them.
    in_sets: list[VMServiceScrapeModel]
    #: What the operator converts the ServiceMonitor manifests into (the operator creates those).
    converted: list[VMServiceScrapeModel]


def split_scrapes(scrapes: Sequence[ScrapeInput], operator: OperatorSettings | None = None) -> Scrapes:
    """The scrapes given, by who registers them (:class:`Scrapes`). A ServiceMonitor whose conversion
    would overwrite one of the stack's scrapes is an error naming both, unless that scrape opts out with
    the ignore annotation."""
    components: list[VMServiceScrape] = []
    models: list[VMServiceScrapeModel] = []
    in_sets: list[VMServiceScrapeModel] = []
    converted: list[tuple[int, VMServiceScrapeModel]] = []
    operator = operator or OperatorSettings()
    for i, item in enumerate(scrapes):
        if isinstance(item, VMServiceScrape):
            components.append(item)
        elif isinstance(item, VMServiceScrapeSet):
            in_sets.extend(item.models)
        elif isinstance(item, VMServiceScrapeModel):
            models.append(item)
        elif isinstance(item, Mapping) and item.get("kind") == "ServiceMonitor":
            try:
                conversion = convert_service_monitor(item, operator)
            except VMScrapeError as exc:
                raise exc.within(f"scrapes[{i}]") from None
            if operator.convert_service_monitors:
                converted.append((i, conversion.scrape))
        elif isinstance(item, Mapping):
            try:
                models.append(VMServiceScrapeModel.from_manifest(item))
            except VMScrapeError as exc:
                raise exc.within(f"scrapes[{i}]") from None
        else:
            raise argument_problem(
                f"scrapes[{i}]",
                "must be a VMServiceScrape component, a VMServiceScrapeSet, a VMServiceScrapeModel, a "
                "manifest or a ServiceMonitor",
                type(item).__name__,
            )
    owned = {m.key: m for m in [*models, *in_sets]} | {
        c.plain_object.key: c.plain_object for c in components if c.plain_object is not None
    }
    kept: list[VMServiceScrapeModel] = []
    for i, scrape in converted:
        mine = owned.get(scrape.key)
        if mine is None:
            kept.append(scrape)
        elif (mine.annotations or {}).get(IGNORE_CONVERSION_ANNOTATION) != "enabled":
            raise argument_problem(
                f"scrapes[{i}]",
                f"ServiceMonitor {scrape.key} would be converted by the operator into VMServiceScrape "
                f"{scrape.key}, overwriting the stack's VMServiceScrape {mine.key}; rename one, or give the "
                f"stack's one the annotation {IGNORE_CONVERSION_ANNOTATION}: enabled",
            )
    return Scrapes(components, models, in_sets, kept)


def agent_object(name: str, namespace: str, spec: "VMAgentSpec | Mapping[str, Any] | None") -> VMAgentModel:
    """The VMAgent the component stands for (validated: bad fields are errors before registration)."""
    agent_spec = spec if isinstance(spec, VMAgentSpec) else VMAgentSpec.parse(spec or {})
    return VMAgentModel(name=name, namespace=namespace, spec=agent_spec)


def agent_outputs(
    resource: pulumi.Resource,
    agent: Mapping[str, Any],
    config: AgentConfig,
    text: str,
    scrapes: Sequence[Mapping[str, Any]],
    *,
    namespaces: Mapping[str, Mapping[str, str]],
    operator: OperatorSettings,
    snapshot: str | None,
    sharded: bool = False,
) -> dict[str, Any]:
    """The values of :data:`AGENT_OUTPUTS` for ``config`` (rendered as ``text``), warning on ``resource``
    about every scrape the agent does not select or leaves out; ``sharded``: the agent's ``shardCount``
    splits its targets (the operator's agent), and a snapshot gives per-shard counts."""
    selected: dict[str, str] = {}
    rejected: dict[str, str] = {}
    for scrape in scrapes:
        decision = explain_selection(agent, scrape, namespaces, operator)
        (selected if decision.selected else rejected)[decision.scrape] = decision.reason
    agent_key = f"{agent['metadata']['namespace']}/{agent['metadata']['name']}"
    for key, reason in sorted(rejected.items()):
        pulumi.log.warn(not_selected_warning(key, agent_key, reason), resource=resource)
    for key, reason in config.skipped.items():
        pulumi.log.warn(f"VMServiceScrape {key} is selected but left out: {reason}", resource=resource)
    targets: dict[str, Any] = {}
    shards: dict[str, Any] = {}
    if snapshot and sharded:
        targets, shards, warning = predicted_targets_and_shards(scrapes, snapshot, agent, operator)
        if warning:
            pulumi.log.warn(warning, resource=resource)
    elif snapshot:
        targets = predicted_targets(scrapes, snapshot, agent, operator)
    return {
        "config_yaml": text,
        # Header values or proxy userinfo written in a CR, or an inline credential: config_yaml is secret.
        "holds_credentials": config.holds_credentials(),
        "checksum": config_checksum(text),
        "config_size": len(text.encode()),
        "config_gzip_size": gzipped_size(text),
        "job_names": config.job_names,
        "selected": dict(sorted(selected.items())),
        "not_selected": dict(sorted(rejected.items())),
        "skipped": dict(config.skipped),
        "targets": targets,
        "shards": shards,
    }


def output_attributes(
    values: pulumi.Output[dict[str, Any]], names: Sequence[str]
) -> dict[str, pulumi.Output[Any]]:
    """One Output per name, each the value under that name (for a component's attributes and outputs);
    ``config_yaml`` is a Pulumi secret when the config holds a credential (``holds_credentials``)."""

    def value(v: dict[str, Any], name: str) -> Any:
        if name == "config_yaml" and v.get("holds_credentials"):
            return pulumi.Output.secret(v[name])
        return v[name]

    return {name: values.apply(lambda v, name=name: value(v, name)) for name in names}  # type: ignore[misc]
