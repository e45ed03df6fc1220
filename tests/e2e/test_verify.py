"""`vmscrape verify --context CTX`: the operator's own config Secret against vmscrape's prediction.

Each of the operator's own whole-agent cases (tests/data/operator-cases/agent/) is a cluster and the
config the real operator generated for it. A :class:`tests.e2e.fake_apiserver.FakeAPIServer` serves the
case's objects (Namespaces, the VMAgent, VMServiceScrapes, Secrets, ConfigMaps) and that config, gzipped,
as the operator stores it (Secret ``vmagent-<name>``, key ``vmagent.yaml.gz``). verify must find no drift
in any case; then the config or the cluster is changed behind vmscrape's back and verify must name the
change (exit 1), without printing a secret value; every way of failing to read is one line (exit 2).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.fake_apiserver import FakeAPIServer
from tests.support.reference import OPERATOR_CASES
from vmscrape_component.cli.__main__ import main
from vmscrape_component.simulate import snapshot_from_objects

try:
    import kubernetes  # noqa: F401
except ImportError:  # pragma: no cover - CI installs the `live` extra
    if os.environ.get("VMSCRAPE_REQUIRE_VMAGENT"):
        raise  # in CI (make test) a missing extra is an install bug, not a reason to skip
    pytest.skip("the `live` extra (kubernetes client) is not installed", allow_module_level=True)

AGENT_CASES = sorted((OPERATOR_CASES / "agent").glob("*.yaml"))
SERVED_KINDS = ("VMServiceScrape", "Secret", "ConfigMap")
#: The case most of the drift tests change: one VMServiceScrape with a bearer token from a Secret, and
#: jobs of other scrape kinds.
COMPLETE = OPERATOR_CASES / "agent" / "01-complete-test.yaml"


def config_secret(namespace: str, agent: str, config_text: str | bytes) -> dict[str, Any]:
    """The operator's config Secret holding ``config_text`` as it stores it (gzip, then base64)."""
    raw = config_text.encode() if isinstance(config_text, str) else config_text
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"vmagent-{agent}", "namespace": namespace},
        "data": {"vmagent.yaml.gz": base64.b64encode(gzip.compress(raw)).decode()},
    }


