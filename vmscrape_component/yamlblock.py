"""A quick reader for the plain block-style YAML that kubectl, ``yaml.v2`` and PyYAML write.

:func:`block_documents` reads a stream made only of block mappings and sequences whose keys and values
are one-line scalars (plain, ``'single'``, ``"double"`` without escapes, ``{}``, ``[]``), full-line
comments and ``---`` lines. For anything else — tabs, non-ASCII text, tags, anchors, aliases, block or
multi-line scalars, flow collections, ``? `` keys, directives, a key written twice, an indentation it
does not expect, a scalar document — it returns ``None`` and the caller reads the text with PyYAML, which
then also reports any error with its line and column. So it never decides what is valid, only reads
faster what PyYAML would read the same way; ``tests/unit/test_yamlblock.py`` checks it against PyYAML
(the reference) over the real manifests and generated streams.

Plain scalars are given to the caller's ``scalar`` function, which resolves them as PyYAML's safe
loader does (YAML 1.1: ``yes`` is true, ``0777`` is 511); it returns :data:`NOT_PLAIN` for a tag the
quick path does not build (``<<`` merges, ``=``), which sends the whole text to PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: Returned by the caller's ``scalar`` for a plain scalar this reader must not build.
NOT_PLAIN: Any = object()

#: Nesting deeper than this goes to PyYAML, which enforces the project's real limit with a position.
_MAX_DEPTH = 64

#: Characters PyYAML treats specially somewhere (tabs, CR, control characters, and ``\\`` escapes are
#: only checked inside double quotes below); any of them in the text sends it to PyYAML.
_UNSAFE = re.compile(r"[^\n\x20-\x7e]")

_PLAIN = r"""(?:[^\s\-?:,\[\]{}#&*!|>'"%@`]|-(?=[^\s#]))(?:[^\s:#]|:(?=[^\s#])| (?=[^\s#:]))*"""
_SQUOTED = r"'(?:[^']|'')*'"
_DQUOTED = r'"[^"\\]*"'


def _scalar(name: str) -> str:
    return rf"(?:(?P<{name}p>{_PLAIN})|(?P<{name}s>{_SQUOTED})|(?P<{name}d>{_DQUOTED}))"


_VALUE = rf"(?:{_scalar('v')}|(?P<vm>\{{\}})|(?P<vq>\[\]))"
#: One line: indentation, an optional ``- `` (the item's content column is where the rest starts),
#: then ``key:``, ``key: value``, a lone value, or nothing (``-`` alone).
_LINE = re.compile(
    rf"(?P<ind> *)(?:(?P<dash>-)(?P<gap> +|$))?"
    rf"(?:{_scalar('k')}:(?: +|$))?{_VALUE}? *"
)

#: Line flags: has a key; is a sequence item; has a value on the line; that value is ``{}`` or ``[]``.
_KEY, _ITEM, _VAL, _FRESH = 1, 2, 4, 8


class _Decline(Exception):
    """The text is outside what this reader reads exactly; PyYAML reads it."""


def block_documents(text: str, scalar: Callable[[str], Any]) -> list[Any] | None:
    """The documents of ``text`` as PyYAML's safe loader builds them, or ``None`` when the text is not
    the simple block style this reader covers (then read it with PyYAML)."""
    if not text.isascii() or _UNSAFE.search(text):
        return None
    try:
        return _Reader(text, scalar).documents()
    except _Decline:
        return None


_DOC = None  # a `---` line in :attr:`_Reader.lines`
_SKIP: Any = ()  # a blank or comment line


class _Reader:
    def __init__(self, text: str, scalar: Callable[[str], Any]) -> None:
        self.scalar = scalar
        self.plain_values: dict[str, Any] = {}
        #: Per content line: (column of the line, column of its content, flags, key, value); a ``---`` is
        #: ``None``. Generated YAML repeats most lines verbatim, so each distinct line is read once.
        seen: dict[str, Any] = {}
        lines: list[Any] = []
        append = lines.append
        for raw in text.split("\n"):
            line = seen.get(raw, seen)
            if line is seen:
                line = seen[raw] = self._line(raw)
            if line is not _SKIP:
                append(line)
        append(_DOC)  # sentinel: the end reads like one more document boundary
        self.lines = lines
        self.pos = 0

    def _line(self, raw: str) -> Any:
        stripped = raw.lstrip(" ")
        if not stripped or stripped[0] == "#":
            return _SKIP
        if raw.startswith(("---", "...")):
            if raw.rstrip(" ") != "---":
                raise _Decline  # `--- value`, `...`: PyYAML's
            return _DOC
        m = _LINE.fullmatch(raw)
        if m is None:
            raise _Decline
        g = m.groupdict()
        flags = 0
        dash_col = col = len(g["ind"])
        if g["dash"] is not None:
            flags |= _ITEM
            col = dash_col + 1 + len(g["gap"])
        key = value = None
        if g["kp"] is not None:
            flags |= _KEY
            key = self._plain(g["kp"])
        elif g["ks"] is not None:
            flags |= _KEY
            key = g["ks"][1:-1].replace("''", "'")
        elif g["kd"] is not None:
            flags |= _KEY
            key = g["kd"][1:-1]
        if g["vp"] is not None:
            flags |= _VAL
            value = self._plain(g["vp"])
        elif g["vs"] is not None:
            flags |= _VAL
            value = g["vs"][1:-1].replace("''", "'")
        elif g["vd"] is not None:
            flags |= _VAL
            value = g["vd"][1:-1]
        elif g["vm"] is not None:
            flags |= _VAL | _FRESH
            value = _EMPTY_MAP
        elif g["vq"] is not None:
            flags |= _VAL | _FRESH
            value = _EMPTY_SEQ
        return (dash_col, col, flags, key, value)

    def _plain(self, text: str) -> Any:
        memo = self.plain_values
        value = memo.get(text, memo)
        if value is memo:
            value = memo[text] = self.scalar(text)
        if value is NOT_PLAIN:
            raise _Decline
        return value

    def documents(self) -> list[Any]:
        docs: list[Any] = []
        lines = self.lines
        end = len(lines) - 1
        # Before the first `---`, a document exists only if it has content; after each `---`, always.
        explicit = False
        while True:
            line = lines[self.pos]
            if line is None:
                if explicit:
                    docs.append(None)
                if self.pos == end:
                    return docs
                self.pos += 1
                explicit = True
                continue
            if line[0] != 0 or (line[2] & (_ITEM | _KEY)) == 0:
                raise _Decline  # an indented root or a scalar document
            docs.append(self._node(1))
            if lines[self.pos] is not None:
                raise _Decline  # something after the root that it did not take
            if self.pos == end:
                return docs
            self.pos += 1
            explicit = True

    def _node(self, depth: int) -> Any:
        """The collection that starts at the current line."""
        if depth > _MAX_DEPTH:
            raise _Decline
        line = self.lines[self.pos]
        assert line is not None
        if line[2] & _ITEM:
            return self._sequence(line[0], depth)
        return self._mapping(line[1], depth)

    def _after_colon(self, col: int, depth: int, compact_ok: bool) -> Any:
        """The value of a ``key:`` (at ``col``) or ``-`` (at ``col``) with nothing after it on its line."""
        line = self.lines[self.pos]
        if line is None:
            return None
        if line[0] > col:
            return self._node(depth)
        if compact_ok and line[0] == col and line[2] & _ITEM:
            return self._sequence(col, depth)  # yaml.v2's style: a list under a key, not indented
        return None

    def _mapping(self, col: int, depth: int) -> dict[Any, Any]:
        data: dict[Any, Any] = {}
        lines = self.lines
        pos = self.pos
        line = lines[pos]
        while True:
            flags = line[2]
            if not flags & _KEY:
                raise _Decline  # a lone value where a key belongs
            key = line[3]
            if key in data:
                raise _Decline  # PyYAML's path names both lines
            pos += 1
            if flags & _VAL:
                value = line[4]
                if flags & _FRESH:
                    value = {} if value is _EMPTY_MAP else []
                data[key] = value
                line = lines[pos]
                if line is None:
                    break
                if line[0] > col:
                    raise _Decline  # a continuation line, which PyYAML would fold into the scalar
            else:
                self.pos = pos
                data[key] = self._after_colon(col, depth + 1, compact_ok=True)
                pos = self.pos
                line = lines[pos]
                if line is None:
                    break
            if line[0] != col or line[2] & _ITEM:
                if line[0] > col or (line[0] == col and line[2] & _ITEM):
                    raise _Decline
                break
        self.pos = pos
        return data

    def _sequence(self, col: int, depth: int) -> list[Any]:
        items: list[Any] = []
        lines = self.lines
        pos = self.pos
        line = lines[pos]
        while True:
            flags = line[2]
            if flags & _KEY:
                self.pos = pos
                items.append(self._mapping(line[1], depth + 1))
                pos = self.pos
            elif flags & _VAL:
                pos += 1
                value = line[4]
                if flags & _FRESH:
                    value = {} if value is _EMPTY_MAP else []
                items.append(value)
                line = lines[pos]
                if line is not None and line[0] > col:
                    raise _Decline  # a continuation line
            else:
                self.pos = pos + 1
                items.append(self._after_colon(col, depth + 1, compact_ok=False))
                pos = self.pos
            line = lines[pos]
            if line is None or line[0] != col or not line[2] & _ITEM:
                if line is not None and line[0] > col:
                    raise _Decline
                break
        self.pos = pos
        return items


_EMPTY_MAP: Any = object()
_EMPTY_SEQ: Any = object()
