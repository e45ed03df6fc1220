"""The operator's packing rule (``build.PackItems``, build/child_object.go:180-211 at v0.74.1) and the
Secret layout built on it.

v0.74.1 ships no test of PackItems (no ``_test.go`` names it; checked with ``git grep PackItems v0.74.1``),
so the cases below are worked out by hand from the Go source, with a size function that is the byte
count (no compression), which makes each step checkable with pen and paper:
``buckets = (n·150 + 100·limit − 1) / (100·limit)``, ``per = (items + buckets − 1) / buckets``.
The live operator checks the same rule with real gzip in ``tests/cluster/test_buckets.py``.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import pytest
import yaml

from vmscrape_component import VMScrapeError
from vmscrape_component.models import VMAgentModel
from vmscrape_component.render import render_config
from vmscrape_component.render.secrets import (
    EXTRA_CONFIG_FILES_GLOB,
    EXTRA_CONFIG_LABEL,
    ItemTooLarge,
    pack_ranges,
    render_secret_layout,
    split_job_texts,
)
from vmscrape_component.render.yaml import dump


def _pack(sizes: list[int], limit: int) -> list[tuple[int, int, int]]:
    items = [b"x" * s for s in sizes]
    return pack_ranges(len(items), lambda a, b: b"".join(items[a:b]) if b > a else b"[]\n", limit, len)


def test_a_list_at_the_budget_is_one_bucket() -> None:
    # n = 100 <= 100: returned whole (child_object.go:190).
    assert _pack([10] * 10, 100) == [(0, 10, 100)]


def test_an_empty_list_is_one_empty_bucket() -> None:
    # yaml.Marshal of an empty slice is "[]\n": 3 bytes, under any budget.
    assert _pack([], 100) == [(0, 0, 3)]


def test_split_into_contiguous_runs_with_a_smaller_last_one() -> None:
    # n = 100 > 60: buckets = (15000 + 5999) / 6000 = 3, per = (10 + 2) / 3 = 4: 4 + 4 + 2 jobs.
    assert _pack([10] * 10, 60) == [(0, 4, 40), (4, 8, 40), (8, 10, 20)]


def test_a_run_still_over_the_budget_is_split_again() -> None:
    # n = 220 > 120: buckets = (33000 + 11999) / 12000 = 3, per = 3: [0,3) is 150 > 120, so again:
    # buckets = (22500 + 11999) / 12000 = 2, per = 2: [0,2) 100 and [2,3) 50; then [3,6) 60, [6,8) 10.
    assert _pack([50, 50, 50, 50, 5, 5, 5, 5], 120) == [(0, 2, 100), (2, 3, 50), (3, 6, 60), (6, 8, 10)]


def test_the_headroom_makes_more_buckets_than_the_size_needs() -> None:
    # n = 101 > 100: 1.01 budgets of data, but (15150 + 9999) / 10000 = 2 buckets of 51 and 50 items.
    assert _pack([1] * 101, 100) == [(0, 51, 51), (51, 101, 50)]


def test_a_single_item_over_the_budget_is_the_operators_error() -> None:
    with pytest.raises(ItemTooLarge) as caught:
        _pack([150], 100)
    assert (caught.value.index, caught.value.size, caught.value.limit) == (0, 150, 100)
    assert str(caught.value) == "single item compressed size 150 exceeds limit 100"


def test_an_item_over_the_budget_is_found_inside_a_split() -> None:
    # n = 210: buckets = (31500 + 9999) / 10000 = 4, per = 1: the second item alone is 200 > 100.
    with pytest.raises(ItemTooLarge) as caught:
        _pack([10, 200], 100)
    assert (caught.value.index, caught.value.size) == (1, 200)


# -- the layout of a rendered config -------------------------------------------------------------------------


def _scrape(i: int, endpoints: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"svc-{i:03d}", "namespace": "apps"},
        "spec": {
            "selector": {"matchLabels": {"app": f"svc-{i}"}},
            "endpoints": [{"port": f"p{e}", "path": f"/m{i}-{e}"} for e in range(endpoints)],
        },
    }


AGENT = VMAgentModel.from_manifest(
    {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "metadata": {"name": "big", "namespace": "mon"},
        "spec": {
            "selectAllByDefault": True,
            "managedMetadata": {"labels": {"team": "obs", "managed-by": "someone-else"}},
        },
    }
)


def _layout(n: int, budget: int) -> Any:
    config = render_config([_scrape(i) for i in range(n)], AGENT)
    return config, render_secret_layout(config, AGENT, budget=budget)


def test_job_texts_are_the_yaml_v2_list_items_and_join_to_the_list() -> None:
    config = render_config([_scrape(i) for i in range(5)])
    texts = split_job_texts(dump(config.jobs))
    assert texts == [dump([job]) for job in config.jobs]
    assert [yaml.safe_load(t)[0]["job_name"] for t in texts] == config.job_names


def test_a_small_config_is_one_secret_holding_the_whole_config() -> None:
    config, layout = _layout(3, 524288)
    assert not layout.split and len(layout.buckets) == 1
    assert "scrape_config_files" not in layout.main_text
    assert yaml.safe_load(layout.main_text) == yaml.safe_load(dump(config.as_dict()))


def test_a_split_config_puts_the_glob_in_the_main_secret_and_the_rest_in_sc_secrets() -> None:
    config, layout = _layout(60, 1500)
    assert layout.split
    main = yaml.safe_load(layout.main_text)
    assert list(main) == ["global", "scrape_config_files", "scrape_configs"]
    assert main["scrape_config_files"] == [EXTRA_CONFIG_FILES_GLOB]
    jobs = [j["job_name"] for j in main["scrape_configs"]]
    for bucket in layout.buckets[1:]:
        jobs += [j["job_name"] for j in yaml.safe_load(bucket.text)]
    assert jobs == config.job_names  # every job once, in the operator's order
    assert all(b.gzip_bytes <= 1500 for b in layout.buckets)


def test_the_secret_objects_are_the_operators() -> None:
    _, layout = _layout(60, 1500)
    secrets = layout.secrets()
    names = [s["metadata"]["name"] for s in secrets]
    assert names == ["vmagent-big"] + [f"vmagent-big-sc-{i}" for i in range(1, len(secrets))]
    main, extra = secrets[0], secrets[1]
    # FinalLabels: managedMetadata labels, the selector labels winning (vmagent_types.go:550-557).
    assert main["metadata"]["labels"] == {
        "app.kubernetes.io/component": "monitoring",
        "app.kubernetes.io/instance": "big",
        "app.kubernetes.io/name": "vmagent",
        "managed-by": "vm-operator",
        "team": "obs",
    }
    assert extra["metadata"]["labels"][EXTRA_CONFIG_LABEL] == "vmagent-big"
    assert all(s["metadata"]["annotations"] == {"generated": "true"} for s in secrets)
    assert all(s["metadata"]["namespace"] == "mon" for s in secrets)
    assert [list(s["data"]) for s in secrets] == [["vmagent.yaml.gz"]] + [["jobs.yaml"]] * (len(secrets) - 1)
    owner = extra["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("VMAgent", "big", True)
    decoded = [gzip.decompress(base64.b64decode(s["data"][next(iter(s["data"]))])).decode() for s in secrets]
    assert decoded == [layout.main_text] + [b.text for b in layout.buckets[1:]]


def test_a_job_over_the_budget_names_the_scrape_and_endpoint() -> None:
    big = _scrape(1, endpoints=1)
    big["spec"]["endpoints"][0]["metricRelabelConfigs"] = [
        {"action": "drop", "sourceLabels": ["__name__"], "regex": f"metric_{i}_[a-z]+_{i * 7919}"}
        for i in range(200)
    ]
    config = render_config([_scrape(0), big])
    with pytest.raises(VMScrapeError) as caught:
        render_secret_layout(config, budget=1000)
    text = str(caught.value)
    assert text.startswith("VMServiceScrape apps/svc-001 endpoint 0 (spec.endpoints[0]): its job alone is ")
    assert "over VM_CONFIG_DATA_BUDGET_BYTES 1000" in text and "exceeds limit 1000" in text


def test_near_the_budget_is_a_warning_and_far_from_it_is_not() -> None:
    config = render_config([_scrape(i) for i in range(10)])
    size = render_secret_layout(config, budget=10**6).total_gzip_bytes
    assert render_secret_layout(config, budget=10**6).warnings() == []
    near = render_secret_layout(config, budget=int(size / 0.95))
    assert not near.split and any("within 10 % of the budget" in w for w in near.warnings())


def test_the_estimate_says_it_is_one() -> None:
    config = render_config([_scrape(i) for i in range(40)])
    layout = render_secret_layout(
        config, budget=1000, size=lambda b: len(gzip.compress(b, 6, mtime=0)), exact=False
    )
    assert layout.split and any("zlib's estimate" in w for w in layout.warnings())
    assert "zlib's estimate" in layout.summary()[0]


@pytest.mark.kube
def test_each_bucket_is_what_yaml_v2_marshals_for_its_jobs(yaml_v2_marshal: str) -> None:
    # The operator writes yaml.Marshal(bucket) into each -sc-<i> Secret (vmagent.go:1461): the same bytes.
    from tests.conformance.test_yaml_v2 import yaml_v2

    config, layout = _layout(60, 1500)
    jobs = config.as_dict()["scrape_configs"]
    theirs = yaml_v2(yaml_v2_marshal, [jobs[b.start : b.stop] for b in layout.buckets])
    assert theirs == [b.text for b in layout.buckets]


def test_an_agent_with_no_jobs_gets_an_empty_list_in_one_secret() -> None:
    layout = render_secret_layout(render_config([]), AGENT, budget=100)
    assert len(layout.buckets) == 1 and layout.buckets[0].gzip_bytes > 0
    assert layout.main_text.endswith("scrape_configs: []\n")
    assert layout.main_text == dump(render_config([]).as_dict())


@pytest.mark.parametrize(("n", "budget"), [(3, 524288), (60, 1500), (1, 100)])
def test_go_gzip_measured_in_slices_gives_the_layout_of_the_whole_text(n: int, budget: int) -> None:
    # The Go helper is fed an unsplit config slice by slice (issue 21); any other measure gets the whole
    # bytes. Both must give the same layout, and the whole list is measured once.
    from vmscrape_component.gzip_size import GoGzipSize, go_gzip_binary

    binary = go_gzip_binary()
    if binary is None:
        pytest.skip("go-gzip-size not installed (scripts/install-gogzip)")
    config = render_config([_scrape(i) for i in range(n)], AGENT)
    go = GoGzipSize(binary)
    seen: list[int] = []

    class Counting(GoGzipSize):
        def size_of_parts(self, length: int, parts: Any) -> int:
            seen.append(length)
            return go.size_of_parts(length, parts)

    def whole(data: Any) -> int:
        return go(bytes(data))

    try:
        try:
            sliced: Any = render_secret_layout(
                config, AGENT, budget=budget, size=Counting(binary), exact=True
            )
        except VMScrapeError as exc:
            sliced = str(exc)
        try:
            plain: Any = render_secret_layout(config, AGENT, budget=budget, size=whole, exact=True)
        except VMScrapeError as exc:
            plain = str(exc)
    finally:
        go.close()
    assert sliced == plain
    assert seen.count(max(seen)) == 1  # the whole job list once
    if isinstance(sliced, str):
        assert "over VM_CONFIG_DATA_BUDGET_BYTES" in sliced
    else:
        assert [b.text for b in sliced.buckets] == [b.text for b in plain.buckets]
