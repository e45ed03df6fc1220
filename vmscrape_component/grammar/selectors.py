"""``if`` series selectors, as vmagent reads them: ``up``, ``up{job="web"}``, ``{a=~"x.*" or b!="y"}``.

vmagent hands an ``if`` to ``metricsql.Parse`` (metricsql v0.87.3) and requires the result to be a plain
series selector. This module reads that subset of MetricsQL — a metric name and/or ``{...}`` filters
joined by ``,`` and ``or``, strings in ``"..."``, ``'...'`` or backquotes (joined with ``+``), comments,
and the unary plus and parentheses that metricsql drops around a selector — and gives the structure the
simulator matches with: one group of filters per ``or`` branch, each starting with the metric name.
The models' check is just "it parses". ``WITH`` templates are not read (they are refused).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .regex import regex_problem

__all__ = [
    "SELECTOR_HELP",
    "LabelFilter",
    "SelectorError",
    "SeriesSelector",
    "parse_series_selector",
    "series_selector_problem",
]

SELECTOR_HELP = "use a series selector such as 'up{job=\"web\"}' or '{__name__=~\"go_.*\"}'"
_OPERATORS = ("=~", "!~", "!=", "=")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
}


class SelectorError(ValueError):
    """The text is not a series selector vmagent reads (the message says why)."""


@dataclass(frozen=True)
class LabelFilter:
    """One filter: ``label`` ``op`` ``value``, with ``__name__`` standing for the metric name."""

    label: str
    op: str  # one of = != =~ !~
    value: str


@dataclass(frozen=True)
class SeriesSelector:
    """A parsed selector: it matches a series when every filter of any one group matches."""

    text: str
    groups: tuple[tuple[LabelFilter, ...], ...]


def parse_series_selector(text: str) -> SeriesSelector:
    """The selector in ``text``. Raises :class:`SelectorError` saying why it is not one."""
    if not text.strip():
        raise SelectorError("a series selector must not be empty")
    return SeriesSelector(text, _Parser(text).parse())


def series_selector_problem(expr: str) -> str | None:
    """Why ``expr`` is not a series selector (``name``, ``name{filters}`` or ``{filters}``), or None."""
    if not expr.strip():
        return f"must not be empty: {SELECTOR_HELP}"
    try:
        _Parser(expr).parse()
    except SelectorError as exc:
        return f"not a series selector: {exc}; {SELECTOR_HELP}"
    return None


class _Parser:
    """Reads the token list of one selector; :meth:`parse` gives its ``or`` groups."""

    def __init__(self, text: str) -> None:
        self.tokens = list(_tokenize(text))
        self.pos = 0
        #: The metric name before ``{`` (every ``or`` branch starts from it), and the current branch's.
        self.name = ""
        self.branch_name = ""

    def parse(self) -> tuple[tuple[LabelFilter, ...], ...]:
        groups = self._wrapped()
        if self._peek()[0] != "end":
            raise SelectorError(f"unexpected {self._describe()} after the selector")
        return groups

    def _wrapped(self) -> tuple[tuple[LabelFilter, ...], ...]:
        # metricsql drops a unary plus and parentheses around a single expression.
        text = self._peek()[1]
        if text == "+":
            self.pos += 1
            return self._wrapped()
        if text == "(":
            self.pos += 1
            groups = self._wrapped()
            self._expect(")")
            return groups
        return self._selector()

    def _selector(self) -> tuple[tuple[LabelFilter, ...], ...]:
        kind, text = self._peek()
        if kind == "ident" and text.lower() in ("inf", "nan"):
            raise SelectorError(f"{text!r} is a number")
        groups: list[list[LabelFilter]] = [[]]
        if kind == "ident":
            self.name = self.branch_name = _unescape_ident(text)
            self.pos += 1
            if self._peek()[1] == "{":
                self._filters(groups)
        elif text == "{":
            self._filters(groups)
        else:
            raise SelectorError(f"unexpected {self._describe()} at the start")
        if self.name:
            for group in groups:
                group.insert(0, LabelFilter("__name__", "=", self.name))
        if any(not group for group in groups) and len(groups) > 1:
            raise SelectorError("every 'or' branch needs at least one filter")
        return tuple(tuple(group) for group in groups)

    def _set_name(self, name: str) -> None:
        # metricsql's checkAndPrependMetricNameFilter: one metric name per branch.
        if self.branch_name and self.branch_name != name:
            raise SelectorError(f"metric name must not be set twice: {self.branch_name!r} or {name!r}")
        self.branch_name = name

    def _filters(self, groups: list[list[LabelFilter]]) -> None:
        self._expect("{")
        if self._peek()[1] == "}":
            self.pos += 1
            return
        while True:
            groups[-1].append(self._filter())
            kind, text = self._peek()
            if text == ",":
                self.pos += 1
                if self._peek()[1] == "}":
                    self.pos += 1
                    return
                continue
            if kind == "ident" and text.lower() == "or":
                self.pos += 1
                self.branch_name = self.name
                groups.append([])
                continue
            if text == "}":
                self.pos += 1
                return
            raise SelectorError(f"unexpected {self._describe()}; want ',', 'or' or '}}'")

    def _filter(self) -> LabelFilter:
        kind, text = self._peek()
        if kind not in ("ident", "string"):
            raise SelectorError(f"unexpected {self._describe()}; want a label name")
        self.pos += 1
        label = _unquote(text) if kind == "string" else _unescape_ident(text)
        op_kind, op = self._peek()
        if op_kind != "op":
            if kind == "string":  # {"metric.name"}: a quoted metric name
                self._set_name(label)
                return LabelFilter("__name__", "=", label)
            raise SelectorError(f"label {text!r} has no operator; want one of =, !=, =~, !~")
        self.pos += 1
        value = self._string_value()
        while self._peek()[1] == "+":
            self.pos += 1
            value += self._string_value()
        if op == "=" and label == "__name__":
            self._set_name(value)
        if op in ("=~", "!~"):
            problem = regex_problem(value)
            if problem:
                raise SelectorError(f"regex of label {label!r}: {problem}")
        return LabelFilter(label, op, value)

    def _string_value(self) -> str:
        kind, text = self._peek()
        if kind != "string":
            raise SelectorError(f"unexpected {self._describe()}; want a quoted string")
        self.pos += 1
        return _unquote(text)

    def _expect(self, text: str) -> None:
        if self._peek()[1] != text:
            raise SelectorError(f"unexpected {self._describe()}; want {text!r}")
        self.pos += 1

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _describe(self) -> str:
        kind, text = self._peek()
        return "end of input" if kind == "end" else repr(text)


def _tokenize(text: str) -> Iterator[tuple[str, str]]:
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == "#":  # a comment runs to the end of the line
            while i < len(text) and text[i] != "\n":
                i += 1
        elif ch in "{},+()":
            yield "punct", ch
            i += 1
        elif any(text.startswith(op, i) for op in _OPERATORS):
            op = next(op for op in _OPERATORS if text.startswith(op, i))
            yield "op", op
            i += len(op)
        elif ch in "\"'`":
            end = _string_end(text, i)
            yield "string", text[i : end + 1]
            i = end + 1
        elif _ident_length(text, i):
            end = i + _ident_length(text, i)
            yield "ident", text[i:end]
            i = end
        else:
            raise SelectorError(f"unexpected character {ch!r}")


def _ident_char(ch: str, first: bool) -> bool:
    # metricsql's isFirstIdentChar / isIdentChar: letters, '_' and ':', then also ASCII digits and '.'
    return ch.isalpha() or ch in "_:" or (not first and ch in "0123456789.")


def _escaped(text: str, i: int) -> tuple[str, int] | None:
    """metricsql's decodeEscapeSequence of ``text[i:]`` (after a backslash): the character and its length."""
    head = text[i : i + 1]
    width = 2 if head in ("x", "X") else 4 if head in ("u", "U") else 0
    if width:
        digits = text[i + 1 : i + 1 + width]
        if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            return chr(int(digits, 16)), 1 + width
        return None
    return (head, 1) if head and head.isprintable() else None


