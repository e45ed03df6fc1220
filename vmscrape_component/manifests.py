"""Reading Kubernetes manifests from YAML files into validated objects, with every problem reported at once.

Used by the CLI and by anything that takes manifests from disk. A file may hold many documents, and a
document may be a ``List`` (as ``kubectl get -o yaml`` prints). VMServiceScrapes and VMAgents are
validated through the models; Secrets, ConfigMaps and Namespaces are kept as plain data (assets and
namespace labels); every other kind is reported in :attr:`Manifests.ignored`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .bulk import gc_paused
from .errors import Problem, VMScrapeError
from .models import VMAgentModel, VMServiceScrapeModel
from .shapes import check_object, describe

_ASSET_KINDS = ("Secret", "ConfigMap")

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
#: Scalar tags whose safe constructors return the value itself (not a generator filling a container).
_SCALAR_TAGS = frozenset(
    [_STR, _NULL, _BOOL, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"]
    + ["tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp"]
)


#: The deepest nesting of mappings and lists read from any file (a container port in a ``List`` of Pods is
#: 8 levels deep). Deeper input is refused where it is read, so nothing that walks the data later
#: (validation, comparison, output) can run out of stack.
MAX_DEPTH = 100


class _TooDeep(yaml.MarkedYAMLError):  # type: ignore[misc]  # PyYAML ships no types
    """Input nested deeper than :data:`MAX_DEPTH`."""


def _too_deep(node: Any) -> _TooDeep:
    return _TooDeep(
        problem=f"nested deeper than {MAX_DEPTH} levels of mappings and lists (or an alias refers to itself)",
        problem_mark=node.start_mark,
    )


class _NotPlain(Exception):
    """A document uses something the quick constructor leaves to PyYAML's own (tags, merges, aliases)."""


def _duplicate_key(key: Any, first: Any, second: Any) -> yaml.YAMLError:
    """The error for a key written twice in one mapping (the API server's strict decoding refuses it)."""
    return yaml.constructor.ConstructorError(
        None,
        None,
        f"duplicate key {key!r} (lines {first.start_mark.line + 1} and {second.start_mark.line + 1}): "
        "kubectl and the API server refuse a key written twice in one mapping; keep one of them",
        second.start_mark,
    )


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's parser when present): same documents, same values, same errors.

    One addition: a key written twice in one mapping is an error naming both lines, as kubectl's strict
    decoding refuses it (PyYAML would silently keep the last value). Two shortcuts, both exact: a plain
    scalar's implicit tag is looked up once per distinct text (the safe resolver has no path resolvers,
    so the tag depends on the text alone), and a document made only of maps, sequences and the safe
    scalar tags is built by one direct walk instead of the generic constructor. Any other document
    (explicit collection tags, ``<<`` merges, ``=`` keys, a collection reached twice through an alias, a
    collection as a key) goes through PyYAML's constructor unchanged.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Only PyYAML's pure-Python parser composes here (it recurses per level); libyaml stops at 1000.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _too_deep(self.peek_event())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        # Before PyYAML flattens `<<` merges, whose keys may be overridden on purpose.
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.__class__ is ScalarNode and key_node.tag != "tag:yaml.org,2002:merge":
                first = seen.setdefault((key_node.tag, key_node.value), key_node)
                if first is not key_node:
                    raise _duplicate_key(key_node.value, first, key_node)
        return super().construct_mapping(node, deep)

    def construct_document(self, node: Any) -> Any:
        try:
            return self._build(node, set(), 1)
        except _NotPlain:
            _check_depth(node, 1, {})
            return super().construct_document(node)

    def _build(self, node: Any, seen: set[int], depth: int) -> Any:
        cls, tag = node.__class__, node.tag
        if cls is ScalarNode:
            if tag == _STR:
                return node.value
            if tag not in _SCALAR_TAGS:
                raise _NotPlain
            return self.yaml_constructors[tag](self, node)
        if depth > MAX_DEPTH:
            raise _too_deep(node)
        if id(node) in seen:
            raise _NotPlain
        seen.add(id(node))
        if cls is MappingNode and tag == _MAP:
            data: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag not in _SCALAR_TAGS:
                    raise _NotPlain
                key = self._build(key_node, seen, depth + 1)
                if key in data:
                    first = next(k for k, _ in node.value if self._build(k, seen, depth + 1) == key)
                    raise _duplicate_key(key, first, key_node)
                data[key] = self._build(value_node, seen, depth + 1)
            return data
        if cls is SequenceNode and tag == _SEQ:
            return [self._build(item, seen, depth + 1) for item in node.value]
        raise _NotPlain


def _check_depth(node: Any, depth: int, deepest: dict[int, int]) -> None:
    """Refuse a node tree deeper than :data:`MAX_DEPTH` (aliases included: a node reached again is walked
    again only when reached deeper, so alias bombs stay cheap and self-references end as "too deep")."""
    if node.__class__ is ScalarNode:
        return
    if depth > MAX_DEPTH:
        raise _too_deep(node)
    if deepest.get(id(node), 0) >= depth:
        return
    deepest[id(node)] = depth
    children = node.value if node.__class__ is SequenceNode else [n for pair in node.value for n in pair]
    for child in children:
        _check_depth(child, depth + 1, deepest)


