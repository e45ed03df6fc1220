"""A small, fast, deterministic block-style YAML emitter.

The layout is the one Go's ``gopkg.in/yaml.v2`` prints (and so the VictoriaMetrics operator, whose output
users compare against)::

    job_name: serviceScrape/default/test-scrape/0
    kubernetes_sd_configs:
    - role: endpoints
      namespaces:
        names:
        - default
    honor_labels: false

Mappings are indented by two spaces, a sequence under a key is not indented (``key:`` then ``- item``), a
mapping in a sequence starts on the dash line, a sequence in a sequence is written ``- - a``, empty
containers are ``{}`` and ``[]``. Dict keys keep insertion order: the caller decides the order.

Scalars: strings are written in the style yaml.v2 picks (see :mod:`.yaml_scalar`): plain when that reads
back as the same string, single-quoted when only the emitter's rules forbid plain, double-quoted (with
yaml.v2's escapes) when plain would read as another type or the string holds non-printable characters,
a literal block (``|-``) for a string with a newline; long values are folded at a space past column 80,
as yaml.v2 does. Every string reads back unchanged under PyYAML's ``safe_load`` (YAML 1.1), a YAML 1.2
parser and yaml.v2 (what vmagent reads its configuration with). The output is a pure function of the
input (no hashing, no sorting), so it does not depend on ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from ..bulk import gc_paused
from .yaml_scalar import BEST_WIDTH, MAX_SIMPLE_KEY_BYTES, has_break, style_of, write_scalar

__all__ = ["dump", "dump_all", "is_plain_safe", "scalar"]

# -- scalars ---------------------------------------------------------------------------------------------

#: Longest key (in UTF-8 bytes) written as an implicit ``key: value`` (yaml.v2's limit for a simple key);
#: longer ones are written in the explicit ``? key`` form.
_MAX_SIMPLE_KEY = MAX_SIMPLE_KEY_BYTES
#: Exactly the strings whose text depends on where they start (a fold needs a space).
_TEXT: dict[str, str] = {}  # string -> its unfolded text


def is_plain_safe(s: str) -> bool:
    """Whether ``s`` is written as a plain (unquoted) scalar: it reads back as the same string."""
    return style_of(s) == "plain"


def _str_text(s: str) -> str:
    """The one-line text of ``s`` (no folding), memoised."""
    if type(s) is not str:
        s = str.__str__(s)
    text = _TEXT.get(s)
    if text is None:
        style = style_of(s)
        if style == "literal":  # a block scalar needs its place in the document: one line here
            style = "double"
        text = s if style == "plain" else write_scalar(s, style, column=0, indent=0, fold=False)
        _TEXT[s] = text
    return text


def _str_at(s: str, column: int, indent: int) -> str:
    """The text of ``s`` starting at ``column``, folded like yaml.v2 (continuation lines at ``indent``)."""
    if type(s) is not str:
        s = str.__str__(s)
    if has_break(s):
        return write_scalar(s, style_of(s), column=column, indent=indent)
    text = _str_text(s)
    # A fold happens only at a space seen past column 80.
    if " " not in text or column + len(text) <= BEST_WIDTH + 1:
        return text
    style = style_of(s)
    return write_scalar(s, style, column=column, indent=indent)


def _float_text(f: float) -> str:
    if f != f:
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    text = float.__repr__(f)
    if "e" in text and "." not in text:
        # YAML 1.1 (PyYAML) wants a dot in a float: 1e+16 -> 1.0e+16.
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def scalar(value: Any) -> str:
    """The YAML text of one scalar (str, bool, int, float or None), quoted if it needs to be."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        return _str_text(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar: {value!r}")


# -- caches ----------------------------------------------------------------------------------------------
# The emitter writes a ``key: value`` line as three parts: indentation, ``"<key>: "`` and ``"<value>\n"``.
# The last two are memoised per distinct string. They are pure functions of the string, so keeping them
# between calls cannot change any output; they are emptied when they grow past _CACHE_LIMIT entries.
# Only exact ``str`` objects are stored (never ints or bools: 1 == True == 1.0 would collide).

_LINE: dict[str, str] = {}  # value -> "<text>\n"
_KEY: dict[str, str] = {}  # key -> "<text>: "
_KEY_BLOCK: dict[str, str] = {}  # key -> "<text>:\n"
_CACHE_LIMIT = 100_000
#: Sequences of collections with at least this many items have their text reused when the same list
#: object comes again (the lookup costs more than writing out a short one).
_SHARED_MIN_ITEMS = 2
#: Keys longer than this are not memoised: a memoised key is always short enough for ``key: value``.
_CACHED_KEY_MAX = 200


def _line(s: str, column: int, indent: int) -> str:
    """``s`` and a newline, starting at ``column``; memoised when no column can change it."""
    text = _str_at(s, column, indent)
    text += _line_end(text)
    if type(s) is str and " " not in text and text.count("\n") == 1:
        _LINE[s] = text
    return text