def _ident_length(text: str, start: int) -> int:
    """How long the identifier starting at ``start`` is (metricsql's scanIdent), 0 if none starts there."""
    i = start
    while i < len(text):
        if _ident_char(text[i], i == start):
            i += 1
            continue
        escaped = _escaped(text, i + 1) if text[i] == "\\" else None
        if escaped is None:
            break
        i += 1 + escaped[1]
    return i - start


def _unescape_ident(ident: str) -> str:
    """The name an identifier spells, its backslash escapes decoded (metricsql's unescapeIdent)."""
    out: list[str] = []
    i = 0
    while i < len(ident):
        escaped = _escaped(ident, i + 1) if ident[i] == "\\" else None
        if escaped is None:
            out.append(ident[i])
            i += 1
        else:
            out.append(escaped[0])
            i += 1 + escaped[1]
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    # metricsql's scanString: the first quote preceded by an even number of backslashes closes it.
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    raise SelectorError(f"string starting at {text[start : start + 20]!r} has no closing {quote}")


def _unquote(token: str) -> str:
    """The value of a quoted string as metricsql reads it (``extractStringValue``).

    A single-quoted string is rewritten as a double-quoted one (``\\'`` becomes ``'``, every ``"`` is
    escaped), then read with Go's ``strconv.Unquote``: so ``'\\"'`` is refused, as vmagent refuses it.
    """
    quote, body = token[0], token[1:-1]
    if quote == "`":
        if "`" in body:
            raise SelectorError(f"a backquote inside the backquoted string {token}")
        return body.replace("\r", "")  # Go drops carriage returns from raw strings
    if quote == "'":
        body = body.replace("\\'", "'").replace('"', '\\"')
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\n":
            raise SelectorError(f"a line break inside the string {token[:20]!r}...; write it as \\n")
        if ch == '"':
            raise SelectorError(f"an unescaped '\"' inside the string {token}")
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[nxt])
            i += 2
        elif nxt in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = body[i + 2 : i + 2 + width]
            if len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise SelectorError(f"invalid escape in {token}")
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise SelectorError(f"invalid escape in {token}: U+{code:04X} is not a character")
            out.append(chr(code))
            i += 2 + width
        elif nxt and nxt in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits) or int(digits, 8) > 255:
                raise SelectorError(f"invalid escape in {token}")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise SelectorError(f"invalid escape '\\{nxt}' in {token} (write '\\\\{nxt}' for a backslash)")
    return "".join(out)
