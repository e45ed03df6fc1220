"""What the two agent components share: reading their scrapes and agent, and the outputs they both give.

:class:`~.operator_agent.OperatorVMAgent` and :class:`~.standalone_agent.StandaloneVMAgent` call these
plain functions; neither knows the other.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from ..errors import Problem, VMScrapeError
from ..models import VMAgentModel, VMAgentSpec, VMServiceScrapeModel
from ..render import AgentConfig, OperatorSettings
from ..render.standalone import config_checksum, gzipped_size
from ..select import explain_selection, not_selected_warning
from ._preview import predicted_targets
from .service_scrape import VMServiceScrape

#: What an agent component takes as a scrape: a component, a model or a manifest.
ScrapeInput = VMServiceScrape | VMServiceScrapeModel | Mapping[str, Any]
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
)


def argument_problem(path: str, message: str, value: Any = None) -> VMScrapeError:
    return VMScrapeError([Problem("", path, message, value)])


def split_scrapes(
    scrapes: Sequence[ScrapeInput],
) -> tuple[list[VMServiceScrape], list[VMServiceScrapeModel]]:
    """The scrapes given as components, and those given as data (models, or manifests read into models)."""
    components: list[VMServiceScrape] = []
    models: list[VMServiceScrapeModel] = []
    for i, item in enumerate(scrapes):
        if isinstance(item, VMServiceScrape):
            components.append(item)
        elif isinstance(item, VMServiceScrapeModel):
            models.append(item)
        elif isinstance(item, Mapping):
            try:
                models.append(VMServiceScrapeModel.from_manifest(item))
            except VMScrapeError as exc:
                raise exc.within(f"scrapes[{i}]") from None
        else:
            raise argument_problem(
                f"scrapes[{i}]",
                "must be a VMServiceScrape component, a VMServiceScrapeModel or a manifest",
                type(item).__name__,
            )
    return components, models


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
) -> dict[str, Any]:
    """The values of :data:`AGENT_OUTPUTS` for ``config`` (rendered as ``text``), warning on ``resource``
    about every scrape the agent does not select or leaves out."""
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
    return {
        "config_yaml": text,
        "checksum": config_checksum(text),
        "config_size": len(text.encode()),
        "config_gzip_size": gzipped_size(text),
        "job_names": config.job_names,
        "selected": dict(sorted(selected.items())),
        "not_selected": dict(sorted(rejected.items())),
        "skipped": dict(config.skipped),
        "targets": predicted_targets(scrapes, snapshot, agent, operator) if snapshot else {},
    }


def output_attributes(
    values: pulumi.Output[dict[str, Any]], names: Sequence[str]
) -> dict[str, pulumi.Output[Any]]:
    """One Output per name, each the value under that name (for a component's attributes and outputs)."""
    return {name: values.apply(lambda v, name=name: v[name]) for name in names}  # type: ignore[misc]
