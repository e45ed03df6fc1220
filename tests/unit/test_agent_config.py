"""VMAgentConfig under Pulumi's mocks: operator and standalone modes, RBAC, secrets, errors."""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import CR_TYPE, RecordingMocks, run_to_completion
from vmscrape_component import VMScrapeError
from vmscrape_component.models import VMServiceScrapeModel as ScrapeModel

AGENT_CR = "kubernetes:operator.victoriametrics.com/v1beta1:VMAgent"
TOKEN = "tok-3f9c1e-very-secret"


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _components() -> Any:
    from vmscrape_component import VMAgentConfig, VMServiceScrape

    return VMAgentConfig, VMServiceScrape


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


def _inputs(mocks: RecordingMocks, typ: str) -> list[dict[str, Any]]:
    return [r.inputs for r in mocks.resources if r.typ == typ]


_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi marks a secret value on the wire


def _secret(value: Any) -> Any:
    """The value inside a Pulumi secret; fails if ``value`` was not sent as a secret."""
    assert isinstance(value, dict) and _SECRET_SIG in value, f"not a secret: {value!r}"
    return value["value"]


def _run(program: Any) -> Any:
    """Run ``program`` (returns ``(output, check)``) to the end, then ``check`` the output's value.

    Checking after the run means every resource registration has reached the mocks.
    """
    checks: list[Any] = []

    def output() -> Any:
        value, check = program()
        checks.append(check)
        return value

    value = run_to_completion(output)
    checks[0](value)


def test_operator_mode_selects_like_the_operator_and_emits_the_custom_resources(
    mocks: RecordingMocks,
) -> None:
    def program() -> Any:
        agent_cls, scrape_cls = _components()
        picked = scrape_cls(
            "web",
            namespace="monitoring",
            labels={"team": "a"},
            spec={"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http"}]},
        )
        unlabelled = ScrapeModel.from_manifest(
            _scrape_manifest("db", "monitoring", {"endpoints": [{"port": "m"}]})
        )
        agent = agent_cls(
            "main",
            namespace="monitoring",
            mode="operator",
            create_agent=True,
            agent={"serviceScrapeSelector": {"matchLabels": {"team": "a"}}},
            scrapes=[picked, unlabelled],
        )

        def check(values: list[Any]) -> None:
            config_text, selected, not_selected = values
            names = sorted(cr["metadata"]["name"] for cr in _inputs(mocks, CR_TYPE))
            assert names == ["db", "web"]  # the model became a custom resource too
            (agent_cr,) = _inputs(mocks, AGENT_CR)
            assert agent_cr["spec"] == {"serviceScrapeSelector": {"matchLabels": {"team": "a"}}}
            config = yaml.safe_load(config_text)
            assert [j["job_name"] for j in config["scrape_configs"]] == ["serviceScrape/monitoring/web/0"]
            assert config["global"]["external_labels"] == {"prometheus": "monitoring/main"}
            assert list(selected) == ["monitoring/web"]
            assert (
                "label `team` missing" in not_selected["monitoring/db"]
                or "team" in not_selected["monitoring/db"]
            )

        return pulumi.Output.all(agent.config_yaml, agent.selected, agent.not_selected), check

    _run(program)


def _standalone(mocks: RecordingMocks, *scrapes: Any, **kwargs: Any) -> Any:
    agent_cls, _ = _components()
    return agent_cls(
        "edge",
        namespace="monitoring",
        mode="standalone",
        agent={"selectAllByDefault": True},
        scrapes=list(scrapes),
        **kwargs,
    )


