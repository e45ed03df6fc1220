"""Regular expressions as vmagent reads them: Go's ``regexp`` (RE2 syntax), anchored by vmagent itself.

vmagent's ``regexutil.RemoveStartEndAnchors`` drops every leading ``^`` and every unescaped trailing
``$`` of a relabeling regex, then compiles it as ``^(?:regex)$`` (lib/promrelabel/config.go:229); an
``if`` selector's ``=~`` regexes are anchored the same way.

The check is Go's, not the C++ RE2 that Python's ``re2`` binds: the syntax is checked with ``re2``,
and where Go's regexp/syntax (Go 1.26, what vmagent v1.150.0 is built with) differs, its own rules
decide: the Unicode class names it knows (:mod:`.go_unicode`), ASCII-only group names, no ``\\C``, its
parse-tree height limit (1,000) and program size limit, whereas RE2's memory budget (which refuses
``\\pL{1000}``) does not apply. ``tests/conformance/test_go_oracle_regex.py`` compares the result with
Go's ``regexp.Compile``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import re2

from .go_unicode import GO_UNICODE_CLASS_NAMES

__all__ = ["go_regex_limits", "re2_spelling", "regex_problem", "strip_anchors"]

#: regexp/syntax parse.go:94 maxHeight, and :103 maxSize (128 MiB of 40-byte instructions).
GO_MAX_HEIGHT = 1000
GO_MAX_SIZE = (128 << 20) // 40


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


def _canonical_class_name(name: str) -> str:
    """regexp/syntax parse.go:1675 canonicalName."""
    out: list[str] = []
    for c in name:
        if c in "_- ":
            continue
        if not out:
            out.append(c.upper() if "a" <= c <= "z" else c)
        else:
            out.append(c.lower() if "A" <= c <= "Z" else c)
    return "".join(out)


_GROUP_NAME = re.compile(r"\(\?P?<([^>]*)>")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")


@dataclass
class _Scan:
    """What one pass over a regex finds: the first Go-only problem, and the text RE2 should check."""

    problem: str | None = None
    text: list[str] = field(default_factory=list)


def _scan(expr: str) -> _Scan:
    r"""Find what Go refuses but RE2 accepts (``\C``, unknown ``\p`` names, non-ASCII group names), and
    write every ``\p{...}`` as ``\d`` (``\P`` as ``\D``) for RE2: Go knows names RE2 does not
    (``\p{Cn}``, ``\p{greek}``), and a class is one instruction for Go's size limit."""
    scan = _Scan()
    out = scan.text
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c == "(" and expr.startswith(("(?P<", "(?<"), i):
            m = _GROUP_NAME.match(expr, i)
            if m and not _ASCII_WORD.fullmatch(m[1]) and scan.problem is None:
                scan.problem = f"invalid named capture {m[0]!r}: Go allows only ASCII letters, digits and _"
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        e = expr[i + 1]
        if e == "Q":  # \Q...\E is literal text (to the end without \E)
            end = expr.find("\\E", i + 2)
            end = n if end < 0 else end + 2
            out.append(expr[i:end])
            i = end
            continue
        if e == "C" and scan.problem is None:
            scan.problem = "`\\C` (any byte) is not supported by Go's regexp"
        if e in "pP" and i + 2 < n:
            if expr[i + 2] == "{":
                close = expr.find("}", i + 3)
                if close < 0:
                    out.append(expr[i:])  # RE2 reports the missing brace
                    break
                name, end = expr[i + 3 : close], close + 1
            else:
                name, end = expr[i + 2], i + 3
            negated = (e == "P") != name.startswith("^")
            if _canonical_class_name(name.removeprefix("^")) not in GO_UNICODE_CLASS_NAMES:
                if scan.problem is None:
                    scan.problem = (
                        f"invalid character class range: {expr[i:end]!r} (not a Unicode class Go knows)"
                    )
                out.append(expr[i:end])
            else:
                out.append("\\D" if negated else "\\d")
            i = end
            continue
        out.append(expr[i : i + 2])
        i += 2
    return scan


