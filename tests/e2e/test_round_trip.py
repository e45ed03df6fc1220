"""The second quick start, as a user runs it: the quick start deployed to the local control plane and back.

``vmscrape cluster up`` (here: the session's ``local_cluster``), then in the project directory
``pulumi stack init`` and ``pulumi config set`` with the real CLI, ``vmscrape up`` (what ``make up`` runs
without a Python language host) deploying with the real Kubernetes provider, the stack creating the
namespaces it needs (``vmscrape:createNamespaces``), ``vmscrape verify`` finding the real operator's
config as predicted, a change shown by ``vmscrape preview --diff``, and ``vmscrape destroy`` (``make
destroy``) finishing in seconds — foreground deletion and namespace deletion done by the real
kube-controller-manager — leaving neither objects in the cluster nor files in the working tree.
Without ``vmscrape:createNamespaces`` the same ``up`` fails in one paragraph that says what to do.

The timings of each step are printed (``pytest -s``) and kept in ``ROUND_TRIP_SECONDS``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cli.__main__ import main

pytestmark = [pytest.mark.e2e, pytest.mark.kube]

ROOT = Path(__file__).resolve().parents[2]
#: The namespaces the quick start's objects go to (examples/quickstart/__main__.py).
NAMESPACES = ("apps", "monitoring")
AGENT = "monitoring/main"
#: Seconds the operator may take to write its config (2 shared cores).
OPERATOR_TIMEOUT = 120.0
#: What ``destroy`` may take: "in seconds", not the ten minutes of a foreground deletion nobody finishes.
DESTROY_LIMIT = 60.0
ROUND_TRIP_SECONDS: dict[str, float] = {}


@pytest.fixture(autouse=True)
def engine(pulumi_cli: str) -> str:
    return pulumi_cli


@pytest.fixture(autouse=True)
def without_the_namespaces(local_cluster: Any) -> None:
    """A cluster as the user has it before the quick start: neither namespace exists. The session's
    cluster is shared, and earlier tests deploy other programs into ``apps`` and ``monitoring``."""
    from tests.support.cluster import delete_namespace_and_wait

    api = local_cluster.api_client()
    for name in NAMESPACES:
        delete_namespace_and_wait(api, name)


def _project(tmp_path: Path) -> Path:
    """A copy of the root project as a user has it: Pulumi.yaml, __main__.py, the quick start, and the
    (checked-in) state directory of its file backend."""
    project = tmp_path / "vmscrape"
    (project / "examples").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "examples" / "quickstart", project / "examples" / "quickstart")
    (project / ".pulumi-state").mkdir()
    shutil.copy(ROOT / ".pulumi-state" / "README.md", project / ".pulumi-state" / "README.md")
    return project


def _pulumi(pulumi_cli: str, project: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [pulumi_cli, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"pulumi {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _tree(project: Path) -> list[str]:
    """The working tree: every file outside the backend's state directory."""
    return sorted(str(p.relative_to(project)) for p in project.rglob("*") if ".pulumi-state" not in p.parts)


