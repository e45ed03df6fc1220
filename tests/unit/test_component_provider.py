"""The components served to other languages: the schema Pulumi's analyzer infers, and ``construct``.

The analyzer (``pulumi.provider.experimental``) runs here in process, as the engine's Python host runs it
for ``pulumi package add provider/``; ``construct`` is called the way the provider server calls it, with
the inputs as a TypeScript or YAML program sends them (camelCase names, nested objects as plain dicts,
every number a double), under Pulumi's mocks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from tests.support.pulumi_programs import CR_TYPE, RecordingMocks, inputs_of, run_to_completion
from vmscrape_component import StandaloneVMAgent, VMScrapeError, VMServiceScrape
from vmscrape_component.component.provider import COMPONENTS, PACKAGE

ROOT = Path(__file__).resolve().parents[2]
SCRAPE, SCRAPE_SET, OPERATOR_AGENT, STANDALONE = (
    f"vmscrape:index:{n}"
    for n in ("VMServiceScrape", "VMServiceScrapeSet", "OperatorVMAgent", "StandaloneVMAgent")
)
WEB_SPEC = {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http", "interval": "30s"}]}
WEB_MANIFEST = {
    "apiVersion": "operator.victoriametrics.com/v1beta1",
    "kind": "VMServiceScrape",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"team": "web"}},
    "spec": WEB_SPEC,
}


@pytest.fixture(scope="module")
def provider() -> ComponentProvider:
    return ComponentProvider(COMPONENTS, PACKAGE)


@pytest.fixture(scope="module")
def schema(provider: ComponentProvider) -> dict[str, Any]:
    assert provider.schema is not None
    return dict(json.loads(provider.schema))


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _kind(prop: dict[str, Any]) -> Any:
    """A property's type in short: ``string``, ``array<string>``, ``map<string>``, ``ref:Name``."""
    if prop.get("$ref") == "pulumi.json#/Any":
        return "any"
    if "$ref" in prop:
        return "ref:" + prop["$ref"].rsplit(":", 1)[-1]
    if prop["type"] == "array":
        return f"array<{_kind(prop['items'])}>"
    if prop["type"] == "object" and "additionalProperties" in prop:
        return f"map<{_kind(prop['additionalProperties'])}>"
    return prop["type"]


# ------------------------------------------------------------------ the schema


def test_the_package_serves_the_four_components_under_their_own_type_tokens(schema: dict[str, Any]) -> None:
    assert schema["name"] == "vmscrape"
    assert sorted(schema["resources"]) == sorted([SCRAPE, SCRAPE_SET, OPERATOR_AGENT, STANDALONE])
    assert all(r["isComponent"] for r in schema["resources"].values())
    # The tokens the Python components register with: the same resources from any language.
    assert {c.__name__: f"vmscrape:index:{c.__name__}" for c in COMPONENTS} == {
        "VMServiceScrape": SCRAPE,
        "VMServiceScrapeSet": SCRAPE_SET,
        "OperatorVMAgent": OPERATOR_AGENT,
        "StandaloneVMAgent": STANDALONE,
    }


def test_the_scrape_takes_its_spec_as_a_mapping_and_metadata_as_inputs(schema: dict[str, Any]) -> None:
    resource = schema["resources"][SCRAPE]
    inputs = resource["inputProperties"]
    assert resource["requiredInputs"] == ["spec"]
    assert {name: _kind(p) for name, p in inputs.items()} == {
        "spec": "map<any>",
        "namespace": "string",
        "labels": "map<string>",
        "annotations": "map<string>",
        "resourceName": "string",
        "agent": "map<any>",
        "operator": "map<string>",
        "secrets": "map<map<string>>",
        "agents": "array<map<any>>",
        "snapshot": "string",
    }
    # Inputs that may come from other resources are not plain; the spec must be known to render.
    assert not inputs["namespace"].get("plain") and not inputs["labels"].get("plain")
    assert inputs["spec"].get("plain") is True
    # The docstrings of the Args are the descriptions another language's SDK shows.
    assert all(p.get("description") for p in inputs.values()), [
        n for n, p in inputs.items() if not p.get("description")
    ]


