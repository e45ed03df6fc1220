"""Relabel rules parsed and checked once, as vmagent's ``lib/promrelabel`` parses them (v1.150.0): the
regex (RE2, anchored, with its literal fast paths), the ``if`` series selectors, the replacement template
and every field an action needs. :mod:`.relabel` runs the parsed rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from ..errors import Problem, VMScrapeError
from ..grammar import LabelFilter, SelectorError, parse_series_selector, strip_anchors
from ..grammar.regex import re2_spelling
from ..grammar.relabel_actions import RELABEL_ACTIONS, RELABEL_KEYS, RuleFacts, unmet_requirement
from .labelset import Labels, values_of

#: The actions vmagent knows, from the one table of what each requires.
ACTIONS = RELABEL_ACTIONS

OPTIONS = re2.Options()
OPTIONS.log_errors = False
OPTIONS.max_mem = 64 << 20  # Go has no memory budget: `\pL{1000}` compiles for vmagent


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(pattern, OPTIONS)
    except re2.error as exc:
        spelled = re2_spelling(pattern)  # Unicode class names Go reads loosely (\p{greek})
        if spelled != pattern:
            return _compile(spelled)
        detail = exc.args[0] if exc.args else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ValueError(f"invalid RE2 regex {pattern!r}: {detail}") from None


# -- regex helpers -------------------------------------------------------------------------------------------


_DEFAULT_ANCHORED = _compile("^(.*)$")
_DEFAULT_ORIGINAL = _compile(".*")
#: Characters with a meaning in RE2 syntax (``]`` and ``}`` alone are literals, but are kept out too).
_REGEX_META = frozenset("\\.+*?()[]{}^$")


def literal_alternatives(expr: str) -> frozenset[str] | None:
    """The strings a fully anchored ``expr`` matches when it is plain literals joined by ``|`` (``web``,
    ``web|api``, ``a|``), else None."""
    if not _REGEX_META.isdisjoint(expr):
        return None
    return frozenset(expr.split("|"))


def literal_prefix(expr: str) -> str | None:
    """``P`` when a fully anchored ``expr`` is ``P(.*)`` with ``P`` plain literal text, else None."""
    if not expr.endswith("(.*)"):
        return None
    prefix = expr[:-4]
    return prefix if "|" not in prefix and _REGEX_META.isdisjoint(prefix) else None


def literal_fullmatch(regex: Any, literals: frozenset[str], s: str) -> bool:
    """``regex.fullmatch(s)`` for a regex that matches exactly ``literals``."""
    # Non-ASCII text goes to RE2, which also decides what a string it cannot encode does (it raises).
    return s in literals if s.isascii() else regex.fullmatch(s) is not None


class SpanMatch:
    """What :func:`expand_template` reads of a fast-path match: the whole text, and group 1 from ``start``."""

    __slots__ = ("_spans",)

    def __init__(self, start: int, end: int) -> None:
        self._spans = ((0, end), (start, end))

    def span(self, group: int = 0) -> tuple[int, int]:
        return self._spans[group]


def _is_default_regex(expr: str) -> bool:
    """Whether ``expr`` means "any string" the way vmagent's ``isDefaultRegex`` sees it."""
    expr = strip_anchors(expr)
    while True:
        if expr.startswith("(?:") and expr.endswith(")") and _balanced(expr[3:-1]):
            expr = expr[3:-1]
        elif expr[:1] == "(" and expr[:2] != "(?" and expr.endswith(")") and _balanced(expr[1:-1]):
            expr = expr[1:-1]
        else:
            break
        expr = strip_anchors(expr)
    return expr in (".*", "(?s:.*)", "(?s).*")