@lru_cache(maxsize=256)
def _re2_knows(name: str) -> bool:
    try:
        re2.compile(f"\\p{{{name}}}", _RE2_OPTIONS)
    except re2.error:
        return False
    return True


_UNICODE_CLASS = re.compile(r"\\\\|\\Q.*?(?:\\E|\Z)|\\([pP])\{(\^?)([^}]*)\}", re.DOTALL)


def re2_spelling(expr: str) -> str:
    r"""``expr`` with the Unicode class names Go matches loosely (``\p{greek}``, ``\p{lu}``) spelled as
    RE2 knows them (``\p{Greek}``), so the RE2 behind the simulator matches what vmagent matches. Names
    RE2 has no table for (``Cn``, ``LC``, Go's category aliases) stay as they are."""

    def spell(m: re.Match[str]) -> str:
        if m[1] is None:
            return m[0]
        name = _canonical_class_name(m[3])
        if name in GO_UNICODE_CLASS_NAMES and _re2_knows(name):
            return f"\\{m[1]}{{{m[2]}{name}}}"
        return m[0]

    return _UNICODE_CLASS.sub(spell, expr)


# -- Go's parse tree, as far as its limits see it --------------------------------------------------------


@dataclass
class _Node:
    op: str  # lit, class, empty, cap, star, plus, quest, rep, concat, alt
    subs: list[_Node] = field(default_factory=list)
    n: int = 1  # runes of a literal; min of a repeat
    m: int = -1  # max of a repeat


def _concat(items: list[_Node]) -> _Node:
    flat: list[_Node] = []
    for item in items:
        if item.op == "lit" and flat and flat[-1].op == "lit":  # parse.go maybeConcat: one literal
            flat[-1] = _Node("lit", n=flat[-1].n + item.n)
        else:
            flat.extend(item.subs if item.op == "concat" else [item])
    if not flat:
        return _Node("empty")
    return flat[0] if len(flat) == 1 else _Node("concat", flat)


def _alternate(branches: list[_Node]) -> _Node:
    if len(branches) == 1:
        return branches[0]
    if all(b.op == "class" or (b.op == "lit" and b.n == 1) for b in branches):
        return _Node("class")  # a|b|[cd] is one character class for Go
    flat: list[_Node] = []
    for b in branches:
        flat.extend(b.subs if b.op == "alt" else [b])
    return _Node("alt", flat)


_REPEAT = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
_CLASS_END = re.compile(r"\[:[a-z]+:\]|\\.|[^\]]", re.DOTALL)


def _tree(expr: str) -> _Node:
    """The tree Go's parser builds for ``expr`` (already known to be valid), near enough for its height
    and size limits: literals merged, ``(?:...)`` and flag groups transparent, nested concatenations and
    alternations flattened, an alternation of single characters one class."""
    frames: list[tuple[bool, list[list[_Node]]]] = [(False, [[]])]  # (capturing, alternatives)
    i, n = 0, len(expr)
    while i < n:
        items = frames[-1][1][-1]
        c = expr[i]
        if c == "\\":
            e = expr[i + 1 : i + 2]
            if e == "Q":
                end = expr.find("\\E", i + 2)
                end = n if end < 0 else end
                items.extend(_Node("lit") for _ in range(end - i - 2))
                i = end + 2
                continue
            if e in "pP":
                i = (expr.find("}", i) + 1) if expr[i + 2 : i + 3] == "{" else i + 3
                items.append(_Node("class"))
                continue
            if e == "x" and expr[i + 2 : i + 3] == "{":
                i = expr.find("}", i) + 1
                items.append(_Node("lit"))
                continue
            items.append(_Node("class" if e in "dDwWsS" else "empty" if e in "bBAz" else "lit"))
            i += 4 if e == "x" else 2
        elif c == "[":
            j = i + 1
            if expr[j : j + 1] == "^":
                j += 1
            if expr[j : j + 1] == "]":
                j += 1
            while j < n and expr[j] != "]":
                m = _CLASS_END.match(expr, j)
                j = m.end() if m else j + 1
            items.append(_Node("class"))
            i = j + 1
        elif c == "(":
            if expr.startswith("(?", i) and not expr.startswith(("(?P<", "(?<"), i):
                end = i + 2
                while end < n and expr[end] not in ":)":
                    end += 1
                if expr[end : end + 1] == ")":  # (?i): flags only, no group
                    i = end + 1
                    continue
                frames.append((False, [[]]))
                i = end + 1
            else:
                frames.append((True, [[]]))
                i = expr.find(">", i) + 1 if expr.startswith(("(?P<", "(?<"), i) else i + 1
        elif c == ")":
            capturing, alts = frames.pop()
            node = _alternate([_concat(a) for a in alts])
            frames[-1][1][-1].append(_Node("cap", [node]) if capturing else node)
            i += 1
        elif c == "|":
            frames[-1][1].append([])
            i += 1
        elif c in "*+?" or (c == "{" and _REPEAT.match(expr, i)):
            if c == "{":
                m = _REPEAT.match(expr, i)
                assert m is not None
                lo = int(m[1])
                hi = lo if m[2] is None else int(m[3]) if m[3] else -1
                node = _Node("rep", [items.pop()], lo, hi)
                i = m.end()
            else:
                node = _Node({"*": "star", "+": "plus", "?": "quest"}[c], [items.pop()])
                i += 1
            if expr[i : i + 1] == "?":  # lazy
                i += 1
            items.append(node)
        else:
            items.append(_Node("empty" if c in "^$" else "class" if c == "." else "lit"))
            i += 1
    while len(frames) > 1:  # unbalanced: RE2 has refused it already
        frames.pop()
    return _alternate([_concat(a) for a in frames[0][1]])


