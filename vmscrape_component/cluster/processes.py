"""Start the control plane's processes detached, wait for them to be ready, stop them by PID.

A PID alone can be reused after its process exits, so each record also keeps the process's start
time from ``/proc``: stopping never signals a process that merely inherited the number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class ClusterError(RuntimeError):
    """The local control plane could not start, or is not running; the message names the log file."""


@dataclass(frozen=True)
class ProcessRecord:
    """One process of the control plane, as recorded in the state file."""

    name: str
    pid: int
    #: Start time in clock ticks since boot (``/proc/<pid>/stat`` field 22); tells reused PIDs apart.
    started: int
    log: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessRecord:
        return cls(
            name=str(data["name"]), pid=int(data["pid"]), started=int(data["started"]), log=str(data["log"])
        )


def _start_ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its closing ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    state, ticks = fields[0], fields[19]
    return None if state == "Z" else int(ticks)


def is_alive(record: ProcessRecord) -> bool:
    """The recorded process is still running (and is the same process, not a reused PID)."""
    return _start_ticks(record.pid) == record.started


def launch(
    name: str, argv: Sequence[str], *, log: Path, env: Mapping[str, str], cwd: Path | None = None
) -> ProcessRecord:
    """Start ``argv`` in its own session (it outlives the caller), output appended to ``log``."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    ticks = _start_ticks(proc.pid)
    if ticks is None:
        raise ClusterError(f"{name} exited at once; log: {log}\n{tail(log)}")
    return ProcessRecord(name=name, pid=proc.pid, started=ticks, log=str(log))


def _reap(pid: int, *, block: bool = False) -> None:
    # Our own child (started in this process): collect it so it does not linger as a zombie. A process
    # started by another vmscrape process is not our child (ChildProcessError): its parent's init reaps it.
    # Block only on a process that has ended (a zombie, or gone): never on a running one.
    blocking = block and _start_ticks(pid) is None
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0 if blocking else os.WNOHANG)


def stop(record: ProcessRecord, *, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; a process already gone is fine."""
    if not is_alive(record):
        _reap(record.pid, block=True)
        return
    os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and is_alive(record):
        time.sleep(0.05)
    if is_alive(record):
        os.kill(record.pid, signal.SIGKILL)
        for _ in range(100):
            if not is_alive(record):
                break
            time.sleep(0.05)
    if not is_alive(record):  # dead (a zombie at most): waiting for it returns at once
        _reap(record.pid, block=True)


def tail(log: Path | str, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    try:
        text = Path(log).read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    what: str,
    ready: Callable[[], bool],
    *,
    record: ProcessRecord | None,
    timeout: float,
    interval: float = 0.1,
) -> float:
    """Poll ``ready`` until it is true; seconds waited. Fails fast if ``record``'s process died, and
    after ``timeout`` seconds, naming the process's log either way."""
    start = time.monotonic()
    while True:
        try:
            if ready():
                return time.monotonic() - start
        except Exception:  # not up yet: connection refused, 503, …
            pass
        if record is not None and not is_alive(record):
            _reap(record.pid)
            raise ClusterError(
                f"{record.name} exited while waiting for {what}; log: {record.log}\n{tail(record.log)}"
            )
        if time.monotonic() - start > timeout:
            where = f"; log: {record.log}\n{tail(record.log)}" if record else ""
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}{where}")
        time.sleep(interval)
