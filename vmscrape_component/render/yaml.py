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

Scalars: a string is written plain only when it reads back as the same string under all of PyYAML's
``safe_load`` (YAML 1.1), a YAML 1.2 parser and Go's ``gopkg.in/yaml.v2`` (what vmagent reads its
configuration with; YAML 1.1-ish, so ``yes``/``no``/``on``/``off``/``y``/``n`` are booleans there).
Anything else is double-quoted, with escapes for ``"``, ``\\`` and every control, line-break or
non-printable character, so that a scalar is always one line. Printable non-ASCII text is written as is.
The output is a pure function of the input (no hashing, no sorting), so it does not depend on
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._gc import gc_paused

__all__ = ["dump", "dump_all", "is_plain_safe", "scalar"]

# -- scalars ---------------------------------------------------------------------------------------------

#: Characters a plain scalar may hold: printable, no tab, no line break (NEL, LS, PS), no BOM.
_PLAIN_CHARS = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)
#: First characters that are YAML indicators (the scalar would start a collection, alias, tag, ...).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: Plain words some resolver (YAML 1.1, YAML 1.2 core, Go yaml.v2) reads as null / bool / merge / value;
#: compared case-insensitively (quoting a few harmless spellings as well costs nothing).
_KEYWORDS = frozenset(
    ["", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "=", ".inf", ".nan"]
)
#: A superset of what any of the three resolvers reads as an int, float, inf/nan or timestamp: decimal,
#: ``_`` separators, hex / octal / binary prefixes, exponents, YAML 1.1 sexagesimal (``1:20``), leading
#: ``.`` floats and anything starting with a ``YYYY-M-D`` date.
_NUMBERISH = re.compile(
    r"""[-+]?(?:
          [0-9][0-9_]*(?::[0-9_]+)*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]*)?
        | \.[0-9_]+(?:[eE][-+]?[0-9_]*)?
        | 0[xX][0-9a-fA-F_]*
        | 0[oO][0-7_]*
        | 0[bB][01_]*
        | \.(?:inf|nan)
        )\Z
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}
    """,
    re.VERBOSE | re.IGNORECASE,
)
_NUMBER_START = frozenset("+-.0123456789")
#: Characters a double-quoted scalar must escape: quote, backslash, C0/C1 controls, DEL, line and paragraph
#: separators, surrogates, BOM and the non-characters U+FFFE/U+FFFF.
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\x7f-\x9f"\\\\\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}
#: Longest key (in UTF-8 bytes) written as an implicit ``key: value``; YAML parsers give up on simple
#: keys past 1024 characters, longer ones are written in the explicit ``? key`` form.
_MAX_SIMPLE_KEY = 1000


def is_plain_safe(s: str) -> bool:
    """Whether ``s`` can be written as a plain (unquoted) scalar and read back as the same string."""
    if s.lower() in _KEYWORDS or s != s.strip() or _PLAIN_CHARS.fullmatch(s) is None:
        return False
    first = s[0]
    # "-x" is a plain scalar for every parser ("- x" is a sequence, "---" a document marker, "-1" a number).
    if first in _INDICATORS and (first != "-" or len(s) == 1 or s[1] == " " or s.startswith("---")):
        return False
    if first in _NUMBER_START and (_NUMBERISH.match(s) is not None or s.startswith("...")):
        return False
    return ": " not in s and " #" not in s and not s.endswith(":")


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    esc = _ESCAPES.get(c)
    if esc is not None:
        return esc
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02X}"
    if code < 0x10000:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"  # pragma: no cover - every astral code point is printable


def _quote(s: str) -> str:
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, s) + '"'


def _str_text(s: str) -> str:
    if type(s) is not str:
        s = str.__str__(s)
    return s if is_plain_safe(s) else _quote(s)


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


def _line(s: str) -> str:
    text = _str_text(s) + "\n"
    if type(s) is str:
        _LINE[s] = text
    return text


def _key_text(key: Any, rest: str, tail: str) -> str:
    """``key`` then ``tail`` (``": "`` or ``":\n"``); a very long key in the explicit ``? key`` form."""
    text = _str_text(key) if isinstance(key, str) else scalar(key)
    if len(text) > _CACHED_KEY_MAX:
        if len(text.encode()) > _MAX_SIMPLE_KEY:
            return f"? {text}\n{rest}{tail}"
        return text + tail
    if type(key) is str:
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


def _scalar_line(value: Any) -> str:
    if isinstance(value, str):
        return _LINE.get(value) or _line(value)
    return scalar(value) + "\n"


class _Emitter:
    """One dump: appends parts to ``out``; ``first`` starts a node's first line, ``rest`` its other lines."""

    __slots__ = ("out", "append", "keep", "memo", "items")

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
                self.append(_scalar_line(value))
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
                append(keys.get(k) or _key(k, rest))
                append(lines.get(v) or _line(v))
            elif t is list:
                if v:
                    append(_KEY_BLOCK.get(k) or _key_block(k, rest))
                    # A sequence under a key is not indented: its items are at the key's level.
                    if len(v) >= _SHARED_MIN_ITEMS and type(v[0]) is not str:
                        self.shared(v, rest)
                    else:
                        for item in v:
                            if type(item) is str:
                                append(dash)
                                append(lines.get(item) or _line(item))
                            elif type(item) is dict and item:
                                self.item(item, dash, inner)
                            else:
                                self.node(item, dash, inner)
                else:
                    append(keys.get(k) or _key(k, rest))
                    append("[]\n")
            elif t is dict:
                if v:
                    append(_KEY_BLOCK.get(k) or _key_block(k, rest))
                    self.mapping(v, inner, inner)
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
                self.append(_KEY_BLOCK.get(k) or _key_block(k, rest))
                level = rest + "  " if type(other) is dict else rest  # a sequence is not indented
                self.node(other, level, level)
                return
            self.append(_KEY.get(k) or _key(k, rest))
            self.append("{}\n" if type(other) is dict else "[]\n")
        else:
            self.append(_KEY.get(k) or _key(k, rest))
            self.append(_scalar_line(other))

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
                append(lines.get(item) or _line(item))
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
    if len(_LINE) > _CACHE_LIMIT or len(_KEY) > _CACHE_LIMIT or len(_KEY_BLOCK) > _CACHE_LIMIT:
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
