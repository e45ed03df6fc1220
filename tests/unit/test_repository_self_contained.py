"""A clone runs its own tests: the suite and the build read nothing outside the repository."""

from __future__ import annotations

import re
import subprocess

from tests.support.reference import CRDS, DATA, OPERATOR_CASES, REAL_MANIFESTS, ROOT

#: A path that climbs out of the checkout to a sibling folder, as `../shared/...` or `ROOT.parent / "x"`.
OUTSIDE = re.compile(r"\.\./shared|\.parent\s*/\s*[\"']shared[\"']|parents\[3\]")


def test_reference_data_lives_in_the_repository() -> None:
    for folder in (CRDS, OPERATOR_CASES, REAL_MANIFESTS):
        assert folder.is_relative_to(ROOT) and any(folder.rglob("*.yaml")), folder


def test_the_data_readme_says_where_each_folder_came_from() -> None:
    # Its table: one row per folder of tests/data, each with a non-empty origin.
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in (DATA / "README.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    origins = {row[0].strip("`").rstrip("/"): row[2] for row in rows}
    folders = {p.name for p in DATA.iterdir() if p.is_dir()}
    assert set(origins) == folders
    assert all(origins.values())
    # The case count it states is the number of case files.
    cases = len(list(OPERATOR_CASES.rglob("*.yaml")))
    assert f"{cases} table-test cases" in rows[[r[0] for r in rows].index("`operator-cases/`")][1]
    # Each real manifest names its source repository and path in its header.
    for manifest in REAL_MANIFESTS.glob("*.yaml"):
        header = manifest.read_text().splitlines()[:3]
        assert header[0].startswith("# source: https://github.com/"), manifest.name
        assert header[1].startswith("# repo: ") and header[2].startswith("# path: "), manifest.name


def test_no_tracked_file_reads_a_sibling_of_the_checkout() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "tests", "scripts", "benchmarks", "vmscrape_component", "Makefile", ".ci"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked, "git ls-files found nothing: not a checkout?"
    offenders = [
        f"{name}:{n}"
        for name in tracked
        if name.endswith((".py", ".sh", "Makefile", "run")) or name.startswith(("scripts/", ".ci/"))
        for n, line in enumerate((ROOT / name).read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line) and name != "tests/unit/test_repository_self_contained.py"
    ]
    assert offenders == []
