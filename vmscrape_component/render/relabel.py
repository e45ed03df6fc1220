"""Relabel rules in vmagent's spelling: a user's rule as the operator writes it, and label selectors
turned into keep/drop rules or into the API server's selector string (the operator's ``generateRelabelConfig``
and ``addSelectorToRelabelingFor``, v0.74.1)."""

from __future__ import annotations

from typing import Any

from ..grammar import sanitize_label_name
from ..models import LabelSelector, RelabelConfig

Rule = dict[str, Any]


def _one_or_list(value: str | list[str]) -> str | list[str]:
    # The operator's StringOrArray writes a one-item list as that item.
    if isinstance(value, str):
        return value
    return value[0] if len(value) == 1 else list(value)


def render_relabel_config(rc: RelabelConfig) -> Rule:
    """A user relabel config in vmagent's spelling, keys in the operator's order."""
    rule: Rule = {}
    if rc.source_labels:
        rule["source_labels"] = list(rc.source_labels)
    if rc.separator is not None:
        rule["separator"] = rc.separator
    if rc.target_label:
        rule["target_label"] = rc.target_label
    # The operator reads "" as the one-item list [""] and writes `regex: ""` (matches only empty
    # values; leaving it out would mean the default "(.*)"). Only an absent or empty list is omitted.
    if isinstance(rc.regex, str) or rc.regex:
        rule["regex"] = _one_or_list(rc.regex)
    if rc.modulus:
        rule["modulus"] = rc.modulus
    if rc.replacement is not None:
        rule["replacement"] = rc.replacement
    if rc.action:
        rule["action"] = rc.action
    if rc.if_:
        rule["if"] = _one_or_list(rc.if_)
    if rc.match:
        rule["match"] = rc.match
    if rc.labels:
        rule["labels"] = {k: rc.labels[k] for k in sorted(rc.labels)}
    return rule


#: How each selector operator becomes a relabel rule: (action, label family, regex or None for the values).
_EXPRESSION_RULES = {
    "In": ("keep", "label", None),
    "NotIn": ("drop", "label", None),
    "Exists": ("keep", "labelpresent", "true"),
    "DoesNotExist": ("drop", "labelpresent", "true"),
}


def selector_relabelings(role_object: str, selector: LabelSelector | None) -> list[Rule]:
    """Keep/drop rules that emulate a label selector over ``__meta_kubernetes_<object>_label_*``."""
    if selector is None:
        return []
    rules: list[Rule] = []
    match_labels = selector.match_labels or {}
    for key in sorted(match_labels):
        rules.append(
            {
                "action": "keep",
                "source_labels": [f"__meta_kubernetes_{role_object}_label_{sanitize_label_name(key)}"],
                "regex": match_labels[key],
            }
        )
    for expr in selector.match_expressions or ():
        action, family, regex = _EXPRESSION_RULES[expr.operator]
        rules.append(
            {
                "action": action,
                "source_labels": [
                    f"__meta_kubernetes_{role_object}_{family}_{sanitize_label_name(expr.key)}"
                ],
                "regex": "|".join(expr.values or ()) if regex is None else regex,
            }
        )
    return rules


def label_selector_string(selector: LabelSelector) -> str:
    """A label selector in Kubernetes' string form (``a=b,c in (d,e),!f``), requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.match_labels or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expr in selector.match_expressions or ():
        key = expr.key
        # Sorted, duplicates kept: the operator writes values ['', ''] as "(,)" (seen on the real operator).
        values = ",".join(sorted(expr.values or ()))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }[expr.operator]
        requirements.append((key, text))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)
