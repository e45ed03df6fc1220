"""What each vmagent relabeling action needs and refuses: one table, read by the CRD models
(:mod:`vmscrape_component.models.relabel`), the config parser of the simulation
(:mod:`vmscrape_component.simulate.rules`) and the shape of a rendered rule
(:mod:`vmscrape_component.shapes`).

The table follows ``parseRelabelConfig`` in VictoriaMetrics' ``lib/promrelabel/config.go`` (v1.150.0,
lines 210-432), requirement by requirement and in its order, so that the first unmet requirement is the one
vmagent reports. Fields are named by their keys in vmagent's config (``source_labels``, ``target_label``);
each reader words the message in its own spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ACTION_REQUIREMENTS",
    "RELABEL_ACTIONS",
    "RELABEL_KEYS",
    "Requirement",
    "RuleFacts",
    "unmet_requirement",
]

#: The keys of one rule in vmagent's config (``RelabelConfig``'s yaml tags, lib/promrelabel/config.go:20-44).
RELABEL_KEYS = (
    "if",
    "action",
    "source_labels",
    "separator",
    "target_label",
    "regex",
    "modulus",
    "replacement",
    "match",
    "labels",
)

#: ``set``: non-empty; ``unset``: absent (``regex``/``replacement``: not given at all, even ``""``);
#: ``two``: at least two items; ``set_or_if``: non-empty unless the rule has an ``if``; ``positive``: > 0.
Check = Literal["set", "unset", "two", "set_or_if", "positive"]


@dataclass(frozen=True)
class Requirement:
    """One thing an action demands of one field (``field`` in vmagent's spelling)."""

    field: str
    check: Check


def _r(*pairs: tuple[str, Check]) -> tuple[Requirement, ...]:
    return tuple(Requirement(field, check) for field, check in pairs)


_CONTAINS = _r(("target_label", "set"), ("source_labels", "set"), ("regex", "unset"))
_IF_EQUAL = _r(("source_labels", "two"), ("target_label", "unset"), ("regex", "unset"))
_EQUAL = _r(("target_label", "set"), ("regex", "unset"))
_KEEP = _r(("source_labels", "set_or_if"))
_METRICS = _r(("regex", "set_or_if"), ("source_labels", "unset"))
_CASE = _r(("source_labels", "set"), ("target_label", "set"))

#: Every action vmagent knows (it compares them lowercased) and what it requires, in vmagent's order.
#: Every action but ``graphite`` also refuses ``match`` and ``labels`` (checked last, config.go:395-402).
ACTION_REQUIREMENTS: Mapping[str, tuple[Requirement, ...]] = {
    "replace": _r(("target_label", "set")),
    "replace_all": _r(("source_labels", "set"), ("target_label", "set")),
    "keep": _KEEP,
    "drop": _KEEP,
    "keep_if_equal": _IF_EQUAL,
    "drop_if_equal": _IF_EQUAL,
    "keepequal": _EQUAL,
    "dropequal": _EQUAL,
    "hashmod": _r(("source_labels", "set"), ("target_label", "set"), ("modulus", "positive")),
    "labelmap": (),
    "labelmap_all": (),
    "labeldrop": (),
    "labelkeep": (),
    "keep_if_contains": _CONTAINS,
    "drop_if_contains": _CONTAINS,
    "keep_metrics": _METRICS,
    "drop_metrics": _METRICS,
    "graphite": _r(
        ("match", "set"),
        ("labels", "set"),
        ("source_labels", "unset"),
        ("target_label", "unset"),
        ("replacement", "unset"),
        ("regex", "unset"),
    ),
    "lowercase": _CASE,
    "uppercase": _CASE,
}
RELABEL_ACTIONS = tuple(ACTION_REQUIREMENTS)
_GRAPHITE_ONLY = _r(("match", "unset"), ("labels", "unset"))


@dataclass(frozen=True)
class RuleFacts:
    """What the requirements look at in one rule, however it was read."""

    source_labels: int = 0  # how many
    target_label: bool = False  # non-empty
    regex: bool = False  # given at all (vmagent: ``rc.Regex != nil``)
    regex_text: str = ""  # the regex as vmagent joins it (a list with ``|``)
    replacement: bool = False  # given at all
    match: bool = False  # non-empty
    labels: bool = False  # non-empty
    modulus: int = 0
    has_if: bool = False


def _met(req: Requirement, facts: RuleFacts) -> bool:
    if req.field == "source_labels":
        count = facts.source_labels
        return {"set": count > 0, "unset": count == 0, "two": count >= 2}.get(
            req.check, count > 0 or facts.has_if
        )
    if req.field == "regex":
        if req.check == "unset":
            return not facts.regex
        return bool(facts.regex_text) or (req.check == "set_or_if" and facts.has_if)
    if req.field == "modulus":
        return facts.modulus >= 1
    present = bool(getattr(facts, req.field))
    return present if req.check == "set" else not present


def unmet_requirement(action: str, facts: RuleFacts) -> Requirement | None:
    """The first requirement of ``action`` (lowercased, known) that ``facts`` do not meet, as vmagent
    checks them; None when the rule is fine."""
    requirements = ACTION_REQUIREMENTS[action]
    if action != "graphite":
        requirements = requirements + _GRAPHITE_ONLY
    for req in requirements:
        if not _met(req, facts):
            return req
    return None