@dataclass
class Manifests:
    """What a set of YAML files contained, sorted by kind."""

    scrapes: list[VMServiceScrapeModel] = field(default_factory=list)
    agents: list[VMAgentModel] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    namespaces: dict[str, Mapping[str, str]] = field(default_factory=dict)
    #: "file: Kind ns/name" of every document of another kind.
    ignored: list[str] = field(default_factory=list)


def read_text(path: str | Path) -> str:
    """The text of ``path`` (``-`` is standard input); :class:`VMScrapeError` if it cannot be read or is
    not UTF-8 (naming the byte offset of the first bad byte)."""
    try:
        data = _read_stdin() if str(path) == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise VMScrapeError(
            [Problem(object=str(path), path="", message=f"cannot read: {exc.strerror}")]
        ) from None
    if isinstance(data, str):  # a text stream that was handed in already decoded
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        message = (
            f"not UTF-8 text: byte 0x{bad} at offset {exc.start} (line {line}); YAML input must be UTF-8"
        )
        raise VMScrapeError([Problem(object=str(path), path="", message=message)]) from None


def _read_stdin() -> bytes | str:
    # The bytes, so that undecodable input is reported like a file's instead of failing in the decoder.
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read() if buffer is not None else sys.stdin.read()


def parse_documents(path: str | Path, text: str) -> list[Any]:
    """The YAML documents of ``text``; :class:`VMScrapeError` naming ``path:line:column`` if not YAML or
    nested deeper than :data:`MAX_DEPTH`."""
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        message = problem if isinstance(exc, _TooDeep) else f"not valid YAML: {problem}"
        raise VMScrapeError([Problem(object=where, path="", message=message)]) from None


def parse_json(path: str | Path, text: str) -> Any:
    """The JSON value of ``text``; :class:`VMScrapeError` naming ``path`` if not JSON or nested too deep."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise VMScrapeError([Problem(object=str(path), path="", message=f"not valid JSON: {exc}")]) from None
    except RecursionError:
        message = "nested too deep to read (a cluster object is never nested that deep)"
        raise VMScrapeError([Problem(object=str(path), path="", message=message)]) from None


def _documents(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    for index, doc in enumerate(parse_documents(path, text)):
        if doc is None:
            continue
        where = f"{path}#{index}"
        if (
            isinstance(doc, dict)
            and str(doc.get("kind", "")).endswith("List")
            and isinstance(doc.get("items"), list)
        ):
            for j, item in enumerate(doc.get("items") or []):
                yield f"{where}.items[{j}]", item
        else:
            yield where, doc


def load_manifests(paths: Iterable[str | Path], *, default_namespace: str = "default") -> Manifests:
    """Read and validate every document of ``paths`` (``-`` is standard input).

    Raises :class:`VMScrapeError` listing every problem in every file; nothing is returned half-valid.
    """
    with gc_paused():
        return _load(paths, default_namespace)


def _load(paths: Iterable[str | Path], default_namespace: str) -> Manifests:
    result = Manifests()
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        try:
            documents = list(_documents(path, read_text(raw)))
        except VMScrapeError as exc:
            problems.extend(exc.problems)
            continue
        for where, doc in documents:
            if not isinstance(doc, dict):
                problems.append(
                    Problem(
                        object=where,
                        path="",
                        message="expected a mapping (a Kubernetes object)",
                        value=type(doc).__name__,
                    )
                )
                continue
            kind = doc.get("kind")
            try:
                if kind not in ("VMServiceScrape", "VMAgent"):  # those two are checked by their models
                    check_object(doc, where=describe(doc))
                if kind == "VMServiceScrape":
                    result.scrapes.append(
                        VMServiceScrapeModel.from_manifest(doc, default_namespace=default_namespace)
                    )
                elif kind == "VMAgent":
                    result.agents.append(VMAgentModel.from_manifest(doc, default_namespace=default_namespace))
                elif kind in _ASSET_KINDS:
                    meta = doc["metadata"] = dict(doc.get("metadata") or {})  # null: absent
                    meta["namespace"] = meta.get("namespace") or default_namespace
                    result.assets.append(doc)
                elif kind == "Namespace":
                    meta = doc.get("metadata") or {}
                    result.namespaces[meta.get("name") or ""] = meta.get("labels") or {}
                else:
                    result.ignored.append(f"{where}: {describe(doc)}")
            except VMScrapeError as exc:
                problems.extend(
                    Problem(
                        object=f"{where} {p.object}".strip(), path=p.path, message=p.message, value=p.value
                    )
                    for p in exc.problems
                )
    if problems:
        raise VMScrapeError(problems)
    return result