def _line_end(text: str) -> str:
    """The newline after a scalar; none after a literal block that ends with a line break (yaml.v2 then
    gives the next line only its indentation, even after LS or PS)."""
    return "" if text.endswith(("\n", "\u2028", "\u2029")) else "\n"


def _column_after(prefix: str, key_text: str) -> int:
    """The column after ``prefix`` then ``key_text`` (which may span lines: the ``? key`` form)."""
    nl = key_text.rfind("\n")
    return len(prefix) + len(key_text) if nl < 0 else len(key_text) - nl - 1


def _key_text(key: Any, rest: str, tail: str) -> str:
    """``key`` then ``tail`` (``": "`` or ``":\n"``); a long key in the explicit ``? key`` form."""
    if not isinstance(key, str):
        return scalar(key) + tail
    if (len(key) * 4 > _MAX_SIMPLE_KEY and len(key.encode()) > _MAX_SIMPLE_KEY) or has_break(key):
        # Not a simple key: yaml.v2 writes "? key" (styled like a value), then ":" on the next line.
        # A collection value starts on the ":" line (the caller places it after ": ").
        text = _str_at(key, len(rest) + 2, len(rest) + 2)
        return f"? {text}{_line_end(text)}{rest}: "
    text = _str_text(key)
    if len(text) <= _CACHED_KEY_MAX and type(key) is str:
        (_KEY if tail == ": " else _KEY_BLOCK)[key] = text + tail
    return text + tail


def _key(key: Any, rest: str) -> str:
    return _key_text(key, rest, ": ")


def _key_block(key: Any, rest: str) -> str:
    return _key_text(key, rest, ":\n")


def _bool_line(v: bool) -> str:
    return "true\n" if v else "false\n"


def _int_line(v: int) -> str:
    return int.__repr__(v) + "\n"


def _float_line(v: float) -> str:
    return _float_text(v) + "\n"


def _null_line(v: None) -> str:
    return "null\n"


#: ``"<text>\n"`` of the scalars other than str, by exact type.
_SCALAR_LINE: dict[type, Any] = {bool: _bool_line, int: _int_line, float: _float_line, type(None): _null_line}


# -- collections -----------------------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    """A mapping that is not a dict as a dict, an iterable that is not a list as a list, else ``value``."""
    if isinstance(value, Mapping):
        return dict(value.items())
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
        return value
    if isinstance(value, set | frozenset):
        raise TypeError("a set has no order: pass a sorted list")
    return list(value)


def _scalar_line(value: Any, column: int, indent: int) -> str:
    """A scalar's text and a newline, the text starting at ``column``."""
    if isinstance(value, str):
        return _LINE.get(value) or _line(value, column, indent)
    return scalar(value) + "\n"


