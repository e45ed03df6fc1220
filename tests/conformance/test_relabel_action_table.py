"""The one table of what each relabeling action requires (``grammar/relabel_actions.py``) against the real
vmagent: for every action, a rule meeting every requirement loads, and a rule breaking exactly one
requirement is refused, with vmagent's message naming that field. The models and the simulation's parser,
which both read the table, refuse and accept the same rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.vmagent import dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.grammar.relabel_actions import ACTION_REQUIREMENTS, Requirement
from vmscrape_component.models import RelabelConfig
from vmscrape_component.render.yaml import dump
from vmscrape_component.simulate.rules import parse_rule

pytestmark = pytest.mark.vmagent

#: A value for each field a requirement can ask for.
_VALUES: dict[str, Any] = {
    "source_labels": ["a", "b"],
    "target_label": "t",
    "regex": "x",
    "replacement": "r",
    "match": "*.x",
    "labels": {"job": "$1"},
    "modulus": 3,
}
_GRAPHITE_ONLY = (Requirement("match", "unset"), Requirement("labels", "unset"))


def _complete(action: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"action": action}
    for req in ACTION_REQUIREMENTS[action]:
        if req.check != "unset":
            rule[req.field] = _VALUES[req.field]
    return rule


def _broken(action: str, req: Requirement) -> dict[str, Any]:
    rule = _complete(action)
    if req.check == "unset":
        rule[req.field] = _VALUES[req.field]
    elif req.check == "two":
        rule[req.field] = ["a"]
    else:
        rule.pop(req.field, None)
    return rule


def _cases() -> list[tuple[str, dict[str, Any], str | None]]:
    """(job name, rule, the field vmagent must name or None when it must load)."""
    cases: list[tuple[str, dict[str, Any], str | None]] = []
    for action, requirements in ACTION_REQUIREMENTS.items():
        cases.append((f"{action}-ok", _complete(action), None))
        extra = () if action == "graphite" else _GRAPHITE_ONLY
        for req in (*requirements, *extra):
            cases.append((f"{action}-{req.field}-{req.check}", _broken(action, req), req.field))
            if req.check == "set_or_if":
                with_if = {**_broken(action, req), "if": '{a="b"}'}
                cases.append((f"{action}-{req.field}-if", with_if, None))
    return cases


CASES = _cases()


def _accepted(parse: Any) -> bool:
    try:
        parse()
    except VMScrapeError:
        return False
    return True


@pytest.fixture(scope="module")
def vmagent_errors(vmagent: str) -> dict[str, str]:
    """One vmagent -dryRun over a job per case: vmagent skips each bad job with its own error."""
    jobs = [
        {"job_name": name, "static_configs": [{"targets": ["127.0.0.1:1"]}], "relabel_configs": [rule]}
        for name, rule, _ in CASES
    ]
    result = dry_run(dump({"scrape_configs": jobs}), binary=vmagent)
    errors: dict[str, str] = {}
    for message in result.errors:
        found = re.search(r"for job_name=(\S+) because of error: (.*)", message)
        assert found, message
        errors[found[1]] = found[2]
    assert errors, result.output
    return errors


def test_the_table_covers_every_action_the_models_and_parser_know() -> None:
    from vmscrape_component.models import RELABEL_ACTIONS
    from vmscrape_component.simulate.rules import ACTIONS

    assert tuple(ACTION_REQUIREMENTS) == RELABEL_ACTIONS == ACTIONS


@pytest.mark.parametrize(("job", "rule", "field"), CASES, ids=[c[0] for c in CASES])
def test_vmagent_refuses_exactly_the_broken_requirement(
    job: str, rule: dict[str, Any], field: str | None, vmagent_errors: dict[str, str]
) -> None:
    error = vmagent_errors.get(job)
    if field is None:
        assert error is None
    else:
        assert error is not None, f"vmagent loaded {rule}"
        assert f"`{field}`" in error
    assert _accepted(lambda: parse_rule(rule)) == (field is None)
    assert _accepted(lambda: RelabelConfig.parse(rule)) == (field is None)
