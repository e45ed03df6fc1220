"""Go maps in the operator's output are written in yaml.v2's key order (taken from yaml.v2 itself)."""

from __future__ import annotations

import pytest

from vmscrape_component.render.agent import external_labels
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


def test_external_labels_use_that_order() -> None:
    agent = {
        "metadata": {"name": "a", "namespace": "n"},
        "spec": {"externalLabels": {"z10": "1", "z9": "2", "_c": "3"}},
    }
    assert list(external_labels(agent)) == ["_c", "prometheus", "z9", "z10"]