def test_the_scrape_outputs_are_the_python_components_outputs(schema: dict[str, Any]) -> None:
    outputs = schema["resources"][SCRAPE]["properties"]
    assert {name: _kind(p) for name, p in outputs.items()} == {
        "manifest": "map<any>",
        "scrapeConfigYaml": "string",
        "jobNames": "array<string>",
        "discoveryNamespaces": "array<string>",
        "namespaceMode": "string",
        "selection": "map<map<any>>",
        "targets": "map<map<any>>",
    }


def test_the_set_takes_manifests_and_gives_outputs_keyed_by_scrape(schema: dict[str, Any]) -> None:
    resource = schema["resources"][SCRAPE_SET]
    assert resource["requiredInputs"] == ["scrapes"]
    assert {name: _kind(p) for name, p in resource["inputProperties"].items()} == {
        "scrapes": "array<map<any>>",
        "agent": "map<any>",
        "operator": "map<string>",
        "agents": "array<map<any>>",
        "snapshot": "string",
    }
    assert {name: _kind(p) for name, p in resource["properties"].items()} == {
        "manifests": "map<map<any>>",
        "scrapeConfigYaml": "string",
        "jobNames": "map<array<string>>",
        "discoveryNamespaces": "map<array<string>>",
        "selection": "map<map<map<any>>>",
        "targets": "map<map<any>>",
    }


def test_the_agents_need_only_their_scrapes_and_give_the_config(schema: dict[str, Any]) -> None:
    for token in (OPERATOR_AGENT, STANDALONE):
        resource = schema["resources"][token]
        inputs = resource["inputProperties"]
        assert resource["requiredInputs"] == ["scrapes"], token
        assert _kind(inputs["scrapes"]) == "array<map<any>>"
        assert (
            _kind(inputs["namespace"]) == "string" and _kind(inputs["namespaceLabels"]) == "map<map<string>>"
        )
        outputs = resource["properties"]
        assert _kind(outputs["configYaml"]) == _kind(outputs["checksum"]) == "string"
        assert _kind(outputs["configSize"]) == _kind(outputs["configGzipSize"]) == "integer"
        assert _kind(outputs["jobNames"]) == "array<string>"
    assert _kind(schema["resources"][OPERATOR_AGENT]["inputProperties"]["createAgent"]) == "boolean"
    assert (
        _kind(schema["resources"][STANDALONE]["inputProperties"]["deployment"]) == "ref:StandaloneDeployment"
    )
    assert "rbac" in schema["resources"][STANDALONE]["properties"]


def test_the_standalone_deployment_is_a_typed_object_needing_only_the_remote_write_url(
    schema: dict[str, Any],
) -> None:
    deployment = schema["types"]["vmscrape:index:StandaloneDeployment"]
    assert {n: _kind(p) for n, p in deployment["properties"].items()} == {
        "remoteWriteUrl": "string",
        "image": "string",
        "replicas": "integer",
        "extraArgs": "map<string>",
    }
    assert deployment["required"] == ["remoteWriteUrl"]
    assert list(schema["types"]) == ["vmscrape:index:StandaloneDeployment"]


