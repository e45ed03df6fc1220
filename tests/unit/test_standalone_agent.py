"""StandaloneVMAgent under Pulumi's mocks: config, credential files, RBAC, secrets, errors."""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import (
    CR_TYPE,
    RecordingMocks,
    inputs_of,
    run_and_check,
    secret_value,
)
from vmscrape_component import (
    StandaloneDeployment,
    StandaloneVMAgent,
    StandaloneVMAgentArgs,
    VMScrapeError,
    VMServiceScrape,
    VMServiceScrapeModel,
)

TOKEN = "tok-3f9c1e-very-secret"


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _scrape_manifest(
    name: str, namespace: str, spec: dict[str, Any], labels: dict[str, str] | None = None
) -> Any:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": meta,
        "spec": spec,
    }


def _standalone(mocks: RecordingMocks, *scrapes: Any, **kwargs: Any) -> StandaloneVMAgent:
    return StandaloneVMAgent(
        "edge",
        StandaloneVMAgentArgs(
            namespace="monitoring", agent={"selectAllByDefault": True}, scrapes=list(scrapes), **kwargs
        ),
    )


def test_standalone_config_rbac_and_secret_files(mocks: RecordingMocks) -> None:
    def program() -> Any:
        api = VMServiceScrape(
            "api",
            namespace="shop",
            secrets={"api-token": {"token": TOKEN}},
            spec={
                "discoveryRole": "endpointslices",
                "endpoints": [{"port": "http", "bearerTokenSecret": {"name": "api-token", "key": "token"}}],
            },
        )
        db = VMServiceScrapeModel.from_manifest(
            _scrape_manifest("db", "data", {"discoveryRole": "service", "endpoints": [{"port": "metrics"}]})
        )
        agent = _standalone(
            mocks, api, db, deployment=StandaloneDeployment(remote_write_url="http://vm:8428/api/v1/write")
        )

        def check(values: list[Any]) -> None:
            config_text, checksum = values
            (config_map,) = inputs_of(mocks, "kubernetes:core/v1:ConfigMap")
            stored = config_map["data"]["scrape.yml"]
            assert stored == config_text and TOKEN not in stored
            assert checksum == hashlib.sha256(stored.encode()).hexdigest()
            assert config_map["metadata"]["annotations"]["vmscrape.io/config-checksum"] == checksum
            (job_db, job_api) = yaml.safe_load(stored)[
                "scrape_configs"
            ]  # the operator's namespace/name order
            assert job_api["bearer_token_file"] == "/etc/vmagent-tls/certs/shop_api-token_token"
            assert "bearer_token" not in job_api
            # The token reaches the agent's namespace only as a Secret it mounts.
            secrets = {s["metadata"]["name"]: s for s in inputs_of(mocks, "kubernetes:core/v1:Secret")}
            assert secrets["edge-scrape-assets"]["metadata"]["namespace"] == "monitoring"
            # The scrape's own Secret (where the operator would look) holds it too, as a Pulumi secret.
            assert secrets["api-token"]["metadata"]["namespace"] == "shop"
            assert secret_value(secrets["api-token"]["stringData"]) == {"token": TOKEN}
            assets = secret_value(secrets["edge-scrape-assets"]["stringData"])
            assert assets == {"shop_api-token_token": TOKEN}
            # RBAC: one Role per discovered namespace, exactly the kinds its role reads; no ClusterRole.
            roles = {
                r["metadata"]["namespace"]: r["rules"]
                for r in inputs_of(mocks, "kubernetes:rbac.authorization.k8s.io/v1:Role")
            }
            assert roles == {
                "shop": [
                    {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
                    {
                        "apiGroups": ["discovery.k8s.io"],
                        "resources": ["endpointslices"],
                        "verbs": ["get", "list", "watch"],
                    },
                ],
                "data": [{"apiGroups": [""], "resources": ["services"], "verbs": ["get", "list", "watch"]}],
            }
            assert inputs_of(mocks, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") == []
            (deployment,) = inputs_of(mocks, "kubernetes:apps/v1:Deployment")
            pod = deployment["spec"]["template"]
            assert pod["metadata"]["annotations"]["vmscrape.io/config-checksum"] == checksum
            assert pod["spec"]["serviceAccountName"] == "edge"
            (sources,) = [v["projected"]["sources"] for v in pod["spec"]["volumes"] if "projected" in v]
            assert sources == [{"secret": {"name": "edge-scrape-assets"}}]

        return pulumi.Output.all(agent.config_yaml, agent.checksum), check

    run_and_check(program)


def test_any_namespace_and_node_metadata_need_a_cluster_role(mocks: RecordingMocks) -> None:
    def program() -> Any:
        everywhere = VMServiceScrapeModel.from_manifest(
            _scrape_manifest(
                "all", "monitoring", {"namespaceSelector": {"any": True}, "endpoints": [{"port": "http"}]}
            )
        )
        nodes = VMServiceScrapeModel.from_manifest(
            _scrape_manifest(
                "n", "apps", {"attach_metadata": {"node": True}, "endpoints": [{"port": "http"}]}
            )
        )
        agent = _standalone(mocks, everywhere, nodes)

        def check(_: Any) -> None:
            (cluster_role,) = inputs_of(mocks, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
            assert cluster_role["rules"] == [
                {
                    "apiGroups": [""],
                    "resources": ["endpoints", "nodes", "pods", "services"],
                    "verbs": ["get", "list", "watch"],
                }
            ]
            # apps needs nothing beyond what the cluster role already grants.
            assert inputs_of(mocks, "kubernetes:rbac.authorization.k8s.io/v1:Role") == []

        return agent.config_yaml, check

    run_and_check(program)


def test_an_inline_credential_moves_the_config_into_a_secret(mocks: RecordingMocks) -> None:
    def program() -> Any:
        oauth = VMServiceScrape(
            "o",
            namespace="monitoring",
            secrets={"oauth": {"id": "client-xyz", "secret": TOKEN}},
            spec={
                "endpoints": [
                    {
                        "port": "http",
                        "oauth2": {
                            "client_id": {"secret": {"name": "oauth", "key": "id"}},
                            "client_secret": {"name": "oauth", "key": "secret"},
                            "token_url": "https://idp/token",
                        },
                    }
                ]
            },
        )
        agent = _standalone(mocks, oauth)

        def check(review: str) -> None:
            assert inputs_of(mocks, "kubernetes:core/v1:ConfigMap") == []
            secrets = {s["metadata"]["name"]: s for s in inputs_of(mocks, "kubernetes:core/v1:Secret")}
            stored = yaml.safe_load(secret_value(secrets["edge-scrape-config"]["stringData"])["scrape.yml"])
            (job,) = stored["scrape_configs"]
            assert job["oauth2"]["client_id"] == "client-xyz"
            assert job["oauth2"]["client_secret_file"] == "/etc/vmagent-tls/certs/monitoring_oauth_secret"
            # The review output keeps placeholders only.
            assert "client-xyz" not in review and TOKEN not in review
            assert "<secret monitoring/oauth id>" in review

        return agent.config_yaml, check

    run_and_check(program)


def test_secrets_of_other_namespaces_are_rejected_before_anything_is_registered(
    mocks: RecordingMocks,
) -> None:
    scrape = VMServiceScrapeModel.from_manifest(
        _scrape_manifest(
            "x",
            "apps",
            {"endpoints": [{"port": "http", "basicAuth": {"password": {"name": "creds", "key": "pw"}}}]},
        )
    )
    with pytest.raises(VMScrapeError) as err:
        _standalone(mocks, scrape)
    (problem,) = err.value.problems
    assert problem.object == "StandaloneVMAgent edge"
    assert problem.path == "secret apps/creds key pw" and "cannot read it" in problem.message
    assert mocks.resources == []


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        # The operator's VMAgent object belongs to OperatorVMAgent: a standalone agent has none.
        ({"create_agent": True}, "create_agent", "unknown argument; allowed: scrapes, agent,"),
        ({"scrapes": [42]}, "scrapes[0]", "must be a VMServiceScrape component"),
        ({"scrapes": [], "agent": {"scrapeInterval": "soon"}}, "spec.scrapeInterval", ""),
    ],
)
def test_bad_arguments_name_the_argument(
    mocks: RecordingMocks, kwargs: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(VMScrapeError) as err:
        StandaloneVMAgent("bad", **{"scrapes": [], **kwargs})
    (problem,) = err.value.problems
    assert problem.object.startswith("StandaloneVMAgent bad")
    assert problem.path == path and words in problem.message
    assert mocks.resources == []


def test_a_scrape_with_an_output_namespace_is_refused_before_anything_is_registered(
    mocks: RecordingMocks,
) -> None:
    def program() -> Any:
        later = pulumi.Output.from_input("shop").apply(lambda ns: ns)
        api = VMServiceScrape("api", namespace=later, spec={"endpoints": [{"port": "http"}]})
        with pytest.raises(VMScrapeError) as err:
            _standalone(mocks, api)
        (problem,) = err.value.problems
        assert problem.path == "scrapes" and "scrape api" in problem.message

        def check(_: Any) -> None:
            # The scrape's own resources only: the agent registered nothing.
            assert sorted(r.typ for r in mocks.resources) == sorted(
                ["vmscrape:index:VMServiceScrape", CR_TYPE]
            )

        return api.job_names, check

    run_and_check(program)


def test_secret_values_reach_a_standalone_agent_as_files(mocks: RecordingMocks) -> None:
    from vmscrape_component.models import SecretValue

    def program() -> Any:
        api = VMServiceScrape(
            "api",
            namespace="shop",
            spec={"endpoints": [{"port": "http", "bearerTokenSecret": SecretValue(TOKEN)}]},
        )
        agent = _standalone(mocks, api)

        def check(config: str) -> None:
            assert (
                "bearer_token_file: /etc/vmagent-tls/certs/shop_api-credentials_endpoints-0-bearerTokenSecret"
                in config
            )
            secrets = {s["metadata"]["name"]: s for s in inputs_of(mocks, "kubernetes:core/v1:Secret")}
            assert secret_value(secrets["edge-scrape-assets"]["stringData"]) == {
                "shop_api-credentials_endpoints-0-bearerTokenSecret": TOKEN
            }

        return agent.config_yaml, check

    run_and_check(program)


def test_a_header_value_in_the_cr_moves_the_config_into_a_secret(mocks: RecordingMocks) -> None:
    def program() -> Any:
        scrape = VMServiceScrape(
            "h",
            namespace="monitoring",
            spec={"endpoints": [{"port": "http", "vm_scrape_params": {"headers": [f"X-Token: {TOKEN}"]}}]},
        )
        agent = _standalone(mocks, scrape)

        def check(_: str) -> None:
            assert inputs_of(mocks, "kubernetes:core/v1:ConfigMap") == []
            secrets = {s["metadata"]["name"]: s for s in inputs_of(mocks, "kubernetes:core/v1:Secret")}
            stored = yaml.safe_load(secret_value(secrets["edge-scrape-config"]["stringData"])["scrape.yml"])
            (job,) = stored["scrape_configs"]
            assert job["headers"] == [f"X-Token: {TOKEN}"]  # what the agent must send

        return agent.config_yaml, check

    run_and_check(program)
