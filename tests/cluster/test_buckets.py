"""Big agents on the real operator: its config split into buckets, Secret by Secret, against the prediction.

A control plane of its own, the operator started with ``VM_CONFIG_DATA_BUDGET_BYTES=4000`` (a few hundred
small jobs already overflow it). Each test writes a VMAgent and its VMServiceScrapes into a fresh
namespace, then compares every Secret the operator wrote (``vmagent-<name>``, ``-sc-<i>``) with
:func:`~vmscrape_component.render.render_secret_layout`: the decompressed content byte for byte, the
number of Secrets, and each overflow Secret's gzip size (the size PackItems measured for that bucket)
with Go's size from ``go-gzip-size``. ``vmscrape verify`` is run against the same cluster.
"""

from __future__ import annotations

import base64
import copy
import gzip
import random
import string
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.prediction import LAYOUTS, TALLY
from tests.support.cluster import TEST_OPERATOR_ENV, apply_manifests, fresh_namespace
from vmscrape_component.cli.__main__ import main
from vmscrape_component.gzip_size import go_gzip_binary
from vmscrape_component.models import VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import render_config, render_secret_layout
from vmscrape_component.render.secrets import HEADROOM_PERCENT, SecretLayout
from vmscrape_component.settings import OperatorSettings
from vmscrape_component.verify import ClusterObjects, WrittenSecrets, compare_agent

pytestmark = pytest.mark.kube

BUDGET = 4000
OPERATOR_ENV = {**TEST_OPERATOR_ENV, "VM_CONFIG_DATA_BUDGET_BYTES": str(BUDGET)}
GROUP, VERSION = "operator.victoriametrics.com", "v1beta1"
#: Seconds for the operator to (re)write an agent's Secrets.
SETTLE_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def budget_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A control plane whose operator packs with a 4000-byte budget (the session's uses the default)."""
    import os

    from vmscrape_component.cluster import ToolsMissing, find_tools, start, stop

    if go_gzip_binary() is None:
        if os.environ.get("VMSCRAPE_REQUIRE_KUBE"):
            pytest.fail("go-gzip-size not found: run scripts/install-gogzip (VMSCRAPE_REQUIRE_KUBE is set)")
        pytest.skip("go-gzip-size not installed (scripts/install-gogzip)")
    try:
        tools = find_tools()
    except ToolsMissing as exc:
        if os.environ.get("VMSCRAPE_REQUIRE_KUBE"):
            pytest.fail(f"the local control plane is missing: {exc}")
        pytest.skip(f"the local control plane is not installed (scripts/install-kube: {exc})")
    pytest.importorskip("kubernetes", reason="the live extra: pip install -e '.[live]'")
    state = tmp_path_factory.mktemp("budget-cluster")
    cluster = start(state, tools=tools, operator_env=OPERATOR_ENV)
    try:
        yield cluster
    finally:
        stop(state)


# -- workloads ---------------------------------------------------------------------------------------------


def _small(ns: str, i: int) -> dict[str, Any]:
    """The render-scale shape (benchmarks/workload.py): two endpoints, one metric relabeling."""
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"svc-{i:04d}", "namespace": ns, "labels": {"batch": ns}},
        "spec": {
            "selector": {"matchLabels": {"app": f"svc-{i}"}},
            "jobLabel": "app",
            "endpoints": [
                {
                    "port": "http",
                    "path": "/metrics",
                    "interval": "30s",
                    "metricRelabelConfigs": [
                        {"action": "drop", "sourceLabels": ["__name__"], "regex": "go_.*"}
                    ],
                },
                {"port": "admin", "path": "/admin/metrics"},
            ],
        },
    }


def _big(ns: str, i: int, rules: int) -> dict[str, Any]:
    """One endpoint with ``rules`` metric relabelings of random regexes: a job that compresses badly."""
    rnd = random.Random(i)
    drop = [
        {
            "action": "drop",
            "sourceLabels": ["__name__"],
            "regex": "".join(rnd.choices(string.ascii_lowercase, k=24)),
        }
        for _ in range(rules)
    ]
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"big-{i:03d}", "namespace": ns, "labels": {"batch": ns}},
        "spec": {
            "selector": {"matchLabels": {"app": f"big-{i}"}},
            "endpoints": [{"port": "http", "metricRelabelConfigs": drop}],
        },
    }


def _agent(ns: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "VMAgent",
        "metadata": {"name": "big", "namespace": ns},
        # Only this namespace's scrapes: namespaces are never really deleted without a controller-manager.
        "spec": {
            "serviceScrapeSelector": {"matchLabels": {"batch": ns}},
            "remoteWrite": [{"url": "http://127.0.0.1:1/api/v1/write"}],
        },
    }


# -- reading and predicting --------------------------------------------------------------------------------


