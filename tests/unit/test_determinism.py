"""Rendering is deterministic: same input, byte-identical YAML, in any process and in any input order.

What the operator (v0.74.1) sorts, and so what input order must not change:

- VMServiceScrapes, by the string ``"<namespace>/<name>"`` (``build.NewChildObjects`` → ``OrderByKeys``,
  a plain Go string comparison: ``a-b/x`` comes before ``a/b``, since ``-`` < ``/``);
- keys of ``selector.matchLabels`` (``addSelectorToRelabelingFor``), of ``params``
  (``addCommonScrapeParamsTo``), of graphite ``labels`` (``generateRelabelConfig``), of
  ``oauth2.endpoint_params`` and of the agent's external labels (``stringMapToMapSlice``).

What it keeps in input order, and so what input order must change: endpoints (one job each, numbered),
``relabelConfigs``/``metricRelabelConfigs``, ``matchExpressions``, ``targetLabels``/``podTargetLabels``,
``namespaceSelector.matchNames``, ``vm_scrape_params.headers``, ``oauth2.scopes``, ``params`` values.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings

from tests.fuzz.strategies import Batch, batches
from tests.support.processes import run_with_hash_seed
from tests.support.reference import CRD_REJECTS_CASE, REAL_SCRAPES, REJECTED_REAL_SCRAPES, SERVICE_CASES
from vmscrape_component.manifests import load_manifests
from vmscrape_component.models import API_VERSION, VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import Assets, config_yaml, render_config

#: Renders the inputs in several fresh processes (a few seconds each).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED_REAL_SCRAPES = [p for p in REAL_SCRAPES if p.stem not in REJECTED_REAL_SCRAPES]
HASH_SEEDS = ("0", "1", "4242")

# --- inputs ----------------------------------------------------------------------------------------------


def _generated_sample() -> Batch:
    """One batch of the fuzz strategy, the same on every run (derandomized), with and without an agent."""
    found: list[Batch] = []

    @settings(
        max_examples=8,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(batches(min_size=30, max_size=30))
    def collect(batch: Batch) -> None:
        found.append(batch)

    collect()
    return max(found, key=lambda b: (b.agent is not None, len(json.dumps(b.scrapes))))


#: The operator cases whose objects pass the CRD schema (see CRD_REJECTS_CASE).
VALID_CASES = [p for p in SERVICE_CASES if p.stem not in CRD_REJECTS_CASE]


def _case_scrape(path: Path) -> dict[str, Any]:
    case = yaml.safe_load(path.read_text())
    scrape = copy.deepcopy(case["scrape"])
    scrape["metadata"]["name"] = f"case-{path.stem}"  # the cases all call their scrape default/test-scrape
    return scrape


def _units() -> list[dict[str, Any]]:
    """Render units (scrapes, objects, agent, preselected) covering every input the brief names."""
    units: list[dict[str, Any]] = []
    found = load_manifests(ACCEPTED_REAL_SCRAPES)
    real = [s.manifest() for s in found.scrapes]
    units.append({"scrapes": real, "objects": found.assets, "agent": None, "preselected": True})
    for path in VALID_CASES:
        case = yaml.safe_load(path.read_text())
        units.append(
            {
                "scrapes": [_case_scrape(path)],
                "objects": case.get("objects") or [],
                "agent": case["vmagent"],
                "preselected": True,
            }
        )
    sample = _generated_sample()
    units.append(
        {"scrapes": sample.scrapes, "objects": sample.objects, "agent": sample.agent, "preselected": True}
    )
    return units


def render_unit(unit: dict[str, Any]) -> str:
    """One unit's config YAML, plus the scrapes left out and why (part of the output, so compared too)."""
    scrapes = [VMServiceScrapeModel.from_manifest(s) for s in unit["scrapes"]]
    agent = VMAgentModel.from_manifest(unit["agent"]) if unit["agent"] is not None else None
    assets = Assets(unit["objects"], reveal=True)
    config = render_config(scrapes, agent, assets=assets, preselected=unit["preselected"])
    skipped = "".join(f"# skipped {key}: {why}\n" for key, why in config.skipped.items())
    return config_yaml(config) + skipped


