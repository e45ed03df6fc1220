"""The local control plane's life cycle: up, status, idempotent start, down by PID with nothing left,
and a clear error (naming the log) when a part does not start."""

from __future__ import annotations

import dataclasses
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cluster import ClusterError, LocalCluster, find_tools, start, status, stop
from vmscrape_component.cluster.processes import is_alive

pytestmark = pytest.mark.kube


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_up_status_down_leaves_no_process_behind(local_cluster: LocalCluster, tmp_path: Path) -> None:
    # A second control plane of its own (the session's keeps serving the other tests).
    state = tmp_path / "cp"
    cluster = start(state)
    pids = {p.name: p.pid for p in cluster.processes}
    assert set(pids) == {"etcd", "kube-apiserver", "kube-controller-manager", "ready-marker", "vm-operator"}
    assert all(cluster.running().values())
    assert status(state) is not None and status(state).ports == cluster.ports  # type: ignore[union-attr]
    assert start(state).processes == cluster.processes, "a second start must reuse the running cluster"
    assert "vmscrape-local" in cluster.kubeconfig.read_text()
    assert (cluster.kubeconfig.stat().st_mode & 0o777) == 0o600
    api_port = cluster.ports["apiserver"]
    assert _listening(api_port)

    stopped = stop(state)

    assert stopped == ["vm-operator", "ready-marker", "kube-controller-manager", "kube-apiserver", "etcd"]
    left = [name for name, pid in pids.items() if not _gone(pid)]
    assert not left, f"still running (or unreaped) after down: {left}"
    assert not _listening(api_port)
    assert not state.exists(), "down removes the state directory"
    assert stop(state) == [], "a second down has nothing to stop"


def test_a_part_that_does_not_start_is_named_with_its_log(
    local_cluster: LocalCluster, tmp_path: Path
) -> None:
    broken = dataclasses.replace(find_tools(), kube_apiserver=Path("/bin/false"))
    with pytest.raises(ClusterError, match=r"kube-apiserver exited .* log: .*kube-apiserver\.log"):
        start(tmp_path / "cp", tools=broken)
    recorded = LocalCluster.load(tmp_path / "cp")
    assert recorded is not None
    assert [p.name for p in recorded.processes] == ["etcd", "kube-apiserver"]
    assert not any(is_alive(p) for p in recorded.processes), "what did start must be stopped again"
    assert all(_gone(p.pid) for p in recorded.processes)


def test_missing_tools_name_the_install_command(monkeypatch: Any, tmp_path: Path) -> None:
    from vmscrape_component.cluster import ToolsMissing

    monkeypatch.setenv("VMSCRAPE_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolsMissing, match="scripts/install-kube"):
        find_tools()
    assert os.environ["PATH"] == "/nonexistent"