class Agent:
    """One VMAgent ``<ns>/big`` and its scrapes on the budget cluster."""

    def __init__(self, cluster: Any, capsys: pytest.CaptureFixture[str]) -> None:
        from kubernetes import client

        self.cluster = cluster
        self.capsys = capsys
        self.ns = fresh_namespace("bk")
        self.api = cluster.api_client()
        self.core = client.CoreV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.scrapes: dict[str, dict[str, Any]] = {}
        apply_manifests(self.api, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.ns}}])
        apply_manifests(self.api, [_agent(self.ns)])

    def put(self, scrapes: list[dict[str, Any]]) -> None:
        apply_manifests(self.api, scrapes)
        self.scrapes.update({s["metadata"]["name"]: s for s in scrapes})

    def delete(self, names: list[str]) -> None:
        for name in names:
            self.custom.delete_namespaced_custom_object(GROUP, VERSION, self.ns, "vmservicescrapes", name)
            del self.scrapes[name]

    def predict(self) -> SecretLayout:
        agent = VMAgentModel.from_manifest(_agent(self.ns))
        config = render_config(list(self.scrapes.values()), agent)
        return render_secret_layout(config, agent, budget=BUDGET)

    def written(self) -> dict[str, tuple[str, int]]:
        """Secret name → (decompressed config/jobs, gzip size) of every Secret the operator wrote."""
        out = {}
        for secret in self.core.list_namespaced_secret(self.ns).items:
            name = secret.metadata.name
            if name != "vmagent-big" and not name.startswith("vmagent-big-sc-"):
                continue
            (key,) = secret.data
            raw = base64.b64decode(secret.data[key])
            out[name] = (gzip.decompress(raw).decode(), len(raw))
        return out

    def settled(self, layout: SecretLayout) -> dict[str, tuple[str, int]]:
        """The operator's Secrets once they are the prediction (or once the time is up: then as they are)."""
        wanted = layout.texts()
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            written = self.written()
            if {k: v[0] for k, v in written.items()} == wanted or time.monotonic() > deadline:
                return written
            time.sleep(0.5)

    def secret(self, name: str) -> Any:
        return self.core.read_namespaced_secret(name, self.ns)

    def verify(self, *extra: str) -> tuple[int, str]:
        self.capsys.readouterr()
        argv = ["verify", "--context", self.cluster.context, "--kubeconfig", str(self.cluster.kubeconfig)]
        argv += [
            "--agent",
            f"{self.ns}/big",
            *[f"--operator-env={k}={v}" for k, v in sorted(OPERATOR_ENV.items())],
        ]
        code = main([*argv, *extra])
        out, err = self.capsys.readouterr()
        return code, out + err

    def status(self) -> dict[str, Any]:
        agent = self.custom.get_namespaced_custom_object(GROUP, VERSION, self.ns, "vmagents", "big")
        return dict(agent.get("status") or {})

    def close(self) -> None:
        from tests.support.cluster import delete_namespace

        self.custom.delete_namespaced_custom_object(GROUP, VERSION, self.ns, "vmagents", "big")
        self.delete(list(self.scrapes))
        delete_namespace(self.api, self.ns)
        self.api.close()


@pytest.fixture
def agent(budget_cluster: Any, capsys: pytest.CaptureFixture[str]) -> Iterator[Agent]:
    a = Agent(budget_cluster, capsys)
    try:
        yield a
    finally:
        a.close()


def _assert_as_predicted(agent: Agent, layout: SecretLayout, label: str) -> None:
    written = agent.settled(layout)
    assert sorted(written) == sorted(layout.texts()), f"{label}: Secrets written: {sorted(written)}"
    for name, text in layout.texts().items():
        assert written[name][0] == text, f"{label}: {name} differs from the prediction"
    # Each overflow Secret holds exactly the gzip PackItems measured for its bucket: Go's size, predicted.
    for bucket in layout.buckets[1:]:
        assert written[layout.secret_name(bucket.index)][1] == bucket.gzip_bytes, (label, bucket)
    sizes = ", ".join(f"{b.stop - b.start} jobs/{b.gzip_bytes} B" for b in layout.buckets)
    LAYOUTS.append(
        f"budget {BUDGET} B, {label}: {len(layout.buckets)} Secret(s) written and predicted ({sizes})"
    )
    TALLY["bucket_layouts"] += 1
    code, out = agent.verify()
    assert code == 0, out


# -- the tests ---------------------------------------------------------------------------------------------


def test_several_buckets_with_a_smaller_last_one(agent: Agent) -> None:
    agent.put([_small(agent.ns, i) for i in range(200)])
    layout = agent.predict()
    counts = [b.stop - b.start for b in layout.buckets]
    assert len(counts) == 3 and counts[-1] < counts[0], counts  # the workload's point
    _assert_as_predicted(agent, layout, "200 scrapes")
    extra = agent.secret("vmagent-big-sc-1")
    assert extra.metadata.labels == {
        "app.kubernetes.io/component": "monitoring",
        "app.kubernetes.io/instance": "big",
        "app.kubernetes.io/name": "vmagent",
        "managed-by": "vm-operator",
        "operator.victoriametrics.com/scrape-config-extra": "vmagent-big",
    }
    assert extra.metadata.annotations == {"generated": "true"}
    (owner,) = extra.metadata.owner_references
    assert (owner.kind, owner.name, owner.controller) == ("VMAgent", "big", True)
    predicted = layout.secrets()[1]["metadata"]
    assert predicted["labels"] == extra.metadata.labels
    assert predicted["annotations"] == extra.metadata.annotations