_RENDER_IN_A_PROCESS = """
import json, sys
from tests.unit.test_determinism import render_unit
for unit in json.load(open(sys.argv[1])):
    sys.stdout.write(render_unit(unit))
    sys.stdout.write("---\\n")
"""


@pytest.fixture(scope="module")
def units() -> list[dict[str, Any]]:
    return _units()


def test_the_inputs_are_all_there(units: list[dict[str, Any]]) -> None:
    assert len(units[0]["scrapes"]) >= len(ACCEPTED_REAL_SCRAPES)
    assert len(units) == 1 + len(VALID_CASES) + 1
    assert len(units[-1]["scrapes"]) == 30


# --- same input, any process -------------------------------------------------------------------------------


def test_rendering_is_byte_identical_across_hash_seeds(units: list[dict[str, Any]], tmp_path: Path) -> None:
    path = tmp_path / "units.json"
    path.write_text(json.dumps(units))
    outputs = {
        seed: run_with_hash_seed([sys.executable, "-c", _RENDER_IN_A_PROCESS, str(path)], seed)
        for seed in HASH_SEEDS
    }
    first = outputs[HASH_SEEDS[0]]
    assert first.count(b"job_name:") > 50
    for seed, output in outputs.items():
        assert output == first, (
            f"PYTHONHASHSEED={seed} renders differently from PYTHONHASHSEED={HASH_SEEDS[0]}"
        )
    # And the same as this process renders.
    assert first.decode() == "".join(render_unit(u) + "---\n" for u in units)


def test_the_cli_renders_byte_identical_across_hash_seeds() -> None:
    argv = [sys.executable, "-m", "vmscrape_component.cli", "render", *map(str, ACCEPTED_REAL_SCRAPES)]
    outputs = {seed: run_with_hash_seed(argv, seed) for seed in HASH_SEEDS}
    assert len(set(outputs.values())) == 1, "`vmscrape render` differs between PYTHONHASHSEED values"
    assert b"job_name: serviceScrape/" in outputs[HASH_SEEDS[0]]


# --- input order where the operator sorts ------------------------------------------------------------------


def _orders(items: list[Any]) -> list[list[Any]]:
    shuffled = []
    for seed in range(3):
        copy_ = list(items)
        random.Random(seed).shuffle(copy_)
        shuffled.append(copy_)
    return [list(reversed(items)), *shuffled]


def test_scrape_order_changes_nothing(units: list[dict[str, Any]]) -> None:
    # Every scrape of every input in one config, as one agent sees them (names made unique).
    scrapes = [s for u in units if not u["agent"] for s in u["scrapes"]]
    scrapes += [_case_scrape(p) for p in VALID_CASES]
    objects = [o for u in units for o in u["objects"]]
    assert len({(s["metadata"].get("namespace"), s["metadata"]["name"]) for s in scrapes}) == len(scrapes)
    unit = {"scrapes": scrapes, "objects": objects, "agent": None, "preselected": True}
    expected = render_unit(unit)
    for order in _orders(scrapes):
        assert render_unit({**unit, "scrapes": order}) == expected


def test_scrape_order_changes_nothing_when_the_agent_selects(units: list[dict[str, Any]]) -> None:
    sample = units[-1]
    agent = copy.deepcopy(sample["agent"]) or {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "agent", "namespace": "monitoring"},
        "spec": {},
    }
    agent["spec"]["selectAllByDefault"] = True
    unit = {**sample, "agent": agent, "preselected": False}
    expected = render_unit(unit)
    assert expected.count("job_name:") >= 30
    for order in _orders(sample["scrapes"]):
        assert render_unit({**unit, "scrapes": order}) == expected


