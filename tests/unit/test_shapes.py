"""The generated shape matchers (``shapes._generate``) against the closures they replace
(``shapes._compile``) and the walk that reports problems (``shapes._Walk``, the reference): the three
agree on whether a value has a shape, for every shape vmscrape checks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmscrape_component import shapes

SHAPES: dict[str, Any] = {
    **{f"object {kind}": shape for kind, shape in shapes.OBJECTS.items()},
    "other object": shapes.OTHER_OBJECT,
    "config": shapes.CONFIG,
    "kubeconfig": shapes.KUBECONFIG,
    "list of maps of strings": [shapes.MapOf(str)],
    "list of strings": {"items": [str]},
    "list of JSON": [shapes.JSON],
    "map of lists": shapes.MapOf([{"a": int}]),
}

_WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text("ab", max_size=2),
    st.just([]),
    st.just({}),
    st.just([None]),
    st.just({"a": None}),
)


def _values(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values mostly of ``shape``, with a wrong type, a null or a missing field here and there."""
    if depth > 8:
        return _WRONG
    right: st.SearchStrategy[Any]
    if isinstance(shape, dict):
        right = st.fixed_dictionaries({}, optional={k: _values(sub, depth + 1) for k, sub in shape.items()})
    elif isinstance(shape, list):
        right = st.lists(_values(shape[0], depth + 1), max_size=3)
    elif isinstance(shape, shapes.MapOf):
        keys = st.one_of(st.text("xyz", max_size=2), st.integers(0, 1))
        right = st.dictionaries(keys, _values(shape.values, depth + 1), max_size=3)
    elif isinstance(shape, shapes.OneOf):
        right = st.one_of([_values(option, depth + 1) for option in shape.shapes])
    elif shape is str:
        right = st.text("ab", max_size=3)
    elif shape in (int, float, bool):
        right = st.from_type(shape).filter(lambda x: x == x)
    else:  # JSON
        right = st.recursive(
            st.one_of(st.none(), st.integers(), st.text("ab", max_size=2)),
            lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text("k", max_size=1), inner),
            max_leaves=4,
        )
    return st.one_of(right, right, right, _WRONG)


def _walk_says(value: Any, shape: Any) -> bool:
    out: list[Any] = []
    shapes._Walk(out, "object", True).walk(value, shape, "", field=True)
    return not out


@pytest.mark.parametrize("name", sorted(SHAPES))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_matchers_agree_with_the_closures_and_the_walk(name: str, data: st.DataObject) -> None:
    shape = SHAPES[name]
    value = data.draw(_values(shape))
    generated, closure = shapes._generate(shape), shapes._compile(shape)
    expected = _walk_says(value, shape)
    assert (value is None or generated(value)) == expected, value
    assert (value is None or closure(value)) == expected, value
    assert shapes.matches(value, shape) == expected


def test_a_wrong_field_deep_in_a_pod_is_found() -> None:
    pod = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": "x"}]}]},
    }
    assert not shapes.matches(pod, shapes.OBJECTS["Pod"])
    pod["spec"]["containers"][0]["ports"][0]["containerPort"] = 80
    assert shapes.matches(pod, shapes.OBJECTS["Pod"])
