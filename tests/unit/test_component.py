"""The Pulumi component under Pulumi's mocks: what is registered, with which inputs, and its outputs."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import CR_TYPE, RecordingMocks
from vmscrape_component import Endpoint, NamespaceSelector, VMScrapeError, VMServiceScrapeSpec


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


def _component(*args: Any, **kwargs: Any) -> Any:
    from vmscrape_component import VMServiceScrape

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
