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
    assert (DATA / "README.md").read_text().count("|") > 10  # says where each folder came from


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
