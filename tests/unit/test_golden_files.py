"""The golden-file check: a mismatch fails with a unified diff; only ``--update-golden`` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.golden import Golden


def test_equal_output_passes(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("a\nb\n")
    Golden(update=False).check(path, "a\nb\n")


def test_mismatch_fails_with_a_unified_diff_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("a\nb\n")
    with pytest.raises(pytest.fail.Exception) as failure:
        Golden(update=False).check(path, "a\nc\n")
    message = str(failure.value)
    assert "--update-golden" in message
    assert f"--- {path} (golden)\n+++ {path} (output now)\n" in message
    assert "\n-b\n+c\n" in message
    assert path.read_text() == "a\nb\n"


def test_missing_file_fails_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "new" / "out.txt"
    with pytest.raises(pytest.fail.Exception, match="missing"):
        Golden(update=False).check(path, "a\n")
    assert not path.exists()


def test_update_writes_changed_and_new_files_and_lists_them(tmp_path: Path) -> None:
    same, changed, new = tmp_path / "same.txt", tmp_path / "changed.txt", tmp_path / "d" / "new.txt"
    same.write_text("x\n")
    changed.write_text("old\n")
    golden = Golden(update=True)
    for path in (same, changed, new):
        golden.check(path, "x\n")
    assert [p.read_text() for p in (same, changed, new)] == ["x\n"] * 3
    assert golden.rewritten == [changed, new]