class _Emitter:
    """One dump: appends parts to ``out``; ``first`` starts a node's first line, ``rest`` its other lines."""

    __slots__ = ("append", "items", "keep", "memo", "out")

    def __init__(self) -> None:
        self.out: list[str] = []
        self.append = self.out.append
        #: Containers made by ``_normalise`` during this dump, kept alive (so that their ids stay unique).
        self.keep: list[Any] = []
        #: id of a sequence under a key -> (its level, its text, or where its parts are in ``out``).
        self.memo: dict[int, tuple[str, str | None, int, int]] = {}
        #: id of a mapping in a sequence -> (its first and other lines' prefixes, text or where in ``out``).
        self.items: dict[int, tuple[str, str, str | None, int, int]] = {}

    def node(self, value: Any, first: str, rest: str) -> None:
        t = type(value)
        if t is dict:
            if value:
                self.mapping(value, first, rest)
            else:
                self.append(first)
                self.append("{}\n")
        elif t is list or t is tuple:
            if value:
                self.sequence(value, first, rest)
            else:
                self.append(first)
                self.append("[]\n")
        else:
            other = _normalise(value)
            if other is value:
                self.append(first)
                self.append(_scalar_line(value, len(first), len(rest)))
            else:
                self.keep.append(other)
                self.node(other, first, rest)

    def mapping(self, d: dict[Any, Any], first: str, rest: str) -> None:
        append = self.append
        lines = _LINE
        keys = _KEY
        pre = first
        dash = rest + "- "
        inner = rest + "  "
        for k, v in d.items():
            t = type(v)
            append(pre)
            pre = rest
            if t is str:
                key_text = keys.get(k) or _key(k, rest)
                append(key_text)
                append(lines.get(v) or _line(v, _column_after(rest, key_text), len(rest) + 2))
            elif t is list:
                if v:
                    key_text = _KEY_BLOCK.get(k) or _key_block(k, rest)
                    append(key_text)
                    if key_text.startswith("? "):
                        self.sequence(v, "", inner)
                    # A sequence under a key is not indented: its items are at the key's level.
                    elif len(v) >= _SHARED_MIN_ITEMS and type(v[0]) is not str:
                        self.shared(v, rest)
                    else:
                        for item in v:
                            if type(item) is str:
                                append(dash)
                                append(lines.get(item) or _line(item, len(dash), len(inner)))
                            elif type(item) is dict and item:
                                self.item(item, dash, inner)
                            else:
                                self.node(item, dash, inner)
                else:
                    append(keys.get(k) or _key(k, rest))
                    append("[]\n")
            elif t is dict:
                if v:
                    key_text = _KEY_BLOCK.get(k) or _key_block(k, rest)
                    append(key_text)
                    self.mapping(v, "" if key_text.startswith("? ") else inner, inner)
                else:
                    append(keys.get(k) or _key(k, rest))
                    append("{}\n")
            else:
                conv = _SCALAR_LINE.get(t)
                if conv is not None:
                    append(keys.get(k) or _key(k, rest))
                    append(conv(v))
                else:
                    self.entry(k, v, rest)

    def shared(self, value: list[Any], level: str) -> None:
        """A sequence of collections under a key, its items at ``level``.

        Callers share sub-trees (the same relabel block in many jobs): the text of a sequence met again
        at the same level is reused. Keyed by ``id``, so valid only during this dump, while every node is
        alive (and never mutated: the tree must not change while it is dumped).
        """
        key = id(value)
        seen = self.memo.get(key)
        if seen is not None and seen[0] == level:
            text = seen[1]
            if text is None:
                text = "".join(self.out[seen[2] : seen[3]])
                self.memo[key] = (level, text, 0, 0)
            self.append(text)
            return
        start = len(self.out)
        self.sequence(value, level, level)
        self.memo[key] = (level, None, start, len(self.out))

    def item(self, d: dict[Any, Any], first: str, rest: str) -> None:
        """A mapping that is an item of a sequence; its text is reused when the same dict comes again.

        Jobs share identical relabel rules and discovery blocks as one object (see ``render.scrape``):
        one lookup then replaces writing the rule out. As with :meth:`shared`, keyed by ``id`` and valid
        only during this dump.
        """
        key = id(d)
        seen = self.items.get(key)
        if seen is not None and seen[0] == first and seen[1] == rest:
            text = seen[2]
            if text is None:
                text = "".join(self.out[seen[3] : seen[4]])
                self.items[key] = (first, rest, text, 0, 0)
            self.append(text)
            return
        start = len(self.out)
        self.mapping(d, first, rest)
        self.items[key] = (first, rest, None, start, len(self.out))

    def entry(self, k: Any, v: Any, rest: str) -> None:
        """The general case of ``key: value``, after the line's indentation."""
        other = v if type(v) is tuple else _normalise(v)
        if other is not v:
            self.keep.append(other)
        if type(other) is dict or type(other) is list or type(other) is tuple:
            if other:
                key_text = _KEY_BLOCK.get(k) or _key_block(k, rest)
                self.append(key_text)
                if key_text.startswith("? "):  # after an explicit key, on the ":" line
                    self.node(other, "", rest + "  ")
                    return
                level = rest + "  " if type(other) is dict else rest  # a sequence is not indented
                self.node(other, level, level)
                return
            self.append(_KEY.get(k) or _key(k, rest))
            self.append("{}\n" if type(other) is dict else "[]\n")
        else:
            key_text = _KEY.get(k) or _key(k, rest)
            self.append(key_text)
            self.append(_scalar_line(other, _column_after(rest, key_text), len(rest) + 2))

    def sequence(self, seq: list[Any] | tuple[Any, ...], first: str, rest: str) -> None:
        append = self.append
        lines = _LINE
        items = self.items
        dash = rest + "- "
        inner = rest + "  "
        pre = first + "- "
        for item in seq:
            t = type(item)
            if t is str:
                append(pre)
                append(lines.get(item) or _line(item, len(pre), len(inner)))
            elif t is dict and item:
                seen = items.get(id(item))
                if seen is not None and seen[2] is not None and seen[0] == pre and seen[1] == inner:
                    append(seen[2])  # the hot path of self.item
                else:
                    self.item(item, pre, inner)
            else:
                self.node(item, pre, inner)
            pre = dash


def _trim_caches() -> None:
    if max(len(_LINE), len(_KEY), len(_KEY_BLOCK), len(_TEXT)) > _CACHE_LIMIT:
        _TEXT.clear()
        _LINE.clear()
        _KEY.clear()
        _KEY_BLOCK.clear()


def dump(obj: Any) -> str:
    """``obj`` (dicts, lists, tuples, str, bool, int, float, None) as one block-style YAML document."""
    _trim_caches()
    emitter = _Emitter()
    with gc_paused():
        emitter.node(obj, "", "")
        return "".join(emitter.out)


def dump_all(docs: Iterable[Any]) -> str:
    """Several documents, each started by ``---``."""
    return "".join(f"---\n{dump(doc)}" for doc in docs)
