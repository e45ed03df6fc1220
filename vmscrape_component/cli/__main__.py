"""``vmscrape`` — render and check VMServiceScrape manifests the way the VictoriaMetrics operator would.

Exit codes: 0 success, 2 invalid input (one line per problem, no traceback), 1 anything else.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import Problem, VMScrapeError

EXIT_INVALID = 2

#: The commands, in the order of ``--help``; each is the module of this package of that name.
COMMANDS = ("render", "validate", "explain", "diff", "select", "stack", "verify", "cluster")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``only`` that one (so a run imports only what it uses)."""
    parser = argparse.ArgumentParser(
        prog="vmscrape",
        description="Render VMServiceScrape manifests into the vmagent config the VictoriaMetrics operator "
        "(v0.74.1) would generate, and check them before they reach a cluster.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__package__}.{name}").add_parser(commands)
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
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
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