def test_the_plugin_directory_runs_this_provider_with_the_python_runtime() -> None:
    plugin = yaml.safe_load((ROOT / "provider" / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"]["name"] == "python"
    assert (ROOT / plugin["runtime"]["options"]["virtualenv"].replace("..", ".", 1)).resolve() == (
        ROOT / ".venv"
    ).resolve()
    assert (
        "vmscrape_component.component.provider import main" in (ROOT / "provider" / "__main__.py").read_text()
    )


# ------------------------------------------------------------------ construct


def _construct(provider: ComponentProvider, token: str, name: str, inputs: dict[str, Any]) -> Any:
    return provider.construct(name, token, inputs, pulumi.ResourceOptions())


def test_construct_of_a_scrape_from_plain_dicts(provider: ComponentProvider, mocks: RecordingMocks) -> None:
    inputs = {
        "namespace": "apps",
        "labels": {"team": "web"},
        "spec": {**WEB_SPEC, "endpoints": [{"port": "http", "interval": "30s", "scrapeTimeout": "10s"}]},
        "operator": {"VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES": "true"},
    }

    def program() -> pulumi.Output[Any]:
        state = _construct(provider, SCRAPE, "web", inputs).state
        return pulumi.Output.all(state["jobNames"], state["discoveryNamespaces"], state["scrapeConfigYaml"])

    job_names, namespaces, config = run_to_completion(program)
    assert job_names == ["serviceScrape/apps/web/0"] and namespaces == ["apps"]
    # The operator's setting given as its environment reached the renderer.
    assert "role: endpointslice" in config
    (cr,) = inputs_of(mocks, CR_TYPE)
    assert cr["metadata"] == {"name": "web", "namespace": "apps", "labels": {"team": "web"}}
    assert cr["spec"]["endpoints"][0]["scrapeTimeout"] == "10s"


def test_construct_of_a_set_from_manifests_and_doubles(
    provider: ComponentProvider, mocks: RecordingMocks
) -> None:
    # targetPort 9100 written in TypeScript arrives as 9100.0, which the model would refuse as a float:
    # read as the integer again, the scrape renders.
    other = {
        **WEB_MANIFEST,
        "metadata": {"name": "node", "namespace": "infra"},
        "spec": {"endpoints": [{"targetPort": 9100.0}]},
    }

    def program() -> pulumi.Output[Any]:
        state = _construct(provider, SCRAPE_SET, "team", {"scrapes": [WEB_MANIFEST, other]}).state
        return state["jobNames"]

    assert run_to_completion(program) == {
        "apps/web": ["serviceScrape/apps/web/0"],
        "infra/node": ["serviceScrape/infra/node/0"],
    }
    registered = {r.name: r.inputs for r in mocks.of_type(CR_TYPE)}
    assert sorted(registered) == ["apps/web", "infra/node"]
    assert registered["infra/node"]["spec"]["endpoints"] == [{"targetPort": 9100}]


def test_construct_of_an_operator_agent_from_manifests_and_doubles(
    provider: ComponentProvider, mocks: RecordingMocks
) -> None:
    inputs = {
        "namespace": "monitoring",
        "createAgent": True,
        "agent": {
            "serviceScrapeSelector": {"matchLabels": {"team": "web"}},
            "serviceScrapeNamespaceSelector": {},
            "scrapeInterval": "30s",
            "remoteWrite": [{"url": "http://vmsingle:8429/api/v1/write"}],
            "shardCount": 1.0,  # a number from TypeScript arrives as a double
        },
        "scrapes": [WEB_MANIFEST, {**WEB_MANIFEST, "metadata": {"name": "other", "namespace": "apps"}}],
    }

    def program() -> pulumi.Output[Any]:
        state = _construct(provider, OPERATOR_AGENT, "main", inputs).state
        return pulumi.Output.all(state["jobNames"], state["notSelected"])

    job_names, not_selected = run_to_completion(program)
    assert job_names == ["serviceScrape/apps/web/0"]
    assert list(not_selected) == ["apps/other"]
    types = [r.typ for r in mocks.resources]
    assert types.count(CR_TYPE) == 2
    (agent,) = inputs_of(mocks, "kubernetes:operator.victoriametrics.com/v1beta1:VMAgent")
    assert agent["metadata"] == {"name": "main", "namespace": "monitoring"}


def test_construct_of_a_standalone_agent_with_its_deployment_as_a_dict(
    provider: ComponentProvider, mocks: RecordingMocks
) -> None:
    inputs = {
        "namespace": "monitoring",
        "scrapes": [WEB_MANIFEST],
        "agent": {"selectAllByDefault": True},
        "deployment": {"remoteWriteUrl": "http://vminsert:8480/api/v1/write", "replicas": 2.0},
    }
    job_names = run_to_completion(lambda: _construct(provider, STANDALONE, "edge", inputs).state["jobNames"])
    assert job_names == ["serviceScrape/apps/web/0"]
    (deployment,) = inputs_of(mocks, "kubernetes:apps/v1:Deployment")
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "victoriametrics/vmagent:v1.150.0"  # the default, as in Python
    assert "-remoteWrite.url=http://vminsert:8480/api/v1/write" in container["args"]


def _error_of(call: Any) -> str:
    with pytest.raises((ComponentInitError, VMScrapeError)) as caught:
        call()
    error = caught.value.inner if isinstance(caught.value, ComponentInitError) else caught.value
    assert isinstance(error, VMScrapeError)
    return str(error)


@pulumi.runtime.test
def test_a_bad_spec_from_another_language_gets_the_python_message(
    provider: ComponentProvider, mocks: RecordingMocks
) -> None:
    # 8080 in a TypeScript program arrives as 8080.0.
    sent = {"selector": {}, "endpoints": [{"port": 8080.0}]}
    from_construct = _error_of(lambda: _construct(provider, SCRAPE, "bad", {"spec": sent}))
    from_python = _error_of(
        lambda: VMServiceScrape("bad", spec={"selector": {}, "endpoints": [{"port": 8080}]})
    )
    assert from_construct == from_python
    assert (
        "spec.endpoints[0].port: `port` is the Service port name; use `targetPort` for a number (got 8080)"
        in (from_construct)
    )
    assert mocks.resources == []  # nothing registered


@pulumi.runtime.test
def test_nested_dicts_and_the_operator_env_are_checked_with_the_same_messages(mocks: RecordingMocks) -> None:
    misspelt = _error_of(
        lambda: StandaloneVMAgent(
            "edge", scrapes=[WEB_MANIFEST], deployment={"remote_write_url": "http://x", "replica": 2}
        )
    )
    assert (
        "deployment.replica: unknown argument; allowed: remote_write_url, image, replicas, extra_args"
        in misspelt
    )
    missing = _error_of(lambda: StandaloneVMAgent("edge", scrapes=[WEB_MANIFEST], deployment={"image": "x"}))
    assert "deployment.remote_write_url: is required" in missing
    env = _error_of(lambda: VMServiceScrape("web", spec=WEB_SPEC, operator={"WATCH_NAMESPACES": "a"}))
    # The one table of operator variables decides, as for the CLI's --operator-env.
    assert "operator.WATCH_NAMESPACES: not a variable of the operator v0.74.1" in env
    assert "did you mean WATCH_NAMESPACE?" in env
    wrong_type = _error_of(lambda: VMServiceScrape("web", spec=WEB_SPEC, operator={"WATCH_NAMESPACE": 3}))
    assert "operator.WATCH_NAMESPACE: must be a string" in wrong_type
    assert mocks.resources == []


# ------------------------------------------------------------------ the YAML example

YAML_EXAMPLE = ROOT / "examples" / "yaml-component" / "Pulumi.yaml"


def test_the_yaml_example_uses_only_what_the_schema_declares(schema: dict[str, Any]) -> None:
    program = yaml.safe_load(YAML_EXAMPLE.read_text())
    assert program["packages"] == {"vmscrape": "../../provider"}
    assert (YAML_EXAMPLE.parent / program["packages"]["vmscrape"]).resolve() == (ROOT / "provider").resolve()
    for name, resource in program["resources"].items():
        declared = schema["resources"][resource["type"]]
        given = set(resource["properties"])
        assert given <= set(declared["inputProperties"]), (name, given - set(declared["inputProperties"]))
        assert set(declared.get("requiredInputs", ())) <= given, name
    outputs = {"web": SCRAPE, "main": OPERATOR_AGENT}
    for expression in program["outputs"].values():
        resource, prop = expression.strip("${}").split(".")
        assert prop in schema["resources"][outputs[resource]]["properties"], expression


def test_the_yaml_examples_resources_construct_with_their_properties(
    provider: ComponentProvider, mocks: RecordingMocks
) -> None:
    resources = yaml.safe_load(YAML_EXAMPLE.read_text())["resources"]

    def program() -> pulumi.Output[Any]:
        states = {
            name: _construct(provider, r["type"], name, r["properties"]).state
            for name, r in resources.items()
        }
        return pulumi.Output.all(states["web"]["jobNames"], states["main"]["jobNames"])

    web_jobs, agent_jobs = run_to_completion(program)
    # What the example's README promises.
    assert web_jobs == ["serviceScrape/apps/web/0"]
    assert agent_jobs == ["serviceScrape/monitoring/payments/0"]
    names = sorted(r.inputs["metadata"]["name"] for r in mocks.of_type(CR_TYPE))
    assert names == ["payments", "web"]