def _balanced(expr: str) -> bool:
    depth = 0
    escaped = False
    for ch in expr:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _regex_text(value: Any) -> str:
    """``regex`` as vmagent reads it: a string, or a list joined with ``|`` (MultiLineRegex)."""
    if value is None:
        return "null"
    if isinstance(value, list):
        return "|".join(_regex_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _template_name(text: str) -> tuple[str, str] | None:
    """Go's ``regexp.extract``: the name after ``$`` (``name`` or ``{name}``) and the rest, or None."""
    brace = text.startswith("{")
    body = text[1:] if brace else text
    i = 0
    while i < len(body) and (body[i].isalpha() or body[i].isdigit() or body[i] == "_"):
        i += 1
    if i == 0:
        return None
    name = body[:i]
    if brace:
        if i >= len(body) or body[i] != "}":
            return None
        i += 1
    return name, body[i:]


def _group_number(name: str) -> int:
    if not name.isascii() or not name.isdigit() or (len(name) > 1 and name[0] == "0") or len(name) > 8:
        return -1
    return int(name)


def expand_template(template: str, regex: Any, source: str, match: Any) -> str:
    """``template`` with ``$1``/``${1}``/``$name`` filled from ``match`` (Go's ``Regexp.Expand``)."""
    out: list[str] = []
    while template:
        before, dollar, after = template.partition("$")
        if not dollar:
            break
        out.append(before)
        template = after
        if template.startswith("$"):
            out.append("$")
            template = template[1:]
            continue
        extracted = _template_name(template)
        if extracted is None:
            out.append("$")  # malformed: the dollar is plain text
            continue
        name, template = extracted
        number = _group_number(name)
        if number < 0:
            number = regex.groupindex.get(name, -1)
        if 0 <= number <= regex.groups:
            start, end = match.span(number)
            if start >= 0:
                out.append(source[start:end])
    out.append(template)
    return "".join(out)


def replace_all(regex: Any, source: str, replacement: str) -> str:
    """Go's ``Regexp.ReplaceAllString``: every non-overlapping match replaced; an empty match right
    after a previous match is not replaced."""
    out: list[str] = []
    last_end = 0
    pos = 0
    while pos <= len(source):
        match = regex.search(source, pos)
        if match is None:
            break
        start, end = match.span()
        out.append(source[last_end:start])
        if end > last_end or start == 0:
            out.append(expand_template(replacement, regex, source, match))
        last_end = end
        if pos + 1 > end:
            pos += 1
        else:
            pos = end
    out.append(source[last_end:])
    return "".join(out)


# -- if: series selectors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LabelFilter:
    label: str  # "__name__" for the metric name
    op: str  # = != =~ !~
    value: str
    regex: Any = None
    #: The strings the regex matches when it is an alternation of plain literals.
    literals: frozenset[str] | None = None

    def matches(self, labels: Labels) -> bool:
        """Whether ``labels`` pass the filter; where a name repeats, any label of that name may match."""
        values = values_of(labels, self.label)
        if self.op in ("=", "!="):
            # {missing=""} matches entries without the label; a missing metric name matches nothing
            found = self.value in values if values else (self.label != "__name__" and self.value == "")
            return found if self.op == "=" else not found
        found = any(map(self._regex_matches, values or ("",)))  # a missing label is matched as ""
        return found if self.op == "=~" else not found

    def _regex_matches(self, value: str) -> bool:
        if self.literals is not None:
            return literal_fullmatch(self.regex, self.literals, value)
        return self.regex.fullmatch(value) is not None


@dataclass(frozen=True)
class IfExpression:
    """A parsed ``if``: matches when any selector matches; a selector matches when any of its
    ``or`` groups has every filter matching."""

    text: str
    selectors: tuple[tuple[tuple[_LabelFilter, ...], ...], ...]

    def matches(self, labels: Labels) -> bool:
        """Whether the ``if`` holds for ``labels`` (a dict, or a :class:`LabelSlice`: names may repeat)."""
        return any(
            any(all(f.matches(labels) for f in group) for group in selector) for selector in self.selectors
        )


def parse_if_expression(value: str | Sequence[str]) -> IfExpression:
    """Parse ``if`` (a string or a list of strings). Raises ValueError with the reason."""
    items = [value] if isinstance(value, str) else list(value)
    selectors = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"`if` items must be strings; got {item!r}")
        try:
            parsed = parse_series_selector(item)
        except SelectorError as exc:
            raise ValueError(f"cannot parse series selector {item!r}: {exc}") from None
        selectors.append(tuple(tuple(_label_filter(f) for f in group) for group in parsed.groups))
    text = items[0] if len(items) == 1 else ", ".join(items)
    return IfExpression(text, tuple(selectors))


