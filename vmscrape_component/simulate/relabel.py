"""vmagent's relabeling as a pure function: the rules of ``lib/promrelabel`` (VictoriaMetrics v1.150.0).

Parse a ``relabel_configs`` list once with :func:`parse_rules`, then run it over label sets with
:func:`apply_rules`. What follows vmagent exactly:

- **Defaults**: action ``replace``, separator ``;``, regex ``(.*)``, replacement ``$1``. A regex that
  means "anything" (``.*``, ``(.*)``, ``^(.*)$``) is the default regex, which turns on vmagent's fast
  paths: ``keep``/``drop`` without a real regex act on ``if`` alone, and ``replace`` copies or sets the
  value without matching.
- **Regexes** are RE2 (Go's ``regexp`` syntax), anchored: leading ``^`` and trailing ``$`` are stripped
  and the rest is matched as ``^(?:regex)$`` (except ``replace_all`` and ``labelmap_all``, which replace
  every unanchored match). A list of regexes is their alternation, ``a|b``.
- **Replacement** templates follow Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``; ``$$`` is a
  dollar; ``$1x`` means the group named ``1x`` (empty). ``{{label}}`` in a ``replace`` replacement is the
  value of that label.
- **Actions**: replace, replace_all, keep, drop, keep_metrics, drop_metrics, keepequal, dropequal,
  keep_if_equal, drop_if_equal, keep_if_contains, drop_if_contains, hashmod (xxhash64, as vmagent),
  labelmap, labelmap_all, labeldrop, labelkeep, lowercase, uppercase, graphite.
- **if**: a series selector or a list of them (any may match), e.g. ``'{__meta_x=~"a|b"}'``. When it does
  not match, the rule is skipped — except for ``keep``, which then drops the entry.
- Labels left with an empty value are removed after the last rule.

Each action is written once (``_ACTION_STEPS``). The reference semantics is those actions run over
vmagent's label slice (:class:`LabelSlice`: pairs in order, a name may repeat) with every regex matched
by RE2. Two optimisations change how, never what, and ``tests/unit/test_relabel_fastpaths.py`` checks
both against the reference: label sets with unique names (every discovered target) are a ``dict``; a
regex that is an alternation of plain literals (``http``, ``web|api``), or a literal prefix and ``(.*)``
(``Pod;(.*)``), is matched on ASCII text by comparing strings, as vmagent's own fast paths do. A label
set with repeated names, or a ``labelmap_all`` that makes two names equal, runs on a slice.

The pieces live apart: :mod:`.rules` parses and checks rules (regexes, ``if``, templates),
:mod:`.labelset` holds label sets, :mod:`.xxhash` is ``hashmod``'s hash; this module is the actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .labelset import Labels, LabelSlice, concat, final, same_kind, snapshot, walk
from .rules import (
    ACTIONS,  # noqa: F401
    OPTIONS,  # noqa: F401  (the fast-path tests use it)
    IfExpression,
    Rule,
    SpanMatch,
    expand_template,
    literal_alternatives,  # noqa: F401
    literal_fullmatch,  # noqa: F401
    literal_prefix,  # noqa: F401
    parse_if_expression,
    parse_rule,
    parse_rules,
    replace_all,
)
from .xxhash import xxhash64

__all__ = [
    "IfExpression",
    "Relabeled",
    "Rule",
    "apply_rules",
    "apply_rules_owned",
    "compile_rules",
    "expand_template",
    "filter_keeps",
    "parse_if_expression",
    "parse_rule",
    "parse_rules",
    "xxhash64",
]

# -- regex matches -------------------------------------------------------------------------------------------


def _rule_match(rule: Rule, s: str) -> Any:
    """``rule.regex.fullmatch(s)``; without RE2 for plain-literal and literal-prefix regexes on ASCII."""
    if s.isascii():
        if rule.regex_literals is not None:
            return SpanMatch(0, len(s)) if s in rule.regex_literals else None
        prefix = rule.regex_prefix
        if prefix is not None:
            # `.` in RE2 is any character but a newline
            n = len(prefix)
            return SpanMatch(n, len(s)) if s.startswith(prefix) and "\n" not in s[n:] else None
    return rule.regex.fullmatch(s)


def _rule_matches(rule: Rule, s: str) -> bool:
    """Whether ``rule.regex`` matches all of ``s`` (as :func:`_rule_match`, without a match object)."""
    if s.isascii():
        if rule.regex_literals is not None:
            return s in rule.regex_literals
        prefix = rule.regex_prefix
        if prefix is not None:
            return s.startswith(prefix) and "\n" not in s[len(prefix) :]
    return rule.regex.fullmatch(s) is not None


# -- graphite and {{label}} templates ------------------------------------------------------------------------


def _graphite_match(parts: Sequence[str], name: str) -> list[str] | None:
    matches = [name]
    if parts and parts[-1] != "*" and not name.endswith(parts[-1]):
        return None
    s = name
    i = 0
    while i < len(parts):
        part = parts[i]
        if part != "*":
            if not s.startswith(part):
                return None
            s = s[len(part) :]
            i += 1
            continue
        if i + 1 >= len(parts):
            if "." in s:
                return None
            matches.append(s)
            return matches
        following = parts[i + 1]
        i += 2
        n = s.find(following)
        if n < 0 or "." in s[:n]:
            return None
        matches.append(s[:n])
        s = s[n + len(following) :]
    return matches if not s else None


def _graphite_expand(template: str, matches: Sequence[str]) -> str:
    out: list[str] = []
    s = template
    while True:
        n = s.find("$")
        if n < 0:
            out.append(s)
            break
        out.append(s[:n])
        s = s[n + 1 :]
        if s.startswith("{"):
            close = s.find("}")
            if close < 0:
                out.append("$" + s)
                break
            digits, s = s[1:close], s[close + 1 :]
            literal = "${" + digits + "}"
        else:
            k = 0
            while k < len(s) and s[k] in "0123456789":
                k += 1
            digits, s = s[:k], s[k:]
            literal = "$" + digits
        index = _go_atoi(digits)
        out.append(matches[index] if index is not None and 0 <= index < len(matches) else literal)
    return "".join(out)


def _go_atoi(text: str) -> int | None:
    body = text[1:] if text[:1] in "+-" else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _fill_label_references(replacement: str, get: Callable[[str], str]) -> str:
    out: list[str] = []
    s = replacement
    while s:
        n = s.find("{{")
        if n < 0:
            out.append(s)
            break
        out.append(s[:n])
        s = s[n + 2 :]
        close = s.find("}}")
        if close < 0:
            out.append("{{" + s)
            break
        out.append(get(s[:close]))
        s = s[close + 2 :]
    return "".join(out)


# -- actions: what one rule does to a label set --------------------------------------------------------------
#
# Each action is written once, for both kinds of label set; it may change ``labels`` in place (where vmagent
# changes its slice in place) and returns the label set after the rule, empty when the entry is dropped.


def _replace(rule: Rule, labels: Labels) -> Labels:
    replacement = rule.replacement
    if "{{" in replacement:
        replacement = _fill_label_references(replacement, lambda name: labels.get(name, ""))
    names = rule.source_labels
    source = labels.get(names[0], "") if len(names) == 1 else concat(labels, names, rule.separator)
    if rule.default_regex and "$" not in rule.target_label:
        # vmagent's fast path: with the default regex, copy the value or set a plain replacement unmatched
        if replacement == "$1":
            labels[rule.target_label] = source
            return labels
        if "$" not in rule.replacement:
            labels[rule.target_label] = replacement
            return labels
    match = _rule_match(rule, source)
    if match is None:
        return labels
    if rule.regex_prefix is not None and type(match) is SpanMatch and replacement in ("$1", "${1}"):
        value = source[match.span(1)[0] :]  # a literal prefix and (.*): group 1 is the rest
    else:
        value = expand_template(replacement, rule.regex, source, match)
    name = rule.target_label
    if "$" in name:
        name = expand_template(name, rule.regex, source, match)
    labels[name] = value
    return labels


def _replace_all_action(rule: Rule, labels: Labels) -> Labels:
    source = concat(labels, rule.source_labels, rule.separator)
    value = replace_all(rule.regex_original, source, rule.replacement)
    if value != source:
        labels[rule.target_label] = value
    return labels


def _keep(rule: Rule, labels: Labels) -> Labels:
    if rule.default_regex:  # vmagent's fast path: the `if` alone decides
        return labels
    names = rule.source_labels
    source = labels.get(names[0], "") if len(names) == 1 else concat(labels, names, rule.separator)
    return labels if _rule_matches(rule, source) else {}


def _drop(rule: Rule, labels: Labels) -> Labels:
    if rule.default_regex:
        return {}
    names = rule.source_labels
    source = labels.get(names[0], "") if len(names) == 1 else concat(labels, names, rule.separator)
    return {} if _rule_matches(rule, source) else labels


def _keep_if_contains(rule: Rule, labels: Labels) -> Labels:
    return labels if _contains(rule, labels) else {}


def _drop_if_contains(rule: Rule, labels: Labels) -> Labels:
    return {} if _contains(rule, labels) else labels


def _contains(rule: Rule, labels: Labels) -> bool:
    """Whether the target label's value contains every source label's value."""
    target = labels.get(rule.target_label, "")
    return all(labels.get(name, "") in target for name in rule.source_labels)


def _keep_if_equal(rule: Rule, labels: Labels) -> Labels:
    return labels if _sources_equal(rule, labels) else {}


def _drop_if_equal(rule: Rule, labels: Labels) -> Labels:
    return {} if _sources_equal(rule, labels) else labels


def _sources_equal(rule: Rule, labels: Labels) -> bool:
    first = labels.get(rule.source_labels[0], "")
    return all(labels.get(name, "") == first for name in rule.source_labels[1:])


def _keepequal(rule: Rule, labels: Labels) -> Labels:
    return labels if _source_equals_target(rule, labels) else {}


def _dropequal(rule: Rule, labels: Labels) -> Labels:
    return {} if _source_equals_target(rule, labels) else labels


def _source_equals_target(rule: Rule, labels: Labels) -> bool:
    return concat(labels, rule.source_labels, rule.separator) == labels.get(rule.target_label, "")


def _hashmod(rule: Rule, labels: Labels) -> Labels:
    data = concat(labels, rule.source_labels, rule.separator).encode("utf-8")
    labels[rule.target_label] = str(xxhash64(data) % rule.modulus)
    return labels


def _labelmap(rule: Rule, labels: Labels) -> Labels:
    # vmagent walks the labels present before the rule; labels it adds are not walked again.
    for name, value in walk(labels):
        match = _rule_match(rule, name)
        if match is None:
            continue
        new_name = expand_template(rule.replacement, rule.regex, name, match)
        if new_name != name:
            labels[new_name] = value
    return labels


def _labelmap_all(rule: Rule, labels: Labels) -> Labels:
    regex, replacement = rule.regex_original, rule.replacement
    renamed = [(replace_all(regex, name, replacement), value) for name, value in labels.items()]
    if type(labels) is dict:
        unique = dict(renamed)
        if len(unique) == len(renamed):
            return unique
    return LabelSlice(renamed)  # two names became one: vmagent keeps both labels


def _labeldrop(rule: Rule, labels: Labels) -> Labels:
    return same_kind(labels, [(n, v) for n, v in labels.items() if not _rule_matches(rule, n)])


def _labelkeep(rule: Rule, labels: Labels) -> Labels:
    return same_kind(labels, [(n, v) for n, v in labels.items() if _rule_matches(rule, n)])


def _lowercase(rule: Rule, labels: Labels) -> Labels:
    labels[rule.target_label] = concat(labels, rule.source_labels, rule.separator).lower()
    return labels


def _uppercase(rule: Rule, labels: Labels) -> Labels:
    labels[rule.target_label] = concat(labels, rule.source_labels, rule.separator).upper()
    return labels


def _graphite(rule: Rule, labels: Labels) -> Labels:
    matches = _graphite_match(rule.graphite_match, labels.get("__name__", ""))
    if matches is not None:
        for name, template in rule.graphite_labels:
            labels[name] = _graphite_expand(template, matches)
    return labels


#: What each action does (``keep_metrics`` / ``drop_metrics`` are parsed into ``keep`` / ``drop``).
_ACTION_STEPS: dict[str, Callable[[Rule, Labels], Labels]] = {
    "replace": _replace,
    "replace_all": _replace_all_action,
    "keep": _keep,
    "drop": _drop,
    "keepequal": _keepequal,
    "dropequal": _dropequal,
    "keep_if_equal": _keep_if_equal,
    "drop_if_equal": _drop_if_equal,
    "keep_if_contains": _keep_if_contains,
    "drop_if_contains": _drop_if_contains,
    "hashmod": _hashmod,
    "labelmap": _labelmap,
    "labelmap_all": _labelmap_all,
    "labeldrop": _labeldrop,
    "labelkeep": _labelkeep,
    "lowercase": _lowercase,
    "uppercase": _uppercase,
    "graphite": _graphite,
}


# -- applying ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relabeled:
    """The outcome of running rules over one label set.

    ``labels`` is empty when the entry was dropped; ``dropped_by`` is then the rule that dropped it.
    ``steps`` (only with ``trace=True``) holds the labels after each rule, as ``(rule, labels)``.
    """

    labels: dict[str, str]
    dropped_by: Rule | None = None
    steps: tuple[tuple[Rule, dict[str, str]], ...] = ()

    @property
    def dropped(self) -> bool:
        return not self.labels


def apply_rules(
    rules: Sequence[Rule], labels: Mapping[str, str] | Iterable[tuple[str, str]], *, trace: bool = False
) -> Relabeled:
    """Run ``rules`` over ``labels`` in order, as vmagent's ``ParsedConfigs.Apply``.

    Stops at the first rule that leaves no label; labels with empty values are removed at the end.
    ``labels`` is not changed.
    """
    if type(labels) is dict and _all_str(labels):
        return _run(rules, labels.copy(), trace)
    if isinstance(labels, Mapping):
        unique = {str(name): str(value) for name, value in labels.items()}
        if len(unique) == len(labels):
            return _run(rules, unique, trace)
        items: Iterable[tuple[Any, Any]] = labels.items()  # names that str() makes equal
    else:
        items = labels
    pairs = [(str(name), str(value)) for name, value in items]
    unique = dict(pairs)
    return _run(rules, unique if len(unique) == len(pairs) else LabelSlice(pairs), trace)


def apply_rules_owned(rules: Sequence[Rule], labels: dict[str, str]) -> Relabeled:
    """:func:`apply_rules` for a ``dict`` of ``str`` names and values that the caller hands over: it is
    run in place, without the checks and the copy (discovery builds every target's labels that way)."""
    return _run(rules, labels, False)


#: One compiled rule list (:func:`compile_rules`): a ``dict`` of ``str`` labels in (changed in place, as
#: :func:`apply_rules_owned`); ``(labels after the last rule, None)`` or ``({}, the dropping rule)`` out.
CompiledRules = Callable[[dict[str, str]], tuple[dict[str, str], Rule | None]]


def compile_rules(rules: Sequence[Rule]) -> CompiledRules:
    """:func:`apply_rules_owned` for one rule list, worked out once for every label set it will see (a
    job's rules run over every target of the job): each rule becomes one step; the shapes the operator
    renders by the thousand — copying a label, setting a constant, a ``Pod;(.*)``-style prefix, ``keep`` or
    ``drop`` of plain literals, each on one source label and without ``if`` — become steps that do only
    what the general action would do for them. Anything else runs the general action. The outcome is the
    same as :func:`apply_rules_owned` (``tests/unit/test_relabel_fastpaths.py`` checks it against the
    reference), without the :class:`Relabeled` around it."""
    plan = [(rule, _compiled_step(rule)) for rule in rules]
    rule_list = list(rules)

    def run(labels: dict[str, str]) -> tuple[dict[str, str], Rule | None]:
        if not labels:  # an empty set is dropped by the first rule; there is nothing to be quick about
            result = _run(rule_list, labels, False)
            return result.labels, result.dropped_by
        current: Labels = labels
        for rule, step in plan:
            current = step(current)
            if not current:
                return {}, rule
        return final(current), None

    return run


def filter_keeps(rule: Rule, get: Callable[[str], str]) -> bool:
    """Whether a ``keep`` or ``drop`` rule without ``if`` lets a label set through, ``get(name)`` giving
    each label's value (``""`` when absent): what the action decides, without the label set itself."""
    if rule.default_regex:
        return rule.action == "keep"
    names = rule.source_labels
    source = get(names[0]) if len(names) == 1 else rule.separator.join([get(name) for name in names])
    return _rule_matches(rule, source) is (rule.action == "keep")


def _compiled_step(rule: Rule) -> Callable[[Labels], Labels]:
    """What ``rule`` does to a label set, as one function (see :func:`compile_rules`)."""
    general = _ACTION_STEPS[rule.action]
    if rule.if_expr is not None:
        if_expr, drops_when_false = rule.if_expr, rule.action == "keep"

        def guarded(labels: Labels) -> Labels:
            if not if_expr.matches(labels):
                return {} if drops_when_false else labels
            return general(rule, labels)

        return guarded
    quick = _quick_step(rule)
    if quick is not None:
        return quick
    return lambda labels: general(rule, labels)


def _quick_step(rule: Rule) -> Callable[[Labels], Labels] | None:
    """A step for the common shapes of a rule without ``if``, or None."""
    if len(rule.source_labels) != 1:
        if rule.action == "replace" and rule.default_regex and "$" not in rule.target_label:
            return _quick_replace_default(rule)
        return None
    source, target = rule.source_labels[0], rule.target_label
    if rule.action in ("keep", "drop"):
        literals = rule.regex_literals
        if rule.default_regex or literals is None:
            return None
        regex, keep = rule.regex, rule.action == "keep"

        def keep_or_drop(labels: Labels) -> Labels:
            value = labels.get(source, "")
            found = value in literals if value.isascii() else regex.fullmatch(value) is not None
            return labels if found is keep else {}

        return keep_or_drop
    if rule.action != "replace" or "$" in target or "{{" in rule.replacement:
        return None
    if rule.default_regex:
        return _quick_replace_default(rule)
    prefix = rule.regex_prefix
    if prefix is None or rule.regex_literals is not None or rule.replacement not in ("$1", "${1}"):
        return None
    n = len(prefix)

    def replace_prefix(labels: Labels) -> Labels:
        value = labels.get(source, "")
        if not value.isascii():
            return _replace(rule, labels)
        if value.startswith(prefix) and "\n" not in value[n:]:
            labels[target] = value[n:]
        return labels

    return replace_prefix


def _quick_replace_default(rule: Rule) -> Callable[[Labels], Labels] | None:
    """``replace`` with the default regex and a plain target: vmagent copies or sets without matching."""
    target, replacement = rule.target_label, rule.replacement
    if "{{" in replacement:
        return None
    if replacement == "$1" and len(rule.source_labels) == 1:
        source = rule.source_labels[0]

        def copy(labels: Labels) -> Labels:
            labels[target] = labels.get(source, "")
            return labels

        return copy
    if "$" not in replacement:

        def set_value(labels: Labels) -> Labels:
            labels[target] = replacement
            return labels

        return set_value
    return None


def _all_str(labels: dict[Any, Any]) -> bool:
    """Whether every name and value is a ``str`` (nothing for ``str()`` to change); loops in C."""
    return set(map(type, labels)) <= {str} and set(map(type, labels.values())) <= {str}


def _run(rules: Iterable[Rule], labels: Labels, trace: bool) -> Relabeled:
    """The rules over ``labels`` (changed in place), one after the other."""
    steps: list[tuple[Rule, dict[str, str]]] = []
    for rule in rules:
        if rule.if_expr is not None and not rule.if_expr.matches(labels):
            # an `if` that does not hold skips the rule, except that `keep` then drops the entry
            if rule.action == "keep":
                labels = {}
        else:
            labels = _ACTION_STEPS[rule.action](rule, labels)
        if trace:
            steps.append((rule, snapshot(labels)))
        if not labels:
            return Relabeled({}, rule, tuple(steps))
    return Relabeled(final(labels), None, tuple(steps))
