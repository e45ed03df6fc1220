"""``_register`` (labels and annotations as ``__meta_*`` labels) works each distinct label set out once;
what it adds must not depend on what it met before."""

from __future__ import annotations

from typing import Any

from vmscrape_component.simulate.discovery import _Labels, _register


def _pairs(obj: dict[str, Any], prefix: str = "__meta_kubernetes_pod") -> list[tuple[str, str]]:
    m = _Labels()
    _register(obj, prefix, m)
    return m.items


def test_the_same_labels_twice_give_the_same_pairs_and_a_change_is_seen() -> None:
    pod = {"metadata": {"labels": {"b.x/y": "2", "a": "1"}, "annotations": {"n": "v"}}}
    first = _pairs(pod)
    assert first == [
        ("__meta_kubernetes_pod_label_a", "1"),
        ("__meta_kubernetes_pod_labelpresent_a", "true"),
        ("__meta_kubernetes_pod_label_b_x_y", "2"),
        ("__meta_kubernetes_pod_labelpresent_b_x_y", "true"),
        ("__meta_kubernetes_pod_annotation_n", "v"),
        ("__meta_kubernetes_pod_annotationpresent_n", "true"),
    ]
    assert _pairs(pod) == first
    pod["metadata"]["labels"]["a"] = "changed"  # the same object, changed in place
    assert _pairs(pod)[0] == ("__meta_kubernetes_pod_label_a", "changed")
    assert _pairs(pod, "__meta_kubernetes_service")[0] == ("__meta_kubernetes_service_label_a", "changed")


def test_values_equal_in_python_but_written_differently_are_not_confused() -> None:
    # 1 == True == 1.0 in Python; vmagent sees the text.
    texts = [_pairs({"metadata": {"labels": {"a": v}}})[0][1] for v in ("True", True, 1, 1.0, "1", True)]
    assert texts == ["True", "True", "1", "1.0", "1", "True"]


def test_unhashable_values_are_still_registered() -> None:
    assert _pairs({"metadata": {"labels": {"a": ["x"]}}})[0] == ("__meta_kubernetes_pod_label_a", "['x']")
