"""ServiceMonitors on the real operator: its converted VMServiceScrapes and config Secret against vmscrape.

The session cluster has prometheus-operator's ServiceMonitor CRD (v0.93.0, tests/data/crds/) installed
before the operator starts (tests/conftest.py), so the operator runs its ServiceMonitor converter. Every
real ServiceMonitor of tests/data (and an edge-case one) is applied; the VMServiceScrape the operator
creates must equal ``vmscrape convert`` (metadata and spec), and the agent's config Secret must equal
``vmscrape render`` of the *ServiceMonitors* (not of the operator's VMServiceScrapes), byte for byte.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.prediction import TALLY, cleanup, cluster_objects
from tests.support.cluster import (
    TEST_OPERATOR_ENV,
    ApiRefused,
    _call,
    apply,
    fresh_namespace,
    operator_config,
)
from tests.support.reference import REAL_MONITORS
from vmscrape_component.cli.__main__ import main
from vmscrape_component.convert import convert_service_monitor

pytestmark = pytest.mark.kube

_SCRAPES = "/apis/operator.victoriametrics.com/v1beta1/namespaces/{ns}/vmservicescrapes"
_MONITORS = "/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors"
_REMOTE_WRITE = [{"url": "http://127.0.0.1:8428/api/v1/write"}]

#: Fields of every kind the conversion treats specially, in one ServiceMonitor the API server accepts.
EDGE_CASES: dict[str, Any] = {
    "apiVersion": "monitoring.coreos.com/v1",
    "kind": "ServiceMonitor",
    "metadata": {"name": "edge-cases", "labels": {"team": "a"}, "annotations": {"note": "x"}},
    "spec": {
        "selector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
        "namespaceSelector": {"any": True},
        "serviceDiscoveryRole": "EndpointSlice",
        "sampleLimit": 0,
        "attachMetadata": {"node": False},
        "bodySizeLimit": "1MB",
        "scrapeProtocols": ["PrometheusText0.0.4"],
        "endpoints": [
            {
                "port": "http",
                "scheme": "HTTPS",
                "enableHttp2": True,
                "targetPort": "web",
                "honorLabels": False,
                "interval": "",
                "params": {"a": ["b"]},
                "followRedirects": False,
                "basicAuth": {"password": {"name": "c", "key": "p"}},
                "bearerTokenSecret": {"key": ""},
                "oauth2": {
                    "clientId": {"secret": {"name": "o", "key": "id"}},
                    "clientSecret": {"name": "o", "key": "s"},
                    "tokenUrl": "https://auth.example/token",
                    "proxyUrl": "http://proxy:3128",
                },
                "relabelings": [
                    {"action": "keep", "regex": "x"},
                    {"sourceLabels": ["a"], "targetLabel": "b"},
                    {"action": "Drop", "sourceLabels": ["a"], "regex": "y"},
                    {
                        "action": "hashmod",
                        "sourceLabels": ["a"],
                        "targetLabel": "t",
                        "modulus": 3,
                        "separator": "",
                    },
                ],
                "tlsConfig": {
                    "caFile": "/etc/prometheus/configmaps/ca/ca.crt",
                    "minVersion": "TLS12",
                    "insecureSkipVerify": False,
                    "keySecret": {"name": "k", "key": "k"},
                },
                "authorization": {"credentials": {"name": "a", "key": "b"}},
            },
            {"port": "metrics", "bearerTokenFile": "/etc/prometheus/secrets/tok/token", "scheme": "http"},
        ],
    },
}


def _monitors() -> list[dict[str, Any]]:
    docs = [d for p in REAL_MONITORS for d in yaml.safe_load_all(p.read_text()) if d]
    return [*docs, copy.deepcopy(EDGE_CASES)]


def _into(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["metadata"]["namespace"] = namespace
    return doc


def _wait_for(api: Any, path: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _call(api, "GET", path)
        except ApiRefused as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _namespace(api: Any, prefix: str) -> str:
    ns = fresh_namespace(prefix)
    apply(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"smon": ns}}})
    return ns


def _stored(item: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in item["metadata"].items() if k in ("name", "namespace", "labels", "annotations")}
    return {"metadata": meta, "spec": item["spec"]}


def _remove(api: Any, namespace: str, names: list[str]) -> None:
    """Delete ServiceMonitors first, then the VMServiceScrapes the operator made (it never deletes them):
    later tests verify the whole cluster and must find nothing left behind."""
    for name in names:
        with contextlib.suppress(ApiRefused):
            _call(api, "DELETE", f"{_MONITORS.format(ns=namespace)}/{name}")
    for name in names:
        with contextlib.suppress(ApiRefused):
            _call(api, "DELETE", f"{_SCRAPES.format(ns=namespace)}/{name}")


def _agent(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "metadata": {"name": "smon", "namespace": namespace},
        "spec": {
            "serviceScrapeSelector": {},
            "serviceScrapeNamespaceSelector": {"matchLabels": {"smon": namespace}},
            "remoteWrite": _REMOTE_WRITE,
        },
    }


#: The Secrets EDGE_CASES refers to (so that its job is rendered, not left out), and basic-auth-example's.
_SECRETS = {"c": {"p": "pw"}, "o": {"id": "client", "s": "secret"}, "a": {"b": "token"}, "k": {"k": "key"}}
_SECRETS["basic-auth"] = {"user": "u", "password": "p"}


@pytest.fixture(scope="module")
def converted(local_cluster: Any) -> Any:
    """Every ServiceMonitor applied in one namespace; the namespace and the monitors as applied."""
    api = local_cluster.api_client()
    ns = _namespace(api, "smon")
    for name, values in _SECRETS.items():
        data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
        apply(
            api,
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "data": data},
        )
    docs = [_into(d, ns) for d in _monitors()]
    for doc in docs:
        apply(api, doc)
    yield ns, docs
    cleanup(api, [], _agent(ns))
    _remove(api, ns, [d["metadata"]["name"] for d in docs])


def test_the_operator_converts_every_monitor_as_convert_predicts(
    local_cluster: Any, converted: tuple[str, list[dict[str, Any]]]
) -> None:
    api = local_cluster.api_client()
    ns, docs = converted
    differ = []
    for doc in docs:
        name = doc["metadata"]["name"]
        live = _stored(_wait_for(api, f"{_SCRAPES.format(ns=ns)}/{name}"))
        predicted = convert_service_monitor(doc).manifest
        TALLY["monitors"] += 1
        if live != {"metadata": predicted["metadata"], "spec": predicted["spec"]}:
            TALLY["monitors_differ"] += 1
            differ.append(
                f"{name}:\n  operator: {json.dumps(live, sort_keys=True)}\n"
                f"  convert:  {json.dumps(predicted, sort_keys=True)}"
            )
    assert len(docs) == len(REAL_MONITORS) + 1
    assert differ == [], "\n".join(differ)


def test_the_operators_config_equals_render_of_the_monitors(
    local_cluster: Any, converted: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    api = local_cluster.api_client()
    ns, docs = converted
    agent = _agent(ns)
    for doc in docs:  # every conversion exists before the agent renders
        _wait_for(api, f"{_SCRAPES.format(ns=ns)}/{doc['metadata']['name']}")
    apply(api, agent)
    # The prediction reads the ServiceMonitors the API server holds, not the operator's VMServiceScrapes.
    monitors = _call(api, "GET", _MONITORS.format(ns=ns))["items"]
    others = [o for o in cluster_objects(api) if o["kind"] != "VMServiceScrape"]
    files = tmp_path / "objects.yaml"
    as_applied = [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "metadata": m["metadata"],
            "spec": m["spec"],
        }
        for m in monitors
    ]
    files.write_text(yaml.safe_dump_all([agent, *others, *as_applied]))
    env = [f"--operator-env={k}={v}" for k, v in TEST_OPERATOR_ENV.items()]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["render", "--reveal-secrets", "--strict-refs", *env, str(files)])
    assert code == 0, err.getvalue()
    ours = out.getvalue()
    theirs = operator_config(api, ns, "smon", expect=ours)
    TALLY["monitor_configs"] += 1
    assert theirs == ours
    # Every monitor's endpoints are jobs: none is left out for a missing Secret.
    assert ours.count("job_name: serviceScrape/") == sum(len(d["spec"]["endpoints"]) for d in docs)
    assert "left out" not in err.getvalue()


def test_a_same_name_scrape_is_overwritten_unless_it_opts_out(local_cluster: Any) -> None:
    api = local_cluster.api_client()
    ns = _namespace(api, "smon-collide")
    mine = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "taken", "namespace": ns},
        "spec": {"endpoints": [{"port": "mine"}]},
    }
    kept = copy.deepcopy(mine)
    kept["metadata"]["name"] = "kept"
    kept["metadata"]["annotations"] = {"operator.victoriametrics.com/ignore-prometheus-updates": "enabled"}
    for scrape in (mine, kept):
        apply(api, scrape)
    for name in ("taken", "kept"):
        apply(api, _into(EDGE_CASES, ns) | {"metadata": {"name": name, "namespace": ns}})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        taken = _call(api, "GET", f"{_SCRAPES.format(ns=ns)}/taken")
        if taken["spec"]["endpoints"][0]["port"] != "mine":
            break
        time.sleep(0.2)
    try:
        assert taken["spec"]["endpoints"][0]["port"] == "http"  # the conversion replaced the spec
        time.sleep(2)
        assert _call(api, "GET", f"{_SCRAPES.format(ns=ns)}/kept")["spec"] == kept["spec"]
    finally:
        _remove(api, ns, ["taken", "kept"])


def test_verify_compares_conversions_and_finds_a_scrape_left_behind(
    local_cluster: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    api = local_cluster.api_client()
    ns = _namespace(api, "smon-verify")
    monitor = _into(yaml.safe_load(REAL_MONITORS[0].read_text()), ns)
    apply(api, monitor)
    name = monitor["metadata"]["name"]
    _wait_for(api, f"{_SCRAPES.format(ns=ns)}/{name}")
    agent = _agent(ns)
    apply(api, agent)
    try:
        _verify_finds_the_scrape_left_behind(api, local_cluster, ns, name, capsys)
    finally:
        cleanup(api, [], agent)
        _remove(api, ns, [name])


def _verify_finds_the_scrape_left_behind(
    api: Any, local_cluster: Any, ns: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    operator_config(api, ns, "smon")
    argv = ["verify", "--kubeconfig", str(local_cluster.kubeconfig), "--agent", f"{ns}/smon", "-o", "json"]
    argv += [f"--operator-env={k}={v}" for k, v in TEST_OPERATOR_ENV.items()]
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().out
    report = json.loads(capsys.readouterr().out)["conversions"]
    assert f"{ns}/{name}" not in report["drifted"] and f"{ns}/{name}" not in report["orphaned"]
    assert report["compared"] >= 1
    _call(api, "DELETE", f"{_MONITORS.format(ns=ns)}/{name}")
    time.sleep(1)
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)["conversions"]
    assert f"{ns}/{name}" in report["orphaned"]  # the operator leaves the VMServiceScrape (and scrapes it)
    assert _call(api, "GET", f"{_SCRAPES.format(ns=ns)}/{name}")["metadata"]["name"] == name
