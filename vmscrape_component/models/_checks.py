"""Checks of string formats, each returning why a value is wrong (with what is allowed) or ``None``.

They follow the code that reads the values: VictoriaMetrics' ``metricsql.DurationValue`` (durations),
``flagutil.ParseBytes`` (sizes), ``promrelabel`` (regexes, ``if`` selectors) and Kubernetes' apimachinery
validation (names, label keys and values).
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

# --- durations (metricsql.DurationValue, as vmagent and the operator parse them) -----------------------

_DURATION_PART = re.compile(r"(-?)(\d+(?:\.\d*)?)(ms|MS|mS|Ms|[smhdwySHDWY])")
_PLAIN_SECONDS = re.compile(r"^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_UNIT_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
DURATION_HELP = (
    "use a number with a unit, e.g. 30s, 1m30s, 1.5m, 500ms, 1h, 2d, 1w, 1y "
    "(units: ms, s, m, h, d, w, y; a bare number means seconds)"
)


@lru_cache(maxsize=4096)  # the same few intervals come back in every manifest
def duration_problem(value: str) -> str | None:
    """Why ``value`` is not a non-negative VictoriaMetrics duration (``30s``, ``1m30s``, ``1.5m``...).

    Parts may follow each other (``1h30m``); later parts may be negative (``1h-5m``) as long as the
    total is not. The step-relative unit ``i`` is refused: it means nothing in a scrape config.
    """
    if _PLAIN_SECONDS.match(value):
        return None
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(value):
        if match.start() != pos or (match.group(1) and pos == 0):
            break
        ms = float(match.group(2)) * _UNIT_MS[match.group(3).lower()]
        total += -ms if match.group(1) else ms
        pos = match.end()
    if value and pos == len(value) and total >= 0:
        return None
    return f"not a duration: {DURATION_HELP}"


# --- sizes (flagutil.ParseBytes, for max_scrape_size) ------------------------------------------------

_SIZE = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGT]I?B)?$")


def byte_size_problem(value: str) -> str | None:
    """Why ``value`` is not a size such as ``16MiB``, ``100KB`` or a plain number of bytes."""
    if _SIZE.match(value.upper()):
        return None
    return (
        "not a size: use a number of bytes with an optional unit, e.g. 16MiB, 100KB, 1048576 "
        "(units: KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
    )


# --- Prometheus label names --------------------------------------------------------------------------

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_CAPTURE_REF = re.compile(r"\$(?:\{\w+\}|\w+)")


def label_name_problem(value: str, *, templates: bool = False) -> str | None:
    """Why ``value`` is not a label name; with ``templates``, ``$1``/``${1}``/``${name}`` may appear in it."""
    candidate = _CAPTURE_REF.sub("x", value) if templates else value
    if _LABEL_NAME.match(candidate):
        return None
    message = "not a valid label name: must match [a-zA-Z_][a-zA-Z0-9_]*"
    if templates:
        message += " ($1, ${1} or ${name} capture-group references may stand for parts of it)"
    return message


# --- Kubernetes names and labels ---------------------------------------------------------------------

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def dns_subdomain_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 subdomain (the form of most object names)."""
    if len(value) <= 253 and _DNS_SUBDOMAIN.match(value):
        return None
    return (
        "not a valid object name: at most 253 characters of lowercase letters, digits, '-' and '.', "
        "starting and ending with a letter or digit (DNS-1123 subdomain)"
    )


