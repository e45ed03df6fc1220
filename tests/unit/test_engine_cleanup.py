"""Cleaning up after an interrupted run, without the engine: stack locks, recorded processes, messages.

Processes here are real (``sleep`` under a chosen name); lock files are written in the format Pulumi's file
backend uses (``pkg/backend/diy/lock.go``: ``pid``, ``username``, ``hostname``, ``timestamp``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from vmscrape_component.component.failures import GuardedProgram, engine_failure
from vmscrape_component.component.recovery import RUN_VARIABLE, Process, RunTracker, recover, stack_locks
from vmscrape_component.errors import VMScrapeError

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

PROJECT, STACK = "demo", "dev"


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[object]:
    """Start ``sleep`` under a given executable name; every process started is killed at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str = "sleep", env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        binary = tmp_path / "bin" / name
        binary.parent.mkdir(exist_ok=True)
        if not binary.exists():
            binary.symlink_to("/bin/sleep")
        proc = subprocess.Popen([str(binary), "300"], env={**os.environ, **(env or {})})
        started.append(proc)
        # Until the new program's arguments are in place: mid-exec, `comm` already names it while its
        # command line and environment still read empty.
        _wait_for(lambda: _command_line(proc.pid).startswith(str(binary).encode() + b"\0"))
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _write_lock(state: Path, pid: int, host: str | None = None, taken: datetime | None = None) -> Path:
    path = state / ".pulumi" / "locks" / "organization" / PROJECT / STACK / "a1b2.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    when = taken or datetime.now(UTC)
    content = {
        "pid": pid,
        "username": "ci",
        "hostname": host or socket.gethostname(),
        # As Go's encoding/json writes a time.Time: RFC 3339 with nanoseconds.
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.%f123Z"),
    }
    path.write_text(json.dumps(content))
    return path


def test_a_lock_whose_engine_is_gone_is_removed_and_said(tmp_path: Path) -> None:
    lock = _write_lock(tmp_path, _dead_pid())
    result = recover(tmp_path, PROJECT, STACK)
    assert not lock.exists()
    assert result.live_locks == []
    (line,) = result.done
    assert "removed the lock" in line and "owner is gone" in line


def test_a_lock_held_by_a_running_engine_is_kept(tmp_path: Path, spawn: object) -> None:
    engine = spawn("pulumi")  # type: ignore[operator]
    lock = _write_lock(tmp_path, engine.pid)
    result = recover(tmp_path, PROJECT, STACK)
    assert lock.exists()
    assert [held.pid for held in result.live_locks] == [engine.pid]
    assert result.done == []
    assert Process.find(engine.pid) is not None


def test_a_pulumi_started_after_the_lock_was_taken_is_not_its_owner(tmp_path: Path, spawn: object) -> None:
    later = spawn("pulumi")  # type: ignore[operator]
    lock = _write_lock(tmp_path, later.pid, taken=datetime.now(UTC) - timedelta(minutes=5))
    assert recover(tmp_path, PROJECT, STACK).live_locks == []
    assert not lock.exists() and Process.find(later.pid) is not None


def test_a_reused_pid_of_another_program_does_not_keep_a_lock(tmp_path: Path, spawn: object) -> None:
    other = spawn("sleep")  # type: ignore[operator]
    lock = _write_lock(tmp_path, other.pid)
    recover(tmp_path, PROJECT, STACK)
    assert not lock.exists()
    assert Process.find(other.pid) is not None  # only the file went; the process is not touched


def test_a_lock_from_another_host_is_kept_unless_forced(tmp_path: Path) -> None:
    lock = _write_lock(tmp_path, _dead_pid(), host="build-agent-7")
    assert [held.hostname for held in recover(tmp_path, PROJECT, STACK).live_locks] == ["build-agent-7"]
    assert lock.exists()
    forced = recover(tmp_path, PROJECT, STACK, force=True)
    assert not lock.exists() and forced.live_locks == []
    assert "build-agent-7" in forced.done[0]


def test_an_unreadable_lock_is_never_taken_for_stale(tmp_path: Path) -> None:
    lock = _write_lock(tmp_path, 1)
    lock.write_text("{not json")
    assert len(recover(tmp_path, PROJECT, STACK).live_locks) == 1
    assert lock.exists()


def test_locks_of_other_stacks_are_not_read(tmp_path: Path) -> None:
    _write_lock(tmp_path, _dead_pid())
    assert stack_locks(tmp_path, PROJECT, "prod") == []
    assert stack_locks(tmp_path, "other", STACK) == []


