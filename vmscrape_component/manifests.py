"""Reading Kubernetes manifests from YAML files into validated objects, with every problem reported at once.

Used by the CLI and by anything that takes manifests from disk. A file may hold many documents, and a
document may be a ``List`` (as ``kubectl get -o yaml`` prints). VMServiceScrapes and VMAgents are
validated through the models; a ServiceMonitor becomes the VMServiceScrape the operator would convert it
into (:mod:`vmscrape_component.convert`) and joins the scrapes; Secrets, ConfigMaps and Namespaces are kept
as plain data (assets and namespace labels); every other kind is reported in :attr:`Manifests.ignored`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .bulk import gc_paused
from .convert import IGNORE_CONVERSION_ANNOTATION, Conversion, convert_service_monitor
from .errors import Problem, VMScrapeError
from .models import VMAgentModel, VMServiceScrapeModel
from .settings import OperatorSettings
from .shapes import check_object, describe
from .yamlblock import NOT_PLAIN, block_documents

_ASSET_KINDS = ("Secret", "ConfigMap")

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
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


def _as_the_api_server_reads(tag: str, value: str) -> str:
    """A plain scalar's tag as the API server reads it (sigs.k8s.io/yaml, on yaml.v2), where PyYAML's YAML
    1.1 differs: a timestamp (``2024-01-01``) stays the string it is written as (yaml.v2 decodes
    timestamps into ``interface{}`` as their text), and base-60 numbers (``1:30``) do not exist."""
    if tag == _TIMESTAMP or (tag in (_INT, _FLOAT) and ":" in value):
        return _STR
    return tag


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
                tag = self._plain_tags[value] = _as_the_api_server_reads(
                    super().resolve(kind, value, implicit), value
                )
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
            _check_aliasing(node)
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


class SpelledInt(int):
    """An integer PyYAML (YAML 1.1) read from a spelling other than its plain decimal (``0x5A``, ``1:30``,
    ``+90``, ``1_0``, ``010``). vmagent's yaml.v2 hands a string field the text itself (``"0x5A"``), so two
    spellings of one number are two different values there: equal only when spelled alike."""

    text: str

    def __eq__(self, other: object) -> bool:
        return int.__eq__(self, other) is True and self.text == spelling(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = int.__hash__


class SpelledFloat(float):
    """A float read from a spelling other than Python's own (``9.00``, ``.5``, ``1:30.5``, ``.inf``); see
    :class:`SpelledInt`."""

    text: str

    def __eq__(self, other: object) -> bool:
        return float.__eq__(self, other) is True and self.text == spelling(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = float.__hash__


def spelling(value: Any) -> str | None:
    """How a number was written in its file (its canonical text when it was written that way)."""
    text = getattr(value, "text", None)
    if text is not None:
        return str(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return repr(value)


def _spelled(number_type: type, spelled_type: type) -> Any:
    def construct(loader: Any, node: Any) -> Any:
        value = loader.yaml_constructors_base[node.tag](loader, node)
        if type(value) is not number_type or repr(value) == node.value:
            return value
        spelled = spelled_type(value)
        spelled.text = node.value
        return spelled

    return construct


class _SpellingLoader(_Loader):
    """:class:`_Loader` that keeps how each number was spelled when it is not the plain one."""

    yaml_constructors_base: ClassVar[dict[Any, Any]] = dict(_Loader.yaml_constructors)


_SpellingLoader.add_constructor("tag:yaml.org,2002:int", _spelled(int, SpelledInt))
_SpellingLoader.add_constructor("tag:yaml.org,2002:float", _spelled(float, SpelledFloat))


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


class _TooManyAliases(yaml.MarkedYAMLError):  # type: ignore[misc]  # PyYAML ships no types
    """A document whose aliases expand it far beyond its own size (an alias bomb)."""


#: gopkg.in/yaml.v2's bounds on alias expansion (decode.go, v2.4.0: ``allowedAliasRatio``): what kubectl,
#: the API server and vmagent read YAML with.
_ALIAS_RATIO_LOW, _ALIAS_RATIO_HIGH = 400_000, 4_000_000


def _allowed_alias_ratio(decoded: int) -> float:
    if decoded <= _ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= _ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decoded - _ALIAS_RATIO_LOW) / (_ALIAS_RATIO_HIGH - _ALIAS_RATIO_LOW)


def _check_aliasing(root: Any) -> None:
    """Refuse a document yaml.v2 refuses with "document contains excessive aliasing": its decoder counts
    every node it decodes, and those decoded inside an alias; past 1,000 nodes and 100 aliased ones, the
    aliased share may not exceed :func:`_allowed_alias_ratio`. The walk follows the decoder's order and
    stops at that point, so its cost is bounded by the document's size plus ~400,000 aliased nodes, never
    by the expansion (PyYAML shares an alias's node, but every later walk of the data would not)."""
    decoded, aliased = 1, 0  # yaml.v2 counts the document node too
    seen: set[int] = set()
    #: (id(parent), index of the child) of every child that is an alias (PyYAML: a node met again).
    alias_edges: set[tuple[int, int]] = set()
    #: (node, alias depth, id(parent), index under it); children are pushed in reverse, to pop in order.
    stack: list[tuple[Any, int, int, int]] = [(root, 0, 0, 0)]
    while stack:
        node, depth, parent, index = stack.pop()
        if depth == 0:  # the document itself, in order: a node met again is an alias occurrence
            is_alias = id(node) in seen
            if is_alias:
                alias_edges.add((parent, index))
            seen.add(id(node))
        else:  # inside an expansion: the same edges as where the anchor's node was defined
            is_alias = (parent, index) in alias_edges
        for _ in range(2 if is_alias else 1):  # yaml.v2 decodes the alias node, then its anchor's node
            decoded += 1
            aliased += depth > 0
            if aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded):
                raise _TooManyAliases(
                    problem="aliases expand the document far beyond its size (an alias bomb): kubectl, "
                    'the API server and vmagent (gopkg.in/yaml.v2) refuse it: "document contains '
                    'excessive aliasing"',
                    problem_mark=node.start_mark,
                )
            if is_alias and _ == 0:
                depth += 1
        if node.__class__ is ScalarNode:
            continue
        if node.__class__ is SequenceNode:
            children = list(node.value)
        else:  # a merge key (<<) is not decoded itself, only its value
            merge = "tag:yaml.org,2002:merge"
            children = [n for k, v in node.value for n in ((v,) if k.tag == merge else (k, v))]
        node_id = id(node)
        for i in range(len(children) - 1, -1, -1):
            stack.append((children[i], depth, node_id, i))


