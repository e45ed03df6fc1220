"""``vmscrape up|preview|destroy`` — run a Pulumi program through the Automation API, no language host needed.

The program is the repository's quick start (the root ``Pulumi.yaml``) or, with ``--program DIR``, any
Pulumi project directory holding a Python ``__main__.py`` (e.g. ``examples/basic``). It runs *inline*: the
Pulumi engine (the ``pulumi`` CLI) calls back into this process, so no ``pulumi-language-python`` plugin
is involved — the same program, stack and state as ``pulumi up`` in that directory.

Defaults, the same as the root ``Pulumi.yaml``: a local file backend in ``<root>/.pulumi-state``, the
passphrase secrets provider (``PULUMI_CONFIG_PASSPHRASE``, empty unless set), stack ``dev``,
``vmscrape:renderDir=rendered`` (relative to the project directory) unless ``vmscrape:kubeContext`` is set.
The ``pulumi`` CLI is the one on PATH, else the one ``scripts/install-pulumi`` built.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, VMScrapeError

ROOT = Path(__file__).resolve().parents[2]
CACHED_PULUMI = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vmscrape" / "bin" / "pulumi"


def add_parser(commands: Any) -> None:
    for name, help_text in (
        ("up", "create or update the stack's resources (render mode by default)"),
        ("preview", "show what `up` would change"),
        ("destroy", "delete the stack's resources and the files render mode wrote"),
    ):
        cmd = commands.add_parser(
            name, help=help_text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        cmd.add_argument(
            "--program",
            type=Path,
            default=None,
            help="a Pulumi project directory with a Python __main__.py (default: the quick start)",
        )
        cmd.add_argument("--stack", default="dev", help="stack name (default: dev)")
        cmd.add_argument(
            "--state-dir",
            type=Path,
            default=ROOT / ".pulumi-state",
            help="local file backend directory (default: <repo>/.pulumi-state)",
        )
        cmd.add_argument("--diff", action="store_true", help="show a detailed diff (preview/up)")
        cmd.set_defaults(run=lambda args, action=name: run(action, args))


def find_pulumi() -> str | None:
    """``pulumi`` on PATH (the normal case on a user's machine), else the one scripts/install-pulumi built."""
    found = shutil.which("pulumi")
    if found:
        return found
    return str(CACHED_PULUMI) if CACHED_PULUMI.exists() else None


def _project(program_dir: Path | None) -> tuple[Path, str, Callable[[], None]]:
    """The project directory, its name, and the inline program that runs its code."""
    # The default is the root project, whose __main__.py runs examples/quickstart.
    program_dir = (program_dir or ROOT).resolve()
    main = program_dir / "__main__.py"
    settings = program_dir / "Pulumi.yaml"
    if not main.exists() or not settings.exists():
        raise VMScrapeError(
            [
                Problem(
                    "--program",
                    "",
                    "not a Python Pulumi project: needs Pulumi.yaml and __main__.py",
                    str(program_dir),
                )
            ]
        )
    name = yaml.safe_load(settings.read_text())["name"]

    def program() -> None:
        sys.path.insert(0, str(program_dir))
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            sys.path.remove(str(program_dir))

    return program_dir, name, program


def stack(
    project_dir: Path,
    project_name: str,
    program: Callable[[], None],
    *,
    stack_name: str = "dev",
    state_dir: Path = ROOT / ".pulumi-state",
    config: dict[str, str] | None = None,
) -> Any:
    """An Automation API stack running ``program`` inline, with the local defaults (see the module doc)."""
    from pulumi import automation as auto

    binary = find_pulumi()
    if binary is None:
        raise VMScrapeError(
            [Problem("pulumi", "", "no pulumi CLI found: install Pulumi, or run scripts/install-pulumi")]
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "PULUMI_BACKEND_URL": state_dir.resolve().as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": os.environ.get("PULUMI_CONFIG_PASSPHRASE", ""),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    # The project's own Pulumi.yaml is used as it is (LocalWorkspace would overwrite it if given settings).
    command = auto.PulumiCommand(root=str(Path(binary).parent.parent), skip_version_check=True)
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir), pulumi_command=command, env_vars=env, secrets_provider="passphrase"
    )
    st = auto.create_or_select_stack(
        stack_name=stack_name, project_name=project_name, program=program, opts=opts
    )
    wanted = {"vmscrape:renderDir": "rendered", **(config or {})}
    for key, value in wanted.items():
        st.set_config(key, auto.ConfigValue(value))
    return st


def run(action: str, args: argparse.Namespace) -> int:
    project_dir, name, program = _project(args.program)
    # Relative paths (vmscrape:renderDir) mean the project directory, as under `pulumi up`.
    os.chdir(project_dir)
    st = stack(project_dir, name, program, stack_name=args.stack, state_dir=args.state_dir)
    print(
        f"vmscrape: {action} of {name} (stack {args.stack}) through the Automation API, "
        f"state in {args.state_dir}",
        file=sys.stderr,
    )

    def out(line: str) -> None:
        print(line, flush=True)

    if action == "preview":
        result = st.preview(on_output=out, diff=args.diff, color="never")
        print(f"changes: {result.change_summary}", file=sys.stderr)
    elif action == "up":
        result = st.up(on_output=out, diff=args.diff, color="never")
        print(f"changes: {result.summary.resource_changes}", file=sys.stderr)
    else:
        st.destroy(on_output=out, color="never")
        _remove_rendered(project_dir, st)
    return 0


def _remove_rendered(project_dir: Path, st: Any) -> None:
    """After destroy: the config files render mode wrote (the provider removes its own manifests)."""
    directory = st.get_all_config().get("vmscrape:renderDir")
    if directory and directory.value:
        written = project_dir / directory.value / "vmagent"
        if written.is_dir():
            shutil.rmtree(written)
