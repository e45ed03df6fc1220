"""Numbers as Go's ``strconv.ParseFloat`` reads them, and Go's float-to-int64 conversion: the reading
behind vmagent's sizes (``flagutil.ParseBytes``) and durations (``metricsql.DurationValue``).

Python's ``float()`` differs: it takes Unicode digits, surrounding whitespace and ``1__0``.
``tests/conformance/test_go_oracle.py`` compares :func:`go_parse_float` with Go's over a corpus.
"""

from __future__ import annotations

import math
import re

__all__ = ["go_int64", "go_parse_float"]

_INT64_MIN = -(2**63)
#: Go's strconv.ParseFloat syntax (atof.go readFloat): ASCII digits only, `_` checked by _underscores_ok.
_GO_DECIMAL = re.compile(r"[+-]?(?P<m>[0-9_]*\.?[0-9_]*)(?:[eE][+-]?[0-9_]+)?")
_GO_HEX = re.compile(r"[+-]?0[xX](?P<m>[0-9a-fA-F_]*\.?[0-9a-fA-F_]*)[pP][+-]?[0-9_]+")
_GO_SPECIAL = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE)


def _underscores_ok(s: str) -> bool:
    """Go's strconv.underscoreOK: a `_` only between digits (or after a base prefix)."""
    saw, i = "^", 0
    if s[:1] in ("+", "-"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1] in "bBoOxX":
        i, saw, hexa = 2, "0", s[1] in "xX"
    for c in s[i:]:
        if c.isascii() and (c.isdigit() or (hexa and c.lower() in "abcdef")):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def go_parse_float(text: str) -> float | None:
    """``text`` as Go's ``strconv.ParseFloat(text, 64)`` reads it, or ``None`` where it fails."""
    if _GO_SPECIAL.fullmatch(text):
        return float(text.lower().replace("infinity", "inf"))
    hexa = _GO_HEX.fullmatch(text)
    match = hexa or _GO_DECIMAL.fullmatch(text)
    if match is None or not re.search("[0-9a-fA-F]" if hexa else "[0-9]", match["m"]):
        return None
    if "_" in text and not _underscores_ok(text):
        return None
    plain = text.replace("_", "")
    try:
        value = float.fromhex(plain) if hexa else float(plain)
    except (OverflowError, ValueError):
        return None
    return None if math.isinf(value) else value  # out of range: ParseFloat's ErrRange


def go_int64(value: float) -> int:
    """Go's ``int64(f)`` on amd64: NaN, infinities and out-of-range values become the minimum."""
    if math.isnan(value) or not _INT64_MIN <= value < 2**63:
        return _INT64_MIN
    return int(value)
