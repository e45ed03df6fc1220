"""Engine failures as one paragraph each: what happened, what it means for the stack, what to do next.

The Automation API reports any failure of the ``pulumi`` CLI as a ``CommandError`` whose text is the whole
command line, stdout and stderr (and, for an exception in the program, a Python traceback). ``vmscrape``
turns them into a :class:`~vmscrape_component.errors.VMScrapeError` with one problem, which the CLI prints
on one line and exits 2.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
from pulumi.automation import errors as auto_errors

from ..errors import Problem, VMScrapeError, flatten
from .recovery import StackLock

__all__ = ["GuardedProgram", "busy_error", "engine_failure"]

# Diagnostics the engine prints: `error: ...` lines (the first of stdout/stderr behind the API's label).
_ERROR_LINE = re.compile(r"\s*(?:stdout:|stderr:)?\s*error:\s*(.+)", re.IGNORECASE)
_LOCK_LINE = re.compile(r"created by (?P<who>\S+) \(pid (?P<pid>\d+)\) at (?P<since>\S+)")


_one_line = flatten  # whitespace and control characters (newlines, ANSI escapes' ESC) as single spaces


@dataclass
class GuardedProgram:
    """The user's program, wrapped so that an exception in it ends the run with a one-line message.

    The engine shows the message instead of a traceback (a ``pulumi.RunError``); ``failure`` keeps the
    exception for the final report.
    """

    program: Callable[[], None]
    #: The program's source directory: the traceback frame reported is the last one inside it.
    source_dir: Path | None = None
    failure: BaseException | None = field(default=None, init=False)
    where: str = field(default="", init=False)

    def __call__(self) -> None:
        try:
            self.program()
        except Exception as exc:  # the user's code: anything can be raised
            self.failure = exc
            self.where = self._where(exc)
            raise pulumi.RunError(self.summary()) from None

    def _where(self, exc: BaseException) -> str:
        frames = traceback.extract_tb(exc.__traceback__)
        root = self.source_dir
        inside = [f for f in frames if root is not None and Path(f.filename).is_relative_to(root)]
        shown = inside or frames
        return f"{Path(shown[-1].filename).name}, line {shown[-1].lineno}" if shown else ""

    def summary(self) -> str:
        """``<Type>: <message> (<file>, line <n>)``; a VMScrapeError's problems joined with ``; ``."""
        exc = self.failure
        if exc is None:
            return ""
        if isinstance(exc, VMScrapeError):
            return _one_line("; ".join(exc.format_problem(p) for p in exc.problems))
        text = f"{type(exc).__name__}: {_one_line(str(exc))}" if str(exc) else type(exc).__name__
        return f"{text} ({self.where})" if self.where else text


def busy_error(stack: str, locks: list[StackLock]) -> VMScrapeError:
    """Another update holds the stack: who, since when, and what to do."""
    holders = ", ".join(lock.describe() for lock in locks) or "another pulumi process"
    return VMScrapeError(
        [
            Problem(
                f"stack {stack}",
                "",
                f"another update is running on this stack: {holders} holds its lock. Nothing was changed. "
                "Wait for it to finish and run again; if that process is stuck, stop it first. A lock whose "
                "owner is gone on this host is removed by the next run; one taken on another host can only "
                "be checked there (`vmscrape cancel --force` removes it when you are sure no update runs).",
            )
        ]
    )


def engine_failure(
    action: str,
    stack: str,
    error: auto_errors.CommandError,
    program: GuardedProgram,
    recovered: list[str],
) -> VMScrapeError:
    """One problem saying why ``pulumi <action>`` failed, translated from the Automation API's error."""
    if isinstance(program.failure, VMScrapeError):
        return program.failure
    text = str(error)
    if isinstance(error, auto_errors.ConcurrentUpdateError) or "the stack is currently locked" in text:
        locks = [
            StackLock(Path(), int(m["pid"]), m["who"].split("@")[-1], m["who"].split("@")[0], m["since"])
            for m in _LOCK_LINE.finditer(text)
        ]
        return busy_error(stack, locks)
    after = " " + _after_failure(action, recovered)
    if program.failure is not None:
        message = f"the program raised {program.summary()}; `{action}` stopped there.{after}"
    else:
        code = _exit_code(text)
        cause = f"was killed by signal {-code}" if code is not None and code < 0 else "failed"
        errors = _engine_errors(text)
        message = (
            f"the pulumi engine {cause} during `{action}`"
            + (f": {errors}" if errors else "")
            + "."
            + _hint(text)
            + after
        )
    return VMScrapeError([Problem(f"stack {stack}", "", _one_line(message))])


def _after_failure(action: str, recovered: list[str]) -> str:
    state = (
        "Resources changed before the failure stay changed (see the output above); "
        if action in ("up", "destroy")
        else ""
    )
    cleanup = (
        "what the engine left running or locked is cleaned up (the lines above), pending operations are "
        "cleared by the next run; "
        if recovered
        else ""
    )
    return f"{state}{cleanup}fix the cause and run `vmscrape {action}` again."


_MISSING_NAMESPACE = re.compile(r'namespaces "([^"]+)" not found')


def _hint(text: str) -> str:
    """What to do about a failure whose cause vmscrape knows (else ``""``)."""
    missing = sorted(set(_MISSING_NAMESPACE.findall(text)))
    if missing:
        return (
            f" The cluster has no namespace {', '.join(missing)}: create it (`kubectl create namespace "
            f"{missing[0]}`), or let the stack own the namespaces it uses with "
            "`pulumi config set --type bool vmscrape:createNamespaces true`."
        )
    return ""


def _exit_code(text: str) -> int | None:
    found = re.search(r"\bcode: (-?\d+)", text)
    return int(found.group(1)) if found else None


def _engine_errors(text: str) -> str:
    """The engine's own ``error:`` diagnostics, in order, once each (not the Automation API's frame)."""
    seen: list[str] = []
    for line in text.splitlines():
        found = _ERROR_LINE.match(line)
        if found:
            message = _one_line(found.group(1))
            if message and message not in seen and not message.startswith("update failed"):
                seen.append(message)
    return "; ".join(seen)
