"""``vmscrape`` — render and check VMServiceScrape manifests the way the VictoriaMetrics operator would.

Exit codes: 0 success, 2 invalid input (one line per problem, no traceback), 1 anything else.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import Problem, VMScrapeError

EXIT_INVALID = 2

#: The commands, in the order of ``--help``; each is the module of this package of that name.
COMMANDS = ("render", "validate", "convert", "explain", "diff", "select", "stack", "verify", "cluster")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``only`` that one (so a run imports only what it uses)."""
    parser = argparse.ArgumentParser(
        prog="vmscrape",
        description="Render VMServiceScrape manifests into the vmagent config the VictoriaMetrics operator "
        "(v0.74.1) would generate, and check them before they reach a cluster.",
    )
    parser.add_argument("--version", action="version", version=f"vmscrape {__version__}")
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


#: Write errors that mean "standard output cannot take the text" (a full disk or device, a closed or
#: broken descriptor, a file over its size limit, an I/O error), not a bug.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EBADF, errno.EFBIG, errno.EIO, errno.EDQUOT})


def _report(exc: VMScrapeError) -> int:
    for problem in exc.problems:
        print(f"error: {exc.format_problem(problem)}", file=sys.stderr)
    return EXIT_INVALID


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's own flush at exit cannot fail again
    with what is still buffered (it would print "Exception ignored ..." and exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def _output_problem(message: str) -> VMScrapeError:
    return VMScrapeError([Problem("standard output", "", message)])


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    try:
        _check_text_arguments(args)
        if sys.stdout is None:
            raise _output_problem("closed: nothing can be printed (run without >&-)")
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a failure is reported, not at the interpreter's exit
        return code
    except VMScrapeError as exc:
        return _report(exc)
    except BrokenPipeError:  # e.g. `vmscrape render x.yaml | head`
        _discard_stdout()
        return 0
    except UnicodeEncodeError as exc:
        _discard_stdout()
        encoding = getattr(sys.stdout, "encoding", None) or exc.encoding
        bad = exc.object[exc.start : exc.start + 1]
        return _report(
            _output_problem(
                f"its encoding {encoding} cannot encode {bad!r} of the text; set PYTHONIOENCODING=utf-8 "
                "(or a UTF-8 locale)"
            )
        )
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS or exc.filename is not None:
            raise
        _discard_stdout()
        return _report(_output_problem(f"cannot write: {exc.strerror}"))


#: Commands that start no thread or process of their own that must outlive ``main`` (the Go helpers they
#: use end when their pipe closes): after them the interpreter's teardown, freeing every object one by
#: one (~0.035 s after a 10,000-scrape render), is skipped.
_QUICK_EXIT = frozenset({"render", "validate", "convert", "explain", "diff", "select"})


def console() -> None:
    """The ``vmscrape`` program: :func:`main`, then exit (quickly after the commands that allow it)."""
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] in _QUICK_EXIT:
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: started with >&- (main said so)
                    stream.flush()
        except (OSError, ValueError):
            # Reported by main where it could be; let the ordinary exit deal with what is left.
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console()
