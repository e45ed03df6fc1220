"""The fast render path writes exactly what the reference path builds.

Fast path: ``render_config`` then ``config_yaml`` — jobs share the rules and blocks they have in common
(one object each), and the emitter writes a shared object once and reuses its text. Reference path:
every job rebuilt on its own with ``render_endpoint_job`` (nothing shared between jobs). The fast
path's text, read back by PyYAML, must be the reference structure; and it must be byte for byte the text
of an unshared copy of the jobs.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from benchmarks.workload import manifests as workload
from tests.support.processes import python_code_with_hash_seed
from tests.support.reference import (
    OPERATOR_CASES,
    REAL_SCRAPES,
    REJECTED_REAL_SCRAPES,
    SERVICE_CASES,
    case_models,
)
from vmscrape_component.bulk import gc_paused
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.grammar import YAML_NULLS, regex_problem
from vmscrape_component.manifests import load_manifests
from vmscrape_component.models import VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import (
    AgentConfig,
    AgentSettings,
    Assets,
    OperatorSettings,
    config_yaml,
    dump_yaml,
    render_agent_config,
    render_config,
    render_endpoint_job,
)
from vmscrape_component.select import namespace_labels

AGENT_CASES = sorted((OPERATOR_CASES / "agent").glob("*.yaml"))
LOADABLE_REAL_SCRAPES = [p for p in REAL_SCRAPES if p.stem not in REJECTED_REAL_SCRAPES]

#: Scalars a careless emitter gets wrong: YAML 1.1/1.2 keywords and numbers, indicators, comments,
#: mapping separators, unicode, empty and multi-line strings, escapes.
TRICKY = [
    "8080",
    "0x1F",
    "1e3",
    "1:20",
    "-1",
    ".5",
    "2001-12-14",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "true",
    "null",
    "Null",
    "~",
    "",
    " ",
    "a: b",
    "a:",
    "a #b",
    "#x",
    "*x",
    "&x",
    "!x",
    "%x",
    "@x",
    "`x",
    "|",
    ">",
    "- x",
    "-",
    "? x",
    "---",
    "...",
    "<<",
    "=",
    "'q'",
    '"q"',
    "{a}",
    "[a]",
    "a,b",
    " lead",
    "trail ",
    "line1\nline2",
    "tab\there",
    "back\\slash",
    "cr\r",
    "nel\x85",
    "ls\u2028",
    "bom\ufeff",
    "é ü 漢字",
    "🎉",
    "${1}",
    "$1",
    "__name__",
    "/metrics",
]


def _operator(case: Mapping[str, Any]) -> OperatorSettings:
    return OperatorSettings.from_env(case.get("operator_config") or {})


def _reference(
    config: AgentConfig,
    scrapes: list[VMServiceScrapeModel],
    settings: AgentSettings,
    assets: Assets,
) -> dict[str, Any]:
    """The config rebuilt job by job, each job on its own (nothing shared between jobs)."""
    by_key = {f"{s.namespace or 'default'}/{s.name}": s for s in scrapes}
    jobs = []
    for job in config.jobs:
        _, namespace, name, index = job["job_name"].split("/")
        jobs.append(render_endpoint_job(by_key[f"{namespace}/{name}"], int(index), settings, assets))
    return {"global": config.global_, "scrape_configs": jobs}


def _unshared(tree: Any) -> Any:
    """A copy of a job tree in which no two places hold the same object."""
    return json.loads(json.dumps(tree))


def _check(
    config: AgentConfig, scrapes: list[VMServiceScrapeModel], settings: AgentSettings, assets: Assets
) -> str:
    # First the text of the jobs as built, shared parts and all (reading `jobs` hands out copies).
    text = config_yaml(config)
    reference = _reference(config, scrapes, settings, assets)
    assert yaml.safe_load(text) == reference
    assert config.as_dict() == reference
    assert text == dump_yaml(_unshared(reference))
    assert config_yaml(config) == text  # and the same text from the copies handed out
    return text


@pytest.mark.parametrize("path", AGENT_CASES, ids=lambda p: p.stem)
def test_operator_agent_cases(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    objects = case["objects"]
    scrapes = [VMServiceScrapeModel.from_manifest(o) for o in objects if o["kind"] == "VMServiceScrape"]
    agent = VMAgentModel.from_manifest(case["vmagent"])
    operator = _operator(case)
    assets = Assets(objects, reveal=True, strict=True)
    config = render_agent_config(
        agent, scrapes, namespaces=namespace_labels(objects), assets=assets, operator=operator
    )
    settings = AgentSettings.from_spec(agent.spec, namespace=agent.namespace or "default", operator=operator)
    _check(config, scrapes, settings, assets)


@pytest.mark.parametrize("path", SERVICE_CASES, ids=lambda p: p.stem)
def test_operator_service_cases(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    agent, scrape = case_models(case)
    operator = _operator(case)
    assets = Assets(case.get("objects") or [], reveal=True, tls_mount_dir="/tls")
    config = render_config([scrape], agent, assets=assets, operator=operator, preselected=True)
    settings = AgentSettings.from_spec(agent.spec, namespace=agent.namespace or "default", operator=operator)
    _check(config, [scrape], settings, assets)


def test_real_manifests_all_at_once() -> None:
    found = load_manifests(LOADABLE_REAL_SCRAPES)
    assert len(found.scrapes) >= len(LOADABLE_REAL_SCRAPES)
    assets = Assets(found.assets)
    config = render_config(found.scrapes, assets=assets)
    _check(config, found.scrapes, AgentSettings(), assets)


@pytest.mark.slow
def test_the_benchmark_workload() -> None:
    scrapes = [VMServiceScrapeModel.from_manifest(doc) for doc in workload(120)]
    config = render_config(scrapes)
    assert len(config.jobs) == 240
    _check(config, scrapes, AgentSettings(), Assets())


def _tricky_scrape(i: int, value: str, port: str) -> dict[str, Any]:
    regex = value if regex_problem(value) is None and value not in YAML_NULLS else "x"
    # Port names become the whole `regex` of a keep rule too (the operator writes them as they are).
    port = port if regex_problem(port) is None and port not in YAML_NULLS else "http"
    target_port = value if regex == value and value else "metrics"
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"tricky-{i}", "namespace": "ns"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "targetLabels": ["team"],
            "endpoints": [
                {
                    "port": port,
                    "path": value,
                    "params": {value: [value, "x"]} if value else {"k": [value]},
                    "relabelConfigs": [
                        {
                            "sourceLabels": [value],
                            "separator": value,
                            "targetLabel": "t",
                            "replacement": value,
                            "regex": regex,
                        }
                    ],
                    "metricRelabelConfigs": [
                        {"action": "drop", "sourceLabels": ["__name__"], "regex": regex}
                    ],
                },
                {"targetPort": target_port, "path": "/metrics"},
            ],
        },
    }


@pytest.mark.slow
def test_strings_that_need_quoting_read_back_unchanged() -> None:
    scrapes = [_tricky_scrape(i, value, TRICKY[-i]) for i, value in enumerate(TRICKY)]
    models = [VMServiceScrapeModel.from_manifest(s) for s in scrapes]
    config = render_config(models)
    text = _check(config, models, AgentSettings(), Assets())
    paths = {job["metrics_path"] for job in yaml.safe_load(text)["scrape_configs"] if "metrics_path" in job}
    assert paths >= {v for v in TRICKY if v}


# -- a fuzzed sample ----------------------------------------------------------------------------------------

texts = st.one_of(st.sampled_from(TRICKY), st.text(max_size=10))
endpoints = st.fixed_dictionaries(
    {
        "port": st.sampled_from(["http", "admin", "8080", "yes", "a: b"]),
        "path": texts,
        "interval": st.sampled_from(["30s", "1m", "15s"]),
        "honorLabels": st.booleans(),
        "relabelConfigs": st.lists(
            st.fixed_dictionaries(
                {"sourceLabels": st.lists(texts, min_size=1, max_size=2), "targetLabel": st.just("x")},
                optional={"replacement": texts, "separator": texts},
            ),
            max_size=2,
        ),
    },
    optional={"params": st.dictionaries(texts, st.lists(texts, max_size=2), max_size=2)},
)
specs = st.fixed_dictionaries(
    {
        "selector": st.fixed_dictionaries(
            {"matchLabels": st.dictionaries(st.sampled_from(["app", "tier"]), st.sampled_from(["a", "b"]))}
        ),
        "endpoints": st.lists(endpoints, min_size=1, max_size=3),
    },
    optional={
        "jobLabel": st.sampled_from(["app", "app.kubernetes.io/name"]),
        "targetLabels": st.lists(st.sampled_from(["team", "app.kubernetes.io/part-of"]), max_size=2),
        "discoveryRole": st.sampled_from(["endpoints", "service", "endpointslice"]),
        "namespaceSelector": st.sampled_from([{}, {"any": True}, {"matchNames": ["a", "b"]}]),
    },
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(specs, min_size=1, max_size=5))
def test_fuzzed_scrapes(spec_list: list[dict[str, Any]]) -> None:
    try:
        models = [
            VMServiceScrapeModel.from_manifest(
                {
                    "apiVersion": "operator.victoriametrics.com/v1beta1",
                    "kind": "VMServiceScrape",
                    "metadata": {"name": f"s{i}", "namespace": f"ns-{i % 2}"},
                    "spec": spec,
                }
            )
            for i, spec in enumerate(spec_list)
        ]
    except VMScrapeError:
        assume(False)
    config = render_config(models)
    _check(config, models, AgentSettings(), Assets())


@pytest.mark.slow
def test_the_text_is_the_same_in_every_process() -> None:
    code = (
        "from benchmarks.workload import manifests;"
        "from vmscrape_component.render import config_yaml, render_config;"
        "import hashlib, sys;"
        "sys.stdout.write(hashlib.sha256(config_yaml(render_config(manifests(300))).encode()).hexdigest())"
    )
    digests = {python_code_with_hash_seed(code, seed) for seed in ("0", "7")}
    assert len(digests) == 1


def test_a_shared_mapping_is_written_correctly_at_every_level() -> None:
    rule = {"source_labels": ["a", "yes"], "target_label": "x: y"}
    doc = {"a": [rule, rule], "b": {"c": [rule, {"d": [rule]}]}, "e": [[rule, rule], [rule]], "f": rule}
    text = dump_yaml(doc)
    assert yaml.safe_load(text) == doc
    assert text == dump_yaml(_unshared(doc))


def test_rendering_leaves_the_garbage_collector_as_it_found_it() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        render_config(workload(3))
        assert not gc.isenabled()
    finally:
        gc.enable()