def _label_filter(parsed: LabelFilter) -> _LabelFilter:
    """A parsed filter with its regex compiled (for ``=~`` and ``!~``)."""
    regex = literals = None
    if parsed.op in ("=~", "!~"):
        regex = _compile(f"(?:{parsed.value})")
        literals = literal_alternatives(parsed.value)
    return _LabelFilter(parsed.label, parsed.op, parsed.value, regex, literals)


# -- rules ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One parsed relabeling rule; ``raw`` is the rule as written."""

    index: int
    action: str
    source_labels: tuple[str, ...]
    separator: str
    target_label: str
    replacement: str
    modulus: int
    regex: Any  # anchored: ^(?:regex)$
    regex_original: Any  # unanchored, for replace_all / labelmap_all
    default_regex: bool
    if_expr: IfExpression | None
    raw: Mapping[str, Any] = field(default_factory=dict)
    graphite_match: tuple[str, ...] = ()
    graphite_labels: tuple[tuple[str, str], ...] = ()
    #: The strings ``regex`` matches when it is an alternation of plain literals (``web|api``), else None.
    regex_literals: frozenset[str] | None = None
    #: ``P`` when ``regex`` is a plain literal prefix and ``(.*)`` (``Pod;(.*)``), else None.
    regex_prefix: str | None = None

    def describe(self) -> str:
        """``#index action`` and what it looks at, e.g. ``#2 keep [__meta_x_port_name] =~ web``."""
        text = f"#{self.index} {self.action}"
        if self.source_labels:
            text += f" [{', '.join(self.source_labels)}]"
        raw_regex = self.raw.get("regex")
        if raw_regex is not None:
            text += f" =~ {_regex_text(raw_regex)}"
        if self.target_label:
            text += f" -> {self.target_label}"
        if self.if_expr is not None:
            text += f" if {self.if_expr.text}"
        return text


_RULE_KEYS = frozenset(RELABEL_KEYS)


