"""The package's layering rule: only ``vmscrape_component/component/`` imports ``pulumi``."""

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
