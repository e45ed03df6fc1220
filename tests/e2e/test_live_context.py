"""`vmscrape explain --context CTX`: the cluster read live, through the `kubernetes` client, equals the file.

A :class:`tests.e2e.fake_apiserver.FakeAPIServer` serves a snapshot on 127.0.0.1 (plain HTTP, no auth);
a generated kubeconfig points a context at it. The live read must build the same Snapshot as the file,
and `explain` must print the same result either way. A context that does not exist, a missing kubeconfig
and a server that refuses connections are one-line errors (exit 2), never tracebacks.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.fake_apiserver import FakeAPIServer
from vmscrape_component.cli.__main__ import main
from vmscrape_component.simulate import Snapshot, load_snapshot

try:
    import kubernetes  # noqa: F401
except ImportError:  # pragma: no cover - CI installs the `live` extra
    if os.environ.get("VMSCRAPE_REQUIRE_VMAGENT"):
        raise  # in CI (make test) a missing extra is an install bug, not a reason to skip
    pytest.skip("the `live` extra (kubernetes client) is not installed", allow_module_level=True)

from vmscrape_component.simulate.live import load_cluster

SNAPSHOTS = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"


def _kubeconfig(path: Path, server: str, *, context: str = "fake") -> str:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake-cluster", "cluster": {"server": server}}],
                "users": [{"name": "nobody", "user": {}}],
                "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "nobody"}}],
                "current-context": context,
            }
        )
    )
    return str(path)


@pytest.fixture
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FakeAPIServer, str, Path]]:
    """(server, kubeconfig, snapshot file) for the snapshot named by the test's parameter."""
    snapshot_file = SNAPSHOTS / request.param
    with FakeAPIServer(load_snapshot(snapshot_file)) as api:
        yield api, _kubeconfig(tmp_path / "kubeconfig", api.url), snapshot_file


def _without_resource_version(snapshot: Snapshot) -> dict[str, Any]:
    def strip(obj: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "resourceVersion"}
        return {**obj, "metadata": meta}

    buckets = ("namespaces", "services", "endpoints", "endpointslices", "pods", "nodes")
    return {b: {k: strip(o) for k, o in getattr(snapshot, b).items()} for b in buckets}


@pytest.mark.parametrize("served", ["web-and-db.yaml", "sidecars.yaml", "namespaces.yaml"], indirect=True)
def test_the_live_snapshot_equals_the_file(served: tuple[FakeAPIServer, str, Path]) -> None:
    api, kubeconfig, snapshot_file = served
    live = load_cluster("fake", kubeconfig, nodes=True)
    assert _without_resource_version(live) == _without_resource_version(load_snapshot(snapshot_file))
    assert live.ignored == []


def _explain_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["explain", *argv, "-o", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("served", "scrapes", "reads_nodes"),
    [("web-and-db.yaml", "web-and-db.yaml", False), ("sidecars.yaml", "sidecars.yaml", True)],
    indirect=["served"],
)
def test_explain_over_a_context_prints_what_the_file_gives(
    served: tuple[FakeAPIServer, str, Path],
    scrapes: str,
    reads_nodes: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api, kubeconfig, snapshot_file = served
    manifests = str(SNAPSHOTS / "scrapes" / scrapes)
    from_file = _explain_json(capsys, manifests, "--snapshot", str(snapshot_file))
    live = _explain_json(capsys, manifests, "--context", "fake", "--kubeconfig", kubeconfig)
    assert live == from_file
    assert sum(len(job["active"]) for job in live["jobs"]) > 0
    # Nodes are listed only when a job attaches node metadata (sidecars.yaml's scrapes do).
    assert any(path.startswith("/api/v1/nodes") for path in api.requests) is reads_nodes
    assert {path.split("?")[0] for path in api.requests} >= {
        "/api/v1/namespaces",
        "/api/v1/services",
        "/api/v1/endpoints",
        "/apis/discovery.k8s.io/v1/endpointslices",
        "/api/v1/pods",
    }


@pytest.mark.parametrize("served", ["web-and-db.yaml"], indirect=True)
def test_explain_shards_over_a_context_gives_the_files_split(
    served: tuple[FakeAPIServer, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, kubeconfig, snapshot_file = served
    manifests = str(SNAPSHOTS / "scrapes" / "web-and-db.yaml")
    from_file = _explain_json(capsys, manifests, "--snapshot", str(snapshot_file), "--shards", "3")
    live = _explain_json(capsys, manifests, "--context", "fake", "--kubeconfig", kubeconfig, "--shards", "3")
    assert live["shards"] == from_file["shards"]
    assert len(live["shards"]["targets"]) == sum(len(job["active"]) for job in live["jobs"]) > 0


def _one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["explain", str(SNAPSHOTS / "scrapes" / "web-and-db.yaml"), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ") and "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize("served", ["web-and-db.yaml"], indirect=True)
def test_an_unknown_context_is_one_line(
    served: tuple[FakeAPIServer, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    api, kubeconfig, _ = served
    line = _one_line_error(capsys, "--context", "nope", "--kubeconfig", kubeconfig)
    assert "'nope'" in line
    assert api.requests == []


def test_a_missing_kubeconfig_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line_error(capsys, "--context", "fake", "--kubeconfig", str(tmp_path / "absent"))
    assert "kubeconfig" in line


def test_an_unreachable_server_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kubeconfig = _kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    line = _one_line_error(capsys, "--context", "fake", "--kubeconfig", kubeconfig)
    assert f"cannot reach the API server at http://127.0.0.1:{port}" in line
    assert "refused" in line.lower()


def test_snapshot_and_context_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["explain", "x.yaml", "--snapshot", "s.yaml", "--context", "fake"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("served", ["front-ports.yaml"], indirect=True)
def test_diff_over_a_context_gives_the_targets_the_file_gives(
    served: tuple[FakeAPIServer, str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, kubeconfig, snapshot_file = served
    scrape = (
        "apiVersion: operator.victoriametrics.com/v1beta1\nkind: VMServiceScrape\n"
        "metadata: {name: front, namespace: shop}\n"
        "spec: {selector: {matchLabels: {app: front}}, endpoints: [{port: PORT}]}\n"
    )
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(scrape.replace("PORT", "http"))
    new.write_text(scrape.replace("PORT", "web"))

    def diff(*argv: str) -> dict[str, Any]:
        assert main(["diff", str(old), str(new), *argv, "-o", "json"]) == 0
        return json.loads(capsys.readouterr().out)

    from_file = diff("--snapshot", str(snapshot_file))
    live = diff("--context", "fake", "--kubeconfig", kubeconfig)
    assert live == from_file
    assert [(t["job"], len(t["gained"]), len(t["lost"])) for t in live["targets"]] == [
        ("serviceScrape/shop/front/0", 2, 3)
    ]