class Case:
    """An operator case served as a cluster: ``api``, ``kubeconfig``, ``expected`` (the operator's config)."""

    def __init__(self, path: Path, tmp_path: Path) -> None:
        self.data = yaml.safe_load(path.read_text())
        self.agent = self.data["vmagent"]
        self.namespace = self.agent["metadata"]["namespace"]
        self.name = self.agent["metadata"]["name"]
        self.expected = yaml.safe_load(self.data["expected_config"])
        objects = self.data["objects"]
        served = [self.agent, *(o for o in objects if o["kind"] in SERVED_KINDS)]
        snapshot = snapshot_from_objects([o for o in objects if o["kind"] == "Namespace"])
        self.api = FakeAPIServer(snapshot, objects=served)
        self.kubeconfig = tmp_path / "kubeconfig"
        self.kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": "SERVER"}}],
                    "users": [{"name": "nobody", "user": {}}],
                    "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "nobody"}}],
                    "current-context": "fake",
                }
            )
        )
        self.write_config(self.expected)
        self.env = [f"--operator-env={k}={v}" for k, v in (self.data.get("operator_config") or {}).items()]

    def start(self) -> Case:
        self.api.start()
        self.kubeconfig.write_text(self.kubeconfig.read_text().replace("SERVER", self.api.url))
        return self

    def write_config(self, config: dict[str, Any] | str) -> None:
        """Make the operator's Secret hold ``config`` (parsed YAML, or text as is)."""
        text = config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False)
        self.api.put(config_secret(self.namespace, self.name, text))

    def verify(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        code = main(["verify", "--context", "fake", "--kubeconfig", str(self.kubeconfig), *self.env, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    def verify_json(self, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
        code, out, err = self.verify(capsys, "-o", "json")
        assert err == ""
        return code, json.loads(out)


@pytest.fixture
def case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Case]:
    served = Case(getattr(request, "param", COMPLETE), tmp_path).start()
    try:
        yield served
    finally:
        served.api.stop()


def _job(config: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(j for j in config["scrape_configs"] if j["job_name"].startswith(prefix))


# -- no drift ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", AGENT_CASES, ids=[p.stem for p in AGENT_CASES], indirect=True)
def test_every_operator_case_verifies_without_drift(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = case.verify_json(capsys)
    assert code == 0, report
    (agent,) = report["agents"]
    assert report["identical"] is agent["identical"] is True
    assert agent["agent"] == f"{case.namespace}/{case.name}"
    assert agent["secret"] == f"{case.namespace}/vmagent-{case.name}"
    jobs = [j["job_name"] for j in case.expected["scrape_configs"] or []]
    own = [j for j in jobs if j.startswith("serviceScrape/")]
    assert agent["compared_jobs"] == len(own)
    assert sum(agent["not_compared"].values()) == len(jobs) - len(own)


def test_no_drift_in_words(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = case.verify(capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "VMAgent default/test (config in Secret default/vmagent-test): as predicted"
    other = [j["job_name"].split("/")[0] for j in case.expected["scrape_configs"]]
    other = [k for k in other if k != "serviceScrape"]
    assert f"{len(other)} job(s) of other scrape kinds not compared" in out
    for kind in set(other):
        assert f"{kind} {other.count(kind)}" in out


def test_the_referenced_secret_is_read_by_name_and_nothing_is_written(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    assert case.verify(capsys)[0] == 0
    paths = {p.split("?")[0] for p in case.api.requests}
    assert "/api/v1/namespaces/default/secrets/access-creds" in paths  # the bearer token's Secret
    assert "/api/v1/namespaces/default/secrets/vmagent-test" in paths
    assert not any(p.startswith("/api/v1/secrets") for p in paths)  # never every Secret of the cluster


# -- drift ---------------------------------------------------------------------------------------------------


def test_a_changed_field_is_named(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    changed = yaml.safe_load(case.data["expected_config"])
    job = _job(changed, "serviceScrape/default/test-vms/1")
    job["metrics_path"] = "/other"
    case.write_config(changed)
    code, out, err = case.verify(capsys)
    assert (code, err) == (1, "")
    assert "DRIFT" in out.splitlines()[0]
    assert "~ job serviceScrape/default/test-vms/1" in out
    assert "metrics_path: /metrics-2 → /other" in out


def test_jobs_missing_or_extra_and_global_changes_are_listed(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = yaml.safe_load(case.data["expected_config"])
    dropped = _job(changed, "serviceScrape/default/test-vms/0")
    changed["scrape_configs"].remove(dropped)
    changed["scrape_configs"].append({**dropped, "job_name": "serviceScrape/default/stale/0"})
    changed["global"]["scrape_interval"] = "1m"
    case.write_config(changed)
    code, report = case.verify_json(capsys)
    assert code == 1
    diff = report["agents"][0]["diff"]
    assert diff["jobs"]["removed"] == ["serviceScrape/default/test-vms/0"]  # predicted, not written
    assert diff["jobs"]["added"] == ["serviceScrape/default/stale/0"]  # written, not predicted
    assert diff["global"] == [{"path": "scrape_interval", "kind": "changed", "old": "30s", "new": "1m"}]


def test_a_scrape_changed_in_the_cluster_is_drift_until_the_operator_catches_up(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    scrape = next(o for o in case.data["objects"] if o["kind"] == "VMServiceScrape")
    scrape["spec"]["endpoints"][1]["interval"] = "15s"
    case.api.put(scrape)
    code, report = case.verify_json(capsys)
    assert code == 1
    assert report["agents"][0]["diff"]["jobs"]["changed"] == {
        "serviceScrape/default/test-vms/1": [{"path": "scrape_interval", "kind": "removed", "old": "15s"}]
    }
    caught_up = yaml.safe_load(case.data["expected_config"])
    _job(caught_up, "serviceScrape/default/test-vms/1")["scrape_interval"] = "15s"
    case.write_config(caught_up)
    assert case.verify_json(capsys)[0] == 0


def test_a_changed_secret_value_is_named_but_never_shown(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = next(o for o in case.data["objects"] if o["metadata"]["name"] == "access-creds")
    real = base64.b64decode(creds["data"]["bearer"]).decode()
    changed = yaml.safe_load(case.data["expected_config"])
    job = _job(changed, "serviceScrape/default/test-vms/0")
    assert job["bearer_token"] == real  # the operator inlines the value
    job["bearer_token"] = "stale-token-value"
    case.write_config(changed)
    for output in ("text", "json", "markdown"):
        code, out, err = case.verify(capsys, "-o", output)
        assert code == 1
        assert "bearer_token" in out
        assert real not in out + err and "stale-token-value" not in out + err
    code, report = case.verify_json(capsys)
    assert report["agents"][0]["diff"]["jobs"]["changed"] == {
        "serviceScrape/default/test-vms/0": [
            {"path": "bearer_token", "kind": "changed", "old": "<secret>", "new": "<secret, another value>"}
        ]
    }


def test_secret_values_inside_an_added_block_are_masked(
    case: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = yaml.safe_load(case.data["expected_config"])
    job = _job(changed, "serviceScrape/default/test-vms/1")
    job["basic_auth"] = {"username": "admin", "password": "hunter2-not-shown"}
    case.write_config(changed)
    code, out, err = case.verify(capsys)
    assert code == 1
    assert 'basic_auth: added {"username": "<secret>", "password": "<secret>"}' in out
    assert "hunter2" not in out + err and "admin" not in out


def test_markdown_names_the_agent_and_the_change(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    changed = yaml.safe_load(case.data["expected_config"])
    _job(changed, "serviceScrape/default/test-vms/1")["scrape_timeout"] = "5s"
    case.write_config(changed)
    code, out, _ = case.verify(capsys, "-o", "markdown")
    assert code == 1
    assert out.startswith("## VMAgent `default/test`: **drift**")
    assert "| `scrape_timeout` | added `5s` |" in out


# -- errors: one line, exit 2 --------------------------------------------------------------------------------


def _one_line_error(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def test_an_unknown_context_is_one_line(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--context", "nope", "--kubeconfig", str(case.kubeconfig)])
    line = _one_line_error((code, *capsys.readouterr()))
    assert "'nope'" in line
    assert case.api.requests == []


def test_an_unreachable_server_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    served = Case(COMPLETE, tmp_path)
    served.kubeconfig.write_text(served.kubeconfig.read_text().replace("SERVER", f"http://127.0.0.1:{port}"))
    line = _one_line_error(served.verify(capsys))
    assert f"cannot reach the API server at http://127.0.0.1:{port}" in line


def test_no_config_secret_yet_is_one_line(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    case.api.remove("Secret", "default", "vmagent-test")
    line = _one_line_error(case.verify(capsys))
    assert line.startswith("error: Secret default/vmagent-test: not found")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({}, "missing"),
        ({"vmagent.yaml.gz": base64.b64encode(b"global: {}\n").decode()}, "not base64 of gzipped"),
        ({"vmagent.yaml.gz": "%%%"}, "not base64 of gzipped"),
        ({"vmagent.yaml.gz": base64.b64encode(gzip.compress(b"a: [b\n")).decode()}, "not YAML"),
        ({"vmagent.yaml.gz": base64.b64encode(gzip.compress(b"- 1\n")).decode()}, "not a vmagent config"),
    ],
    ids=["no-key", "not-gzip", "not-base64", "not-yaml", "not-a-mapping"],
)
def test_an_unreadable_config_secret_is_one_line(
    case: Case, capsys: pytest.CaptureFixture[str], data: dict[str, str], says: str
) -> None:
    secret = config_secret("default", "test", "")
    case.api.put({**secret, "data": data})
    line = _one_line_error(case.verify(capsys))
    assert line.startswith("error: Secret default/vmagent-test: data['vmagent.yaml.gz']: ")
    assert says in line


@pytest.mark.parametrize(
    ("forbidden", "names"),
    [
        ("/apis/operator.victoriametrics.com/v1beta1/vmagents", "listing vmagents"),
        ("/api/v1/namespaces/default/secrets/access-creds", "reading Secret default/access-creds"),
        ("/api/v1/namespaces/default/secrets/vmagent-test", "reading Secret default/vmagent-test"),
    ],
    ids=["list-agents", "read-scrape-secret", "read-config-secret"],
)
def test_rbac_denied_is_one_line(
    case: Case, capsys: pytest.CaptureFixture[str], forbidden: str, names: str
) -> None:
    case.api.forbidden.append(forbidden)
    line = _one_line_error(case.verify(capsys))
    assert names in line and "403" in line and "RBAC" in line


def test_an_unknown_agent_or_none_at_all_is_one_line(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line_error(case.verify(capsys, "--agent", "default/other"))
    assert "no VMAgent with that namespace/name" in line and "found: default/test" in line
    case.api.remove("VMAgent", "default", "test")
    line = _one_line_error(case.verify(capsys))
    assert "holds no VMAgent" in line


def test_an_object_vmscrape_rejects_is_named(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    scrape = next(o for o in case.data["objects"] if o["kind"] == "VMServiceScrape")
    scrape["spec"]["endpoints"][0]["port"] = 8085
    case.api.put(scrape)
    code, out, err = case.verify(capsys)
    assert (code, out) == (2, "")
    assert "VMServiceScrape default/test-vms" in err and "spec.endpoints[0].port" in err