def dns_label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 label (the form of namespace names)."""
    if len(value) <= 63 and _DNS_LABEL.match(value):
        return None
    return (
        "not a valid namespace name: at most 63 characters of lowercase letters, digits and '-', "
        "starting and ending with a letter or digit (DNS-1123 label)"
    )


@lru_cache(maxsize=4096)
def label_key_problem(value: str) -> str | None:
    """Why ``value`` is not a Kubernetes label key (``name`` or ``prefix/name``)."""
    prefix, _, name = value.rpartition("/")
    if (
        (not prefix and "/" not in value or prefix and dns_subdomain_problem(prefix) is None)
        and len(name) <= 63
        and _QUALIFIED_NAME.match(name)
    ):
        return None
    return (
        "not a valid Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most "
        "63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit "
        "(e.g. app.kubernetes.io/name)"
    )


def label_value_problem(value: str) -> str | None:
    """Why ``value`` is not a Kubernetes label value."""
    if len(value) <= 63 and _LABEL_VALUE.match(value):
        return None
    return (
        "not a valid Kubernetes label value: at most 63 characters of letters, digits, '-', '_' and '.', "
        "starting and ending with a letter or digit (or empty)"
    )


# --- regular expressions (RE2, anchored the way vmagent anchors them) --------------------------------


def _strip_anchors(expr: str) -> str:
    # regexutil.RemoveStartEndAnchors: vmagent drops ^ and $ around the regex, then anchors it itself.
    while expr.startswith("^"):
        expr = expr[1:]
    while expr.endswith("$") and not expr.endswith("\\$"):
        expr = expr[:-1]
    return expr


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # we report the error; RE2 would also print it to stderr
    return options


_RE2_OPTIONS = _re2_options()


@lru_cache(maxsize=4096)  # compiling with RE2 twice per rule is most of a relabel rule's validation
def regex_problem(expr: str) -> str | None:
    """Why vmagent cannot compile ``expr`` (as is, and anchored as ``^(?:expr)$``)."""
    inner = _strip_anchors(expr)
    for candidate in (inner, f"^(?:{inner})$"):
        try:
            re2.compile(candidate, _RE2_OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            return f"not a valid RE2 regular expression: {reason}"
    return None


# --- `if` series selectors (metricsql.Parse must give a plain series selector) ------------------------

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


class _SelectorError(Exception):
    pass


def series_selector_problem(expr: str) -> str | None:
    """Why ``expr`` is not a series selector (``name``, ``name{filters}`` or ``{filters}``)."""
    if not expr.strip():
        return f"must not be empty: {SELECTOR_HELP}"
    try:
        _SelectorParser(expr).parse()
    except _SelectorError as exc:
        return f"not a series selector: {exc}; {SELECTOR_HELP}"
    return None


class _SelectorParser:
    """A small reader of the series-selector subset of MetricsQL that vmagent accepts in ``if``."""

    def __init__(self, text: str) -> None:
        self.tokens = list(self._tokenize(text))
        self.pos = 0
        #: The metric name before ``{`` (every ``or`` branch starts from it), and the current branch's.
        self.name = ""
        self.branch_name = ""

    def _set_name(self, name: str) -> None:
        # metricsql's checkAndPrependMetricNameFilter: one metric name per branch.
        if self.branch_name and self.branch_name != name:
            raise _SelectorError(f"metric name must not be set twice: {self.branch_name!r} or {name!r}")
        self.branch_name = name

    def parse(self) -> None:
        kind, text = self._peek()
        if kind == "ident" and text.lower() in ("inf", "nan"):
            raise _SelectorError(f"{text!r} is a number")
        if kind == "ident":
            self.name = self.branch_name = text
            self.pos += 1
            if self._peek()[1] == "{":
                self._filters()
        elif self._peek()[1] == "{":
            self._filters()
        else:
            raise _SelectorError(f"unexpected {self._describe()} at the start")
        if self._peek()[0] != "end":
            raise _SelectorError(f"unexpected {self._describe()} after the selector")

    def _filters(self) -> None:
        self._expect("{")
        if self._peek()[1] == "}":
            self.pos += 1
            return
        while True:
            self._filter()
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
                continue
            if text == "}":
                self.pos += 1
                return
            raise _SelectorError(f"unexpected {self._describe()}; want ',', 'or' or '}}'")

    def _filter(self) -> None:
        kind, text = self._peek()
        if kind not in ("ident", "string"):
            raise _SelectorError(f"unexpected {self._describe()}; want a label name")
        self.pos += 1
        op_kind, op = self._peek()
        if op_kind != "op":
            if kind == "string":  # {"metric.name"}: a quoted metric name
                self._set_name(_unquote(text))
                return
            raise _SelectorError(f"label {text!r} has no operator; want one of =, !=, =~, !~")
        self.pos += 1
        value = self._string_value()
        while self._peek()[1] == "+":
            self.pos += 1
            value += self._string_value()
        if op == "=" and text == "__name__":
            self._set_name(value)
        if op in ("=~", "!~"):
            problem = regex_problem(value)
            if problem:
                raise _SelectorError(f"regex of label {text!r}: {problem}")

    def _string_value(self) -> str:
        kind, text = self._peek()
        if kind != "string":
            raise _SelectorError(f"unexpected {self._describe()}; want a quoted string")
        self.pos += 1
        return _unquote(text)

    def _expect(self, text: str) -> None:
        if self._peek()[1] != text:
            raise _SelectorError(f"unexpected {self._describe()}; want {text!r}")
        self.pos += 1

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _describe(self) -> str:
        kind, text = self._peek()
        return "end of input" if kind == "end" else repr(text)

    @staticmethod
    def _tokenize(text: str):  # type: ignore[no-untyped-def]
        i = 0
        while i < len(text):
            ch = text[i]
            if ch in " \t\r\n":
                i += 1
            elif ch == "#":  # a comment runs to the end of the line
                while i < len(text) and text[i] != "\n":
                    i += 1
            elif ch in "{},+":
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
            elif ch.isalpha() or ch in "_:\\":
                start = i
                while i < len(text) and (text[i].isalnum() or text[i] in "_:.\\"):
                    i += 2 if text[i] == "\\" else 1
                yield "ident", text[start:i]
            else:
                raise _SelectorError(f"unexpected character {ch!r}")


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\":  # metricsql's lexer skips the escaped character in backticks too
            i += 2
            continue
        if text[i] == "\n" and quote != "`":
            raise _SelectorError(f"a line break inside the string {text[start:i]!r}...; write it as \\n")
        if text[i] == quote:
            return i
        i += 1
    raise _SelectorError(f"string starting at {text[start : start + 20]!r} has no closing {quote}")


def _unquote(token: str) -> str:
    """The value of a quoted string, with Go's escapes (as metricsql reads it)."""
    quote, body = token[0], token[1:-1]
    if quote == "`":
        return body
    if quote == "'":
        body = body.replace("\\'", "'")
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
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
                raise _SelectorError(f"invalid escape in {token}")
            code = int(digits, 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise _SelectorError(f"invalid escape in {token}: U+{code:04X} is not a character")
            out.append(chr(code))
            i += 2 + width
        elif nxt and nxt in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits):
                raise _SelectorError(f"invalid escape in {token}")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise _SelectorError(f"invalid escape '\\{nxt}' in {token} (write '\\\\{nxt}' for a backslash)")
    return "".join(out)


# --- proxy URLs (lib/proxy: url.Parse, then the scheme) -----------------------------------------------

PROXY_SCHEMES = ("http", "https", "socks5", "tls+socks5")


@lru_cache(maxsize=1024)
def proxy_url_problem(value: str) -> str | None:
    """Why vmagent would refuse ``value`` as a ``proxy_url`` (it refuses the whole config then)."""
    scheme, sep, rest = value.partition("://")
    if not sep or not rest or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return f"not a URL: use <scheme>://<host>[:port], scheme one of {', '.join(PROXY_SCHEMES)}"
    if scheme.lower() not in PROXY_SCHEMES:
        return f"unsupported scheme {scheme!r}; vmagent accepts {', '.join(PROXY_SCHEMES)}"
    if any(c in rest for c in " \t\n") or "%" in rest and not re.search(r"%[0-9A-Fa-f]{2}", rest):
        return "not a URL: spaces, control characters or a bad %-escape"
    return None