def test_a_bucket_still_over_the_budget_is_split_again(agent: Agent) -> None:
    agent.put([_big(agent.ns, i, 40) for i in range(6)] + [_small(agent.ns, i) for i in range(200)])
    layout = agent.predict()
    first = -(-layout.total_gzip_bytes * HEADROOM_PERCENT // (100 * BUDGET))
    assert len(layout.buckets) > first, "the workload must make PackItems recurse"
    _assert_as_predicted(agent, layout, "6 big + 200 scrapes (recursive split)")


def test_a_shrinking_config_deletes_the_stale_secrets(agent: Agent) -> None:
    agent.put([_small(agent.ns, i) for i in range(200)])
    _assert_as_predicted(agent, agent.predict(), "200 scrapes")
    agent.delete([f"svc-{i:04d}" for i in range(130, 200)])
    layout = agent.predict()
    assert len(layout.buckets) == 2
    _assert_as_predicted(agent, layout, "shrunk to 130 scrapes")
    agent.delete([f"svc-{i:04d}" for i in range(90, 130)])
    layout = agent.predict()
    assert not layout.split
    _assert_as_predicted(agent, layout, "shrunk to 90 scrapes")
    assert "scrape_config_files" not in agent.written()["vmagent-big"][0]


def test_a_job_over_the_budget_is_refused_by_validate_and_reported_by_verify(
    agent: Agent, tmp_path: Path
) -> None:
    agent.put([_small(agent.ns, i) for i in range(150)])
    before = agent.predict()
    _assert_as_predicted(agent, before, "150 scrapes")
    huge = _big(agent.ns, 999, 260)  # ~4.7 kB gzipped alone
    manifests = tmp_path / "scrapes.yaml"
    manifests.write_text(yaml.safe_dump_all([*agent.scrapes.values(), huge, _agent(agent.ns)]))
    agent.capsys.readouterr()
    assert main(["validate", str(manifests), f"--operator-env=VM_CONFIG_DATA_BUDGET_BYTES={BUDGET}"]) == 2
    refused = agent.capsys.readouterr().err
    assert refused.startswith(f"error: VMServiceScrape {agent.ns}/big-999 endpoint 0 (spec.endpoints[0])")
    predicted_size = int(refused.split("its job alone is ")[1].split()[0])

    agent.put([huge])
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while agent.status().get("updateStatus") != "failed" and time.monotonic() < deadline:
        time.sleep(0.5)
    reason = agent.status().get("reason", "")
    assert reason == (
        f"splitting scrape config into buckets: single item compressed size {predicted_size} "
        f"exceeds limit {BUDGET}"
    )
    # The operator keeps the old Secrets; verify names the failure and the job the config lacks.
    assert agent.written() == agent.settled(before)
    code, out = agent.verify()
    assert code == 1
    assert f"the operator's last reconcile failed: {reason}" in out
    assert f"- job serviceScrape/{agent.ns}/big-999/0" in out
    LAYOUTS.append(
        f"oversized job: predicted {predicted_size} B, the operator's error says {predicted_size} B"
    )

    agent.delete(["big-999"])
    _assert_as_predicted(agent, agent.predict(), "150 scrapes again")


def test_verify_names_the_one_changed_job_in_the_last_bucket(agent: Agent) -> None:
    """The operator's own Secrets against a prediction that differs in one job of the last bucket.

    (Editing an overflow Secret by hand is no way to make drift: the operator rewrites it within
    seconds, even while the agent is paused, seen live. So the prediction is made to differ instead.)"""
    agent.put([_small(agent.ns, i) for i in range(200)])
    layout = agent.predict()
    _assert_as_predicted(agent, layout, "200 scrapes")
    last_job = layout.buckets[-1].job_names[-1]
    assert last_job == f"serviceScrape/{agent.ns}/svc-0199/1"
    written = agent.written()
    main = yaml.safe_load(written["vmagent-big"][0])
    extra = [
        (layout.secret_name(b.index), yaml.safe_load(written[layout.secret_name(b.index)][0]))
        for b in layout.buckets[1:]
    ]
    changed = copy.deepcopy(agent.scrapes["svc-0199"])
    changed["spec"]["endpoints"][1]["interval"] = "99s"
    manifests = [*[s for name, s in agent.scrapes.items() if name != "svc-0199"], changed]
    objects = ClusterObjects(
        agents=[VMAgentModel.from_manifest(_agent(agent.ns))],
        scrapes=[VMServiceScrapeModel.from_manifest(m) for m in manifests],
    )
    operator = OperatorSettings.from_env({"VM_CONFIG_DATA_BUDGET_BYTES": str(BUDGET)})
    result = compare_agent(objects.agents[0], objects, WrittenSecrets(main, extra), operator=operator)
    assert list(result.diff.changed) == [last_job]
    assert [c.path for c in result.diff.changed[last_job]] == ["scrape_interval"]
    assert not result.diff.added and not result.diff.removed
    assert result.layout == [] and result.reconcile_error == ""
