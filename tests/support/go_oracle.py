"""vmagent's own Go parsers behind a pipe: ``go-oracle`` (scripts/gooracle, built by scripts/install-oracle).

One process answers a whole batch: each request is ``{"kind": K, "value": S}`` (kinds: ``regexp``,
``relabel``, ``if``, ``url``, ``bytes``, ``duration``; see scripts/gooracle/main.go), each answer
``{"ok": bool, "error": str, "value": str}``. It links vmagent v1.150.0's packages, so an answer is what
that vmagent's code says about the value, without starting vmagent once per case.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support.vmagent import cache_dir

VERSION = "v1.150.0"


def find_go_oracle() -> Path | None:
    """The cached ``go-oracle`` binary, or ``None`` (install it with scripts/install-oracle)."""
    binary = cache_dir() / f"go-oracle-{VERSION}" / "go-oracle"
    return binary if binary.is_file() else None


@dataclass(frozen=True)
class Answer:
    ok: bool
    error: str = ""
    value: str = ""


@dataclass(frozen=True)
class GoOracle:
    binary: str

    def ask(self, kind: str, values: Iterable[str]) -> list[Answer]:
        """vmagent's verdict on each of ``values`` read as ``kind``, in order."""
        values = list(values)
        stdin = "".join(json.dumps({"kind": kind, "value": v}) + "\n" for v in values)
        done = subprocess.run(
            [self.binary], input=stdin.encode(), capture_output=True, timeout=120, check=True
        )
        answers = [Answer(**json.loads(line)) for line in done.stdout.decode().splitlines()]
        assert len(answers) == len(values), done.stderr.decode()
        return answers

    def accepts(self, kind: str, values: Iterable[str]) -> dict[str, bool]:
        """``{value: whether vmagent's parser accepts it}``."""
        values = list(values)
        return {v: a.ok for v, a in zip(values, self.ask(kind, values), strict=True)}
