"""Every example starts exactly as its README says: the README's shell blocks, run as written.

Each Python example's README has two ways to run it: from the repository root through the Automation
API (``.venv/bin/vmscrape up|destroy --program examples/NAME``) and with the ``pulumi`` CLI in the
example's directory (``pulumi stack select --create``, ``pulumi up``, ``pulumi destroy``). Both blocks are
run by ``bash -e`` in a copy of the repository's layout (the example, the root ``Pulumi.yaml`` and the
checked-in ``.pulumi-state/``, ``.venv`` linked to the virtualenv running the tests), with nothing set
that the README does not set, but ``PATH`` reaching the ``pulumi`` CLI. Both must work without any login
(the examples name the repository's file backend) and leave the example's directory as before.

``pulumi up`` and ``pulumi destroy`` of the CLI block need the Python language host
(``pulumi-language-python``, part of every normal Pulumi install, not built by ``scripts/install-pulumi``):
where it is missing those lines are not run, and the test says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: Lines of the CLI block that run the program, which needs the Python language host.
_NEEDS_HOST = re.compile(r"^pulumi (up|preview|destroy)\b")


@pytest.fixture(autouse=True)
def engine(pulumi_cli: str) -> str:
    return pulumi_cli


def _blocks(example: str) -> tuple[list[str], list[str]]:
    """The README's Automation API block and its CLI block, as lines."""
    found = {}
    for block in _BLOCK.findall((ROOT / "examples" / example / "README.md").read_text()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and lines[0].startswith("# From the repository root"):
            found["automation"] = lines
        elif lines and lines[0].startswith("# With the Pulumi CLI"):
            found["cli"] = lines
    assert set(found) == {"automation", "cli"}, f"examples/{example}/README.md lacks a run block"
    return found["automation"], found["cli"]


def _checkout(tmp_path: Path, example: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "examples").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", repo / "Pulumi.yaml")
    shutil.copytree(ROOT / "examples" / example, repo / "examples" / example)
    (repo / ".pulumi-state").mkdir()
    shutil.copy(ROOT / ".pulumi-state" / "README.md", repo / ".pulumi-state" / "README.md")
    (repo / ".venv").symlink_to(Path(sys.prefix))
    return repo


#: The stack's settings file, which `pulumi stack init|select --create` writes (the passphrase's salt):
#: ignored by git (`Pulumi.*.yaml` in .gitignore), made before `up`, kept after `destroy` as Pulumi does.
STACK_SETTINGS = "Pulumi.dev.yaml"


def _files(directory: Path) -> list[str]:
    """The files git would see (`pulumi destroy` keeps the provider's emptied folders; git does not)."""
    return sorted(
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and p.name != STACK_SETTINGS
    )


def _run(repo: Path, lines: list[str], pulumi_cli: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "KUBECONFIG"))}
    env["PATH"] = f"{env.get('PATH', '')}:{Path(pulumi_cli).parent}"
    # The console script imports this checkout's package (an installed one may be another tree's).
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(lines)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_readme_commands_run_as_written(example: str, tmp_path: Path, pulumi_cli: str) -> None:
    assert "Pulumi.*.yaml" in (ROOT / ".gitignore").read_text().splitlines()
    automation, cli = _blocks(example)
    repo = _checkout(tmp_path, example)
    directory = repo / "examples" / example
    before = _files(directory)

    done = _run(repo, automation, pulumi_cli)
    assert done.returncode == 0, f"{automation}\n{done.stdout}{done.stderr}"
    assert "vmscrape: up of" in done.stderr and "vmscrape: destroy of" in done.stderr
    assert _files(directory) == before
    # The state is where the CLI block finds it: the repository's file backend.
    stacks = repo / ".pulumi-state" / ".pulumi" / "stacks"
    assert (stacks / f"vmscrape-example-{example}" / "dev.json").exists()

    search = f"{os.environ.get('PATH', '')}:{Path(pulumi_cli).parent}"
    host = shutil.which("pulumi-language-python", path=search)
    runnable = cli if host else [line for line in cli if not _NEEDS_HOST.match(line)]
    if not host:
        warnings.warn(
            f"examples/{example}: no pulumi-language-python here, so the README's "
            f"{[line for line in cli if _NEEDS_HOST.match(line)]} were not run",
            stacklevel=1,
        )
    done = _run(repo, runnable, pulumi_cli)
    assert done.returncode == 0, f"{runnable}\n{done.stdout}{done.stderr}"
    assert "PULUMI_ACCESS_TOKEN" not in done.stdout + done.stderr
    assert _files(directory) == before
