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
from ..grammar.relabel_actions import RELABEL_ACTIONS, RuleFacts, unmet_requirement
from ._base import UINT64_MAX, LabelName, VMModel
from .errors import invalid

__all__ = ["RELABEL_ACTIONS", "RelabelConfig", "StringOrList"]


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


#: Fields in the manifest's spelling, by vmagent's key.
_CAMEL = {"source_labels": "sourceLabels", "target_label": "targetLabel"}
#: What a required field is for, said in the message (by field, then by action where it differs).
_PURPOSE = {
    "match": "the Graphite metric-name template",
    "labels": "the labels to set from the template's captures",
    "source_labels": "the labels to read",
    "target_label": "the label to write",
}
_PURPOSE_BY_ACTION = {
    ("target_label", "keepequal"): "the label to compare with",
    ("target_label", "dropequal"): "the label to compare with",
    ("target_label", "keep_if_contains"): "the label whose values must contain the source labels' values",
    ("target_label", "drop_if_contains"): "the label whose values must contain the source labels' values",
    ("source_labels", "keep_if_contains"): "at least one label whose value to look for",
    ("source_labels", "drop_if_contains"): "at least one label whose value to look for",
}


def _action_problem(rc: RelabelConfig) -> tuple[str, str | None, Any] | None:
    """What vmagent would reject about ``rc``: (message, field in manifest spelling, value). The rules are
    vmagent's table in :mod:`vmscrape_component.grammar.relabel_actions`."""
    action = rc.effective_action
    if action not in RELABEL_ACTIONS:
        return f"unknown action; allowed: {', '.join(RELABEL_ACTIONS)} (any case)", "action", rc.action
    regex_text = rc.regex if isinstance(rc.regex, str) else "|".join(rc.regex or ())
    facts = RuleFacts(
        source_labels=len(rc.source_labels or ()),
        target_label=bool(rc.target_label),
        regex=rc.regex is not None,  # the operator writes `regex` whenever it is set, even ""
        regex_text=regex_text,
        replacement=rc.replacement is not None,
        match=bool(rc.match),
        labels=bool(rc.labels),
        modulus=rc.modulus or 0,
        has_if=rc.if_ is not None,
    )
    req = unmet_requirement(action, facts)
    if req is None:
        return None
    field = _CAMEL.get(req.field, req.field)
    value = getattr(rc, req.field)
    a = f"action {rc.action or 'replace'!r}"
    if req.check == "set":
        purpose = _PURPOSE_BY_ACTION.get((req.field, action), _PURPOSE[req.field])
        return f"{a} needs `{field}` ({purpose})", field, None
    if req.check == "unset" and req.field in ("match", "labels"):
        return f"`{field}` is only for action 'graphite', not {a}", field, value
    if req.check == "unset":
        return f"`{field}` cannot be used with {a}", field, value
    if req.check == "two":
        return f"{a} needs at least two `{field}` to compare", field, value
    if req.check == "positive":
        return f"{a} needs `{field}` greater than 0", field, value
    if req.field == "regex":  # set_or_if
        return f"{a} needs a non-empty `regex` (the metric names to match) or `if`", field, value
    return f"{a} needs `{field}` or `if` (what to match)", field, None
