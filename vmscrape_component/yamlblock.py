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

# The scalar grammars below are written with possessive quantifiers: each has one way to end where what
# follows it (`:` and a space, or the line's end) can match, so giving characters back never helps.
_PLAIN = r"""(?:[^\s\-?:,\[\]{}#&*!|>'"%@`]|-(?=[^\s#]))(?:[^\s:#]++|:(?=[^\s#])| (?=[^\s#:]))*+"""
_SQUOTED = r"'(?:[^'\n]++|'')*+'"
_DQUOTED = r'"[^"\\\n]*+"'
_SCALAR = rf"(?:({_PLAIN})|({_SQUOTED})|({_DQUOTED}))"
#: A plain scalar of name characters only (a subset of the plain grammar: what most lines hold).
_NAME = r"[A-Za-z0-9_./][A-Za-z0-9_./-]*+"

#: Every line of a text, in one ``findall`` (no match object per line). Each match is one whole line.
#: Its tuple holds, first, the common shape ``key: value``, ``key:``, ``- key: value`` or ``- key:`` with
#: name characters only (indentation, ``-``, key, value), read exactly as the full grammar after it
#: reads such a line; then a blank or comment line (the only group that may match empty: such a line
#: has no other group); a ``---`` line; any other line starting ``---`` or ``...`` (refused); then for
#: any other content line its indentation, an optional ``-`` and the gap after it (the item's content
#: column is where the rest starts), a key (plain, single-, double-quoted) followed by ``:``, and a
#: value (the same three, ``{}`` or ``[]``). No group can cross a line end, so a line outside this
#: grammar has no match and the count of matches tells.
_LINES = re.compile(
    rf"^(?:( *)(?:(-) )?({_NAME}):(?: ({_NAME}))?"
    rf"|( *(?:#.*)?)|(---) *|((?:---|\.\.\.).*)"
    rf"|( *)(?:(-)( +|$))?(?:{_SCALAR}:(?: +|$))?(?:{_SCALAR}|(\{{\}})|(\[\]))? *)$",
    re.MULTILINE,
)

#: Line flags: has a key; is a sequence item; has a value on the line; that value is ``{}`` or ``[]``.
_KEY, _ITEM, _VAL, _FRESH = 1, 2, 4, 8


class _Decline(Exception):
    """The text is outside what this reader reads exactly; PyYAML reads it."""


def block_documents(text: str, scalar: Callable[[str], Any]) -> list[Any] | None:
    """The documents of ``text`` as PyYAML's safe loader builds them, or ``None`` when the text is not
    the simple block style this reader covers (then read it with PyYAML)."""
    try:
        return _Reader(text, scalar).documents()
    except _Decline:
        return None


#: A ``---`` line in :attr:`_Reader.lines`, and the sentinel after the last line. Its column, -1, is left
#: of every line's, so it ends every open mapping and sequence without a check of its own.
_DOC: Any = (-1, -1, 0, None, None)
_SKIP: Any = ()  # a blank or comment line (falsy: dropped from the lines)


class _Reader:
    def __init__(self, text: str, scalar: Callable[[str], Any]) -> None:
        self.scalar = scalar
        self.plain_values: dict[str, Any] = {}
        # Generated YAML repeats most lines verbatim (a snapshot of 10,000 Services: 2 million lines,
        # 255,000 distinct), so each distinct line is read once, and all of them by one regex pass.
        raw_lines = text.split("\n")
        distinct = list(dict.fromkeys(raw_lines))
        joined = "\n".join(distinct)  # every character of the text but repeated lines
        if not joined.isascii() or _UNSAFE.search(joined):
            raise _Decline
        rows = _LINES.findall(joined)
        if len(rows) != len(distinct):
            raise _Decline  # a line outside the grammar
        read = self._row
        table = dict(zip(distinct, map(read, rows), strict=True))
        #: Per content line: (column of the line, column of its content, flags, key, value), or _DOC.
        self.lines: list[Any] = list(filter(None, map(table.__getitem__, raw_lines)))
        self.lines.append(_DOC)  # the end reads like one more document boundary
        self.pos = 0

    def _row(self, row: tuple[str, ...]) -> Any:
        if row[2]:  # the common shape
            col = len(row[0])
            flags = _KEY
            if row[1]:
                flags = _KEY | _ITEM
                content = col + 2
            else:
                content = col
            if row[3]:
                return (col, content, flags | _VAL, self._plain(row[2]), self._plain(row[3]))
            return (col, content, flags, self._plain(row[2]), None)
        _, _, _, _, _, doc, bad, ind, dash, gap, kp, ks, kd, vp, vs, vd, vm, vq = row
        flags = 0
        key = value = None
        if kp:
            flags = _KEY
            key = self._plain(kp)
        elif ks:
            flags = _KEY
            key = ks[1:-1].replace("''", "'")
        elif kd:
            flags = _KEY
            key = kd[1:-1]
        if vp:
            flags |= _VAL
            value = self._plain(vp)
        elif vs:
            flags |= _VAL
            value = vs[1:-1].replace("''", "'")
        elif vd:
            flags |= _VAL
            value = vd[1:-1]
        elif vm:
            flags |= _VAL | _FRESH
            value = _EMPTY_MAP
        elif vq:
            flags |= _VAL | _FRESH
            value = _EMPTY_SEQ
        dash_col = col = len(ind)
        if dash:
            flags |= _ITEM
            col = dash_col + 1 + len(gap)
        elif not flags:
            if doc:
                return _DOC
            if bad:
                raise _Decline  # `--- value`, `...`: PyYAML's
            return _SKIP
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
            if line is _DOC:
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
            if lines[self.pos] is not _DOC:
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
        assert line is not _DOC
        if line[2] & _ITEM:
            return self._sequence(line[0], depth)
        return self._mapping(line[1], depth)

    def _after_colon(self, col: int, depth: int, compact_ok: bool) -> Any:
        """The value of a ``key:`` (at ``col``) or ``-`` (at ``col``) with nothing after it on its line."""
        line = self.lines[self.pos]
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
                if line[0] > col:
                    raise _Decline  # a continuation line, which PyYAML would fold into the scalar
            else:
                self.pos = pos
                data[key] = self._after_colon(col, depth + 1, compact_ok=True)
                pos = self.pos
                line = lines[pos]
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
                if line[0] > col:
                    raise _Decline  # a continuation line
            else:
                self.pos = pos + 1
                items.append(self._after_colon(col, depth + 1, compact_ok=False))
                pos = self.pos
            line = lines[pos]
            if line[0] != col or not line[2] & _ITEM:
                if line[0] > col:
                    raise _Decline
                break
        self.pos = pos
        return items


_EMPTY_MAP: Any = object()
_EMPTY_SEQ: Any = object()
