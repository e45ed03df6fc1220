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


@lru_cache(maxsize=4096)  # compiling with RE2 twice per rule is most of a relabel rule's validation
def regex_problem(expr: str) -> str | None:
    """Why vmagent cannot compile ``expr`` (as is, and anchored as ``^(?:expr)$``)."""
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
