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
vmagent's label slice (:class:`_LabelSlice`: pairs in order, a name may repeat) with every regex matched
by RE2. Two optimisations change how, never what, and ``tests/unit/test_relabel_fastpaths.py`` checks
both against the reference: label sets with unique names (every discovered target) are a ``dict``; a
regex that is an alternation of plain literals (``http``, ``web|api``), or a literal prefix and ``(.*)``
(``Pod;(.*)``), is matched on ASCII text by comparing strings, as vmagent's own fast paths do. A label
set with repeated names, or a ``labelmap_all`` that makes two names equal, runs on a slice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import re2

from ..errors import Problem, VMScrapeError
from ..grammar import LabelFilter, SelectorError, parse_series_selector, strip_anchors

__all__ = [
    "IfExpression",
    "Relabeled",
    "Rule",
    "apply_rules",
    "expand_template",
    "parse_if_expression",
    "parse_rule",
    "parse_rules",
    "xxhash64",
]

ACTIONS = (
    "replace",
    "replace_all",
    "keep",
    "drop",
    "keep_metrics",
    "drop_metrics",
    "keepequal",
    "dropequal",
    "keep_if_equal",
    "drop_if_equal",
    "keep_if_contains",
    "drop_if_contains",
    "hashmod",
    "labelmap",
    "labelmap_all",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
    "graphite",
)

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else str(exc)
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise ValueError(f"invalid RE2 regex {pattern!r}: {detail}") from None


# -- regex helpers -------------------------------------------------------------------------------------------


_DEFAULT_ANCHORED = _compile("^(.*)$")
_DEFAULT_ORIGINAL = _compile(".*")
#: Characters with a meaning in RE2 syntax (``]`` and ``}`` alone are literals, but are kept out too).
_REGEX_META = frozenset("\\.+*?()[]{}^$")


def _literal_alternatives(expr: str) -> frozenset[str] | None:
    """The strings a fully anchored ``expr`` matches when it is plain literals joined by ``|`` (``web``,
    ``web|api``, ``a|``), else None."""
    if not _REGEX_META.isdisjoint(expr):
        return None
    return frozenset(expr.split("|"))


def _literal_prefix(expr: str) -> str | None:
    """``P`` when a fully anchored ``expr`` is ``P(.*)`` with ``P`` plain literal text, else None."""
    if not expr.endswith("(.*)"):
        return None
    prefix = expr[:-4]
    return prefix if "|" not in prefix and _REGEX_META.isdisjoint(prefix) else None


def _literal_fullmatch(regex: Any, literals: frozenset[str], s: str) -> bool:
    """``regex.fullmatch(s)`` for a regex that matches exactly ``literals``."""
    # Non-ASCII text goes to RE2, which also decides what a string it cannot encode does (it raises).
    return s in literals if s.isascii() else regex.fullmatch(s) is not None


class _SpanMatch:
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


def _replace_all(regex: Any, source: str, replacement: str) -> str:
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
        values = _values_of(labels, self.label)
        if self.op in ("=", "!="):
            # {missing=""} matches entries without the label; a missing metric name matches nothing
            found = self.value in values if values else (self.label != "__name__" and self.value == "")
            return found if self.op == "=" else not found
        found = any(map(self._regex_matches, values or ("",)))  # a missing label is matched as ""
        return found if self.op == "=~" else not found

    def _regex_matches(self, value: str) -> bool:
        if self.literals is not None:
            return _literal_fullmatch(self.regex, self.literals, value)
        return self.regex.fullmatch(value) is not None


@dataclass(frozen=True)
class IfExpression:
    """A parsed ``if``: matches when any selector matches; a selector matches when any of its
    ``or`` groups has every filter matching."""

    text: str
    selectors: tuple[tuple[tuple[_LabelFilter, ...], ...], ...]

    def matches(self, labels: Labels) -> bool:
        """Whether the ``if`` holds for ``labels`` (a dict, or a :class:`_LabelSlice`: names may repeat)."""
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
        literals = _literal_alternatives(parsed.value)
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


