"""VMServiceScrape under Pulumi's mocks: what is registered, with which inputs, and its outputs."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import (
    CR_TYPE,
    RecordingMocks,
    inputs_of,
    run_and_check,
    run_to_completion,
    secret_value,
)
from vmscrape_component import (
    Endpoint,
    NamespaceSelector,
    SecretValue,
    VMScrapeError,
    VMServiceScrape,
    VMServiceScrapeArgs,
    VMServiceScrapeSpec,
)

TOKEN = "tok-3f9c1e-very-secret"


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _web_spec() -> VMServiceScrapeSpec:
    return VMServiceScrapeSpec(
        selector={"match_labels": {"app": "web"}},
        namespace_selector=NamespaceSelector.any(),
        discovery_role="endpointslices",
        endpoints=[Endpoint(port="http", path="/metrics", interval="30s")],
    )


def _component(*args: Any, **kwargs: Any) -> VMServiceScrape:
    return VMServiceScrape(*args, **kwargs)


@pulumi.runtime.test
def test_registers_the_custom_resource_as_a_child_named_like_the_component(mocks: RecordingMocks) -> Any:
    web = _component("web", namespace="apps", spec=_web_spec())

    def check(_: Any) -> None:
        by_type = {r.typ: r for r in mocks.resources}
        assert set(by_type) == {"vmscrape:index:VMServiceScrape", CR_TYPE}
        cr = by_type[CR_TYPE]
        assert cr.name == "web"
        assert cr.inputs["apiVersion"] == "operator.victoriametrics.com/v1beta1"
        assert cr.inputs["kind"] == "VMServiceScrape"
        assert cr.inputs["metadata"] == {"name": "web", "namespace": "apps"}
        assert cr.inputs["spec"] == {
            "selector": {"matchLabels": {"app": "web"}},
            "namespaceSelector": {"any": True},
            "discoveryRole": "endpointslices",
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        }

    return web.custom_resource.urn.apply(check)


@pulumi.runtime.test
def test_outputs_name_the_jobs_the_operator_generates(mocks: RecordingMocks) -> Any:
    web = _component("web", namespace="apps", spec=_web_spec())

    def check(values: list[Any]) -> None:
        job_names, namespaces, config = values
        assert job_names == ["serviceScrape/apps/web/0"]
        assert namespaces == ["*"]
        (job,) = yaml.safe_load(config)
        assert job["kubernetes_sd_configs"] == [{"role": "endpointslices"}]
        assert {
            "action": "keep",
            "source_labels": ["__meta_kubernetes_endpointslice_port_name"],
            "regex": "http",
        } in job["relabel_configs"]

    return pulumi.Output.all(web.job_names, web.discovery_namespaces, web.scrape_config_yaml).apply(check)


@pulumi.runtime.test
def test_namespace_from_another_resource_is_used_when_it_resolves(mocks: RecordingMocks) -> Any:
    import pulumi_kubernetes as k8s

    ns = k8s.core.v1.Namespace("team", metadata={"name": "team-a"})
    spec = VMServiceScrapeSpec(endpoints=[Endpoint(port="http")])
    scrape = _component("svc", namespace=ns.metadata.apply(lambda m: m["name"]), spec=spec)

    def check(values: list[Any]) -> None:
        names, namespaces = values
        assert names == ["serviceScrape/team-a/svc/0"]
        assert namespaces == ["team-a"]  # empty namespaceSelector: the scrape's own namespace

    return pulumi.Output.all(scrape.job_names, scrape.discovery_namespaces).apply(check)


def test_camel_case_dict_spec_is_accepted(mocks: RecordingMocks) -> None:
    @pulumi.runtime.test
    def program() -> Any:
        scrape = _component(
            "db",
            namespace="data",
            spec={
                "selector": {"matchLabels": {"app": "db"}},
                "namespaceSelector": {"matchNames": ["data", "data-replica"]},
                "endpoints": [{"targetPort": 9187, "path": "/metrics"}],
            },
        )
        return scrape.discovery_namespaces.apply(lambda ns: assert_equal(ns, ["data", "data-replica"]))

    program()


def assert_equal(got: Any, expected: Any) -> None:
    assert got == expected


def test_invalid_spec_raises_before_anything_is_registered(mocks: RecordingMocks) -> None:
    with pytest.raises(VMScrapeError) as err:
        _component("bad", namespace="apps", spec={"endpoints": [{"port": "http", "interval": "soon"}]})
    assert "endpoints[0].interval" in str(err.value)
    assert mocks.resources == []


def test_unknown_namespace_during_preview_does_not_crash() -> None:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, preview=True)

    @pulumi.runtime.test
    def program() -> Any:
        unknown: pulumi.Output[str] = pulumi.Output(set(), _done(None), _done(False))
        spec = VMServiceScrapeSpec(endpoints=[Endpoint(port="m")])
        scrape = _component("later", namespace=unknown, spec=spec)

        async def check() -> None:
            # Everything that depends on the namespace stays unknown; nothing raised on the way.
            assert await scrape.job_names.is_known() is False
            assert await scrape.scrape_config_yaml.is_known() is False
            await scrape.custom_resource.urn.future()
            kinds = [r.typ for r in mocks.resources]
            assert CR_TYPE in kinds

        return pulumi.Output.from_input(check())

    program()


def _done(value: Any) -> asyncio.Future:
    fut: asyncio.Future = asyncio.get_event_loop().create_future()
    fut.set_result(value)
    return fut


@pulumi.runtime.test
def test_namespace_outputs_agree_when_the_operator_ignores_namespace_selectors(mocks: RecordingMocks) -> Any:
    from vmscrape_component.render import OperatorSettings

    # WATCH_NAMESPACE set and an agent owning its service account: the operator ignores namespaceSelector,
    # so the scrape discovers in its own namespace only, and namespace_mode must say so too.
    web = _component(
        "web",
        namespace="apps",
        spec=_web_spec(),
        agent={},
        operator=OperatorSettings(watch_namespaces=("apps",)),
    )

    def check(namespaces: list[str]) -> None:
        assert namespaces == ["apps"]
        assert web.namespace_mode == "own"

    return web.discovery_namespaces.apply(check)


def test_the_manifest_output_is_the_registered_object_with_labels_and_annotations(
    mocks: RecordingMocks,
) -> None:
    def program() -> Any:
        web = VMServiceScrape(
            "web",
            VMServiceScrapeArgs(
                namespace="apps",
                labels={"vmscrape.io/agent": "main"},
                annotations={"owner": "team-web@example.com", "docs": "https://wiki/web"},
                spec=_web_spec(),
            ),
        )

        def check(manifest: dict[str, Any]) -> None:
            assert manifest["metadata"] == {
                "name": "web",
                "namespace": "apps",
                "labels": {"vmscrape.io/agent": "main"},
                "annotations": {"owner": "team-web@example.com", "docs": "https://wiki/web"},
            }
            (cr,) = inputs_of(mocks, CR_TYPE)
            assert {k: cr[k] for k in ("apiVersion", "kind", "metadata", "spec")} == manifest

        return web.manifest, check

    run_and_check(program)


def test_labels_and_annotations_from_outputs_reach_the_resource_and_the_manifest(
    mocks: RecordingMocks,
) -> None:
    def program() -> Any:
        owner = pulumi.Output.from_input("team-web").apply(lambda v: v)
        web = VMServiceScrape(
            "web",
            namespace="apps",
            labels={"team": owner},
            annotations=pulumi.Output.from_input({"owner": "team-web@example.com"}),
            spec=_web_spec(),
        )

        def check(manifest: dict[str, Any]) -> None:
            (cr,) = inputs_of(mocks, CR_TYPE)
            assert cr["metadata"] == manifest["metadata"]
            assert manifest["metadata"]["labels"] == {"team": "team-web"}
            assert manifest["metadata"]["annotations"] == {"owner": "team-web@example.com"}
            assert web.plain_object is None  # not known when the component was made

        return web.manifest, check

    run_and_check(program)


def test_args_and_keywords_declare_the_same_scrape() -> None:
    def declare(make: Any) -> tuple[Any, list[Any]]:
        mocks = RecordingMocks()
        pulumi.runtime.set_mocks(mocks, preview=False)
        manifest = run_to_completion(lambda: make().manifest)
        return manifest, sorted((r.typ, r.name, r.inputs) for r in mocks.resources)  # type: ignore[misc]

    fields: dict[str, Any] = {"namespace": "apps", "labels": {"a": "b"}, "spec": _web_spec()}
    with_args = declare(lambda: VMServiceScrape("web", VMServiceScrapeArgs(**fields)))
    assert with_args[0]["metadata"]["labels"] == {"a": "b"}
    assert declare(lambda: VMServiceScrape("web", **fields)) == with_args


@pytest.mark.parametrize(
    ("args", "keywords", "path", "words"),
    [
        # The spec used to be the second positional argument: it now goes into the Args.
        (_web_spec(), {}, "args", "must be a VMServiceScrapeArgs (or pass its fields as keywords: spec,"),
        (VMServiceScrapeArgs(spec={}), {"namespace": "apps"}, "namespace", "not both"),
        (None, {"namespace": "apps"}, "spec", "is required"),
        (
            None,
            {"spec": {}, "namespaces": ["a"]},
            "namespaces",
            "unknown argument; allowed: spec, namespace,",
        ),
    ],
)
def test_misused_arguments_name_the_argument(
    mocks: RecordingMocks, args: Any, keywords: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrape("web", args, **keywords)
    (problem,) = err.value.problems
    assert problem.object == "VMServiceScrape web"
    assert problem.path == path and words in problem.message
    assert mocks.resources == []


def test_an_invalid_label_is_refused_before_anything_is_registered(mocks: RecordingMocks) -> None:
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrape("web", namespace="apps", labels={"team": "not a label value!"}, spec=_web_spec())
    (problem,) = err.value.problems
    assert problem.path.startswith("labels") and problem.value == "not a label value!"
    assert mocks.resources == []


def test_a_secret_value_becomes_an_owned_secret_and_a_selector(mocks: RecordingMocks) -> None:
    def program() -> Any:
        web = VMServiceScrape(
            "web",
            namespace="apps",
            spec={
                "endpoints": [
                    {
                        "port": "http",
                        "basicAuth": {
                            "username": {"name": "plain", "key": "user"},
                            "password": SecretValue(pulumi.Output.secret(TOKEN)),
                        },
                    },
                    {"port": "admin", "bearerTokenSecret": SecretValue(TOKEN, key="admin-token")},
                ]
            },
        )

        def check(config: str) -> None:
            (cr,) = inputs_of(mocks, CR_TYPE)
            endpoints = cr["spec"]["endpoints"]
            assert endpoints[0]["basicAuth"]["password"] == {
                "name": "web-credentials",
                "key": "endpoints-0-basicAuth-password",
            }
            assert endpoints[1]["bearerTokenSecret"] == {"name": "web-credentials", "key": "admin-token"}
            (secret,) = inputs_of(mocks, "kubernetes:core/v1:Secret")
            assert secret["metadata"] == {"name": "web-credentials", "namespace": "apps"}
            assert secret_value(secret["stringData"]) == {
                "endpoints-0-basicAuth-password": TOKEN,
                "admin-token": TOKEN,
            }
            assert TOKEN not in config and "<secret apps/web-credentials admin-token>" in config

        return web.scrape_config_yaml, check

    run_and_check(program)


def test_a_spec_with_secret_values_is_not_changed_for_its_next_use(mocks: RecordingMocks) -> None:
    spec = VMServiceScrapeSpec(endpoints=[Endpoint(port="http", bearer_token_secret=SecretValue(TOKEN))])

    def program() -> Any:
        one = VMServiceScrape("one", namespace="apps", spec=spec)
        two = VMServiceScrape("two", namespace="apps", spec=spec)

        def check(_: Any) -> None:
            # Each component stored the value in its own Secret: the shared spec kept its SecretValue.
            selectors = [cr["spec"]["endpoints"][0]["bearerTokenSecret"] for cr in inputs_of(mocks, CR_TYPE)]
            assert sorted(s["name"] for s in selectors) == ["one-credentials", "two-credentials"]
            assert spec.endpoints[0].bearer_token_secret.pending_value is not None  # type: ignore[union-attr]

        return pulumi.Output.all(one.manifest, two.manifest), check

    run_and_check(program)


@pulumi.runtime.test
def test_a_config_holding_a_header_value_is_a_secret_output_and_one_without_is_not(
    mocks: RecordingMocks,
) -> Any:
    with_header = _component(
        "api",
        namespace="apps",
        spec={"endpoints": [{"port": "http", "vm_scrape_params": {"headers": [f"Authorization: {TOKEN}"]}}]},
    )
    plain = _component("web", namespace="apps", spec=_web_spec())

    async def observed() -> tuple[bool, bool, str]:
        return (
            await with_header.scrape_config_yaml.is_secret(),
            await plain.scrape_config_yaml.is_secret(),
            await with_header.scrape_config_yaml.future(),
        )

    def check(values: tuple[bool, bool, str]) -> None:
        header_secret, plain_secret, header_config = values
        assert (header_secret, plain_secret) == (True, False)
        assert TOKEN in header_config  # the value itself is there, for the program's own use

    result = pulumi.Output(set(), asyncio.ensure_future(observed()), _done(True))
    return result.apply(check)
