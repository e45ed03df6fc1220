"""The field map (``docs/FIELDS.md``): each CRD field, the model field that holds it, and where the
renderer reads it, so that finding a field takes one step.

The models mirror the CRDs one to one (``tests/unit/test_crd_coverage.py``), so the map walks the models
from ``VMServiceScrapeSpec`` and ``VMAgentSpec`` (the scrape-related part of an agent), in their manifest
spelling. A field's readers are the functions of ``render/``, ``settings.py`` and ``select.py`` that read
an attribute of its Python name (by name: a name shared by several models lists the readers of all of
them). Functions, not line numbers, so that the map stays true while code moves inside a function.

``python -m tests.support.fieldmap`` rewrites the file; ``tests/unit/test_field_map.py`` fails when it is
stale.
"""

from __future__ import annotations

import ast
import sys
import types
import typing
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Union

import pydantic

from vmscrape_component.models import VMAgentSpec, VMServiceScrapeSpec

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "vmscrape_component"
FIELDS_MD = ROOT / "docs" / "FIELDS.md"
#: Where the rendered config is decided from the models.
READERS = (*sorted((PACKAGE / "render").glob("*.py")), PACKAGE / "settings.py", PACKAGE / "select.py")
#: Readers listed per field at most (the rest are counted).
MAX_READERS = 4


def _members(tp: Any) -> list[Any]:
    """The model classes inside an annotation (through Optional, unions, lists, dicts, Annotated)."""
    if typing.get_origin(tp) is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (Union, types.UnionType, list, dict, tuple):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp] if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel) else []


def _key(name: str, field: Any) -> str:
    return str(field.alias) if field.alias else name


def walk(model: type[pydantic.BaseModel], path: str) -> Iterator[tuple[str, type[pydantic.BaseModel], str]]:
    """(manifest path, model class, Python field name) for every field under ``model``, depth first."""
    for name, field in model.model_fields.items():
        origin = typing.get_origin(field.annotation)
        here = f"{path}.{_key(name, field)}"
        yield here, model, name
        for sub in dict.fromkeys(_members(field.annotation)):
            is_list = origin is list or any(
                typing.get_origin(a) is list for a in typing.get_args(field.annotation)
            )
            if sub is not model:
                yield from walk(sub, here + ("[]" if is_list else ""))


@cache
def _definitions(source: Path) -> dict[tuple[str, str], int]:
    """(class, field) → line of the field's definition in ``source``."""
    found: dict[tuple[str, str], int] = {}
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    found[(node.name, item.target.id)] = item.lineno
    return found


def model_site(model: type[pydantic.BaseModel], name: str) -> str:
    """``models/endpoint.py:42 Endpoint.port``: where the field is defined (its class, or a base)."""
    for cls in model.__mro__:
        module = sys.modules.get(cls.__module__)
        source = Path(getattr(module, "__file__", "") or "")
        if source.is_file() and (cls.__name__, name) in _definitions(source):
            line = _definitions(source)[(cls.__name__, name)]
            return f"`{source.relative_to(PACKAGE)}:{line}` {cls.__name__}.{name}"
    return f"{model.__name__}.{name}"


@cache
def readers() -> dict[str, list[str]]:
    """Python attribute name → the ``module:function`` sites of the readers that read it."""
    sites: dict[str, list[str]] = defaultdict(list)
    for source in READERS:
        module = str(source.relative_to(PACKAGE))
        tree = ast.parse(source.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    site = f"{module}:{function.name}"
                    if site not in sites[node.attr]:
                        sites[node.attr].append(site)
    return sites


def _reader_cell(name: str) -> str:
    found = readers().get(name, [])
    if not found:
        return "—"
    shown = ", ".join(f"`{s}`" for s in found[:MAX_READERS])
    return shown + (f" (+{len(found) - MAX_READERS} more)" if len(found) > MAX_READERS else "")


def generate() -> str:
    lines = [
        "# Field map",
        "",
        "Each CRD field, the model field that holds it (file:line), and the functions that read it to render",
        "the scrape config (`render/`, `settings.py`, `select.py`; matched by the field's Python name).",
        "Generated by `python -m tests.support.fieldmap`; `tests/unit/test_field_map.py` fails when it is",
        "stale. `—`: no reader of that name (the field is read by its parent, or not rendered: see",
        "`tests/unit/test_render_reads_every_field.py`).",
        "",
    ]
    for title, model in (("VMServiceScrape", VMServiceScrapeSpec), ("VMAgent (scrape-related)", VMAgentSpec)):
        lines += [f"## {title}", "", "| CRD field | model | read by |", "|---|---|---|"]
        for path, cls, name in walk(model, "spec"):
            lines.append(f"| `{path}` | {model_site(cls, name)} | {_reader_cell(name)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    FIELDS_MD.parent.mkdir(exist_ok=True)
    FIELDS_MD.write_text(generate())
    print(f"wrote {FIELDS_MD.relative_to(ROOT)}")