#: The implicit tags of plain scalars that the quick reader builds itself (``<<`` and ``=`` it leaves).
_PLAIN_TAGS = frozenset([_NULL, _BOOL, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"])
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _PlainScalars:
    """Plain scalar text → the value PyYAML's safe loader gives it (its resolver, its constructors)."""

    def __init__(self, loader: type[_Loader] = _Loader) -> None:
        self._loader = loader("")
        # PyYAML picks its implicit resolvers by a plain scalar's first character; text starting with
        # any other character is a string (what its resolver returns after trying none), unless there
        # are resolvers for every character (``None``) or by path.
        resolvers = self._loader.yaml_implicit_resolvers
        self._first = None if None in resolvers or self._loader.yaml_path_resolvers else frozenset(resolvers)

    def __call__(self, text: str) -> Any:
        first = self._first
        if first is not None and text and text[0] not in first:
            return text
        loader = self._loader
        tag = loader.resolve(ScalarNode, text, (True, False))
        if tag == _STR:
            return text
        if tag in _PLAIN_TAGS or tag == _TIMESTAMP:
            return loader.yaml_constructors[tag](loader, ScalarNode(tag, text))
        return NOT_PLAIN


@dataclass
class Manifests:
    """What a set of YAML files contained, sorted by kind."""

    scrapes: list[VMServiceScrapeModel] = field(default_factory=list)
    agents: list[VMAgentModel] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    namespaces: dict[str, Mapping[str, str]] = field(default_factory=dict)
    #: "file: Kind ns/name" of every document of another kind.
    ignored: list[str] = field(default_factory=list)
    #: The ServiceMonitors given, converted as the operator would (their scrapes are in :attr:`scrapes`).
    conversions: list[Conversion] = field(default_factory=list)
    #: Lines about ServiceMonitors whose conversion is not used (converter off, opted out by annotation).
    notes: list[str] = field(default_factory=list)


#: The most bytes read from one input (a file, a pipe, standard input): an endless input (``/dev/zero``,
#: a FIFO nobody closes) is refused at this size instead of filling memory. ``VMSCRAPE_MAX_INPUT_BYTES``
#: overrides it.
MAX_INPUT_BYTES = 512 * 1024 * 1024
_CHUNK = 1 << 20


def _max_input_bytes() -> int:
    value = os.environ.get("VMSCRAPE_MAX_INPUT_BYTES", "")
    return int(value) if value.isdigit() else MAX_INPUT_BYTES


def read_text(path: str | Path) -> str:
    """The text of ``path`` (``-`` is standard input); :class:`VMScrapeError` if it cannot be read, is
    larger than :data:`MAX_INPUT_BYTES` (or endless) or is not UTF-8 (naming the byte offset of the first
    bad byte)."""
    where = str(path)
    limit = _max_input_bytes()

    def fail(message: str) -> VMScrapeError:
        return VMScrapeError([Problem(object=where, path="", message=message)])

    if str(path) == "-" and sys.stdin is None:
        raise fail("cannot read: standard input is closed")
    try:
        if str(path) == "-":
            buffer = getattr(sys.stdin, "buffer", None)
            if buffer is None:  # a text stream that was handed in already decoded
                return str(sys.stdin.read())
            data = _read_bounded(buffer, limit)
        else:
            with open(path, "rb") as stream:
                data = _read_bounded(stream, limit)
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # a closed stream
        raise fail(f"cannot read: {exc}") from None
    if data is None:
        raise fail(
            f"larger than {limit // (1024 * 1024)} MiB (or endless): not a manifest file "
            "(VMSCRAPE_MAX_INPUT_BYTES raises the limit)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        message = (
            f"not UTF-8 text: byte 0x{bad} at offset {exc.start} (line {line}); YAML input must be UTF-8"
        )
        raise fail(message) from None


def _read_bounded(stream: Any, limit: int) -> bytearray | None:
    """All of ``stream``, or ``None`` once it holds more than ``limit`` bytes (nothing more is read)."""
    data = bytearray()
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(data)))
        if not chunk:
            return data
        data += chunk
        if len(data) > limit:
            return None


