"""Golden files: expected output kept as files next to the tests that read them.

A mismatch fails with a unified diff (golden file → output now). Golden files change only when pytest
runs with ``--update-golden`` (an option of ``tests/conftest.py``): then each one is rewritten from the
output and listed at the end of the run, to be reviewed in ``git diff`` before it is committed.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Golden:
    """Compares outputs with golden files, or rewrites the files when ``update`` is set."""

    def __init__(self, update: bool) -> None:
        self.update = update
        #: Files rewritten in this run (``--update-golden``), for the end-of-run summary.
        self.rewritten: list[Path] = []

    def check(self, path: Path, output: str) -> None:
        """Fail unless ``path`` holds exactly ``output``; with ``--update-golden``, write it there."""
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if self.update:
            if not path.exists() or path.read_text(encoding="utf-8") != output:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(output, encoding="utf-8")
                self.rewritten.append(path)
            return
        if not path.exists():
            pytest.fail(
                f"golden file {name} is missing: write it with `pytest --update-golden`", pytrace=False
            )
        expected = path.read_text(encoding="utf-8")
        if output != expected:
            diff = difflib.unified_diff(
                expected.splitlines(keepends=True),
                output.splitlines(keepends=True),
                fromfile=f"{name} (golden)",
                tofile=f"{name} (output now)",
            )
            pytest.fail(
                f"output differs from golden file {name}; if the change is intended, rerun with "
                f"`pytest --update-golden` and review the git diff.\n{''.join(diff)}",
                pytrace=False,
            )