def _scrape(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    spec.setdefault("endpoints", [{"port": "http"}, {"port": "metrics"}])
    return {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _job_names(scrapes: list[dict[str, Any]]) -> list[str]:
    models = [VMServiceScrapeModel.from_manifest(s) for s in scrapes]
    return [job["job_name"] for job in render_config(models).jobs]


def test_scrapes_are_ordered_by_the_namespace_slash_name_string() -> None:
    keys = [("b", "a"), ("a", "x"), ("a0", "z"), ("a", "b.c"), ("a-b", "x"), ("a", "b"), ("a", "b-c")]
    # Go compares "ns/name" byte by byte: '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30). Sorting by
    # (namespace, name) instead would put a-b/x after every a/... job.
    expected_scrapes = ["a-b/x", "a/b", "a/b-c", "a/b.c", "a/x", "a0/z", "b/a"]
    expected = [f"serviceScrape/{key}/{i}" for key in expected_scrapes for i in (0, 1)]
    scrapes = [_scrape(ns, name) for ns, name in keys]
    for order in [scrapes, *_orders(scrapes)]:
        assert _job_names(order) == expected


def _render_one(scrape: dict[str, Any], objects: list[dict[str, Any]] | None = None) -> str:
    model = VMServiceScrapeModel.from_manifest(scrape)
    return config_yaml(render_config([model], assets=Assets(objects or [], reveal=True)))


def _reversed_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: mapping[key] for key in reversed(list(mapping))}


def test_mapping_key_order_changes_nothing_where_the_operator_sorts() -> None:
    labels = {"app": "web", "team": "a", "app.kubernetes.io/name": "web", "tier": "b"}
    params = {"module": ["http"], "target": ["x"], "a": ["1", "2"]}
    graphite = {"job": "$1", "instance": "$2", "env": "x"}
    endpoint_params = {"b": "2", "a": "1", "c": "3"}
    objects = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "apps"},
            "stringData": {"id": "client", "secret": "pw"},
        }
    ]

    def scrape(
        labels: dict[str, Any], params: dict[str, Any], graphite: dict[str, Any], ep: dict[str, Any]
    ) -> Any:
        return _scrape(
            "apps",
            "web",
            selector={"matchLabels": labels},
            endpoints=[
                {
                    "port": "http",
                    "params": params,
                    "metricRelabelConfigs": [{"action": "graphite", "match": "*.*.x", "labels": graphite}],
                    "oauth2": {
                        "client_id": {"secret": {"name": "s", "key": "id"}},
                        "client_secret": {"name": "s", "key": "secret"},
                        "token_url": "http://token",
                        "endpoint_params": ep,
                    },
                }
            ],
        )

    expected = _render_one(scrape(labels, params, graphite, endpoint_params), objects)
    flipped = scrape(*map(_reversed_keys, (labels, params, graphite, endpoint_params)))
    assert _render_one(flipped, objects) == expected
    job = yaml.safe_load(expected)["scrape_configs"][0]
    keep_rules = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert [r["source_labels"][0] for r in keep_rules[:4]] == [
        "__meta_kubernetes_service_label_app",
        "__meta_kubernetes_service_label_app_kubernetes_io_name",
        "__meta_kubernetes_service_label_team",
        "__meta_kubernetes_service_label_tier",
    ]
    assert list(job["params"]) == ["a", "module", "target"]
    assert list(job["metric_relabel_configs"][0]["labels"]) == ["env", "instance", "job"]
    assert list(job["oauth2"]["endpoint_params"]) == ["a", "b", "c"]


def test_external_label_order_changes_nothing() -> None:
    def agent(labels: dict[str, str]) -> dict[str, Any]:
        spec = {"externalLabels": labels}
        return {
            "apiVersion": API_VERSION,
            "kind": "VMAgent",
            "metadata": {"name": "a", "namespace": "m"},
            "spec": spec,
        }

    labels = {"cluster": "c1", "region": "eu", "env": "prod"}
    scrape = VMServiceScrapeModel.from_manifest(_scrape("apps", "web"))
    one = config_yaml(render_config([scrape], VMAgentModel.from_manifest(agent(labels)), preselected=True))
    two = config_yaml(
        render_config([scrape], VMAgentModel.from_manifest(agent(_reversed_keys(labels))), preselected=True)
    )
    assert one == two
    assert list(yaml.safe_load(one)["global"]["external_labels"]) == [
        "cluster",
        "env",
        "prometheus",
        "region",
    ]


