"""How every component takes its arguments: an ``…Args`` object, its fields as keywords, or a plain dict.

The annotations of the ``…Args`` dataclasses are real (no ``from __future__ import annotations`` in the
component modules) and union-free, because Pulumi's analyzer
(``pulumi.provider.experimental.analyzer``) turns them into the schema that serves the components to
TypeScript, Go and YAML programs (``vmscrape_component/component/provider.py``). Each field is annotated
with its *wire shape*: what another language sends, such as the CRD spec as a mapping. Python programs
may also give the typed objects (``VMServiceScrapeSpec``, ``OperatorSettings``...): the ``…Arg`` aliases
below name both for type checkers (the ``TYPE_CHECKING`` branch) and only the wire shape at run time.

``construct`` (a component created from another language) passes the arguments as one plain dict with
Python names, nested objects as plain dicts too: :func:`resolve_args` accepts it and checks it exactly as
it checks keywords, with the same messages.
"""

from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import Problem, VMScrapeError
from ..models import VMAgentModel, VMAgentSpec, VMServiceScrapeSpec
from ..settings import OperatorSettings

if TYPE_CHECKING:
    from collections.abc import Sequence

    #: ``spec`` of a VMServiceScrape: the model, or its manifest (snake_case or the CRD's camelCase).
    SpecArg = VMServiceScrapeSpec | Mapping[str, Any]
    #: A VMAgent's spec: the model, or its manifest.
    AgentSpecArg = VMAgentSpec | Mapping[str, Any]
    #: VMAgents whose selection a scrape reports: models or manifests.
    AgentsArg = Sequence[VMAgentModel | Mapping[str, Any]]
    #: The operator's settings, or its environment variables (``WATCH_NAMESPACE``...).
    OperatorArg = OperatorSettings | Mapping[str, str]
else:
    SpecArg = dict[str, Any]
    AgentSpecArg = dict[str, Any]
    AgentsArg = list[dict[str, Any]]
    OperatorArg = dict[str, str]

ArgsT = TypeVar("ArgsT")


def resolve_args(args_type: type[ArgsT], args: Any, keywords: dict[str, Any]) -> ArgsT:
    """``args`` itself, or an ``args_type`` built from ``keywords`` or from ``args`` given as a plain dict
    (``VMServiceScrape("web", spec=...)``; ``construct`` from another language passes a dict).

    Giving both, something else than an ``args_type`` or a mapping as ``args``, or a key that is not one
    of its fields is a :class:`VMScrapeError` naming what is allowed.
    """
    allowed = ", ".join(f.name for f in fields(args_type))  # type: ignore[arg-type]
    kind = args_type.__name__
    if args is not None:
        if keywords:
            raise VMScrapeError(
                [Problem("", ", ".join(sorted(keywords)), f"give either a {kind} or keywords, not both")]
            )
        if isinstance(args, args_type):
            return args
        if not isinstance(args, Mapping):
            raise VMScrapeError(
                [Problem("", "args", f"must be a {kind} (or pass its fields as keywords: {allowed})", None)]
            )
        # From construct: every number crossed the wire as a double (8080 -> 8080.0); whole ones are
        # what the program wrote, and the models read them (and report them) as integers again.
        keywords = {str(k): _whole_numbers(v) for k, v in args.items()}
    return build_dataclass(args_type, keywords)


def _whole_numbers(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _whole_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_whole_numbers(v) for v in node]
    if isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def build_dataclass(args_type: type[ArgsT], values: Mapping[str, Any], path: str = "") -> ArgsT:
    """An ``args_type`` (a dataclass) from a mapping of its field names: unknown keys and missing
    required fields are one :class:`VMScrapeError` with a problem each (paths under ``path``)."""
    declared = fields(args_type)  # type: ignore[arg-type]
    allowed = ", ".join(f.name for f in declared)
    prefix = f"{path}." if path else ""
    problems = [
        Problem("", f"{prefix}{name}", f"unknown argument; allowed: {allowed}")
        for name in sorted(set(map(str, values)) - {f.name for f in declared})
    ]
    problems += [
        Problem("", f"{prefix}{f.name}", "is required")
        for f in declared
        if values.get(f.name) is None and f.default is MISSING and f.default_factory is MISSING
    ]
    if problems:
        raise VMScrapeError(problems)
    # A null from another language means "not given": the field's default.
    return args_type(**{k: v for k, v in values.items() if v is not None})


def nested_dataclass(args_type: type[ArgsT], value: Any, path: str) -> ArgsT | None:
    """A nested argument given as its dataclass or as a plain dict (from ``construct``), else an error."""
    if value is None or (is_dataclass(value) and isinstance(value, args_type)):
        return value
    if isinstance(value, Mapping):
        return build_dataclass(args_type, value, path)
    raise VMScrapeError(
        [Problem("", path, f"must be a {args_type.__name__} or a mapping of its fields", None)]
    )


def operator_settings(value: Any) -> OperatorSettings:
    """``operator``: an :class:`OperatorSettings`, or the operator's environment as a mapping of strings,
    read by the one table of operator variables (:data:`vmscrape_component.settings.OPERATOR_ENV`)."""
    if value is None or isinstance(value, OperatorSettings):
        return OperatorSettings.of(value)
    if not isinstance(value, Mapping):
        raise VMScrapeError(
            [
                Problem(
                    "", "operator", "must be an OperatorSettings or a mapping of the operator's environment"
                )
            ]
        )
    problems = [
        Problem("", f"operator.{key}", "must be a string", item)
        for key, item in sorted(value.items())
        if not isinstance(item, str)
    ]
    if problems:
        raise VMScrapeError(problems)
    try:
        return OperatorSettings.of(value)
    except VMScrapeError as exc:
        # Named as the component's argument, not as the CLI's --operator-env.
        raise VMScrapeError(replace(p, object="", path=f"operator.{p.path}") for p in exc.problems) from None


def agent_spec_manifest(agent: VMAgentSpec | Mapping[str, Any] | None) -> Mapping[str, Any]:
    """``agent`` of a scrape component: the VMAgent spec (validated) as a manifest mapping."""
    if agent is None:
        return {}
    if isinstance(agent, VMAgentSpec):
        return agent.model_dump(by_alias=True, exclude_none=True)
    return VMAgentSpec.parse(agent).model_dump(by_alias=True, exclude_none=True)


def agent_manifest(agent: Any, index: int) -> dict[str, Any]:
    """``agents[index]`` of a scrape component: a VMAgent manifest or model, validated, as a manifest."""
    if isinstance(agent, VMAgentModel):
        return agent.manifest()
    if isinstance(agent, Mapping):
        try:
            return VMAgentModel.from_manifest(agent).manifest()
        except VMScrapeError as exc:
            raise exc.within(f"agents[{index}]") from None
    raise VMScrapeError(
        [Problem("", f"agents[{index}]", "must be a VMAgent manifest or a VMAgentModel", None)]
    )