def _vmscrape(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _cluster_scoped(api: Any) -> dict[str, set[str]]:
    from kubernetes import client

    rbac, core = client.RbacAuthorizationV1Api(api), client.CoreV1Api(api)
    return {
        "namespaces": {n.metadata.name for n in core.list_namespace().items},
        "clusterroles": {r.metadata.name for r in rbac.list_cluster_role().items},
        "clusterrolebindings": {r.metadata.name for r in rbac.list_cluster_role_binding().items},
    }


def _timed(step: str, fn: Any) -> Any:
    began = time.monotonic()
    result = fn()
    ROUND_TRIP_SECONDS[step] = round(time.monotonic() - began, 1)
    return result


def _user_env(cluster: Any) -> dict[str, str]:
    # What the README tells the user to export; the passphrase of the local default is empty.
    return {
        **os.environ,
        "KUBECONFIG": str(cluster.kubeconfig),
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }


def test_the_quick_start_deploys_verifies_previews_a_change_and_destroys_leaving_nothing(
    local_cluster: Any,
    pulumi_cli: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api = local_cluster.api_client()
    project = _project(tmp_path)
    env = _user_env(local_cluster)
    monkeypatch.setenv("KUBECONFIG", env["KUBECONFIG"])
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")
    monkeypatch.chdir(project)
    before = _cluster_scoped(api)
    assert not set(NAMESPACES) & before["namespaces"]

    _pulumi(pulumi_cli, project, "stack", "init", "dev", "--secrets-provider", "passphrase", env=env)
    _pulumi(pulumi_cli, project, "config", "set", "vmscrape:kubeContext", local_cluster.context, env=env)
    own = ("config", "set", "--type", "bool", "vmscrape:createNamespaces", "true")
    _pulumi(pulumi_cli, project, *own, env=env)
    tree = _tree(project)
    stack = ["--program", str(project), "--state-dir", str(project / ".pulumi-state")]

    code, out, err = _timed("up", lambda: _vmscrape(capsys, "up", *stack))
    assert code == 0, out + err
    after_up = _cluster_scoped(api)
    assert set(NAMESPACES) <= after_up["namespaces"]
    # Every object waits for the namespaces (and is deleted before them): the provider they all use
    # depends on the Namespaces, which have a provider of their own.
    state = json.loads((project / ".pulumi-state/.pulumi/stacks/vmscrape/dev.json").read_text())
    resources = state["checkpoint"]["latest"]["resources"]
    namespaces = {r["urn"] for r in resources if r["type"] == "kubernetes:core/v1:Namespace"}
    assert sorted(u.rsplit("::", 1)[-1] for u in namespaces) == [f"namespace-{n}" for n in NAMESPACES]
    (provider,) = [r for r in resources if r["urn"].endswith("pulumi:providers:kubernetes::vmscrape-cluster")]
    assert set(provider.get("dependencies", [])) == namespaces
    placed = [r for r in resources if r["type"].startswith("kubernetes:") and r not in (provider,)]
    placed = [r for r in placed if r["urn"] not in namespaces]
    assert placed and all(r["provider"].startswith(provider["urn"] + "::") for r in placed)
    # Nothing was rendered: the resources went to the cluster.
    assert not (project / "rendered").exists()

    verify = ["verify", "--context", local_cluster.context, "--kubeconfig", str(local_cluster.kubeconfig)]
    verify += ["--agent", AGENT, "-o", "json"]
    verify += [f"--operator-env={k}={v}" for k, v in sorted((local_cluster.operator_env or {}).items())]

    def verified() -> dict[str, Any]:
        deadline = time.monotonic() + OPERATOR_TIMEOUT
        while True:
            code, out, err = _vmscrape(capsys, *verify)
            if code == 0:
                return dict(json.loads(out))
            assert time.monotonic() < deadline, f"verify did not pass within {OPERATOR_TIMEOUT}s: {out}{err}"
            time.sleep(1.0)

    report = _timed("verify", verified)
    (agent,) = report["agents"]
    assert agent["identical"] and agent["compared_jobs"] == 3

    program = project / "examples" / "quickstart" / "__main__.py"
    source = program.read_text()
    changed = source.replace('"path": "/metrics", "interval": "30s"', '"path": "/metrics", "interval": "15s"')
    assert changed != source
    program.write_text(changed)
    code, out, err = _timed("preview --diff", lambda: _vmscrape(capsys, "preview", "--diff", *stack))
    assert code == 0, out + err
    assert re.search(r'interval\s*:\s*"30s"\s*=>\s*"15s"', out), out
    program.write_text(source)

    code, out, err = _timed("destroy", lambda: _vmscrape(capsys, "destroy", *stack))
    assert code == 0, out + err
    assert ROUND_TRIP_SECONDS["destroy"] < DESTROY_LIMIT
    # The cluster as before: no namespace, and none of what the operator made for the agent (its
    # cluster-scoped RBAC included); the working tree as before `up`.
    assert _cluster_scoped(api) == before
    assert _tree(project) == tree
    api.close()
    with capsys.disabled():
        print("\nround trip (s):", ", ".join(f"{step} {t}" for step, t in ROUND_TRIP_SECONDS.items()))


def test_without_its_namespaces_up_fails_in_one_paragraph_that_says_what_to_do(
    local_cluster: Any,
    pulumi_cli: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = _project(tmp_path)
    env = _user_env(local_cluster)
    monkeypatch.setenv("KUBECONFIG", env["KUBECONFIG"])
    monkeypatch.chdir(project)
    _pulumi(pulumi_cli, project, "stack", "init", "dev", "--secrets-provider", "passphrase", env=env)
    _pulumi(pulumi_cli, project, "config", "set", "vmscrape:kubeContext", local_cluster.context, env=env)
    stack = ["--program", str(project), "--state-dir", str(project / ".pulumi-state")]

    code, out, err = _timed("up without namespaces", lambda: _vmscrape(capsys, "up", *stack))
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in out + err
    assert 'namespaces "apps" not found' in errors[0] or 'namespaces "monitoring" not found' in errors[0]
    assert "vmscrape:createNamespaces true" in errors[0]
    # What was created before the failure is removed again, in seconds.
    code, out, err = _timed("destroy after the failure", lambda: _vmscrape(capsys, "destroy", *stack))
    assert code == 0, out + err
    with capsys.disabled():
        print("\nround trip (s):", ", ".join(f"{step} {t}" for step, t in ROUND_TRIP_SECONDS.items()))
