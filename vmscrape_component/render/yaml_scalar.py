"""How Go's ``gopkg.in/yaml.v2`` (v2.4.0, what the operator marshals vmagent's config with) writes a string.

The rules, learned from yaml.v2's encoder and emitter:

1. A string that yaml.v2 would read back as something else when plain (a bool, null, number, timestamp
   or a YAML 1.1 base-60 float) is **double-quoted**.
2. Otherwise it is plain unless the emitter's scalar analysis forbids that in block context (leading or
   trailing space, an indicator first, ``: `` or `` #`` inside, ``---``/``...`` first, LS or PS);
   then it is **single-quoted**, unless a non-printable character (tab, C0/C1 control, DEL, BOM,
   U+FFFE/U+FFFF, any character outside the BMP) forces **double quotes** with escapes.
3. A string with a newline is a **literal block** (``|``, ``|-``, ``|+``), unless a space ends one of its
   lines or a non-printable character forces double quotes.
4. Lines are folded at a space once the column passes 80 (yaml.v2 wraps by default), except in a simple
   key; the continuation is indented two spaces past the node's parent.

Also yaml.v2's: a double-quoted string that starts with a BOM has every character escaped.

Deliberate differences from yaml.v2: a string yaml.v2 writes plain is quoted anyway when a YAML 1.1
reader (PyYAML) or a YAML 1.2 core-schema reader would read the plain text as something else (``=``,
``<<``, ``.5_0``, ``0x_``, ``1e400``, ``2024-13-45`` ...), so the output always reads back the same
everywhere.
"""

from __future__ import annotations

import calendar
import math
import re
from typing import Literal

import yaml

__all__ = ["Style", "style_of", "write_scalar", "yaml_v2_reads_plain_as_string"]

Style = Literal["plain", "single", "double", "literal"]

#: yaml.v2's ``best_width``: a space past this column may become a line break.
BEST_WIDTH = 80
#: Longest key (UTF-8 bytes) yaml.v2 writes as a simple ``key: value``; longer ones use ``? key``.
MAX_SIMPLE_KEY_BYTES = 128

# -- what yaml.v2 reads a plain scalar as ------------------------------------------------------------------

_V2_NON_STRINGS = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
    ]
)
_V2_MAP_FIRST = frozenset("yYnNtTfFoO~")
_V2_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_V2_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
#: Go's strconv.ParseFloat on text that starts with "." (no base prefix, so no underscores).
_GO_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")
#: Go's strconv.ParseInt/ParseUint(s, 0, 64) after yaml.v2 removed every "_".
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
#: The timestamp layouts yaml.v2 tries (Go time.Parse): date, then optional time and fraction, zone.
_V2_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?P<sep>[Tt ])([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,][0-9]+)?"
    r"(?P<zone>Z|[-+][0-9]{2}:[0-9]{2})?)?\Z"
)
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1


def _go_int(text: str) -> bool:
    m = _GO_INT.match(text)
    if m is None:
        return False
    sign, digits = m.groups()
    prefix = digits[:2].lower()
    base = {"0x": 16, "0o": 8, "0b": 2}.get(prefix)
    value = int(digits[2:], base) if base else int(digits, 8 if digits.startswith("0") else 10)
    if sign == "-":
        value = -value
    return _INT64_MIN <= value <= _UINT64_MAX and not (sign == "+" and value > 2**63 - 1)


def _v2_timestamp(text: str) -> bool:
    m = _V2_TIMESTAMP.match(text)
    if m is None:
        return False
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if m.group("sep") is None:
        return True
    if m.group("sep") in "Tt" and m.group("zone") is None:
        return False  # the T layouts require a zone; the space layout has none
    if m.group("sep") == " " and m.group("zone") is not None:
        return False
    hour, minute, second = int(m.group(5)), int(m.group(6)), int(m.group(7))
    return hour < 24 and minute < 60 and second < 60


