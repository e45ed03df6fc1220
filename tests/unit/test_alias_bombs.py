"""Alias bombs: refused where YAML is read, by gopkg.in/yaml.v2's own rule, in bounded time.

kubectl, the API server and vmagent read YAML with yaml.v2, which refuses a document whose aliases
expand it past a ratio of its size ("document contains excessive aliasing"). vmscrape applies the same
count when it reads any file, so a bomb ends as one error in about a second instead of an expansion
that the comparison in ``vmscrape diff`` would walk for minutes. The verdicts at the boundary below were
read from vmagent v1.150.0 (``-dryRun -promscrape.config.strictParse``); the ``vmagent`` test re-checks them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.vmagent import dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.manifests import parse_documents

ROOT = Path(__file__).resolve().parents[2]


def _wide(width: int, aliases: int) -> str:
    """A job whose ``params`` hold one list of ``width`` values and ``aliases`` aliases of it."""
    items = ", ".join(f"s{i}" for i in range(width))
    params = "".join(f"    b{i}: *x\n" for i in range(aliases))
    return (
        "scrape_configs:\n- job_name: j\n  static_configs: [{targets: ['a:1']}]\n"
        f"  params:\n    a: &x [{items}]\n{params}"
    )


#: (list width, aliases, vmagent accepts): the last accepted and first refused count for two widths.
BOUNDARY = [(100, 4262, True), (100, 4263, False), (1000, 125, True), (1000, 126, False)]


def _accepted(text: str) -> bool:
    try:
        parse_documents("bomb.yaml", text)
    except VMScrapeError as exc:
        assert "excessive aliasing" in str(exc)
        return False
    return True


@pytest.mark.parametrize(("width", "aliases", "accepted"), BOUNDARY)
def test_the_alias_limit_is_yaml_v2s_to_the_alias(width: int, aliases: int, accepted: bool) -> None:
    assert _accepted(_wide(width, aliases)) is accepted


@pytest.mark.vmagent
@pytest.mark.parametrize(("width", "aliases", "accepted"), BOUNDARY)
def test_the_boundary_verdicts_are_vmagents(width: int, aliases: int, accepted: bool, vmagent: str) -> None:
    result = dry_run(_wide(width, aliases), binary=vmagent)
    assert ("excessive aliasing" not in result.output) is accepted, result.output


def _billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_diff_of_two_alias_bombs_ends_at_once_with_one_line(tmp_path: Path) -> None:
    body = "scrape_configs:\n- job_name: j\n  params: {x: *a8}\n  relabel_configs: [{regex: %s}]\n"
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(_billion_laughs() + body % "a")
    new.write_text(_billion_laughs() + body % "b")
    # 9**9 leaves once expanded: before the limit, the comparison walked them for minutes.
    proc = subprocess.run(
        [sys.executable, "-m", "vmscrape_component.cli", "diff", str(old), str(new)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: {old}:") and "excessive aliasing" in line


def test_a_few_aliases_are_still_read() -> None:
    text = "a: &x {k: v}\nb: *x\nc: [*x, *x, *x]\n"
    (doc,) = parse_documents("ok.yaml", text)
    assert doc["c"] == [{"k": "v"}] * 3
