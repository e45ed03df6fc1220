"""The package's layering rules: only ``vmscrape_component/component/`` imports ``pulumi``, and imports
run down the floors declared in ``LAYERS``."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "vmscrape_component"


def _imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_the_component_package_imports_pulumi() -> None:
    offenders = {
        str(source.relative_to(PACKAGE)): sorted(
            name for name in _imported_modules(source) if name.split(".")[0].startswith("pulumi")
        )
        for source in PACKAGE.rglob("*.py")
        if "component" not in source.relative_to(PACKAGE).parts[:1]
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_automation_api_runner_lives_in_the_component_package() -> None:
    assert "pulumi" in {name.split(".")[0] for name in _imported_modules(PACKAGE / "component" / "runner.py")}


#: The package's floors, lowest first. A module imports only from its own room and from rooms on a lower
#: floor: data flows up (grammar → models → settings → select/render → preview → faces), never down.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("_version", "errors", "bulk", "process", "paths", "operator_env", "gzip_size"),
    ("grammar", "yamlblock"),
    ("models", "shapes"),
    ("settings",),
    ("convert",),
    ("lint", "select", "manifests"),
    ("render",),
    ("kubeclient", "diff"),
    ("simulate", "verify"),
    ("cluster",),
    ("component",),
    ("cli",),
    ("__init__", "__main__"),
)
_FLOOR = {room: floor for floor, rooms in enumerate(LAYERS) for room in rooms}


def _room(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


def _package_imports(source: Path) -> set[str]:
    """The rooms of the package that ``source`` imports from (relative or absolute imports alike)."""
    rel = source.relative_to(PACKAGE).parts
    rooms: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = list(rel[:-1])[: len(rel) - node.level] if node.level > 1 else list(rel[:-1])
            target = [*base, *(node.module.split(".") if node.module else [])]
            rooms.update([_room(tuple(target))] if target else {alias.name for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("vmscrape_component."):
            rooms.add(node.module.split(".")[1])  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            rooms.update(a.name.split(".")[1] for a in node.names if a.name.startswith("vmscrape_component."))
    return rooms


def test_every_room_of_the_package_has_a_floor() -> None:
    rooms = {_room(source.relative_to(PACKAGE).parts) for source in PACKAGE.rglob("*.py")}
    assert sorted(rooms - set(_FLOOR)) == []


def test_imports_never_run_up_or_sideways() -> None:
    offenders = []
    for source in sorted(PACKAGE.rglob("*.py")):
        room = _room(source.relative_to(PACKAGE).parts)
        for target in sorted(_package_imports(source) - {room}):
            if target in _FLOOR and _FLOOR[target] >= _FLOOR[room]:
                offenders.append(f"{source.relative_to(PACKAGE)} ({room}) imports {target}")
    assert offenders == []


def test_the_layering_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The check itself, on a module that imports from a higher floor.
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        (tmp_path / "select.py").write_text("from .render import render_config\n")
        (tmp_path / "render").mkdir()
        (tmp_path / "render" / "agent.py").write_text("from ..select import x\nfrom .scrape import y\n")
        assert _package_imports(tmp_path / "select.py") == {"render"}
        assert _package_imports(tmp_path / "render" / "agent.py") == {"select", "render"}
    finally:
        PACKAGE = saved
