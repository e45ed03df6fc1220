"""VMServiceScrapeSet under Pulumi's mocks: one custom resource per scrape, the same objects and jobs as one
VMServiceScrape component per scrape, and the agents reading a set like the scrapes it holds."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest
import yaml

from tests.support.pulumi_programs import CR_TYPE, RecordingMocks, inputs_of, run_and_check
from vmscrape_component import (
    OperatorVMAgent,
    VMScrapeError,
    VMServiceScrape,
    VMServiceScrapeSet,
    VMServiceScrapeSetArgs,
)

SET_TYPE = "vmscrape:index:VMServiceScrapeSet"
SCRAPE_TYPE = "vmscrape:index:VMServiceScrape"
TOKEN = "tok-51d0-very-secret"


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def _manifest(name: str, namespace: str | None, spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **metadata}
    if namespace is not None:
        meta["namespace"] = namespace
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": meta,
        "spec": spec,
    }


MANIFESTS = [
    _manifest(
        "web",
        "apps",
        {
            "selector": {"matchLabels": {"app": "web"}},
            "endpoints": [{"port": "http", "interval": "30s"}, {"port": "admin", "path": "/stats"}],
        },
        labels={"team": "a"},
    ),
    _manifest(
        "db",
        "data",
        {"namespaceSelector": {"any": True}, "discoveryRole": "service", "endpoints": [{"port": "metrics"}]},
    ),
    # No namespace: in default, as the API server would put it.
    _manifest("cache", None, {"namespaceSelector": {"matchNames": ["x", "y"]}, "endpoints": [{"port": "m"}]}),
]


def _jobs(text: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load(text) or [])


def test_one_custom_resource_per_scrape_with_the_inputs_a_scrape_component_registers(
    mocks: RecordingMocks,
) -> None:
    def program() -> Any:
        group = VMServiceScrapeSet("team", scrapes=MANIFESTS)
        return group.urn, lambda _: None

    run_and_check(program)
    assert sorted(r.name for r in mocks.of_type(CR_TYPE)) == ["apps/web", "data/db", "default/cache"]
    assert len(mocks.of_type(SET_TYPE)) == 1 and mocks.of_type(SCRAPE_TYPE) == []
    set_inputs = {r.name: r.inputs for r in mocks.of_type(CR_TYPE)}

    # The oracle: the same scrapes as one VMServiceScrape component each.
    single = RecordingMocks()
    pulumi.runtime.set_mocks(single, preview=False)

    def singles() -> Any:
        made = [
            VMServiceScrape(
                m["metadata"]["name"],
                namespace=m["metadata"].get("namespace"),
                labels=m["metadata"].get("labels"),
                spec=m["spec"],
            )
            for m in MANIFESTS
        ]
        return pulumi.Output.all(*[c.urn for c in made]), lambda _: None

    run_and_check(singles)
    by_object = {
        f"{i['metadata']['namespace']}/{i['metadata']['name']}": i for i in inputs_of(single, CR_TYPE)
    }
    assert set_inputs == by_object


def test_outputs_match_one_scrape_component_per_scrape(mocks: RecordingMocks) -> None:
    def program() -> Any:
        group = VMServiceScrapeSet("team", VMServiceScrapeSetArgs(scrapes=MANIFESTS))
        made = [
            VMServiceScrape(
                f"single-{m['metadata']['name']}",
                resource_name=m["metadata"]["name"],
                namespace=m["metadata"].get("namespace"),
                labels=m["metadata"].get("labels"),
                spec=m["spec"],
            )
            for m in MANIFESTS
        ]
        values = pulumi.Output.all(
            group.job_names,
            group.discovery_namespaces,
            group.scrape_config_yaml,
            group.manifests,
            pulumi.Output.all(*[c.job_names for c in made]),
            pulumi.Output.all(*[c.discovery_namespaces for c in made]),
            pulumi.Output.all(*[c.scrape_config_yaml for c in made]),
            pulumi.Output.all(*[c.manifest for c in made]),
        )

        def check(v: list[Any]) -> None:
            names, namespaces, text, manifests, one_names, one_namespaces, one_texts, one_manifests = v
            keys = ["apps/web", "data/db", "default/cache"]
            assert names == dict(zip(keys, one_names, strict=True))
            assert namespaces == dict(zip(keys, one_namespaces, strict=True))
            assert namespaces["data/db"] == ["*"] and namespaces["default/cache"] == ["x", "y"]
            assert _jobs(text) == [job for t in one_texts for job in _jobs(t)]
            assert manifests == dict(zip(keys, one_manifests, strict=True))

        return values, check

    run_and_check(program)


def test_bad_scrapes_are_all_named_and_nothing_is_registered(mocks: RecordingMocks) -> None:
    bad = [
        MANIFESTS[0],
        _manifest("web", "apps", {"endpoints": [{"port": "http"}]}),  # apps/web again
        _manifest("nope", "apps", {"discoveryRole": "pods", "endpoints": [{"port": "http"}]}),
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "sm"}},
        "not a manifest",
    ]
    with pytest.raises(VMScrapeError) as caught:
        VMServiceScrapeSet("team", scrapes=bad)
    text = str(caught.value)
    assert "VMServiceScrapeSet team" in text
    assert "scrapes[1]" in text and "apps/web is given twice (first as scrapes[0])" in text
    assert "scrapes[2]" in text and "discoveryRole" in text and "endpointslices" in text
    assert "scrapes[3]" in text and "ServiceMonitor" in text
    assert "scrapes[4]" in text
    assert mocks.resources == []


def test_a_header_value_in_a_scrape_makes_the_whole_config_a_secret(mocks: RecordingMocks) -> None:
    with_header = _manifest(
        "api",
        "apps",
        {"endpoints": [{"port": "http", "vm_scrape_params": {"headers": [f"Authorization: {TOKEN}"]}}]},
    )
    group = VMServiceScrapeSet("team", scrapes=[MANIFESTS[0], with_header])
    plain = VMServiceScrapeSet("other", scrapes=MANIFESTS)

    async def observed() -> tuple[bool, bool]:
        return await group.scrape_config_yaml.is_secret(), await plain.scrape_config_yaml.is_secret()

    assert asyncio.get_event_loop().run_until_complete(observed()) == (True, False)


def test_an_agent_reads_a_set_as_the_scrapes_it_holds_and_registers_none_of_them(
    mocks: RecordingMocks,
) -> None:
    agent_spec = {
        "serviceScrapeSelector": {"matchLabels": {"team": "a"}},
        "serviceScrapeNamespaceSelector": {},
    }

    def program() -> Any:
        group = VMServiceScrapeSet("team", scrapes=MANIFESTS)
        from_set = OperatorVMAgent("vma", scrapes=[group], agent=agent_spec, namespace="monitoring")
        # The oracle: the same manifests given to an agent as data.
        as_data = OperatorVMAgent(
            "vma-data", agent_name="vma", scrapes=MANIFESTS, agent=agent_spec, namespace="monitoring"
        )

        def check(v: list[Any]) -> None:
            config, selected, data_config, data_selected = v
            assert config == data_config
            assert [job["job_name"] for job in yaml.safe_load(config)["scrape_configs"]] == [
                "serviceScrape/apps/web/0",
                "serviceScrape/apps/web/1",
            ]
            assert selected == data_selected and list(selected) == ["apps/web"]

        return pulumi.Output.all(
            from_set.config_yaml, from_set.selected, as_data.config_yaml, as_data.selected
        ), check

    run_and_check(program)
    # Three custom resources from the set (named namespace/name), three from the agent given data (as
    # VMServiceScrape components named like the scrape): the agent reading the set registered none more.
    assert sorted(r.name for r in mocks.of_type(CR_TYPE)) == [
        "apps/web",
        "cache",
        "data/db",
        "db",
        "default/cache",
        "web",
    ]
    assert len(mocks.of_type(SCRAPE_TYPE)) == 3
