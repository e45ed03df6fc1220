"""Relabeling rules, checked the way vmagent checks them when it loads its config.

The rules per action follow ``parseRelabelConfig`` in VictoriaMetrics' ``lib/promrelabel/config.go``:
what each action needs, what it cannot take, and that regexes and ``if`` selectors parse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Self

from pydantic import (
    AliasChoices,
    BeforeValidator,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from .. import grammar
from ._base import UINT64_MAX, LabelName, VMModel
from .errors import invalid

__all__ = ["RELABEL_ACTIONS", "RelabelConfig", "StringOrList"]

#: The actions vmagent knows (it compares them lowercased).
RELABEL_ACTIONS = (
    "replace",
    "replace_all",
    "keep",
    "drop",
    "keep_if_equal",
    "drop_if_equal",
    "keepequal",
    "dropequal",
    "hashmod",
    "labelmap",
    "labelmap_all",
    "labeldrop",
    "labelkeep",
    "keep_if_contains",
    "drop_if_contains",
    "keep_metrics",
    "drop_metrics",
    "graphite",
    "lowercase",
    "uppercase",
)


def _string_or_list(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, list | tuple) and not value:
        raise invalid("must not be an empty list: give a string or a list of strings")
    raise invalid("must be a string or a list of strings", value=value)


#: The operator's ``StringOrArray``: one string or a list of strings, written back as given.
StringOrList = Annotated[StrictStr | list[StrictStr], BeforeValidator(_string_or_list)]

# Pairs of spellings the operator accepts for one field; the camelCase one wins when both are set.
_SPELLINGS = (("sourceLabels", "source_labels"), ("targetLabel", "target_label"))


class RelabelConfig(VMModel):
    """One relabeling rule (applied to targets in ``relabelConfigs``, to samples in ``metricRelabelConfigs``).

    ``sourceLabels``/``source_labels`` and ``targetLabel``/``target_label`` are both accepted, as the
    operator accepts them (the camelCase spelling wins when both are non-empty); the rule is written back
    as ``sourceLabels``/``targetLabel``. ``regex`` and ``if`` are a string or a list of strings and stay
    as given. ``action`` is matched in any case, as vmagent lowercases it, and stays as given.
    """

    source_labels: list[StrictStr] | None = Field(
        None, alias="sourceLabels", validation_alias=AliasChoices("sourceLabels", "source_labels")
    )
    """Labels whose values are joined with ``separator`` and matched against ``regex``."""
    separator: StrictStr | None = None
    """What joins the source label values; ``;`` when unset."""
    target_label: StrictStr | None = Field(
        None, alias="targetLabel", validation_alias=AliasChoices("targetLabel", "target_label")
    )
    """The label written by ``replace`` and similar actions; may use capture groups (``$1``, ``${1}``)."""
    regex: StringOrList | None = None
    """Regular expression (RE2) matched against the joined values, anchored at both ends; ``(.*)`` when
    unset. A list is joined with ``|``."""
    modulus: StrictInt | None = Field(None, ge=0, le=UINT64_MAX)
    """Modulus of the hash for ``hashmod``."""
    replacement: StrictStr | None = None
    """What a match is replaced with; capture groups are available; ``$1`` when unset."""
    action: StrictStr | None = None
    """What to do: ``replace`` (the default), ``keep``, ``drop``, ``labelmap``... (vmagent's actions)."""
    if_: StringOrList | None = Field(None, alias="if")
    """Apply the rule only to series matching this selector (or any of these selectors), e.g.
    ``'{__name__=~"go_.*"}'``."""
    match: StrictStr | None = None
    """Graphite metric-name template for ``action: graphite``."""
    labels: dict[LabelName, StrictStr] | None = None
    """Labels to set from the ``match`` captures, for ``action: graphite``."""

    @model_validator(mode="before")
    @classmethod
    def _one_spelling(cls, data: Any) -> Any:
        # The operator's UnmarshalJSON: the camelCase field wins unless it is empty.
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for camel, snake in _SPELLINGS:
            if camel in data and snake in data:
                loser = snake if data[camel] else camel
                data.pop(loser)
        return data

    # `target_label` is any string: vmagent v1.150.0 takes every one (go-oracle, `relabel`), even
    # `pod-name` or `1x`; only whether an action needs one is checked (_action_problem).

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | list[str] | None) -> str | list[str] | None:
        _check_items(value, grammar.regex_problem, instead="'(null)' (the same match)")
        return value

    @field_validator("if_")
    @classmethod
    def _if_is_a_selector(cls, value: str | list[str] | None) -> str | list[str] | None:
        _check_items(value, grammar.series_selector_problem, instead="'{__name__=\"null\"}'")
        return value

    @model_validator(mode="after")
    def _fields_fit_the_action(self) -> Self:
        problem = _action_problem(self)
        if problem is not None:
            message, field, value = problem
            raise invalid(message, field=field, value=value)
        return self

    @property
    def effective_action(self) -> str:
        """The action as vmagent sees it: lowercased, ``replace`` when unset."""
        return (self.action or "replace").lower()


