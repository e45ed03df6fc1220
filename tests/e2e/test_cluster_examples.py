"""Every example under examples/, deployed for real: the Pulumi engine, the real Kubernetes provider
(server-side apply, the API server's CRD validation) and the real operator in the local control plane.

For each example: ``up`` (the Automation API, inline, ``vmscrape:kubeContext`` set to the local context)
creates every object it registers; a second ``up`` changes nothing; a VMAgent that selects every scrape
gets its config from the real operator, and ``vmscrape verify`` finds it as predicted (exit 0); with the
agent paused, the operator's Secret edited by hand is drift that ``verify`` names field by field (exit 1)
without showing a credential; unpaused, the operator rewrites its config (exit 0 again);
``destroy`` leaves none of the example's objects in the API server.

The control plane runs kube-controller-manager's garbage collector and namespace controller, so
Pulumi's default foreground deletion finishes as in any cluster. No kubelet runs pods: the cluster's
ready marker reports the operator's Deployments as rolled out, and the test adds ``pulumi.com/skipAwait``
to the standalone example's Deployment (no pod of it would ever become ready for Pulumi to wait on).
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import run_program
from vmscrape_component.cli.__main__ import main
from vmscrape_component.component.runner import load_project, open_stack

pytestmark = [pytest.mark.e2e, pytest.mark.kube]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())
GROUP, VERSION = "operator.victoriametrics.com", "v1beta1"
#: The VMAgent the test creates to make the operator write a config (it selects every scrape).
AGENT_NAMESPACE, AGENT_NAME = "vmscrape-verify", "verify"
#: Seconds the operator may take to write or rewrite an agent's config (2 shared cores).
OPERATOR_TIMEOUT = 120.0
#: The example whose deployment is also drifted on purpose: its config holds credentials, which must not
#: show in verify's output (one example is enough for drift; every example is verified as predicted).
DRIFT_EXAMPLE = "auth-tls"


@pytest.fixture(autouse=True)
def engine(pulumi_cli: str) -> str:
    return pulumi_cli


def _without_kubelet() -> None:
    """A stack transform for a cluster without a kubelet: Deployments skip Pulumi's await (their pods
    would never run)."""

    def transform(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "kubernetes:apps/v1:Deployment":
            return None
        props = dict(args.props)
        meta = props.get("metadata")
        if not isinstance(meta, dict):
            return None
        annotations = {**(meta.get("annotations") or {}), "pulumi.com/skipAwait": "true"}
        props["metadata"] = {**meta, "annotations": annotations}
        return pulumi.ResourceTransformResult(props, args.opts)

    pulumi.runtime.register_resource_transform(transform)


def _namespaces_of(example: Path) -> set[str]:
    """The namespaces an example's objects go to (from a run under Pulumi's mocks)."""
    found = set()
    for resource in run_program(example).resources:
        meta = resource.inputs.get("metadata") or {}
        if isinstance(meta, dict) and meta.get("namespace"):
            found.add(meta["namespace"])
    return found


def _ensure_namespace(core: Any, name: str) -> None:
    from kubernetes.client.rest import ApiException

    try:
        core.create_namespace({"metadata": {"name": name}})
    except ApiException as exc:
        if exc.status != 409:
            raise


def _deployed(state: Any) -> list[dict[str, Any]]:
    """``{apiVersion, kind, namespace, name}`` of every Kubernetes object in the stack's state."""
    objects = []
    for resource in state.deployment.get("resources") or ():
        outputs = resource.get("outputs") or {}
        if not resource["type"].startswith("kubernetes:") or "kind" not in outputs:
            continue
        meta = outputs.get("metadata") or {}
        objects.append(
            {
                "apiVersion": outputs["apiVersion"],
                "kind": outputs["kind"],
                "namespace": meta.get("namespace"),
                "name": meta["name"],
            }
        )
    return objects


