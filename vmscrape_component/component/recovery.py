"""What an interrupted ``vmscrape up|preview|destroy`` leaves behind, found and cleaned up by the next run.

A ``kill -9`` of vmscrape, or of the ``pulumi`` engine it runs, leaves three things:

- the engine's **lock** on the stack: a file ``.pulumi/locks/<org>/<project>/<stack>/<id>.json`` in the
  state directory holding the engine's ``pid``, ``hostname``, ``username`` and ``timestamp`` (Pulumi's file
  backend); every later update refuses to start while it exists;
- the **plugins** the engine started (``pulumi-resource-kubernetes``), orphaned and running forever;
- **pending operations** in the state (a CREATE that began and never confirmed) — cleared through the
  engine, by ``runner.py``.

This module handles the first two, which need no engine. Each run writes a record in
``<state dir>/.vmscrape/runs/<project>/<stack>/`` before it starts the engine, and gives the engine a
token in its environment (``VMSCRAPE_RUN``) that its plugins inherit; a later run stops the processes
carrying the token of a run whose vmscrape is gone — and no other process. A lock is stale when its
owner ran on this host and is gone. Process facts come from Linux's ``/proc``
(:mod:`vmscrape_component.process`, shared with the local control plane: one identity, one zombie rule, one
way to stop); elsewhere nothing is recorded and only locks are checked.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from ..process import Process, carrying, stop

__all__ = ["Process", "Recovery", "RunTracker", "StackLock", "recover", "stack_locks"]


# -- locks ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StackLock:
    """A lock the Pulumi file backend holds on a stack while an update runs."""

    path: Path
    pid: int
    hostname: str
    username: str
    #: When the lock was taken (RFC 3339, as Pulumi writes it).
    since: str

    def owner(self) -> Process | None:
        """The engine holding the lock if it runs on this host (a reused pid of another program is not it)."""
        if self.hostname != socket.gethostname():
            return None
        process = Process.find(self.pid)
        if process is None or not process.name.startswith("pulumi"):
            return None
        taken, started = _parse_time(self.since), process.started_at()
        # A pulumi started after the lock was taken reuses the pid; it cannot be the owner.
        if taken is not None and started is not None and started > taken + 1:
            return None
        return process

    def stale(self) -> bool:
        """The owner ran on this host and is gone: nothing will ever release the lock."""
        return self.hostname == socket.gethostname() and self.owner() is None

    def describe(self) -> str:
        since = re.sub(r"\.\d+", "", self.since)  # Pulumi writes nanoseconds
        return f"pulumi (pid {self.pid}) of {self.username}@{self.hostname} since {since}"


def _parse_time(text: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 time as Pulumi writes it (nanoseconds, ``Z``)."""
    try:
        return datetime.fromisoformat(re.sub(r"(\.\d{1,6})\d*", r"\1", text)).timestamp()
    except ValueError:
        return None


