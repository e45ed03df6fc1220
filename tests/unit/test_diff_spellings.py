"""`vmscrape diff` reports a change that only a YAML 1.1 number spelling would hide.

PyYAML reads ``0x5A``, ``1:30`` (base 60), ``+90``, ``1_0`` and ``010`` as numbers, so ``replacement:
0x5A`` and ``replacement: 90`` used to compare equal. vmagent reads its config with gopkg.in/yaml.v2, which
hands a string field the scalar's text itself: to it they are the strings ``"0x5A"`` and ``"90"``, two
different configs. ``YAML_V2`` is what yaml.v2 v2.4.0 puts into a string field and into a ``uint64`` field
(``modulus``) for each spelling, read from a ``yaml.UnmarshalStrict`` of ``replacement: X`` and
``modulus: X`` (``None``: it refuses the value).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from vmscrape_component.cli.__main__ import main

#: spelling -> (yaml.v2 string field, yaml.v2 uint64 field).
YAML_V2: dict[str, tuple[str, int | None]] = {
    "0x5A": ("0x5A", 90),
    "90": ("90", 90),
    "1:30": ("1:30", None),
    "+90": ("+90", 90),
    "010": ("010", 8),
    "8": ("8", 8),
    "1_0": ("1_0", 10),
    "10": ("10", 10),
    "9.00": ("9.00", 9),
    "9.0": ("9.0", 9),
}


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _config(rule: str) -> str:
    return (
        "scrape_configs:\n- job_name: j\n  relabel_configs:\n  - {action: keep, regex: web}\n"
        f"  - {{{rule}}}\n"
    )


def _diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str) -> dict[str, Any]:
    argv = ["diff", _write(tmp_path, "old.yaml", old), _write(tmp_path, "new.yaml", new), "-o", "json"]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


#: Every two spellings yaml.v2 gives a string field as different strings while PyYAML reads them as one
#: number: the changes that used to be hidden.
HIDDEN = [
    (a, b)
    for a in YAML_V2
    for b in YAML_V2
    if a < b and YAML_V2[a][0] != YAML_V2[b][0] and yaml.safe_load(a) == yaml.safe_load(b)
]


@pytest.mark.parametrize(("old", "new"), HIDDEN)
def test_two_spellings_vmagent_reads_as_different_strings_are_a_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    result = _diff(
        tmp_path,
        capsys,
        _config(f"target_label: t, replacement: {old}"),
        _config(f"target_label: t, replacement: {new}"),
    )
    (change,) = result["jobs"]["changed"]["j"]
    assert (change["path"], change["kind"]) == ("relabel_configs[1].replacement", "changed")
    # Shown as written, which is what vmagent's string field holds.
    assert {str(change["old"]), str(change["new"])} == {YAML_V2[old][0], YAML_V2[new][0]}


def test_the_text_output_shows_both_spellings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path, "old.yaml", _config("target_label: t, replacement: 0x5A"))
    new = _write(tmp_path, "new.yaml", _config("target_label: t, replacement: 90"))
    assert main(["diff", old, new]) == 0
    assert "relabel_configs[1].replacement: 0x5A → 90" in capsys.readouterr().out


def test_the_same_spelling_on_both_sides_is_no_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for spelling in YAML_V2:
        config = _config(f"target_label: t, replacement: {spelling}")
        assert _diff(tmp_path, capsys, config, config)["jobs"]["changed"] == {}