# --- input order where the operator keeps it ---------------------------------------------------------------


def test_endpoint_order_is_kept() -> None:
    jobs = yaml.safe_load(_render_one(_scrape("apps", "web", endpoints=[{"port": "b"}, {"port": "a"}])))
    assert [job["relabel_configs"][-1]["replacement"] for job in jobs["scrape_configs"]] == ["b", "a"]


def test_list_order_is_kept_where_the_operator_keeps_it() -> None:
    def render(reverse: bool) -> dict[str, Any]:
        def order(items: list[Any]) -> list[Any]:
            return list(reversed(items)) if reverse else list(items)

        scrape = _scrape(
            "apps",
            "web",
            selector={
                "matchExpressions": order(
                    [
                        {"key": "b", "operator": "Exists"},
                        {"key": "a", "operator": "In", "values": order(["x", "y"])},
                    ]
                )
            },
            namespaceSelector={"matchNames": order(["ns-b", "ns-a"])},
            targetLabels=order(["team", "app"]),
            podTargetLabels=order(["version", "component"]),
            endpoints=[
                {
                    "port": "http",
                    "params": {"q": order(["2", "1"])},
                    "relabelConfigs": order([{"targetLabel": "z", "replacement": "1"}, {"targetLabel": "y"}]),
                    "metricRelabelConfigs": order([{"targetLabel": "m2"}, {"targetLabel": "m1"}]),
                    "vm_scrape_params": {"headers": order(["X-B: 1", "X-A: 2"])},
                    "oauth2": {
                        "client_id": {"secret": {"name": "s", "key": "id"}},
                        "client_secret": {"name": "s", "key": "secret"},
                        "token_url": "http://token",
                        "scopes": order(["write", "read"]),
                    },
                }
            ],
        )
        return yaml.safe_load(_render_one(scrape))["scrape_configs"][0]

    given_order, reversed_order = render(False), render(True)
    assert given_order["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["ns-b", "ns-a"]
    assert reversed_order["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["ns-a", "ns-b"]

    def sources(job: dict[str, Any]) -> list[str]:
        return [r["source_labels"][0] for r in job["relabel_configs"] if r.get("source_labels")]

    def targets(job: dict[str, Any], key: str) -> list[str]:
        return [r["target_label"] for r in job[key] if r.get("target_label") in ("z", "y", "m1", "m2")]

    assert sources(given_order).index("__meta_kubernetes_service_labelpresent_b") < sources(
        given_order
    ).index("__meta_kubernetes_service_label_a")
    assert sources(reversed_order).index("__meta_kubernetes_service_label_a") < sources(reversed_order).index(
        "__meta_kubernetes_service_labelpresent_b"
    )
    labels_in = [
        r for r in given_order["relabel_configs"] if r.get("source_labels", [""])[0].endswith("_label_a")
    ]
    assert labels_in[0]["regex"] == "x|y"
    assert sources(given_order).index("__meta_kubernetes_service_label_team") < sources(given_order).index(
        "__meta_kubernetes_service_label_app"
    )
    assert sources(given_order).index("__meta_kubernetes_pod_label_version") < sources(given_order).index(
        "__meta_kubernetes_pod_label_component"
    )
    assert targets(given_order, "relabel_configs") == ["z", "y"]
    assert targets(reversed_order, "relabel_configs") == ["y", "z"]
    assert targets(given_order, "metric_relabel_configs") == ["m2", "m1"]
    assert given_order["params"] == {"q": ["2", "1"]}
    assert given_order["headers"] == ["X-B: 1", "X-A: 2"]
    assert reversed_order["headers"] == ["X-A: 2", "X-B: 1"]
    assert given_order["oauth2"]["scopes"] == ["write", "read"]