def stack_locks(state_dir: Path, project: str, stack: str) -> list[StackLock]:
    """The locks on ``project``/``stack`` in a file backend (project-scoped layout, or the older flat one)."""
    root = state_dir / ".pulumi" / "locks"
    directories = [root / "organization" / project / stack, root / stack]
    locks = []
    for directory in directories:
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
            try:
                content = json.loads(path.read_text())
                locks.append(
                    StackLock(
                        path,
                        int(content["pid"]),
                        str(content.get("hostname", "")),
                        str(content.get("username", "")),
                        str(content.get("timestamp", "")),
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                # Unreadable: its owner cannot be checked, so it is never taken for stale.
                locks.append(StackLock(path, 0, "?", "?", "?"))
    return locks


# -- what each run started -----------------------------------------------------------------------------------

#: The environment variable that marks every process a run starts; its value is the run's ``token``.
RUN_VARIABLE = "VMSCRAPE_RUN"


@dataclass
class _RunRecord:
    owner: Process
    action: str
    #: The value of :data:`RUN_VARIABLE` in the environment of the run's engine, inherited by its plugins.
    token: str = ""
    #: Processes listed by pid and start time (records of earlier builds, which watched for them).
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> _RunRecord | None:
        try:
            data = json.loads(path.read_text())
            return cls(
                Process(**data["owner"]),
                str(data["action"]),
                str(data.get("token", "")),
                [Process(**p) for p in data.get("processes", [])],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, path: Path) -> None:
        data = {"owner": asdict(self.owner), "action": self.action, "token": self.token}
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps(data, indent=1))
        # Atomic: a run killed mid-write never leaves half a record.
        os.replace(partial, path)

    def started(self) -> list[Process]:
        """The run's processes still running: those marked with its token, and any it listed."""
        marked = carrying(RUN_VARIABLE, self.token) if self.token else []
        return marked + [p for p in self.processes if p.running() and p not in marked]


def _runs_dir(state_dir: Path, project: str, stack: str) -> Path:
    return state_dir / ".vmscrape" / "runs" / project / stack


class RunTracker:
    """Marks the processes a run starts, so that the next run can stop them if this one is killed.

    The record is written before the engine starts; the engine gets :attr:`env` (``VMSCRAPE_RUN=<token>``)
    and its plugins inherit it, so every process of the run carries the token from its first instruction —
    no process is missed however short the time between its start and a ``kill -9``, and after the engine
    dies its orphaned plugins are still found. ``left_running()`` names those alive at any moment.
    """

    def __init__(self, state_dir: Path, project: str, stack: str, action: str) -> None:
        me = Process.find(os.getpid())
        self._enabled = me is not None
        owner = me or Process(os.getpid(), 0, "vmscrape")
        self._record = _RunRecord(owner, action, f"{owner.pid}-{owner.start}-{secrets.token_hex(6)}")
        self._path = _runs_dir(state_dir, project, stack) / f"{os.getpid()}.json"

    @property
    def env(self) -> dict[str, str]:
        """The environment entries that mark the engine, and through it its plugins, as this run's."""
        return {RUN_VARIABLE: self._record.token}

    def __enter__(self) -> RunTracker:
        if self._enabled:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._record.save(self._path)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            self._path.unlink(missing_ok=True)

    def left_running(self, grace: float = 2.0) -> list[Process]:
        """The run's processes still running after ``grace`` seconds (after the engine died: its plugins)."""
        if not self._enabled:
            return []
        deadline = time.monotonic() + grace
        while True:
            alive = self._record.started()
            if not alive or time.monotonic() >= deadline:
                return alive
            time.sleep(0.05)


def stop_processes(processes: list[Process]) -> list[Process]:
    """Stop ``processes``, the engine first (it may end its plugins itself); those that were running."""
    ordered = sorted(processes, key=lambda p: p.name != "pulumi")
    stopped = []
    for process in ordered:
        if stop(process.pid, process.start):
            stopped.append(process)
    return stopped


# -- the recovery --------------------------------------------------------------------------------------------


@dataclass
class Recovery:
    """What a recovery did (one line each, for the user) and the locks it left because their owner runs."""

    done: list[str] = field(default_factory=list)
    #: Locks held by a running engine, or by one on another host (cannot be checked from here).
    live_locks: list[StackLock] = field(default_factory=list)


def _interrupted_runs(state_dir: Path, project: str, stack: str) -> Iterator[tuple[Path, _RunRecord]]:
    directory = _runs_dir(state_dir, project, stack)
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else ():
        record = _RunRecord.load(path)
        if record is None or not record.owner.running():
            yield path, record or _RunRecord(Process(0, 0, "vmscrape"), "?")


def recover(
    state_dir: Path,
    project: str,
    stack: str,
    *,
    orphans: list[Process] | None = None,
    force: bool = False,
) -> Recovery:
    """Stop what interrupted runs left running, then remove the stack's stale locks.

    ``orphans``: processes of the current run that outlived its engine (after the engine was killed).
    ``force``: also remove locks whose owner runs or cannot be checked (``pulumi cancel``); their process is
    left alone.
    """
    result = Recovery()
    for path, record in _interrupted_runs(state_dir, project, stack):
        for process in stop_processes(record.started()):
            result.done.append(
                f"stopped {process.describe()}, left running by an interrupted `vmscrape {record.action}` "
                f"(pid {record.owner.pid})"
            )
        path.unlink(missing_ok=True)
    for process in stop_processes(orphans or []):
        result.done.append(f"stopped {process.describe()}, left running by the engine that ended")
    for lock in stack_locks(state_dir, project, stack):
        if lock.stale() or force:
            lock.path.unlink(missing_ok=True)
            reason = "its owner is gone" if lock.stale() else "forced"
            result.done.append(f"removed the lock of {lock.describe()}: {reason}")
        else:
            result.live_locks.append(lock)
    return result