def go_regex_limits(expr: str) -> tuple[int, int]:
    """Height and size of Go's parse tree for ``expr`` (regexp/syntax parse.go:273 calcHeight, :212
    calcSize), computed without recursion: a tree may be 1,000s of levels deep."""
    root = _tree(expr)
    height: dict[int, int] = {}
    size: dict[int, int] = {}
    stack: list[tuple[_Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            stack.extend((sub, False) for sub in node.subs)
            continue
        subs_h = [height[id(s)] for s in node.subs]
        subs_s = [size[id(s)] for s in node.subs]
        height[id(node)] = 1 + max(subs_h, default=0)
        op, sub = node.op, (subs_s[0] if subs_s else 0)
        if op == "lit":
            s = node.n
        elif op in ("cap", "star"):
            s = 2 + sub
        elif op in ("plus", "quest"):
            s = 1 + sub
        elif op == "concat":
            s = sum(subs_s)
        elif op == "alt":
            s = sum(subs_s) + len(subs_s) - 1
        elif op == "rep":
            s = (
                (2 + sub if node.n == 0 else 1 + node.n * sub)
                if node.m == -1
                else node.m * sub + node.m - node.n
            )
        else:
            s = 0
        size[id(node)] = max(1, s)
    return height[id(root)], size[id(root)]


@lru_cache(maxsize=4096)  # compiling with RE2 twice per rule is most of a relabel rule's validation
def regex_problem(expr: str) -> str | None:
    """Why vmagent cannot compile ``expr`` (as is, and anchored as ``^(?:expr)$``)."""
    inner = strip_anchors(expr)
    scan = _scan(inner)
    if scan.problem:
        return f"not a valid regular expression for vmagent (Go's regexp): {scan.problem}"
    checked = "".join(scan.text)
    for candidate in (checked, f"^(?:{checked})$"):
        try:
            re2.compile(candidate, _RE2_OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            if "pattern too large" not in str(reason):  # RE2's memory budget: Go's size limit decides
                return f"not a valid RE2 regular expression: {reason}"
    if len(inner) >= GO_MAX_HEIGHT // 2 or "{" in inner:  # shorter ones cannot reach either limit
        height, size = go_regex_limits(f"^(?:{checked})$")
        if height > GO_MAX_HEIGHT:
            return (
                "not a valid regular expression for vmagent: "
                f"nests deeper than Go's regexp allows ({GO_MAX_HEIGHT} levels)"
            )
        if size > GO_MAX_SIZE:
            return "not a valid regular expression for vmagent: larger than Go's regexp allows (repeat less)"
    return None
