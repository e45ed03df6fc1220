"""Start the control plane's processes detached, wait for them to be ready, stop them by PID.

A PID alone can be reused after its process exits, so each record also keeps the process's start
time from ``/proc``: stopping never signals a process that merely inherited the number. Identity, the
zombie rule and stopping are :mod:`vmscrape_component.process`, shared with the Pulumi run recovery.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import process


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


def is_alive(record: ProcessRecord) -> bool:
    """The recorded process is still running (and is the same process, not a reused PID)."""
    return process.running(record.pid, record.started)


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
    ticks = process.start_ticks(proc.pid)
    # Exited already: recorded all the same (never alive), so the readiness wait reports it with its log.
    return ProcessRecord(name=name, pid=proc.pid, started=-1 if ticks is None else ticks, log=str(log))


def stop(record: ProcessRecord) -> None:
    """Stop the recorded process the one way vmscrape stops processes (:func:`..process.stop`); a process
    already gone is fine."""
    process.stop(record.pid, record.started)


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
            process.reap(record.pid)
            raise ClusterError(
                f"{record.name} exited while waiting for {what}; log: {record.log}\n{tail(record.log)}"
            )
        if time.monotonic() - start > timeout:
            where = f"; log: {record.log}\n{tail(record.log)}" if record else ""
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}{where}")
        time.sleep(interval)