def test_standalone_config_rbac_and_secret_files(mocks: RecordingMocks) -> None:
    def program() -> Any:
        from vmscrape_component import StandaloneDeployment

        _, scrape_cls = _components()
        api = scrape_cls(
            "api",
            namespace="shop",
            secrets={"api-token": {"token": TOKEN}},
            spec={
                "discoveryRole": "endpointslices",
                "endpoints": [{"port": "http", "bearerTokenSecret": {"name": "api-token", "key": "token"}}],
            },
        )
        db = ScrapeModel.from_manifest(
            _scrape_manifest("db", "data", {"discoveryRole": "service", "endpoints": [{"port": "metrics"}]})
        )
        agent = _standalone(
            mocks, api, db, deployment=StandaloneDeployment(remote_write_url="http://vm:8428/api/v1/write")
        )

        def check(values: list[Any]) -> None:
            config_text, checksum = values
            (config_map,) = _inputs(mocks, "kubernetes:core/v1:ConfigMap")
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
            secrets = {s["metadata"]["name"]: s for s in _inputs(mocks, "kubernetes:core/v1:Secret")}
            assert secrets["edge-scrape-assets"]["metadata"]["namespace"] == "monitoring"
            # The scrape's own Secret (where the operator would look) holds it too, as a Pulumi secret.
            assert secrets["api-token"]["metadata"]["namespace"] == "shop"
            assert _secret(secrets["api-token"]["stringData"]) == {"token": TOKEN}
            assert _secret(secrets["edge-scrape-assets"]["stringData"]) == {"shop_api-token_token": TOKEN}
            # RBAC: one Role per discovered namespace, exactly the kinds its role reads; no ClusterRole.
            roles = {
                r["metadata"]["namespace"]: r["rules"]
                for r in _inputs(mocks, "kubernetes:rbac.authorization.k8s.io/v1:Role")
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
            assert _inputs(mocks, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") == []
            (deployment,) = _inputs(mocks, "kubernetes:apps/v1:Deployment")
            pod = deployment["spec"]["template"]
            assert pod["metadata"]["annotations"]["vmscrape.io/config-checksum"] == checksum
            assert pod["spec"]["serviceAccountName"] == "edge"
            (sources,) = [v["projected"]["sources"] for v in pod["spec"]["volumes"] if "projected" in v]
            assert sources == [{"secret": {"name": "edge-scrape-assets"}}]

        return pulumi.Output.all(agent.config_yaml, agent.checksum), check

    _run(program)


def test_any_namespace_and_node_metadata_need_a_cluster_role(mocks: RecordingMocks) -> None:
    def program() -> Any:
        everywhere = ScrapeModel.from_manifest(
            _scrape_manifest(
                "all", "monitoring", {"namespaceSelector": {"any": True}, "endpoints": [{"port": "http"}]}
            )
        )
        nodes = ScrapeModel.from_manifest(
            _scrape_manifest(
                "n", "apps", {"attach_metadata": {"node": True}, "endpoints": [{"port": "http"}]}
            )
        )
        agent = _standalone(mocks, everywhere, nodes)

        def check(_: Any) -> None:
            (cluster_role,) = _inputs(mocks, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
            assert cluster_role["rules"] == [
                {
                    "apiGroups": [""],
                    "resources": ["endpoints", "nodes", "pods", "services"],
                    "verbs": ["get", "list", "watch"],
                }
            ]
            # apps needs nothing beyond what the cluster role already grants.
            assert _inputs(mocks, "kubernetes:rbac.authorization.k8s.io/v1:Role") == []

        return agent.config_yaml, check

    _run(program)


def test_an_inline_credential_moves_the_config_into_a_secret(mocks: RecordingMocks) -> None:
    def program() -> Any:
        _, scrape_cls = _components()
        oauth = scrape_cls(
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
            assert _inputs(mocks, "kubernetes:core/v1:ConfigMap") == []
            secrets = {s["metadata"]["name"]: s for s in _inputs(mocks, "kubernetes:core/v1:Secret")}
            stored = yaml.safe_load(_secret(secrets["edge-scrape-config"]["stringData"])["scrape.yml"])
            (job,) = stored["scrape_configs"]
            assert job["oauth2"]["client_id"] == "client-xyz"
            assert job["oauth2"]["client_secret_file"] == "/etc/vmagent-tls/certs/monitoring_oauth_secret"
            # The review output keeps placeholders only.
            assert "client-xyz" not in review and TOKEN not in review
            assert "<secret monitoring/oauth id>" in review

        return agent.config_yaml, check

    _run(program)


def test_secrets_of_other_namespaces_are_rejected_before_anything_is_registered(
    mocks: RecordingMocks,
) -> None:
    scrape = ScrapeModel.from_manifest(
        _scrape_manifest(
            "x",
            "apps",
            {"endpoints": [{"port": "http", "basicAuth": {"password": {"name": "creds", "key": "pw"}}}]},
        )
    )
    with pytest.raises(VMScrapeError) as err:
        _standalone(mocks, scrape)
    (problem,) = err.value.problems
    assert problem.object == "VMAgentConfig edge"
    assert problem.path == "secret apps/creds key pw" and "cannot read it" in problem.message
    assert mocks.resources == []


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"mode": "sidecar"}, "mode", "operator, standalone"),
        ({"mode": "standalone", "create_agent": True}, "create_agent", "no VMAgent object"),
        ({"mode": "operator", "scrapes": [42]}, "scrapes[0]", "must be a VMServiceScrape"),
    ],
)
def test_bad_arguments_name_the_argument(
    mocks: RecordingMocks, kwargs: dict[str, Any], path: str, words: str
) -> None:
    agent_cls, _ = _components()
    with pytest.raises(VMScrapeError) as err:
        agent_cls("bad", **{"scrapes": [], **kwargs})
    (problem,) = err.value.problems
    assert problem.path == path and words in problem.message
    assert mocks.resources == []


def test_secret_values_reach_a_standalone_agent_as_files(mocks: RecordingMocks) -> None:
    from vmscrape_component.models import SecretValue

    def program() -> Any:
        _, scrape_cls = _components()
        api = scrape_cls(
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
            secrets = {s["metadata"]["name"]: s for s in _inputs(mocks, "kubernetes:core/v1:Secret")}
            assert _secret(secrets["edge-scrape-assets"]["stringData"]) == {
                "shop_api-credentials_endpoints-0-bearerTokenSecret": TOKEN
            }

        return agent.config_yaml, check

    _run(program)