def _check_items(
    value: str | list[str] | None, problem_of: Callable[[str], str | None], *, instead: str
) -> None:
    """Check a string-or-list field item by item, and the scalar the operator writes for it (a string,
    or the only item of a one-item list) against YAML's null spellings."""
    items = [(None, value)] if isinstance(value, str) else list(enumerate(value or ()))
    for index, item in items:
        problem = problem_of(item)
        if problem is None and len(items) == 1:
            problem = grammar.yaml_null_problem(item, instead=instead)
        if problem:
            raise invalid(problem, field=None if index is None else f"[{index}]", value=item)


def _action_problem(rc: RelabelConfig) -> tuple[str, str | None, Any] | None:
    """What vmagent would reject about ``rc``: (message, field in manifest spelling, value)."""
    action = rc.effective_action
    if action not in RELABEL_ACTIONS:
        return f"unknown action; allowed: {', '.join(RELABEL_ACTIONS)} (any case)", "action", rc.action
    source = rc.source_labels or []
    target = rc.target_label or ""
    has_regex = rc.regex is not None  # the operator writes `regex` whenever it is set, even ""
    has_if = rc.if_ is not None
    a = f"action {rc.action or 'replace'!r}"

    def needs(field: str, what: str) -> tuple[str, str, Any]:
        return f"{a} needs `{field}` ({what})", field, None

    def cannot(field: str, value: Any) -> tuple[str, str, Any]:
        return f"`{field}` cannot be used with {a}", field, value

    if action == "graphite":
        if not rc.match:
            return needs("match", "the Graphite metric-name template")
        if not rc.labels:
            return needs("labels", "the labels to set from the template's captures")
        if source:
            return cannot("sourceLabels", source)
        if target:
            return cannot("targetLabel", target)
        if rc.replacement is not None:
            return cannot("replacement", rc.replacement)
        if has_regex:
            return cannot("regex", rc.regex)
        return None
    if rc.match:
        return f"`match` is only for action 'graphite', not {a}", "match", rc.match
    if rc.labels:
        return f"`labels` is only for action 'graphite', not {a}", "labels", rc.labels
    if action in ("replace", "keepequal", "dropequal") and not target:
        return needs(
            "targetLabel", "the label to write" if action == "replace" else "the label to compare with"
        )
    if action in ("replace_all", "hashmod", "lowercase", "uppercase"):
        if not source:
            return needs("sourceLabels", "the labels to read")
        if not target:
            return needs("targetLabel", "the label to write")
    if action in ("keep_if_contains", "drop_if_contains"):
        if not target:
            return needs("targetLabel", "the label whose values must contain the source labels' values")
        if not source:
            return needs("sourceLabels", "at least one label whose value to look for")
    if action in ("keep_if_equal", "drop_if_equal"):
        if len(source) < 2:
            return f"{a} needs at least two `sourceLabels` to compare", "sourceLabels", rc.source_labels
        if target:
            return cannot("targetLabel", target)
    if (
        action
        in (
            "keep_if_equal",
            "drop_if_equal",
            "keep_if_contains",
            "drop_if_contains",
            "keepequal",
            "dropequal",
        )
        and has_regex
    ):
        return cannot("regex", rc.regex)
    if action in ("keep", "drop") and not source and not has_if:
        return f"{a} needs `sourceLabels` or `if` (what to match)", "sourceLabels", None
    if action == "hashmod" and not rc.modulus:
        return f"{a} needs `modulus` greater than 0", "modulus", rc.modulus
    if action in ("keep_metrics", "drop_metrics"):
        joined = rc.regex if isinstance(rc.regex, str) else "|".join(rc.regex or ())
        if not joined and not has_if:
            return f"{a} needs a non-empty `regex` (the metric names to match) or `if`", "regex", rc.regex
        if source:
            return cannot("sourceLabels", source)
    return None