def parse_documents(path: str | Path, text: str, *, keep_spellings: bool = False) -> list[Any]:
    """The YAML documents of ``text``; :class:`VMScrapeError` naming ``path:line:column`` if not YAML or
    nested deeper than :data:`MAX_DEPTH`. ``keep_spellings``: numbers not written plainly are
    :class:`SpelledInt`/:class:`SpelledFloat` (for a comparison that must see ``0x5A`` ≠ ``90``).

    Plain block-style text (what kubectl and yaml.v2 print) is read by :mod:`.yamlblock`; anything else,
    and every error, by PyYAML (through :class:`_Loader`), which gives the positions."""
    quick = block_documents(text, _PlainScalars(_SpellingLoader if keep_spellings else _Loader))
    if quick is not None:
        return quick
    try:
        return list(yaml.load_all(text, Loader=_SpellingLoader if keep_spellings else _Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        message = problem if isinstance(exc, _TooDeep | _TooManyAliases) else f"not valid YAML: {problem}"
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


def _documents(path: Path, docs: list[Any]) -> Iterator[tuple[str, Any]]:
    for index, doc in enumerate(docs):
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


def load_manifests(
    paths: Iterable[str | Path],
    *,
    default_namespace: str = "default",
    operator: OperatorSettings | None = None,
    parsed: Mapping[str, list[Any]] | None = None,
    reuse: dict[Any, Any] | None = None,
) -> Manifests:
    """Read and validate every document of ``paths`` (``-`` is standard input).

    ServiceMonitors are converted with the converter settings of ``operator`` (on by default, as in the
    operator). ``parsed`` maps a path to the documents :func:`parse_documents` already gave for it (so a
    caller that looked at them first does not parse the file twice). ``reuse``, a dict the caller keeps
    between calls, holds the VMServiceScrape models of the documents read so far, by content: a caller
    that loads two versions of the same manifests (``diff``) validates an unchanged scrape once, and
    both loads share its model. Raises :class:`VMScrapeError` listing every problem in every file;
    nothing is returned half-valid. A ServiceMonitor whose conversion would overwrite a VMServiceScrape
    given too is a problem.
    """
    with gc_paused():
        return _load(paths, default_namespace, operator or OperatorSettings(), parsed or {}, reuse)


def _load(
    paths: Iterable[str | Path],
    default_namespace: str,
    operator: OperatorSettings,
    parsed: Mapping[str, list[Any]],
    reuse: dict[Any, Any] | None = None,
) -> Manifests:
    result = Manifests()
    problems: list[Problem] = []
    monitors: list[tuple[str, Conversion]] = []
    scrape_files: dict[str, str] = {}
    for raw in paths:
        path = Path(raw)
        try:
            docs = parsed.get(str(raw))
            documents = list(
                _documents(path, parse_documents(path, read_text(raw)) if docs is None else docs)
            )
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
                if kind not in ("VMServiceScrape", "VMAgent", "ServiceMonitor"):  # checked by their models
                    check_object(doc, where=describe(doc))
                if kind == "VMServiceScrape":
                    scrape = _scrape_model(doc, default_namespace, reuse)
                    scrape_files.setdefault(scrape.key, where)
                    result.scrapes.append(scrape)
                elif kind == "ServiceMonitor":
                    monitors.append(
                        (where, convert_service_monitor(doc, operator, default_namespace=default_namespace))
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
    if not problems:
        _add_conversions(result, monitors, scrape_files, operator, problems)
    if problems:
        raise VMScrapeError(problems)
    return result


def _scrape_model(doc: dict[str, Any], default_namespace: str, reuse: dict[Any, Any] | None) -> Any:
    """The model of one VMServiceScrape document, taken from ``reuse`` when an equal document was read."""
    if reuse is None:
        return VMServiceScrapeModel.from_manifest(doc, default_namespace=default_namespace)
    # repr tells apart what == does not (1, 1.0 and True; "1" and 1): equal text, equal document.
    key = ("VMServiceScrape", default_namespace, repr(doc))
    model = reuse.get(key)
    if model is None:
        model = reuse[key] = VMServiceScrapeModel.from_manifest(doc, default_namespace=default_namespace)
    return model


def _add_conversions(
    result: Manifests,
    monitors: list[tuple[str, Conversion]],
    scrape_files: dict[str, str],
    operator: OperatorSettings,
    problems: list[Problem],
) -> None:
    """Join the converted ServiceMonitors to the scrapes, as the operator would write them."""
    given = {scrape.key: scrape for scrape in result.scrapes}
    seen: dict[str, str] = {}
    for where, conversion in monitors:
        key = conversion.key
        if not operator.convert_service_monitors:
            result.notes.append(
                f"{where}: ServiceMonitor {key} not converted "
                "(VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE=false)"
            )
            continue
        if key in seen:
            problems.append(
                Problem(f"{where} ServiceMonitor {key}", "metadata.name", f"given twice (also {seen[key]})")
            )
            continue
        seen[key] = where
        existing = given.get(key)
        if existing is not None:
            if (existing.annotations or {}).get(IGNORE_CONVERSION_ANNOTATION) == "enabled":
                result.notes.append(
                    f"{where}: ServiceMonitor {key} not converted: VMServiceScrape {key} "
                    f"({scrape_files[key]}) has {IGNORE_CONVERSION_ANNOTATION}: enabled"
                )
                continue
            problems.append(
                Problem(
                    f"{where} ServiceMonitor {key}",
                    "metadata.name",
                    f"the operator would overwrite VMServiceScrape {key} ({scrape_files[key]}) with this "
                    f"ServiceMonitor's conversion; rename one of them, or annotate the VMServiceScrape with "
                    f"{IGNORE_CONVERSION_ANNOTATION}: enabled to keep it",
                )
            )
            continue
        result.conversions.append(conversion)
        result.scrapes.append(conversion.scrape)