_RULE_KEYS = {
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
}


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
        elif raw_action in ("replace_all", "labelmap_all"):
            regex = regex_original = _compile(regex_text)
        else:
            stripped = strip_anchors(regex_text)
            regex, regex_original = _compile(f"^(?:{stripped})$"), _compile(stripped)
            regex_literals = _literal_alternatives(stripped)
            if regex_literals is None:
                regex_prefix = _literal_prefix(stripped)
    except ValueError as exc:
        raise bad(str(exc), "regex", raw.get("regex")) from None

    graphite_match: tuple[str, ...] = ()
    graphite_labels: tuple[tuple[str, str], ...] = ()
    if raw.get("match"):
        graphite_match = _graphite_parts(str(raw["match"]))
    if raw.get("labels"):
        graphite_labels = tuple((str(k), str(v)) for k, v in sorted(dict(raw["labels"]).items()))

    def need(condition: bool, message: str, path: str = "") -> None:
        if not condition:
            raise bad(message, path)

    if action not in ACTIONS:
        raise bad(f"unknown action {action!r}; vmagent knows {', '.join(ACTIONS)}", "action", raw_action)
    if action == "graphite":
        need(bool(raw.get("match")), "missing `match` for action=graphite", "match")
        need(bool(graphite_labels), "missing `labels` for action=graphite", "labels")
        need(not source, "`source_labels` cannot be used with action=graphite", "source_labels")
        need(not target, "`target_label` cannot be used with action=graphite", "target_label")
        need(not has_replacement, "`replacement` cannot be used with action=graphite", "replacement")
        need(not has_regex, "`regex` cannot be used with action=graphite", "regex")
    elif action == "replace":
        need(bool(target), "missing `target_label` for action=replace", "target_label")
    elif action == "replace_all":
        need(bool(source), "missing `source_labels` for action=replace_all", "source_labels")
        need(bool(target), "missing `target_label` for action=replace_all", "target_label")
    elif action in ("keep_if_contains", "drop_if_contains"):
        need(bool(target), f"`target_label` must be set for action={action}", "target_label")
        need(bool(source), f"`source_labels` must have an entry for action={action}", "source_labels")
        need(not has_regex, f"`regex` cannot be used for action={action}", "regex")
    elif action in ("keep_if_equal", "drop_if_equal"):
        need(len(source) >= 2, f"`source_labels` must have at least two entries for action={action}")
        need(not target, f"`target_label` cannot be used for action={action}", "target_label")
        need(not has_regex, f"`regex` cannot be used for action={action}", "regex")
    elif action in ("keepequal", "dropequal"):
        need(bool(target), f"missing `target_label` for action={action}", "target_label")
        need(not has_regex, f"`regex` cannot be used for action={action}", "regex")
    elif action in ("keep", "drop"):
        need(bool(source) or if_expr is not None, f"missing `source_labels` for action={action}")
    elif action == "hashmod":
        need(bool(source), "missing `source_labels` for action=hashmod", "source_labels")
        need(bool(target), "missing `target_label` for action=hashmod", "target_label")
        need(modulus >= 1, "`modulus` must be greater than 0 for action=hashmod", "modulus")
    elif action in ("keep_metrics", "drop_metrics"):
        need(bool(regex_text) or if_expr is not None, f"`regex` must be non-empty for action={action}")
        need(not source, f"`source_labels` must be empty for action={action}", "source_labels")
        source = ("__name__",)
        action = "keep" if action == "keep_metrics" else "drop"
    elif action in ("uppercase", "lowercase"):
        need(bool(source), f"missing `source_labels` for action={action}", "source_labels")
        need(bool(target), f"missing `target_label` for action={action}", "target_label")
    if action != "graphite":
        need(not graphite_match, f"`match` applies only to action=graphite, not {action}", "match")
        need(not graphite_labels, f"`labels` applies only to action=graphite, not {action}", "labels")

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


# -- label sets ----------------------------------------------------------------------------------------------


