"""``vmscrape`` — render and check VMServiceScrape manifests the way the VictoriaMetrics operator would.

Exit codes: 0 success, 2 invalid input (one line per problem, no traceback), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import Problem, VMScrapeError
from . import cluster, diff, explain, render, select, stack, validate, verify

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vmscrape",
        description="Render VMServiceScrape manifests into the vmagent config the VictoriaMetrics operator "
        "(v0.74.1) would generate, and check them before they reach a cluster.",
    )
    parser.add_argument("--version", action="version", version=f"vmscrape {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    render.add_parser(commands)
    validate.add_parser(commands)
    explain.add_parser(commands)
    diff.add_parser(commands)
    select.add_parser(commands)
    stack.add_parser(commands)
    verify.add_parser(commands)
    cluster.add_parser(commands)
    return parser


#: Arguments that name local files: they may hold any bytes the file system allows. Every other value
#: can end up in the output, which is UTF-8 text.
_PATH_ARGUMENTS = frozenset({"files", "old", "new", "snapshot", "kubeconfig", "program", "state_dir"})


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse option values that are not UTF-8 (the OS hands them over as lone surrogates)."""
    problems = []
    for name, value in sorted(vars(args).items()):
        values = value if isinstance(value, list) else [value]
        if name in _PATH_ARGUMENTS or not all(isinstance(v, str) for v in values):
            continue
        for text in values:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                message = f"not UTF-8 text (undecodable byte at character {exc.start})"
                problems.append(Problem("--" + name.replace("_", "-"), "", message, text))
    if problems:
        raise VMScrapeError(problems)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_text_arguments(args)
        return int(args.run(args))
    except VMScrapeError as exc:
        for problem in exc.problems:
            print(f"error: {exc.format_problem(problem)}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `vmscrape render x.yaml | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
