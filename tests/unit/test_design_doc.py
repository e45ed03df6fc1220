"""docs/DESIGN.md is current: its floors are the ones test_layering enforces, and it names every room."""

from __future__ import annotations

import re

from tests.unit.test_layering import LAYERS, PACKAGE

DESIGN = PACKAGE.parent / "docs" / "DESIGN.md"


def _block(heading: str) -> str:
    text = DESIGN.read_text()
    section = text.split(f"## {heading}\n", 1)[1]
    return section.split("```\n", 2)[1]


def test_the_floors_are_the_enforced_ones() -> None:
    floors = [line.split()[2:] for line in _block("Floors").splitlines() if line.startswith("floor ")]
    assert [tuple(f) for f in floors] == list(LAYERS)


def test_every_room_is_described() -> None:
    described = {
        re.sub(r"\.py$|/$", "", line.split()[0])
        for line in _block("Rooms").splitlines()
        if line and not line.startswith(" ")
    }
    rooms = {
        p.name.removesuffix(".py")
        for p in PACKAGE.iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert rooms - {"__init__", "__main__"} == described
