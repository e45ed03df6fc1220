"""Property: a manifest broken in one place is refused by the CLI with exit code 2 and a message naming the
broken field's path, never a traceback and never exit 0, by ``vmscrape validate`` and by ``vmscrape render``.

Mutations (``strategies.MUTATIONS``): wrong types, unknown keys, bad durations/regexes/label names/
selectors, missing required fields, a number for ``port``, ``any: true`` with ``matchNames``...
Each is checked once on a fixed manifest, then on drawn valid manifests; a few go through a real
``vmscrape`` subprocess as a user runs it.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given

from tests.fuzz.session import COUNTS, fuzz_settings
from tests.fuzz.strategies import MUTATIONS, Mutation, mutations
from vmscrape_component.cli.__main__ import main
from vmscrape_component.models import API_VERSION

ROOT = Path(__file__).resolve().parents[2]

#: A valid manifest with one endpoint carrying most fields, for the one-by-one check of every mutation.
BASE: dict[str, Any] = {
    "apiVersion": API_VERSION,
    "kind": "VMServiceScrape",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"team": "a"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "namespaceSelector": {"matchNames": ["apps"]},
        "endpoints": [
            {
                "port": "http",
                "interval": "30s",
                "bearerTokenSecret": {"name": "creds", "key": "token"},
                "tlsConfig": {"insecureSkipVerify": True},
                "relabelConfigs": [{"targetLabel": "x", "replacement": "y"}],
            }
        ],
    },
}


def _run_in_process(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _assert_refused(mutation: Mutation, code: int, out: str, err: str, command: str) -> None:
    where = f"`vmscrape {command}` on a manifest with {mutation.what or 'a bad value'} at {mutation.path}"
    shown = yaml.safe_dump(mutation.manifest, sort_keys=False, allow_unicode=True)
    assert code == 2, f"{where}: exit {code}\n{err}\n--- manifest ---\n{shown}"
    assert "Traceback" not in err, f"{where}: traceback\n{err}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), f"{where}: unexpected output\n{err}"
    assert mutation.path in err, (
        f"{where}: no message names {mutation.path}\n{err}\n--- manifest ---\n{shown}"
    )
    if command == "render":
        assert out == "", f"{where}: a config was printed despite the error"


def _check(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory(prefix="vmscrape-fuzz-") as tmp:
        path = Path(tmp) / "scrape.yaml"
        path.write_text(yaml.safe_dump(mutation.manifest, sort_keys=False, allow_unicode=True))
        for command in ("validate", "render"):
            code, out, err = _run_in_process([command, str(path)])
            _assert_refused(mutation, code, out, err, command)
    COUNTS["mutations"] += 1


@pytest.mark.parametrize(("name", "apply"), MUTATIONS, ids=[name for name, _ in MUTATIONS])
def test_every_mutation_is_refused_naming_its_field(name: str, apply: Any) -> None:
    mutation = apply(yaml.safe_load(yaml.safe_dump(BASE)), 0)
    _check(mutation)


@pytest.mark.slow
@fuzz_settings(scale=5)
@given(mutation=mutations())
def test_mutated_manifests_are_refused_naming_the_field(mutation: Mutation) -> None:
    _check(mutation)


@pytest.mark.slow
@fuzz_settings(scale=0.1)
@given(mutation=mutations())
def test_the_cli_process_refuses_mutated_manifests(mutation: Mutation) -> None:
    with tempfile.TemporaryDirectory(prefix="vmscrape-fuzz-") as tmp:
        path = Path(tmp) / "scrape.yaml"
        path.write_text(yaml.safe_dump(mutation.manifest, sort_keys=False, allow_unicode=True))
        for command in ("validate", "render"):
            proc = subprocess.run(
                [sys.executable, "-m", "vmscrape_component.cli", command, str(path)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            _assert_refused(mutation, proc.returncode, proc.stdout, proc.stderr, command)
    COUNTS["subprocess_mutations"] += 1
