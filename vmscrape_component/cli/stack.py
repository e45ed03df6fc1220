"""``vmscrape up|preview|destroy`` — run a Pulumi program through the Automation API, no language host needed.

The program is the repository's quick start (the root ``Pulumi.yaml``) or, with ``--program DIR``, any
Pulumi project directory holding a Python ``__main__.py`` (e.g. ``examples/basic``). It runs *inline*: the
Pulumi engine (the ``pulumi`` CLI) calls back into this process, so no ``pulumi-language-python`` plugin
is involved — the same program, stack and state as ``pulumi up`` in that directory.

Defaults, the same as the root ``Pulumi.yaml``: a local file backend in ``<root>/.pulumi-state``, the
passphrase secrets provider (``PULUMI_CONFIG_PASSPHRASE``, empty unless set), stack ``dev``,
``vmscrape:renderDir=rendered`` (relative to the project directory) unless ``vmscrape:kubeContext`` is set.
The ``pulumi`` CLI is the one on PATH, else the one ``scripts/install-pulumi`` built.

An interrupted run (``kill -9`` of vmscrape or of its ``pulumi``) is cleaned up by the next one, which says
what it did, one line each: it stops the engine and plugins that run started (by pid and start time; no
other process), removes the stack's lock when its owner is gone from this host, and clears the pending
operations left in the state (``pulumi refresh --clear-pending-creates``; ``up`` makes an interrupted
create again). ``vmscrape cancel`` does only that. A lock held by a running update, a render directory
that cannot be written, an exception in the program: one message and exit code 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..paths import default_state_dir

CANCEL_HELP = """\
Clean up after an interrupted `vmscrape up|preview|destroy` (or `pulumi up`) on the stack, saying what was
done, one line each: stop the engine and plugins an interrupted vmscrape run started (recorded by pid and
start time; no other process is touched), remove stack locks whose owner is gone from this host, and clear
pending operations with `pulumi refresh --clear-pending-creates`. A lock whose owner still runs (or ran on
another host) is reported and kept, unless --force. up, preview and destroy do the same first.
"""


def add_parser(commands: Any) -> None:
    for name, help_text in (
        ("up", "create or update the stack's resources (render mode by default)"),
        ("preview", "show what `up` would change"),
        ("destroy", "delete the stack's resources and the files render mode wrote"),
    ):
        cmd = commands.add_parser(
            name, help=help_text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        _common_arguments(cmd)
        cmd.add_argument("--diff", action="store_true", help="show a detailed diff (preview/up)")
        cmd.set_defaults(run=lambda args, action=name: _run(action, args), force=False)
    cancel = commands.add_parser(
        "cancel",
        help="clean up after an interrupted up/preview/destroy: stale lock, orphaned plugins, pending ops",
        description=CANCEL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common_arguments(cancel)
    cancel.add_argument(
        "--force",
        action="store_true",
        help="also remove locks whose owner still runs or ran on another host, as `pulumi cancel` does "
        "(the process itself is left alone)",
    )
    cancel.set_defaults(run=lambda args: _run("cancel", args), diff=False)


def _common_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--program",
        type=Path,
        default=None,
        help="a Pulumi project directory with a Python __main__.py (default: the current directory; "
        "in the repository, the quick start)",
    )
    cmd.add_argument("--stack", default="dev", help="stack name (default: dev)")
    cmd.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="local file backend directory (default: the project's own, from `backend.url: file://...` in "
        "its Pulumi.yaml, as `pulumi` uses it there; else ./.pulumi-state)",
    )


def _run(action: str, args: argparse.Namespace) -> int:
    # Imported here: the runner imports pulumi, which the other commands never need.
    from ..component.runner import run

    return run(
        action,
        program_dir=args.program,
        stack_name=args.stack,
        state_dir=args.state_dir or default_state_dir(),
        diff=args.diff,
        force=args.force,
    )