def yaml_v2_reads_plain_as_string(s: str) -> bool:
    """Whether yaml.v2 reads ``s`` written plain back as the same string (its ``resolve`` is str)."""
    if s == "" or s in _V2_NON_STRINGS:
        return False
    first = s[0]
    if first in _V2_MAP_FIRST:
        return True
    if first == ".":
        return not (_GO_DOT_FLOAT.match(s) and math.isfinite(float(s)))
    if first not in "+-0123456789":
        return True
    if ":" in s and _V2_BASE60.match(s):
        return False  # not resolved as a float by yaml.v2, but quoted for YAML 1.1 readers
    if first.isdigit() and _v2_timestamp(s):
        return False
    plain = s.replace("_", "")
    if _go_int(plain):
        return False
    if _V2_YAML_FLOAT.match(plain) and math.isfinite(float(plain)):
        return False
    if plain.startswith("0b") and re.fullmatch("[01]+", plain[2:]) and int(plain[2:], 2) <= _UINT64_MAX:
        return False
    return not (plain.startswith("-0b") and re.fullmatch("[01]+", plain[3:]) and int(plain[3:], 2) <= 2**63)


_PYYAML = yaml.resolver.Resolver()
_YAML12_CORE = re.compile(
    r"""(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE
        |[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+
        |[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z""",
    re.VERBOSE,
)


def _other_readers_read_plain_as_string(s: str) -> bool:
    if _YAML12_CORE.match(s):
        return False
    return bool(_PYYAML.resolve(yaml.ScalarNode, s, (True, False)) == "tag:yaml.org,2002:str")


# -- the emitter's analysis ------------------------------------------------------------------------------


def _printable(c: str) -> bool:
    """yaml.v2's ``is_printable`` (on the UTF-8 bytes), per character."""
    o = ord(c)
    if o < 0x80:
        return o == 0x0A or 0x20 <= o <= 0x7E
    return (0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD) and o != 0xFEFF


_BREAKS = frozenset("\r\n\x85\u2028\u2029")
_SPACE_BREAK = re.compile("[ ][\r\n\x85\u2028\u2029]")
_BREAK_SPACE = re.compile("[\r\n\x85\u2028\u2029][ ]")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")


def _block_plain_allowed(s: str) -> bool:
    """yaml.v2's ``block_plain_allowed`` for a non-empty ``s`` without special characters."""
    if s.startswith(("---", "...")) or s[0] == " " or s[-1] == " " or _BREAKS.intersection(s):
        return False
    n = len(s)
    first = s[0]
    if first in _FIRST_INDICATORS:
        return False
    if first in "?:-" and (n == 1 or s[1] in " \t"):
        return False
    # ": " (or ":" last) and " #" anywhere after the first character.
    if ":" not in s and "#" not in s:
        return True
    for i in range(1, n):
        c = s[i]
        if c == ":" and (i + 1 == n or s[i + 1] in " \t"):
            return False
        if c == "#" and s[i - 1] in " \t":
            return False
    return True


#: Strings every reader takes as plain strings, decided without the analysis below (issue 21: most job
#: texts are names like ``serviceScrape/ns-1/svc-1/0``). A letter first rules out yaml.v2's and YAML 1.1's
#: numbers, timestamps, ``.inf`` and indicators; a ``-``, ``/`` or ``.`` after it rules out the bool and
#: null words of every reader; no space, ``:`` or ``#`` leaves nothing for ``block_plain_allowed``.
#: ``tests/unit/test_yaml_emitter.py`` checks it against the full analysis.
_SURELY_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*[-/.][A-Za-z0-9_./-]*\Z")


def style_of(s: str) -> Style:
    """The style yaml.v2 writes ``s`` in as a block value, with the differences the module docstring lists."""
    if _SURELY_PLAIN.match(s):
        return "plain"
    return _style_of(s)


def _style_of(s: str) -> Style:
    special = not (s.isascii() and s.isprintable()) and any(not _printable(c) for c in s)
    if "\n" in s:
        # yaml.v2 asks for a literal block; the emitter allows it unless a space ends a line or the text.
        block_allowed = not special and not s.endswith(" ") and not _SPACE_BREAK.search(s)
        return "literal" if block_allowed else "double"
    if not yaml_v2_reads_plain_as_string(s) or special:
        return "double"
    if _BREAKS.intersection(s):  # LS or PS (the other breaks are not printable): never plain
        return "double" if _SPACE_BREAK.search(s) or _BREAK_SPACE.search(s) else "single"
    if not _block_plain_allowed(s):
        return "single"
    if not _other_readers_read_plain_as_string(s):
        return "double"
    return "plain"