class _LabelSlice:
    """vmagent's label slice: ``[name, value]`` pairs in order, where a name may repeat (``labelmap_all``
    can make two names equal, and vmagent keeps both). Reads see the first pair of a name; a write changes
    that pair or appends one. Offers the part of ``dict``'s interface the actions use."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str] | list[str]] = ()) -> None:
        self.pairs = [[name, value] for name, value in pairs]

    def get(self, name: str, default: str = "") -> str:
        for label_name, value in self.pairs:
            if label_name == name:
                return value
        return default

    def __setitem__(self, name: str, value: str) -> None:
        for label in self.pairs:
            if label[0] == name:
                label[1] = value
                return
        self.pairs.append([name, value])

    def items(self) -> list[list[str]]:
        return self.pairs

    def __len__(self) -> int:
        return len(self.pairs)

    def first_values(self) -> dict[str, str]:
        """Each name with the value vmagent reads for it (its first pair's)."""
        out: dict[str, str] = {}
        for name, value in self.pairs:
            out.setdefault(name, value)
        return out


#: A label set while rules run: a dict when names are unique (every discovered target), else a slice.
Labels: TypeAlias = dict[str, str] | _LabelSlice


def _values_of(labels: Labels, name: str) -> Sequence[str]:
    """Every value of label ``name``: none, one, or (in a slice) one per repetition."""
    if type(labels) is dict:
        value = labels.get(name)
        return () if value is None else (value,)
    return [value for label_name, value in labels.items() if label_name == name]


def _same_kind(labels: Labels, pairs: list[tuple[str, str]]) -> Labels:
    """``pairs`` (names no more repeated than in ``labels``) as a label set of the same kind as ``labels``."""
    return dict(pairs) if type(labels) is dict else _LabelSlice(pairs)


def _walk(labels: Labels) -> Iterator[tuple[str, str]]:
    """The labels present now, each with its value as it is when reached (vmagent walks its slice in
    place, so an earlier step of the same rule may have overwritten it)."""
    if type(labels) is dict:
        for name in list(labels):
            yield name, labels[name]
    else:
        for label in list(labels.items()):
            yield label[0], label[1]


def _concat(labels: Labels, names: Sequence[str], separator: str) -> str:
    if len(names) == 1:
        return labels.get(names[0], "")
    return separator.join([labels.get(name, "") for name in names])


def _final(labels: Labels) -> dict[str, str]:
    """The labels after the last rule: names and values that are empty are removed."""
    if type(labels) is not dict:
        out: dict[str, str] = {}
        for name, value in labels.items():
            if name and value:
                out.setdefault(name, value)  # vmagent reads the first of repeated names
        return out
    if "" in labels or "" in labels.values():
        return {name: value for name, value in labels.items() if name and value}
    return labels


def _snapshot(labels: Labels) -> dict[str, str]:
    return dict(labels) if isinstance(labels, dict) else labels.first_values()


# -- regex matches -------------------------------------------------------------------------------------------


def _rule_match(rule: Rule, s: str) -> Any:
    """``rule.regex.fullmatch(s)``; without RE2 for plain-literal and literal-prefix regexes on ASCII."""
    if s.isascii():
        if rule.regex_literals is not None:
            return _SpanMatch(0, len(s)) if s in rule.regex_literals else None
        prefix = rule.regex_prefix
        if prefix is not None:
            # `.` in RE2 is any character but a newline
            n = len(prefix)
            return _SpanMatch(n, len(s)) if s.startswith(prefix) and "\n" not in s[n:] else None
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


def _graphite_parts(template: str) -> tuple[str, ...]:
    parts: list[str] = []
    for i, piece in enumerate(template.split("*")):
        if i:
            parts.append("*")
        if piece:
            parts.append(piece)
    return tuple(parts)


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
    source = _concat(labels, rule.source_labels, rule.separator)
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
    value = expand_template(replacement, rule.regex, source, match)
    name = rule.target_label
    if "$" in name:
        name = expand_template(name, rule.regex, source, match)
    labels[name] = value
    return labels


def _replace_all_action(rule: Rule, labels: Labels) -> Labels:
    source = _concat(labels, rule.source_labels, rule.separator)
    value = _replace_all(rule.regex_original, source, rule.replacement)
    if value != source:
        labels[rule.target_label] = value
    return labels


def _keep(rule: Rule, labels: Labels) -> Labels:
    if rule.default_regex:  # vmagent's fast path: the `if` alone decides
        return labels
    return labels if _rule_matches(rule, _concat(labels, rule.source_labels, rule.separator)) else {}


def _drop(rule: Rule, labels: Labels) -> Labels:
    if rule.default_regex:
        return {}
    return {} if _rule_matches(rule, _concat(labels, rule.source_labels, rule.separator)) else labels


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
    return _concat(labels, rule.source_labels, rule.separator) == labels.get(rule.target_label, "")


def _hashmod(rule: Rule, labels: Labels) -> Labels:
    data = _concat(labels, rule.source_labels, rule.separator).encode("utf-8")
    labels[rule.target_label] = str(xxhash64(data) % rule.modulus)
    return labels


def _labelmap(rule: Rule, labels: Labels) -> Labels:
    # vmagent walks the labels present before the rule; labels it adds are not walked again.
    for name, value in _walk(labels):
        match = _rule_match(rule, name)
        if match is None:
            continue
        new_name = expand_template(rule.replacement, rule.regex, name, match)
        if new_name != name:
            labels[new_name] = value
    return labels


def _labelmap_all(rule: Rule, labels: Labels) -> Labels:
    regex, replacement = rule.regex_original, rule.replacement
    renamed = [(_replace_all(regex, name, replacement), value) for name, value in labels.items()]
    if type(labels) is dict:
        unique = dict(renamed)
        if len(unique) == len(renamed):
            return unique
    return _LabelSlice(renamed)  # two names became one: vmagent keeps both labels


def _labeldrop(rule: Rule, labels: Labels) -> Labels:
    return _same_kind(labels, [(n, v) for n, v in labels.items() if not _rule_matches(rule, n)])


def _labelkeep(rule: Rule, labels: Labels) -> Labels:
    return _same_kind(labels, [(n, v) for n, v in labels.items() if _rule_matches(rule, n)])


def _lowercase(rule: Rule, labels: Labels) -> Labels:
    labels[rule.target_label] = _concat(labels, rule.source_labels, rule.separator).lower()
    return labels


def _uppercase(rule: Rule, labels: Labels) -> Labels:
    labels[rule.target_label] = _concat(labels, rule.source_labels, rule.separator).upper()
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
    return _run(rules, unique if len(unique) == len(pairs) else _LabelSlice(pairs), trace)


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
            steps.append((rule, _snapshot(labels)))
        if not labels:
            return Relabeled({}, rule, tuple(steps))
    return Relabeled(_final(labels), None, tuple(steps))


# -- xxhash64 (hashmod) --------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_P1 = 11400714785074694791
_P2 = 14029467366897019727
_P3 = 1609587929392839161
_P4 = 9650029242287828579
_P5 = 2870177450012600261


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _M64
    return (_rotl(acc, 31) * _P1) & _M64


def _merge(acc: int, value: int) -> int:
    acc ^= _round(0, value)
    return (acc * _P1 + _P4) & _M64


def xxhash64(data: bytes, seed: int = 0) -> int:
    """XXH64 of ``data`` — the hash vmagent's ``hashmod`` takes (``cespare/xxhash.Sum64``, seed 0)."""
    n = len(data)
    i = 0
    if n >= 32:
        v1 = (seed + _P1 + _P2) & _M64
        v2 = (seed + _P2) & _M64
        v3 = seed & _M64
        v4 = (seed - _P1) & _M64
        while i + 32 <= n:
            v1 = _round(v1, int.from_bytes(data[i : i + 8], "little"))
            v2 = _round(v2, int.from_bytes(data[i + 8 : i + 16], "little"))
            v3 = _round(v3, int.from_bytes(data[i + 16 : i + 24], "little"))
            v4 = _round(v4, int.from_bytes(data[i + 24 : i + 32], "little"))
            i += 32
        h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M64
        for v in (v1, v2, v3, v4):
            h = _merge(h, v)
    else:
        h = (seed + _P5) & _M64
    h = (h + n) & _M64
    while i + 8 <= n:
        h ^= _round(0, int.from_bytes(data[i : i + 8], "little"))
        h = (_rotl(h, 27) * _P1 + _P4) & _M64
        i += 8
    if i + 4 <= n:
        h ^= (int.from_bytes(data[i : i + 4], "little") * _P1) & _M64
        h = (_rotl(h, 23) * _P2 + _P3) & _M64
        i += 4
    while i < n:
        h ^= (data[i] * _P5) & _M64
        h = (_rotl(h, 11) * _P1) & _M64
        i += 1
    h ^= h >> 33
    h = (h * _P2) & _M64
    h ^= h >> 29
    h = (h * _P3) & _M64
    h ^= h >> 32
    return h