def _record(
    state: Path, owner: Process, processes: list[Process] = (), action: str = "up", token: str = ""
) -> Path:
    """A run record as a run writes it (``token``), or as earlier builds did (``processes``)."""
    path = state / ".vmscrape" / "runs" / PROJECT / STACK / f"{owner.pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    content: dict[str, object] = {"owner": owner.__dict__, "action": action}
    if token:
        content["token"] = token
    if processes:
        content["processes"] = [p.__dict__ for p in processes]
    path.write_text(json.dumps(content))
    return path


def test_the_processes_of_a_killed_run_are_stopped_and_no_other(tmp_path: Path, spawn: object) -> None:
    # The plugin says which signal ended it: a plugin is asked to stop (SIGTERM) before it is killed.
    said = tmp_path / "signal"
    code = (
        "import signal, sys, time\n"
        "def said(n, _): open(sys.argv[1], 'w').write(signal.Signals(n).name); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, said)\n"
        "print('ready', flush=True)\n"
        "time.sleep(300)\n"
    )
    plugin = subprocess.Popen(
        ["bash", "-c", 'exec -a pulumi-resource-kubernetes "$0" -c "$1" "$2"']
        + [sys.executable, code, str(said)],
        stdout=subprocess.PIPE,
        env={**os.environ, RUN_VARIABLE: "killed-run"},
    )
    try:
        assert plugin.stdout is not None and plugin.stdout.readline() == b"ready\n"
        found = Process.find(plugin.pid)
        assert found is not None and found.name == "pulumi-resource-kubernetes"
        bystander = spawn("pulumi-resource-kubernetes")  # type: ignore[operator]
        # A plugin of another run, and one whose token only begins like this run's.
        others = [spawn("pulumi-resource-kubernetes", {RUN_VARIABLE: t}) for t in ("other", "killed-run-2")]  # type: ignore[operator]
        killed_run = Process(_dead_pid(), 1, "vmscrape")
        record = _record(tmp_path, killed_run, token="killed-run")
        result = recover(tmp_path, PROJECT, STACK)
    finally:
        plugin.kill()
        plugin.wait()
    assert said.read_text() == "SIGTERM"
    assert Process.find(plugin.pid) is None
    assert all(Process.find(p.pid) is not None for p in [bystander, *others])
    assert not record.exists()
    (line,) = result.done
    assert f"pid {plugin.pid}" in line and "pulumi-resource-kubernetes" in line and "vmscrape up" in line


def test_a_recorded_pid_now_used_by_another_process_is_left_alone(tmp_path: Path, spawn: object) -> None:
    current = spawn("pulumi-resource-kubernetes")  # type: ignore[operator]
    found = Process.find(current.pid)
    assert found is not None
    earlier = Process(found.pid, found.start - 1, found.name)  # the same pid, another start time
    _record(tmp_path, Process(_dead_pid(), 1, "vmscrape"), [earlier])
    assert recover(tmp_path, PROJECT, STACK).done == []
    assert Process.find(current.pid) is not None


def test_the_processes_of_a_running_vmscrape_are_left_alone(tmp_path: Path, spawn: object) -> None:
    plugin = spawn("pulumi-resource-kubernetes")  # type: ignore[operator]
    me = Process.find(os.getpid())
    assert me is not None
    record = _record(tmp_path, me, [Process.find(plugin.pid)])  # type: ignore[list-item]
    assert recover(tmp_path, PROJECT, STACK).done == []
    assert Process.find(plugin.pid) is not None and record.exists()


def test_a_run_names_the_processes_started_with_its_mark_and_no_other(tmp_path: Path, spawn: object) -> None:
    runs = tmp_path / ".vmscrape" / "runs" / PROJECT / STACK
    earlier = spawn("pulumi-resource-kubernetes")  # type: ignore[operator]  # e.g. a server of a program embedding vmscrape
    with RunTracker(tmp_path, PROJECT, STACK, "up") as tracker:
        (record,) = [json.loads(p.read_text()) for p in runs.glob("*.json")]
        assert tracker.env == {RUN_VARIABLE: record["token"]}  # recorded before anything starts
        unmarked = spawn("pulumi")  # type: ignore[operator]
        engine = spawn("pulumi", tracker.env)  # type: ignore[operator]
        assert [p.pid for p in tracker.left_running(grace=0)] == [engine.pid]
        engine.kill()
        engine.wait()
        assert tracker.left_running(grace=0) == []
    assert list(runs.glob("*.json")) == []  # a run that ends takes its record with it
    assert Process.find(earlier.pid) is not None and Process.find(unmarked.pid) is not None


