"""The one process identity and stop rule (``vmscrape_component/process.py``), on real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vmscrape_component import process

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _state(pid: int) -> str | None:
    stat = process.proc_stat(pid)
    return None if stat is None else stat.state


def _until(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_a_zombie_counts_as_gone_and_stop_reaps_it() -> None:
    child = subprocess.Popen(["true"])
    _until(lambda: _state(child.pid) == "Z")  # exited, not reaped yet
    stat = process.proc_stat(child.pid)
    assert stat is not None
    assert process.Process.find(child.pid) is None
    assert not process.running(child.pid, stat.start)
    assert process.stop(child.pid, stat.start) is False
    assert _state(child.pid) is None  # reaped: gone from /proc
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


def test_a_process_ignoring_sigterm_is_killed_after_the_grace() -> None:
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print(1, flush=True); time.sleep(300)"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"1\n"  # the handler is set
        found = process.Process.find(child.pid)
        assert found is not None
        began = time.monotonic()
        assert process.stop(child.pid, found.start, grace=0.3) is True
        assert time.monotonic() - began >= 0.3
        assert not found.running() and _state(child.pid) is None
    finally:
        child.kill()
        child.wait()


def test_a_pid_with_another_start_time_is_never_signalled() -> None:
    child = subprocess.Popen(["sleep", "300"])
    try:
        found = process.Process.find(child.pid)
        assert found is not None
        assert process.stop(child.pid, found.start + 1) is False  # as if the pid had been reused
        assert process.Process.find(child.pid) == found
        assert child.poll() is None
    finally:
        child.kill()
        child.wait()