def has_break(s: str) -> bool:
    """Whether ``s`` holds a line break (then yaml.v2 never writes it as a simple key)."""
    return not _BREAKS.isdisjoint(s)


# -- writing ---------------------------------------------------------------------------------------------

_ESCAPES = {
    "\x00": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v", "\x0c": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}  # fmt: skip


def _escape(c: str) -> str | None:
    """yaml.v2's escape of ``c`` in a double-quoted scalar, or None when written as is."""
    if _printable(c) and c not in _BREAKS and c != '"' and c != "\\":
        return None
    short = _ESCAPES.get(c)
    if short is not None:
        return "\\" + short
    o = ord(c)
    if o <= 0xFF:
        return f"\\x{o:02X}"
    if o <= 0xFFFF:
        return f"\\u{o:04X}"
    return f"\\U{o:08X}"


def _literal(s: str, indent: int) -> str:
    """A literal block scalar (``|``), as yaml.v2 writes it; it ends the line itself when ``s`` ends
    with a line break."""
    hint = "2" if s[0] == " " or s[0] in _BREAKS else ""  # the content's indentation, when not evident
    if s[-1] not in _BREAKS:
        chomp = "-"
    elif len(s) == 1 or s[-2] in _BREAKS:
        chomp = "+"
    else:
        chomp = ""
    out = [f"|{hint}{chomp}\n"]
    breaks = True
    for c in s:
        if c in _BREAKS:
            out.append(c)
            breaks = True
        else:
            if breaks:
                out.append(" " * indent)
            out.append(c)
            breaks = False
    return "".join(out)


def _escape_always(c: str) -> str:
    short = _ESCAPES.get(c)
    if short is not None:
        return "\\" + short
    o = ord(c)
    return f"\\x{o:02X}" if o <= 0xFF else f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}"


def write_scalar(s: str, style: Style, *, column: int, indent: int, fold: bool = True) -> str:
    """The text of ``s`` in ``style`` starting at ``column``, folded like yaml.v2 when ``fold`` (a
    continuation line starts with ``indent`` spaces)."""
    out: list[str] = []
    n = len(s)
    if style == "plain":
        col, spaces = column, False
        for i, c in enumerate(s):
            if c == " ":
                if fold and not spaces and col > BEST_WIDTH and (i + 1 == n or s[i + 1] != " "):
                    out.append("\n" + " " * indent)
                    col = indent
                else:
                    out.append(c)
                    col += 1
                spaces = True
            else:
                out.append(c)
                col += 1
                spaces = False
        return "".join(out)
    if style == "literal":
        return _literal(s, indent)
    single = style == "single"
    quote = "'" if single else '"'
    if not single and s.startswith("\ufeff"):
        # yaml.v2's BOM test looks at the scalar's first character, not the current one: a string that
        # starts with a BOM has every character escaped.
        return quote + "".join(_escape(c) or _escape_always(c) for c in s) + quote
    out.append(quote)
    col, spaces, breaks = column + 1, False, False
    for i, c in enumerate(s):
        if single and c in _BREAKS:  # LS or PS in single quotes: written as is, then re-indented
            out.append(c)
            col, breaks = 0, True
            continue
        if breaks:
            out.append(" " * indent)
            col, breaks = indent, False
        if c == " ":
            # Single quotes fold only before a non-space; double quotes escape a space after the fold.
            if (
                fold
                and not spaces
                and col > BEST_WIDTH
                and 0 < i < n - 1
                and not (single and s[i + 1] == " ")
            ):
                out.append("\n" + " " * indent)
                col = indent
                if not single and s[i + 1] == " ":
                    out.append("\\")
                    col += 1
            else:
                out.append(c)
                col += 1
            spaces = True
            continue
        text = ("''" if c == "'" else c) if single else (_escape(c) or c)
        out.append(text)
        col += len(text)
        spaces = False
    out.append(quote)
    return "".join(out)
