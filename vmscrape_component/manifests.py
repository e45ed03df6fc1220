"""Reading Kubernetes manifests from YAML files into validated objects, with every problem reported at once.

Used by the CLI and by anything that takes manifests from disk. A file may hold many documents, and a
document may be a ``List`` (as ``kubectl get -o yaml`` prints). VMServiceScrapes and VMAgents are
validated through the models; Secrets, ConfigMaps and Namespaces are kept as plain data (assets and
namespace labels); every other kind is reported in :attr:`Manifests.ignored`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import Problem, VMScrapeError
from .models import VMAgentModel, VMServiceScrapeModel
from .render._gc import gc_paused

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


class _NotPlain(Exception):
    """A document uses something the quick constructor leaves to PyYAML's own (tags, merges, aliases)."""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's parser when present): same documents, same values, same errors.

    Two shortcuts, both exact: a plain scalar's implicit tag is looked up once per distinct text (the
    safe resolver has no path resolvers, so the tag depends on the text alone), and a document made only
    of maps, sequences and the safe scalar tags is built by one direct walk instead of the generic
    constructor. Any other document (explicit collection tags, ``<<`` merges, ``=`` keys, a collection
    reached twice through an alias, a collection as a key) goes through PyYAML's constructor unchanged.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)

    def construct_document(self, node: Any) -> Any:
        try:
            return self._build(node, set())
        except _NotPlain:
            return super().construct_document(node)

    def _build(self, node: Any, seen: set[int]) -> Any:
        cls, tag = node.__class__, node.tag
        if cls is ScalarNode:
            if tag == _STR:
                return node.value
            if tag not in _SCALAR_TAGS:
                raise _NotPlain
            return self.yaml_constructors[tag](self, node)
        if id(node) in seen:
            raise _NotPlain
        seen.add(id(node))
        if cls is MappingNode and tag == _MAP:
            data: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode or key_node.tag not in _SCALAR_TAGS:
                    raise _NotPlain
                data[self._build(key_node, seen)] = self._build(value_node, seen)
            return data
        if cls is SequenceNode and tag == _SEQ:
            return [self._build(item, seen) for item in node.value]
        raise _NotPlain


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
    """The text of ``path`` (``-`` is standard input); :class:`VMScrapeError` if it cannot be read."""
    try:
        return sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VMScrapeError(
            [Problem(object=str(path), path="", message=f"cannot read: {exc.strerror}")]
        ) from None


def parse_documents(path: str | Path, text: str) -> list[Any]:
    """The YAML documents of ``text``; :class:`VMScrapeError` naming ``path:line:column`` if not YAML."""
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise VMScrapeError([Problem(object=where, path="", message=f"not valid YAML: {problem}")]) from None


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


def _describe(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{doc.get('kind')} {ns + '/' if ns else ''}{meta.get('name', '?')}"


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
                if kind == "VMServiceScrape":
                    result.scrapes.append(
                        VMServiceScrapeModel.from_manifest(doc, default_namespace=default_namespace)
                    )
                elif kind == "VMAgent":
                    result.agents.append(VMAgentModel.from_manifest(doc, default_namespace=default_namespace))
                elif kind in _ASSET_KINDS:
                    doc.setdefault("metadata", {}).setdefault("namespace", default_namespace)
                    result.assets.append(doc)
                elif kind == "Namespace":
                    meta = doc.get("metadata") or {}
                    result.namespaces[meta.get("name", "")] = meta.get("labels") or {}
                else:
                    result.ignored.append(f"{where}: {_describe(doc)}")
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
