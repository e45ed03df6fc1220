"""Regular expressions as vmagent reads them: RE2 syntax, anchored by vmagent itself.

vmagent's ``regexutil.RemoveStartEndAnchors`` drops every leading ``^`` and every unescaped trailing
``$`` of a relabeling regex, then matches it as ``^(?:regex)$``.
"""

from __future__ import annotations

from functools import lru_cache

import re2

__all__ = ["regex_problem", "strip_anchors"]


def strip_anchors(expr: str) -> str:
    """``expr`` without the leading ``^`` and trailing ``$`` vmagent removes before anchoring it."""
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


def _any_byte_escape(expr: str) -> bool:
    """Whether ``expr`` uses ``\\C`` (one byte): C++ RE2 knows it, Go's regexp (vmagent's) does not."""
    i = expr.find("\\")
    while i >= 0:
        escaped = expr[i + 1 : i + 2]
        if escaped == "C":
            return True
        if escaped == "Q":  # \Q...\E is literal text
            end = expr.find("\\E", i + 2)
            if end < 0:
                return False
            i = end
        i = expr.find("\\", i + 2)  # past the escaped character: `\\C` is a backslash and a C
    return False


@lru_cache(maxsize=4096)  # compiling with RE2 twice per rule is most of a relabel rule's validation
def regex_problem(expr: str) -> str | None:
    """Why vmagent cannot compile ``expr`` (as is, and anchored as ``^(?:expr)$``).

    The check compiles with C++ RE2, which vmagent's Go ``regexp`` follows except for ``\\C``.
    """
    if _any_byte_escape(expr):
        # vmagent skips the job (or the whole config, in an `if`) with "invalid escape sequence".
        return "not a valid regular expression for vmagent: `\\C` (any byte) is not supported by Go's regexp"
    inner = strip_anchors(expr)
    for candidate in (inner, f"^(?:{inner})$"):
        try:
            re2.compile(candidate, _RE2_OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            return f"not a valid RE2 regular expression: {reason}"
    return None