def _exists(dynamic: Any, obj: dict[str, Any]) -> bool:
    from kubernetes.dynamic.exceptions import NotFoundError

    api = dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    try:
        api.get(name=obj["name"], namespace=obj["namespace"])
    except NotFoundError:
        return False
    return True


class Verifier:
    """Runs ``vmscrape verify`` against the local cluster for the test's VMAgent."""

    def __init__(self, cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
        self.argv = [
            "verify",
            "--context",
            cluster.context,
            "--kubeconfig",
            str(cluster.kubeconfig),
            "--agent",
            f"{AGENT_NAMESPACE}/{AGENT_NAME}",
        ]
        env = cluster.operator_env or {}
        self.argv += [f"--operator-env={k}={v}" for k, v in sorted(env.items())]
        self.capsys = capsys

    def run(self, *extra: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main([*self.argv, *extra])
        out, err = self.capsys.readouterr()
        return code, out, err

    def until(self, wanted: int, why: str) -> dict[str, Any]:
        """Poll until verify exits ``wanted`` (the operator works asynchronously); its JSON report."""
        deadline = time.monotonic() + OPERATOR_TIMEOUT
        while True:
            code, out, err = self.run("-o", "json")
            if code == wanted:
                return json.loads(out)
            if time.monotonic() > deadline:
                pytest.fail(
                    f"verify did not exit {wanted} ({why}) within {OPERATOR_TIMEOUT}s: {code}\n{out}{err}"
                )
            time.sleep(1.0)


def _operator_secret(core: Any) -> tuple[dict[str, Any], Callable[[dict[str, Any]], None]]:
    """The operator's config (parsed) and a function that writes a changed one into its Secret."""
    name = f"vmagent-{AGENT_NAME}"
    secret = core.read_namespaced_secret(name, AGENT_NAMESPACE)
    config = yaml.safe_load(gzip.decompress(base64.b64decode(secret.data["vmagent.yaml.gz"])))

    def write(changed: dict[str, Any]) -> None:
        data = base64.b64encode(gzip.compress(yaml.safe_dump(changed).encode())).decode()
        core.patch_namespaced_secret(name, AGENT_NAMESPACE, {"data": {"vmagent.yaml.gz": data}})

    return config, write


def _pause(custom: Any, paused: bool) -> None:
    patch = {"spec": {"paused": paused}}
    custom.patch_namespaced_custom_object(GROUP, VERSION, AGENT_NAMESPACE, "vmagents", AGENT_NAME, patch)


@pytest.mark.parametrize(
    "example",
    EXAMPLES,
)
def test_example_deploys_verifies_and_destroys_on_a_real_cluster(
    example: str,
    local_cluster: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kubernetes import client, dynamic

    copy = tmp_path / example
    shutil.copytree(ROOT / "examples" / example, copy)
    api = local_cluster.api_client()
    core, custom = client.CoreV1Api(api), client.CustomObjectsApi(api)
    cluster_objects = dynamic.DynamicClient(api)
    for namespace in sorted(_namespaces_of(copy)):
        _ensure_namespace(core, namespace)

    # The provider reads the kubeconfig from the environment the engine and its plugins inherit.
    monkeypatch.setenv("KUBECONFIG", str(local_cluster.kubeconfig))
    project_dir, name, program = load_project(copy)

    def deploy() -> None:
        _without_kubelet()
        program()

    monkeypatch.chdir(project_dir)
    st = open_stack(
        project_dir,
        name,
        deploy,
        state_dir=tmp_path / "state",
        config={"vmscrape:kubeContext": local_cluster.context},
    )
    up = st.up(color="never")
    assert up.summary.result == "succeeded"
    deployed = _deployed(st.export_stack())
    scrapes = [o for o in deployed if o["kind"] == "VMServiceScrape"]
    assert scrapes, f"{example} deploys no VMServiceScrape"
    try:
        assert all(_exists(cluster_objects, o) for o in deployed)
        again = st.up(color="never")
        assert set(again.summary.resource_changes or {}) == {"same"}, again.summary.resource_changes
        _verify_against_the_operator(local_cluster, core, scrapes, capsys, drift=example == DRIFT_EXAMPLE)
    finally:
        st.destroy(color="never")
    left = [o for o in deployed if _exists(cluster_objects, o)]
    assert left == []
    names = {(o["namespace"], o["name"]) for o in scrapes}
    listed = custom.list_cluster_custom_object(GROUP, VERSION, "vmservicescrapes")["items"]
    assert not names & {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in listed}
    api.close()


def _verify_against_the_operator(
    cluster: Any, core: Any, scrapes: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], *, drift: bool
) -> None:
    from kubernetes import client

    api = cluster.api_client()
    custom = client.CustomObjectsApi(api)
    verifier = Verifier(cluster, capsys)
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "VMAgent",
        "metadata": {"name": AGENT_NAME, "namespace": AGENT_NAMESPACE},
        "spec": {"selectAllByDefault": True, "remoteWrite": [{"url": "http://127.0.0.1:1/api/v1/write"}]},
    }
    _ensure_namespace(core, AGENT_NAMESPACE)
    custom.create_namespaced_custom_object(GROUP, VERSION, AGENT_NAMESPACE, "vmagents", body)
    try:
        report = verifier.until(0, "the operator's first config")
        (agent,) = report["agents"]
        assert agent["identical"] and agent["compared_jobs"] >= len(scrapes)
        if drift:
            _drift(custom, core, verifier)
    finally:
        custom.delete_namespaced_custom_object(GROUP, VERSION, AGENT_NAMESPACE, "vmagents", AGENT_NAME)
        _wait_gone(custom)
        api.close()


def _drift(custom: Any, core: Any, verifier: Verifier) -> None:
    """Drift made on purpose must be named: a hand edit of the operator's Secret while the agent is
    paused; unpaused, the operator rewrites its config and verify finds it as predicted again.

    (A scrape changed while the agent is paused is not used: the operator sometimes regenerates the
    config for it anyway, so whether that is drift depends on timing.)"""
    # Paused, the operator leaves its Secret alone: a hand edit there is drift, named.
    _pause(custom, True)
    config, write = _operator_secret(core)
    job = next(j for j in config["scrape_configs"] if j["job_name"].startswith("serviceScrape/"))
    job["scrape_interval"] = "99s"
    write(config)
    code, out, err = verifier.run()
    assert code == 1, out + err
    assert f"~ job {job['job_name']}" in out
    # "30s → 99s", or "added 99s" where the endpoint sets no interval (the agent's global one applies).
    assert any(
        line.strip().startswith("scrape_interval: ") and line.endswith("99s") for line in out.splitlines()
    )

    code, report_text, _ = verifier.run("-o", "json")
    assert code == 1
    changed = json.loads(report_text)["agents"][0]["diff"]["jobs"]["changed"]
    assert [c["new"] for c in changed[job["job_name"]] if c["path"] == "scrape_interval"] == ["99s"]
    # The examples' default credentials are in the operator's config, never in verify's output.
    assert "change-me" not in out + report_text

    # Unpaused, the operator writes its config again: as predicted.
    _pause(custom, False)
    verifier.until(0, "the operator catching up after unpausing")


def _wait_gone(custom: Any) -> None:
    from kubernetes.client.rest import ApiException

    deadline = time.monotonic() + OPERATOR_TIMEOUT
    while time.monotonic() < deadline:
        try:
            custom.get_namespaced_custom_object(GROUP, VERSION, AGENT_NAMESPACE, "vmagents", AGENT_NAME)
        except ApiException as exc:
            if exc.status == 404:
                return
            raise
        time.sleep(0.5)
    pytest.fail(f"VMAgent {AGENT_NAMESPACE}/{AGENT_NAME} was not deleted within {OPERATOR_TIMEOUT}s")


def test_every_example_is_deployed() -> None:
    assert EXAMPLES and all((ROOT / "examples" / e / "Pulumi.yaml").exists() for e in EXAMPLES)