def test_a_plugin_orphaned_at_once_by_a_killed_engine_is_still_the_runs(tmp_path: Path) -> None:
    # The engine starts its plugin and dies before anything could look: the plugin, now a child of init,
    # carries the run's mark from its first instruction.
    with RunTracker(tmp_path, PROJECT, STACK, "up") as tracker:
        engine = subprocess.run(
            ["bash", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"],
            env={**os.environ, **tracker.env},
            capture_output=True,
            text=True,
            check=True,
        )
        plugin = int(engine.stdout)
        try:
            (left,) = tracker.left_running(grace=0)
            assert left.pid == plugin
            result = recover(tmp_path, PROJECT, STACK, orphans=tracker.left_running(grace=0))
            assert Process.find(plugin) is None
            (line,) = result.done
            assert f"pid {plugin}" in line and "left running by the engine that ended" in line
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(plugin, 9)


def test_the_mark_of_a_run_killed_before_it_looked_is_enough_for_the_next_run(tmp_path: Path) -> None:
    runs = tmp_path / ".vmscrape" / "runs" / PROJECT / STACK
    code = (
        "import os, subprocess, sys\n"
        "from pathlib import Path\n"
        "from vmscrape_component.component.recovery import RunTracker\n"
        "tracker = RunTracker(Path(sys.argv[1]), 'demo', 'dev', 'up').__enter__()\n"
        "p = subprocess.Popen(['sleep', '300'], env={**os.environ, **tracker.env},\n"
        "                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(p.pid, flush=True)\n"
        "os.kill(os.getpid(), 9)\n"  # kill -9 right after the start
    )
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == -9, run.stderr
    plugin = int(run.stdout)
    try:
        (record,) = runs.glob("*.json")
        assert Process.find(plugin) is not None
        result = recover(tmp_path, PROJECT, STACK)
        assert Process.find(plugin) is None and not record.exists()
        (line,) = result.done
        assert f"sleep (pid {plugin})" in line and f"`vmscrape up` (pid {record.stem})" in line
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(plugin, 9)


def test_a_program_exception_is_one_line_naming_the_type_message_and_line(tmp_path: Path) -> None:
    main = tmp_path / "__main__.py"
    main.write_text("def boom():\n    raise KeyError('replicas')\n")
    namespace: dict[str, object] = {}
    exec(compile(main.read_text(), str(main), "exec"), namespace)
    guarded = GuardedProgram(namespace["boom"], tmp_path)  # type: ignore[arg-type]
    import pulumi

    with pytest.raises(pulumi.RunError) as raised:
        guarded()
    assert str(raised.value) == "KeyError: 'replicas' (__main__.py, line 2)"


def test_an_engine_failure_becomes_one_paragraph_without_a_traceback() -> None:
    from pulumi.automation._cmd import CommandResult
    from pulumi.automation.errors import CommandError

    # The shape of `pulumi up` output (v3.274.1) when a resource fails.
    failure = 'failed to write YAML file: "/ro/x.yaml": open /ro/x.yaml: read-only file system'
    stdout = (
        "Updating (dev):\n"
        f" +  kubernetes:core/v1:ConfigMap cfg creating (0s) error: {failure}\n"
        f" +  kubernetes:core/v1:ConfigMap cfg **creating failed** error: {failure}\n"
        "Diagnostics:\n"
        "  kubernetes:core/v1:ConfigMap (cfg):\n"
        f"    error: {failure}\n"
        "  pulumi:pulumi:Stack (demo-dev):\n"
        "    error: update failed\n"
    )
    error = CommandError(CommandResult(stdout=stdout, stderr="", code=255))
    problem = engine_failure("up", "dev", error, GuardedProgram(lambda: None), []).problems[0]
    assert "\n" not in problem.message and "Traceback" not in problem.message
    assert problem.message.count("read-only file system") == 1
    assert "update failed" not in problem.message


def test_a_concurrent_update_names_the_process_holding_the_lock() -> None:
    from pulumi.automation._cmd import CommandResult
    from pulumi.automation.errors import ConcurrentUpdateError

    stderr = (
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or "
        "delete the lock file with `pulumi cancel`.\n"
        "  file:///s/.pulumi/locks/organization/demo/dev/1.json: created by ci@box (pid 4242) at "
        "2026-12-01T02:00:00Z"
    )
    error = ConcurrentUpdateError(CommandResult(stdout="", stderr=stderr, code=255))
    exc = engine_failure("up", "dev", error, GuardedProgram(lambda: None), [])
    assert isinstance(exc, VMScrapeError)
    (problem,) = exc.problems
    assert "pid 4242" in problem.message and "ci@box" in problem.message
    assert "Nothing was changed" in problem.message
