"""VMScrapeError and Problem: how problems read, and how pydantic's errors become them."""

from __future__ import annotations

import pydantic
import pytest
from pydantic import BaseModel, ConfigDict, Field

from vmscrape_component.errors import Problem, VMScrapeError
from vmscrape_component.models.errors import from_pydantic


def test_a_problem_reads_object_path_message_and_value() -> None:
    error = VMScrapeError([Problem("VMServiceScrape apps/web", "spec.endpoints[0].port", "bad", 8080)])
    assert str(error) == "VMServiceScrape apps/web: spec.endpoints[0].port: bad (got 8080)"


def test_empty_parts_are_left_out() -> None:
    assert str(VMScrapeError([Problem("", "", "not valid YAML")])) == "not valid YAML"


def test_long_values_are_truncated() -> None:
    line = str(VMScrapeError([Problem("", "x", "too long", "a" * 500)]))
    assert line.endswith("...)") and len(line) < 120


def test_one_line_per_problem() -> None:
    error = VMScrapeError([Problem("o", "a", "one"), Problem("o", "b", "two")])
    assert str(error).splitlines() == ["o: a: one", "o: b: two"]


def test_within_names_the_object() -> None:
    error = VMScrapeError([Problem("", "spec.x", "bad")]).within("VMServiceScrape web")
    assert error.problems == (Problem("VMServiceScrape web", "spec.x", "bad"),)


def test_it_is_a_value_error() -> None:
    assert issubclass(VMScrapeError, ValueError)


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    target_port: int = Field(alias="targetPort")


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    endpoints: list[_Inner]


def _convert(data: dict, **kwargs: object) -> VMScrapeError:
    with pytest.raises(pydantic.ValidationError) as err:
        _Outer.model_validate(data)
    return from_pydantic(err.value, **kwargs)  # type: ignore[arg-type]


def test_python_names_become_the_manifest_spelling_given_the_model() -> None:
    error = _convert({"endpoints": [{"target_port": "x"}]}, object="obj", root="spec", model=_Outer)
    assert error.problems == (Problem("obj", "spec.endpoints[0].targetPort", "must be an integer", "x"),)


def test_without_the_model_the_path_is_pydantics() -> None:
    assert _convert({"endpoints": [{"target_port": "x"}]}).problems[0].path == "endpoints[0].target_port"


def test_missing_fields_are_named() -> None:
    (problem,) = _convert({"endpoints": [{}]}, model=_Outer).problems
    assert (problem.path, problem.message) == (
        "endpoints[0].targetPort",
        "required field 'targetPort' is missing",
    )


def test_messages_carry_no_pydantic_noise() -> None:
    error = _convert({"endpoints": [{"targetPort": 1, "extra": 2}]}, model=_Outer)
    assert "pydantic" not in str(error) and "type=" not in str(error)
    assert error.problems[0].message == "unknown field 'extra'; allowed: targetPort"
