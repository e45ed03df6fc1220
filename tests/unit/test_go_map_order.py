"""Go maps in the operator's output are written in yaml.v2's key order (taken from yaml.v2 itself)."""

from __future__ import annotations

import pytest

from vmscrape_component.render.go_map import yaml_v2_sorted


@pytest.mark.parametrize(
    ("keys", "order"),
    [
        (["b", "a10", "a9", "_x", "A"], ["_x", "A", "a9", "a10", "b"]),
        (["9A6-", "34", "5B1.", "7_"], ["5B1.", "7_", "9A6-", "34"]),
        (["NIL", "n", "·o"], ["·o", "NIL", "n"]),
        (["a1", "a01", "a001"], ["a1", "a01", "a001"]),
        (["ab", "a"], ["a", "ab"]),
    ],
)
def test_keys_sort_as_yaml_v2_sorts_a_go_map(keys: list[str], order: list[str]) -> None:
    assert list(yaml_v2_sorted(dict.fromkeys(keys, 0))) == order


def test_oauth2_endpoint_params_use_that_order_and_params_do_not() -> None:
    """The operator sorts ``params`` itself (code-point order) but not oauth2's ``endpoint_params``."""
    from vmscrape_component.render import render_config

    endpoint = {
        "port": "http",
        "params": {"z10": ["1"], "z9": ["2"], "A": ["3"], "_c": ["4"]},
        "oauth2": {
            "client_id": {"secret": {"name": "s", "key": "id"}},
            "token_url": "http://t",
            "endpoint_params": {"z10": "1", "z9": "2", "A": "3", "_c": "4"},
        },
    }
    scrape = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "w", "namespace": "n"},
        "spec": {"selector": {}, "endpoints": [endpoint]},
    }
    (job,) = render_config([scrape]).jobs
    assert list(job["params"]) == ["A", "_c", "z10", "z9"]
    assert list(job["oauth2"]["endpoint_params"]) == ["_c", "A", "z9", "z10"]
