"""The models as users meet them: Python or CRD spelling in, the manifest (CRD spelling) out.

Validation rules have their own file (test_models_validation.py), and so has the VMAgent model
(test_models_agent.py).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.support.reference import CRD_REJECTS_CASE, OPERATOR_CASES, REAL_MANIFESTS, SCRAPES_REFUSED_ONLY
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import (
    Endpoint,
    NamespaceSelector,
    RelabelConfig,
    SecretKeySelector,
    VMAgentModel,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
)

API_VERSION = "operator.victoriametrics.com/v1beta1"


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(by_alias=True, exclude_none=True)


# --- spelling in, manifest out -------------------------------------------------------------------------


def test_the_user_example_dumps_to_the_camel_case_manifest() -> None:
    spec = VMServiceScrapeSpec(
        selector={"match_labels": {"app": "web"}},
        namespace_selector=NamespaceSelector.any(),
        discovery_role="endpointslices",
        endpoints=[Endpoint(port="http", path="/metrics", interval="30s")],
    )
    assert _dump(spec) == {
        "selector": {"matchLabels": {"app": "web"}},
        "namespaceSelector": {"any": True},
        "discoveryRole": "endpointslices",
        "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
    }


def test_a_camel_case_dict_gives_the_same_spec_as_python_names() -> None:
    camel = VMServiceScrapeSpec.parse(
        {
            "selector": {"matchLabels": {"app": "web"}},
            "namespaceSelector": {"any": True},
            "discoveryRole": "endpointslices",
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s", "targetPort": 8080}],
        }
    )
    python = VMServiceScrapeSpec(
        selector={"match_labels": {"app": "web"}},
        namespace_selector={"any_": True},
        discovery_role="endpointslices",
        endpoints=[{"port": "http", "path": "/metrics", "interval": "30s", "target_port": 8080}],
    )
    assert camel == python


def test_fields_left_unset_are_not_written() -> None:
    assert _dump(Endpoint(port="http")) == {"port": "http"}


def test_the_crds_snake_case_fields_keep_their_spelling() -> None:
    endpoint = Endpoint(
        port="http",
        scrape_interval="10s",
        follow_redirects=False,
        max_scrape_size="16MiB",
        attach_metadata={"node": True},
        vm_scrape_params={"stream_parse": True},
        oauth2={"client_id": {"secret": {"name": "o", "key": "id"}}, "token_url": "https://auth/token"},
    )
    assert _dump(endpoint) == {
        "port": "http",
        "scrape_interval": "10s",
        "follow_redirects": False,
        "max_scrape_size": "16MiB",
        "attach_metadata": {"node": True},
        "vm_scrape_params": {"stream_parse": True},
        "oauth2": {"client_id": {"secret": {"name": "o", "key": "id"}}, "token_url": "https://auth/token"},
    }


def test_camel_case_fields_take_python_names() -> None:
    endpoint = Endpoint(
        target_port="metrics",
        proxy_url="http://proxy:2195",
        scrape_timeout="5s",
        honor_labels=True,
        bearer_token_secret={"name": "token", "key": "t"},
    )
    assert _dump(endpoint) == {
        "targetPort": "metrics",
        "proxyURL": "http://proxy:2195",
        "scrapeTimeout": "5s",
        "honorLabels": True,
        "bearerTokenSecret": {"name": "token", "key": "t"},
    }


def test_explicitly_empty_objects_are_written_as_given() -> None:
    spec = VMServiceScrapeSpec.parse(
        {
            "namespaceSelector": {},
            "selector": {},
            "attach_metadata": {},
            "endpoints": [{"port": "http", "tlsConfig": {"ca": {}, "insecureSkipVerify": True}}],
        }
    )
    assert _dump(spec) == {
        "namespaceSelector": {},
        "selector": {},
        "attach_metadata": {},
        "endpoints": [{"port": "http", "tlsConfig": {"ca": {}, "insecureSkipVerify": True}}],
    }


def test_a_key_selector_writes_its_name_only_when_given() -> None:
    assert _dump(SecretKeySelector(key="password")) == {"key": "password"}
    assert _dump(SecretKeySelector(name="creds", key="password")) == {"name": "creds", "key": "password"}


@pytest.mark.parametrize("target_port", [8080, "8080", "metrics"])
def test_target_port_keeps_the_type_it_was_given(target_port: int | str) -> None:
    # The operator matches 8080 as a port number but "8080" as a port *name*.
    assert _dump(Endpoint(target_port=target_port)) == {"targetPort": target_port}


def test_params_map_to_lists_of_values() -> None:
    assert _dump(Endpoint(params={"module": ["http_2xx"], "target": ["a", "b"]})) == {
        "params": {"module": ["http_2xx"], "target": ["a", "b"]}
    }


def test_empty_endpoints_are_written_back() -> None:
    # The CRD requires `endpoints` (see test_models_validation); an empty list is a valid value.
    assert _dump(VMServiceScrapeSpec.parse({"selector": {}, "endpoints": []})) == {
        "selector": {},
        "endpoints": [],
    }


# --- relabel configs -------------------------------------------------------------------------------------


def test_relabel_snake_case_spelling_is_written_in_camel_case() -> None:
    rule = RelabelConfig.parse({"source_labels": ["__meta_kubernetes_pod_node_name"], "target_label": "node"})
    assert _dump(rule) == {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}


def test_relabel_camel_case_wins_when_both_spellings_are_set() -> None:
    rule = RelabelConfig.parse(
        {
            "sourceLabels": ["a"],
            "source_labels": ["b"],
            "targetLabel": "x",
            "target_label": "y",
        }
    )
    assert (rule.source_labels, rule.target_label) == (["a"], "x")


def test_relabel_snake_case_is_used_when_camel_case_is_empty() -> None:
    rule = RelabelConfig.parse(
        {"sourceLabels": [], "source_labels": ["b"], "targetLabel": "", "target_label": "y"}
    )
    assert (rule.source_labels, rule.target_label) == (["b"], "y")


@pytest.mark.parametrize("regex", ["go_.*", ["go_.*", "process_.*"]])
def test_regex_stays_a_string_or_a_list_as_given(regex: str | list[str]) -> None:
    rule = RelabelConfig(action="drop", source_labels=["__name__"], regex=regex)
    assert _dump(rule)["regex"] == regex


@pytest.mark.parametrize("condition", ['{__name__=~"go_.*"}', ['up{job="a"}', '{job="b"}']])
def test_if_stays_a_string_or_a_list_as_given(condition: str | list[str]) -> None:
    rule = RelabelConfig.parse({"action": "drop", "if": condition})
    assert _dump(rule) == {"action": "drop", "if": condition}


def test_action_keeps_the_case_it_was_given() -> None:
    assert RelabelConfig(action="LabelDrop", regex="tmp_.*").action == "LabelDrop"


# --- namespaceSelector ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "manifest", "mode"),
    [
        (NamespaceSelector.own(), {}, "own"),
        (NamespaceSelector.any(), {"any": True}, "any"),
        (NamespaceSelector.names("a", "b"), {"matchNames": ["a", "b"]}, "names"),
    ],
)
def test_namespace_selector_constructors(
    selector: NamespaceSelector, manifest: dict[str, Any], mode: str
) -> None:
    assert (_dump(selector), selector.mode) == (manifest, mode)


@pytest.mark.parametrize(
    ("manifest", "mode"),
    [
        ({}, "own"),
        ({"any": False}, "own"),
        ({"matchNames": []}, "own"),
        ({"any": True}, "any"),
        ({"any": True, "matchNames": []}, "any"),
        ({"matchNames": ["kube-system"]}, "names"),
        ({"any": False, "matchNames": ["kube-system"]}, "names"),
    ],
)
def test_namespace_selector_manifest_forms_resolve_to_one_of_three_modes(
    manifest: dict[str, Any], mode: str
) -> None:
    assert NamespaceSelector.parse(manifest).mode == mode


def test_own_namespace_resolves_to_the_scrapes_namespace() -> None:
    assert NamespaceSelector.own().resolve("apps") == ["apps"]


def test_any_namespace_resolves_to_all() -> None:
    assert NamespaceSelector.any().resolve("apps") is None


def test_named_namespaces_resolve_to_those_names() -> None:
    assert NamespaceSelector.names("db", "db-replica").resolve("apps") == ["db", "db-replica"]


def test_an_unset_namespace_selector_means_own_and_is_not_written() -> None:
    spec = VMServiceScrapeSpec(endpoints=[Endpoint(port="http")])
    assert "namespaceSelector" not in _dump(spec)
    assert spec.namespace_selector_mode == "own"
    assert spec.discovery_namespaces("apps") == ["apps"]


def test_names_needs_at_least_one_namespace() -> None:
    with pytest.raises(VMScrapeError, match="at least one namespace"):
        NamespaceSelector.names()


# --- the VMServiceScrape object ------------------------------------------------------------------------

WEB = {
    "apiVersion": API_VERSION,
    "kind": "VMServiceScrape",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"team": "a"}, "annotations": {"note": "x y"}},
    "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]},
}


def test_from_manifest_reads_metadata_and_spec() -> None:
    scrape = VMServiceScrapeModel.from_manifest(WEB)
    assert (scrape.name, scrape.namespace, scrape.labels, scrape.annotations) == (
        "web",
        "apps",
        {"team": "a"},
        {"note": "x y"},
    )
    assert scrape.spec.endpoints[0].port == "http"


def test_manifest_gives_the_object_back() -> None:
    assert VMServiceScrapeModel.from_manifest(WEB).manifest() == WEB


def test_from_manifest_fills_in_the_default_namespace() -> None:
    manifest = copy.deepcopy(WEB)
    del manifest["metadata"]["namespace"]
    assert VMServiceScrapeModel.from_manifest(manifest, default_namespace="team-a").namespace == "team-a"


def test_from_manifest_ignores_metadata_the_api_server_sets() -> None:
    manifest = copy.deepcopy(WEB)
    manifest["metadata"].update(uid="1234", resourceVersion="7", generation=2)
    assert VMServiceScrapeModel.from_manifest(manifest).manifest() == WEB


def test_a_scrape_built_in_python_gives_a_manifest() -> None:
    scrape = VMServiceScrapeModel(
        name="web", namespace="apps", spec=VMServiceScrapeSpec(endpoints=[Endpoint(port="http")])
    )
    assert scrape.manifest() == {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {"endpoints": [{"port": "http"}]},
    }


# --- every reference manifest --------------------------------------------------------------------------


def _operator_case_objects() -> list[Any]:
    params = []
    for path in sorted(OPERATOR_CASES.glob("*/*.yaml")):
        if path.stem in CRD_REJECTS_CASE:
            continue  # see test_operator_cases_the_api_server_would_refuse_are_refused
        case = yaml.safe_load(path.read_text())
        name = f"{path.parent.name}/{path.stem}"
        if case.get("scrape"):
            params.append(pytest.param(case["scrape"], id=f"{name}:scrape"))
        for index, obj in enumerate(case.get("objects") or ()):
            if obj.get("kind") == "VMServiceScrape":
                params.append(pytest.param(obj, id=f"{name}:objects[{index}]"))
    return params


def _operator_case_agents() -> list[Any]:
    return [
        pytest.param(yaml.safe_load(path.read_text())["vmagent"], id=f"{path.parent.name}/{path.stem}")
        for path in sorted(OPERATOR_CASES.glob("*/*.yaml"))
        if yaml.safe_load(path.read_text()).get("vmagent")
        and (path.stem not in CRD_REJECTS_CASE or path.stem in SCRAPES_REFUSED_ONLY)
    ]


@pytest.mark.parametrize("stem", sorted(CRD_REJECTS_CASE))
def test_operator_cases_the_api_server_would_refuse_are_refused(stem: str) -> None:
    (path,) = OPERATOR_CASES.glob(f"*/{stem}.yaml")
    case = yaml.safe_load(path.read_text())
    scrapes = [case["scrape"]] if case.get("scrape") else []
    scrapes += [o for o in case.get("objects") or () if o.get("kind") == "VMServiceScrape"]
    problems = []
    for scrape in scrapes:
        with pytest.raises(VMScrapeError) as err:
            VMServiceScrapeModel.from_manifest(scrape)
            VMAgentModel.from_manifest(case["vmagent"])
        problems += err.value.problems
    assert problems and all(CRD_REJECTS_CASE[stem] in p.path for p in problems), problems


def _real_manifests(*, exclude: tuple[str, ...] = ()) -> list[Any]:
    return [
        pytest.param(yaml.safe_load(path.read_text()), id=path.stem)
        for path in sorted(REAL_MANIFESTS.glob("vmservicescrape-*.yaml"))
        if path.stem not in exclude
    ]


_RELABEL_LISTS = ("relabelConfigs", "metricRelabelConfigs", "serviceScrapeRelabelTemplate")
_METRICS_SERVER = "vmservicescrape-vm-operator-metrics-server"  # integer port: see its own test
_OAUTH2_TLS = "vmservicescrape-vm-operator-oauth2-tls"  # snake_case TLS keys: see its own test


def _as_written(manifest: dict[str, Any], *, default_namespace: str = "default") -> dict[str, Any]:
    """What the models write for ``manifest``: nulls dropped, relabel spelling canonical, defaults filled."""

    def normalise(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: normalise(v, k) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            if key in _RELABEL_LISTS:
                return [_canonical_relabel(normalise(rule)) for rule in value]
            return [normalise(v) for v in value]
        return value

    out = normalise({k: v for k, v in manifest.items() if k != "status"})
    out["metadata"].setdefault("namespace", default_namespace)
    if out["kind"] == "VMServiceScrape":
        out["spec"].setdefault("endpoints", [])
    return out


def _canonical_relabel(rule: dict[str, Any]) -> dict[str, Any]:
    rule = dict(rule)
    for camel, snake in (("sourceLabels", "source_labels"), ("targetLabel", "target_label")):
        if snake in rule:
            value = rule.pop(snake)
            if not rule.get(camel):
                rule[camel] = value
    return rule


@pytest.mark.parametrize(
    "manifest", [*_operator_case_objects(), *_real_manifests(exclude=(_METRICS_SERVER, _OAUTH2_TLS))]
)
def test_reference_scrapes_are_written_back_as_read(manifest: dict[str, Any]) -> None:
    assert VMServiceScrapeModel.from_manifest(manifest).manifest() == _as_written(manifest)


@pytest.mark.parametrize(
    "manifest", [*_operator_case_objects(), *_real_manifests(exclude=(_METRICS_SERVER, _OAUTH2_TLS))]
)
def test_reference_scrapes_parse_back_to_equal_models(manifest: dict[str, Any]) -> None:
    scrape = VMServiceScrapeModel.from_manifest(manifest)
    assert VMServiceScrapeModel.from_manifest(scrape.manifest()) == scrape


@pytest.mark.parametrize("manifest", _operator_case_agents())
def test_reference_agents_are_written_back_as_read(manifest: dict[str, Any]) -> None:
    agent = VMAgentModel.from_manifest(manifest)
    assert agent.manifest() == _as_written(manifest)
    assert VMAgentModel.from_manifest(agent.manifest()) == agent


def test_the_metrics_server_example_is_rejected_for_its_integer_port() -> None:
    (manifest,) = [p.values[0] for p in _real_manifests() if p.id == _METRICS_SERVER]
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeModel.from_manifest(manifest)
    (problem,) = err.value.problems
    assert (problem.object, problem.path, problem.value) == (
        "VMServiceScrape vm/metrics-server",
        "spec.endpoints[0].port",
        443,
    )
    assert "use `targetPort` for a number" in problem.message


def test_snake_case_tls_keys_are_rejected_in_manifests_but_python_names_work_in_code() -> None:
    # The operator decodes TLSConfig with unknown fields disallowed: these keys make the object unusable.
    (manifest,) = [p.values[0] for p in _real_manifests() if p.id == _OAUTH2_TLS]
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeModel.from_manifest(manifest)
    paths = {p.path: p.message for p in err.value.problems}
    assert set(paths) == {
        "spec.endpoints[0].oauth2.tls_config.insecure_skip_verify",
        "spec.endpoints[0].oauth2.tls_config.key_secret",
    }
    assert "did you mean 'keySecret'" in paths["spec.endpoints[0].oauth2.tls_config.key_secret"]
    # In Python the same keys are the fields' own names, and the manifest is written in CRD spelling.
    spec = VMServiceScrapeSpec.parse(manifest["spec"])
    tls = spec.manifest_dict()["endpoints"][0]["oauth2"]["tls_config"]
    assert tls["insecureSkipVerify"] is False
    assert tls["keySecret"] == {"name": "oauth2-tls-access", "key": "CERT_KEY"}
    assert "insecure_skip_verify" not in tls and "key_secret" not in tls
