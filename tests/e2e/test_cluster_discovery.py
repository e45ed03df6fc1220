"""vmagent's Kubernetes discovery against the real API server finds what `vmscrape explain --context` says.

The same cases as :mod:`tests.e2e.test_explain_vs_vmagent` (every example and the hand-written
topologies), but the snapshot's Namespaces, Nodes, Services, Pods, Endpoints and EndpointSlices are
created in the local control plane (:mod:`tests.support.kube_objects`: no kubelet, so the test writes
pod status and endpoints itself; 127.0.X.Y addresses become 198.18.X.Y). The prediction is
``vmscrape explain MANIFESTS --context`` (for the standalone example, its ConfigMap's config through
:func:`~vmscrape_component.simulate.explain_jobs` over the same live read); the real vmagent runs with the
rendered config, its ``kubernetes_sd_configs`` reading the API server through a kubeconfig with the
cluster's token; ``/api/v1/targets`` is polled (bounded) until its active and dropped targets equal the
prediction, and the last answer is compared.

Safety as in the fake-server test: every job scrapes through a refused loopback proxy, remote write goes
to a refused loopback port, vmagent listens on 127.0.0.1 and is stopped by PID.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_explain_vs_vmagent import (
    CASES,
    PROXY,
    ROOT,
    SNAPSHOTS,
    STANDALONE_MOUNT,
    _load,
    _run_vmagent,
)
from tests.support import kube_objects
from tests.support.pulumi_programs import run_program, scrape_manifests
from vmscrape_component.cli.__main__ import main
from vmscrape_component.manifests import load_manifests
from vmscrape_component.render import Assets, dump_yaml, render_config
from vmscrape_component.simulate import explain_jobs

pytestmark = [pytest.mark.vmagent, pytest.mark.kube]

#: (the scrape manifests and the Secrets/ConfigMaps they read) for each operator-mode case.
Inputs = Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]]


def _whole_numbers(value: Any) -> Any:
    """Pulumi passes every number as a float; a manifest file wants ``9090``, not ``9090.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _unsecret(value: Any) -> Any:
    """A Pulumi secret as the mocks hand it over (``{<secret sig>: ..., "value": v}``) → ``v``."""
    if isinstance(value, dict) and "value" in value and any(len(k) == 32 for k in value):
        return value["value"]
    if isinstance(value, dict):
        return {k: _unsecret(v) for k, v in value.items()}
    return value


def _example(name: str) -> Inputs:
    def inputs() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        mocks = run_program(ROOT / "examples" / name)
        secrets = [
            {"kind": "Secret", **{k: _unsecret(v) for k, v in r.inputs.items() if k != "kind"}}
            for r in mocks.resources
            if r.typ == "kubernetes:core/v1:Secret"
        ]
        return _whole_numbers(scrape_manifests(mocks)), secrets

    return inputs


def _fixture(name: str) -> Inputs:
    def inputs() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        found = load_manifests([SNAPSHOTS / "scrapes" / f"{name}.yaml"])
        return [s.manifest() for s in found.scrapes], list(found.assets)

    return inputs


INPUTS: dict[str, Inputs | None] = {
    "example-basic": _example("basic"),
    "example-cross-namespace": _example("cross-namespace"),
    "example-endpointslices": _example("endpointslices"),
    "example-auth-tls": _example("auth-tls"),
    "example-adopt-service-monitors": _example("adopt-service-monitors"),
    "example-quickstart": _example("quickstart"),
    "example-standalone-vmagent": None,  # renders its own config: see _standalone_config
    "web-and-db": _fixture("web-and-db"),
    "sidecars": _fixture("sidecars"),
    "namespaces": _fixture("namespaces"),
}


def test_every_case_of_the_fake_server_test_runs_here_too() -> None:
    assert set(INPUTS) == {c.id for c in CASES}


def _standalone_config(tmp: Path) -> dict[str, Any]:
    mocks = run_program(ROOT / "examples" / "standalone-vmagent")
    (config_map,) = [r.inputs for r in mocks.resources if r.typ == "kubernetes:core/v1:ConfigMap"]
    (tmp / "shop_checkout-metrics-token_token").write_text("change-me")
    return yaml.safe_load(config_map["data"]["scrape.yml"].replace(STANDALONE_MOUNT, str(tmp)))


def _key(job: str, url: str, labels: dict[str, str]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return job, url, tuple(sorted(labels.items()))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_real_vmagent_on_the_real_api_server_finds_what_explain_context_predicts(
    case: Any, local_cluster: Any, vmagent: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = _load(case.snapshot)
    kubeconfig, context = str(local_cluster.kubeconfig), local_cluster.context
    api = local_cluster.api_client()
    placed = kube_objects.place(api, snapshot)
    try:
        inputs = INPUTS[case.id]
        if inputs is None:
            from vmscrape_component.simulate.live import load_cluster, needs_nodes

            config = _standalone_config(tmp_path)
            jobs = explain_jobs(config, load_cluster(context, kubeconfig, nodes=needs_nodes(config)))
            active = Counter(_key(j.job_name, t.scrape_url, t.labels) for j in jobs for t in j.active)
            dropped = Counter(tuple(sorted(t.discovered_labels.items())) for j in jobs for t in j.dropped)
        else:
            manifests, objects = inputs()
            assets = Assets(objects, tls_mount_dir=str(tmp_path))
            config = render_config(manifests, assets=assets).as_dict()
            # The TLS files the operator would mount, where the config says (vmagent reads them).
            for name, content in assets.tls_files.items():
                (tmp_path / name).write_text(content or "placeholder\n")
            given = tmp_path / "manifests.yaml"
            given.write_text(yaml.safe_dump_all([*manifests, *objects]))
            capsys.readouterr()
            assert (
                main(["explain", str(given), "--context", context, "--kubeconfig", kubeconfig, "-o", "json"])
                == 0
            )
            predicted = json.loads(capsys.readouterr().out)
            active = Counter(
                _key(j["job_name"], t["scrape_url"], t["labels"])
                for j in predicted["jobs"]
                for t in j["active"]
            )
            dropped = Counter(
                tuple(sorted(t["discovered_labels"].items())) for j in predicted["jobs"] for t in j["dropped"]
            )
        assert sum(active.values()), "the objects should give the case real targets"
        for job in config["scrape_configs"]:
            job["proxy_url"] = PROXY
            for sd in job["kubernetes_sd_configs"]:
                sd.pop("api_server", None)
                sd["kubeconfig_file"] = kubeconfig
        data = _run_vmagent(
            vmagent,
            dump_yaml(config),
            tmp_path,
            until=lambda d: _real_active(d) == active and _real_dropped(d) == dropped,
        )
    finally:
        kube_objects.remove(api, placed)
        api.close()

    assert _real_active(data) == active
    assert _real_dropped(data) == dropped


def _real_active(data: dict[str, Any]) -> Counter[Any]:
    return Counter(_key(t["scrapePool"], t["scrapeUrl"], t["labels"]) for t in data["activeTargets"])


def _real_dropped(data: dict[str, Any]) -> Counter[Any]:
    return Counter(tuple(sorted(t["discoveredLabels"].items())) for t in data["droppedTargets"])