def parse_rule(raw: Mapping[str, Any], index: int = 0, *, where: str = "relabel_configs") -> Rule:
    """Parse one rule the way vmagent's ``parseRelabelConfig`` does, with its validation.

    Raises :class:`VMScrapeError` naming ``where[index]`` and what is wrong.
    """
    obj = f"{where}[{index}]"

    def bad(message: str, path: str = "", value: Any = None) -> VMScrapeError:
        return VMScrapeError([Problem(object=obj, path=path, message=message, value=value)])

    if not isinstance(raw, Mapping):
        raise bad("a relabeling rule must be a mapping", value=raw)
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise bad(f"unknown field(s) {', '.join(unknown)}; vmagent accepts {', '.join(sorted(_RULE_KEYS))}")
    raw_action = str(raw.get("action") or "")
    action = raw_action.lower() or "replace"
    source = tuple(str(s) for s in raw.get("source_labels") or ())
    separator = raw.get("separator")
    separator = ";" if separator is None else str(separator)
    target = str(raw.get("target_label") or "")
    replacement = raw.get("replacement")
    has_replacement = replacement is not None
    replacement = "$1" if replacement is None else str(replacement)
    modulus = int(raw.get("modulus") or 0)
    has_regex = raw.get("regex") is not None
    regex_text = _regex_text(raw.get("regex")) if has_regex else ""
    if_expr = None
    if raw.get("if") is not None:
        try:
            if_expr = parse_if_expression(raw["if"])
        except ValueError as exc:
            raise bad(str(exc), "if", raw["if"]) from None

    default = not has_regex or _is_default_regex(regex_text)
    regex_literals = regex_prefix = None
    try:
        if default:
            regex, regex_original = _DEFAULT_ANCHORED, _DEFAULT_ORIGINAL
            regex_prefix = ""  # `(.*)` is the empty prefix and any one-line text
        elif raw_action in ("replace_all", "labelmap_all"):
            regex = regex_original = _compile(regex_text)
        else:
            stripped = strip_anchors(regex_text)
            regex, regex_original = _compile(f"^(?:{stripped})$"), _compile(stripped)
            regex_literals = literal_alternatives(stripped)
            if regex_literals is None:
                regex_prefix = literal_prefix(stripped)
    except ValueError as exc:
        raise bad(str(exc), "regex", raw.get("regex")) from None

    graphite_match: tuple[str, ...] = ()
    graphite_labels: tuple[tuple[str, str], ...] = ()
    if raw.get("match"):
        graphite_match = graphite_parts(str(raw["match"]))
    if raw.get("labels"):
        graphite_labels = tuple((str(k), str(v)) for k, v in sorted(dict(raw["labels"]).items()))

    if action not in ACTIONS:
        raise bad(f"unknown action {action!r}; vmagent knows {', '.join(ACTIONS)}", "action", raw_action)
    facts = RuleFacts(
        source_labels=len(source),
        target_label=bool(target),
        regex=has_regex,
        regex_text=regex_text,
        replacement=has_replacement,
        match=bool(raw.get("match")),
        labels=bool(graphite_labels),
        modulus=modulus,
        has_if=if_expr is not None,
    )
    unmet = unmet_requirement(action, facts)
    if unmet is not None:
        raise bad(_requirement_message(unmet.field, unmet.check, action), unmet.field, raw.get(unmet.field))
    if action in ("keep_metrics", "drop_metrics"):
        source = ("__name__",)
        action = "keep" if action == "keep_metrics" else "drop"

    return Rule(
        index=index,
        action=action,
        source_labels=source,
        separator=separator,
        target_label=target,
        replacement=replacement,
        modulus=modulus,
        regex=regex,
        regex_original=regex_original,
        default_regex=default,
        if_expr=if_expr,
        raw=dict(raw),
        graphite_match=graphite_match,
        graphite_labels=graphite_labels,
        regex_literals=regex_literals,
        regex_prefix=regex_prefix,
    )


def _requirement_message(field: str, check: str, action: str) -> str:
    """vmagent's wording for an unmet requirement (lib/promrelabel/config.go:260-402)."""
    if check == "set":
        return f"missing `{field}` for action={action}"
    if check == "unset" and field in ("match", "labels"):
        return f"`{field}` applies only to action=graphite, not {action}"
    if check == "unset":
        return f"`{field}` cannot be used with action={action}"
    if check == "two":
        return f"`{field}` must have at least two entries for action={action}"
    if check == "positive":
        return f"`{field}` must be greater than 0 for action={action}"
    if field == "regex":  # set_or_if
        return f"`regex` must be non-empty for action={action}"
    return f"missing `{field}` for action={action}"


def parse_rules(
    raw_rules: Iterable[Mapping[str, Any]] | None, *, where: str = "relabel_configs"
) -> list[Rule]:
    """Parse a ``relabel_configs`` list; every problem is reported at once."""
    rules: list[Rule] = []
    problems: list[Problem] = []
    for index, raw in enumerate(raw_rules or ()):
        try:
            rules.append(parse_rule(raw, index, where=where))
        except VMScrapeError as exc:
            problems.extend(exc.problems)
    if problems:
        raise VMScrapeError(problems)
    return rules


def graphite_parts(template: str) -> tuple[str, ...]:
    parts: list[str] = []
    for i, piece in enumerate(template.split("*")):
        if i:
            parts.append("*")
        if piece:
            parts.append(piece)
    return tuple(parts)
