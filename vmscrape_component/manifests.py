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

from .errors import Problem, VMScrapeError
from .models import VMAgent, VMServiceScrape

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ASSET_KINDS = ("Secret", "ConfigMap")


@dataclass
class Manifests:
    """What a set of YAML files contained, sorted by kind."""

    scrapes: list[VMServiceScrape] = field(default_factory=list)
    agents: list[VMAgent] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    namespaces: dict[str, Mapping[str, str]] = field(default_factory=dict)
    #: "file: Kind ns/name" of every document of another kind.
    ignored: list[str] = field(default_factory=list)


def _documents(path: Path, text: str) -> Iterator[tuple[str, Any]]:
    try:
        docs = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise VMScrapeError([Problem(object=where, path="", message=f"not valid YAML: {problem}")]) from None
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


def _describe(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{doc.get('kind')} {ns + '/' if ns else ''}{meta.get('name', '?')}"


def load_manifests(paths: Iterable[str | Path], *, default_namespace: str = "default") -> Manifests:
    """Read and validate every document of ``paths`` (``-`` is standard input).

    Raises :class:`VMScrapeError` listing every problem in every file; nothing is returned half-valid.
    """
    result = Manifests()
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        try:
            text = sys.stdin.read() if str(raw) == "-" else path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(Problem(object=str(path), path="", message=f"cannot read: {exc.strerror}"))
            continue
        try:
            documents = list(_documents(path, text))
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
                        VMServiceScrape.from_manifest(doc, default_namespace=default_namespace)
                    )
                elif kind == "VMAgent":
                    result.agents.append(VMAgent.from_manifest(doc, default_namespace=default_namespace))
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
