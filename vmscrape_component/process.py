"""One process, told apart from a later one that reuses its pid, and stopped the one way vmscrape stops
processes: the local control plane's servers (:mod:`.cluster.processes`) and the Pulumi engine and plugins an
interrupted run left behind (:mod:`.component.recovery`).

A process is its pid *and* its start time (``/proc/<pid>/stat`` field 22, clock ticks after boot): a pid
alone may belong to a newer process after the first one exits. A zombie (``Z``) or dead (``X``) process
counts as gone: it runs nothing and only waits to be reaped. Stopping is SIGTERM, then SIGKILL after
:data:`TERM_GRACE_SECONDS`, only while the process is still the same one; our own children are reaped.
Facts come from Linux's ``/proc``; where it is missing every process reads as gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "KILL_WAIT_SECONDS",
    "TERM_GRACE_SECONDS",
    "ProcStat",
    "Process",
    "carrying",
    "proc_stat",
    "running",
    "start_ticks",
    "stop",
]

_PROC = Path("/proc")
#: How long a process gets to exit after SIGTERM before it is sent SIGKILL.
TERM_GRACE_SECONDS = 10.0
#: How long to wait for a process to go after SIGKILL.
KILL_WAIT_SECONDS = 5.0
#: Process states that count as gone (``man 5 proc``: zombie, dead).
_GONE_STATES = frozenset("ZX")


@dataclass(frozen=True)
class ProcStat:
    """The fields of ``/proc/<pid>/stat`` vmscrape reads."""

    name: str
    state: str
    ppid: int
    start: int


def proc_stat(pid: int) -> ProcStat | None:
    """``/proc/<pid>/stat``, or None when there is no such process."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # `comm` is in parentheses and may itself hold spaces or parentheses: split at the last `)`.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return ProcStat(name=name, state=fields[0], ppid=int(fields[1]), start=int(fields[19]))


def start_ticks(pid: int) -> int | None:
    """The start time of the running process ``pid``; None when it is gone (or a zombie)."""
    stat = proc_stat(pid)
    return None if stat is None or stat.state in _GONE_STATES else stat.start


def running(pid: int, start: int) -> bool:
    """Whether the process that started at ``start`` still runs under ``pid``."""
    return start_ticks(pid) == start


def _program_name(pid: int) -> str:
    """The executable's name from the command line (``comm`` is cut at 15 characters)."""
    try:
        argv0 = (_PROC / str(pid) / "cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return ""
    return Path(argv0.decode(errors="replace")).name


@dataclass(frozen=True)
class Process:
    """One process, named so that a later reuse of its pid is not mistaken for it."""

    pid: int
    #: Start time in clock ticks after boot (``/proc/<pid>/stat``): with the pid, one process ever.
    start: int
    #: The executable's name, e.g. ``pulumi`` or ``pulumi-resource-kubernetes``.
    name: str

    @classmethod
    def find(cls, pid: int) -> Process | None:
        """The running process ``pid`` (a zombie counts as gone), or None."""
        stat = proc_stat(pid)
        if stat is None or stat.state in _GONE_STATES:
            return None
        return cls(pid, stat.start, _program_name(pid) or stat.name)

    def running(self) -> bool:
        """Whether this very process still runs (same pid, same start time)."""
        return running(self.pid, self.start)

    def describe(self) -> str:
        return f"{self.name} (pid {self.pid})"

    def started_at(self) -> float | None:
        """When it started, in seconds since the epoch (boot time + start ticks)."""
        try:
            boot = next(
                int(line.split()[1])
                for line in (_PROC / "stat").read_text().splitlines()
                if line.startswith("btime ")
            )
        except (OSError, StopIteration, ValueError):
            return None
        return boot + self.start / os.sysconf("SC_CLK_TCK")


def carrying(variable: str, value: str) -> list[Process]:
    """Every running process (other than this one) whose environment holds ``variable=value``: what a
    process started inherits, so it names a run's processes even after their parent died (``ps`` sees
    them under init then). Processes of other users, whose ``environ`` is unreadable, are never listed."""
    wanted = f"{variable}={value}".encode()
    found: list[Process] = []
    me = str(os.getpid())
    try:
        entries = [entry for entry in _PROC.iterdir() if entry.name.isdigit() and entry.name != me]
    except OSError:
        return found
    for entry in entries:
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours
            continue
        if wanted in environ.split(b"\0"):
            process = Process.find(int(entry.name))
            if process is not None:
                found.append(process)
    return found


def reap(pid: int) -> None:
    """Collect ``pid`` if it is our own child that has ended, so it does not linger as a zombie. A process
    another process started is not our child (its parent, or init, reaps it); a running one is left alone."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0 if start_ticks(pid) is None else os.WNOHANG)


def _wait_gone(pid: int, start: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid, start):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop(pid: int, start: int, *, grace: float = TERM_GRACE_SECONDS) -> bool:
    """SIGTERM, then SIGKILL if it has not exited after ``grace`` seconds; signals only while the process
    is still the one that started at ``start``. Whether it was running."""
    was_running = running(pid, start)
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, KILL_WAIT_SECONDS)):
        if not running(pid, start):
            break
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if _wait_gone(pid, start, wait):
            break
    reap(pid)
    return was_running
