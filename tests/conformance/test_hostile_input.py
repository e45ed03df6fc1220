"""Hostile input, second round: vmscrape's verdict on each value is vmagent's (issue 24).

Each table is data: the expected verdict is checked against vmagent's own code (``go-oracle``, or the
real vmagent ``-dryRun`` on the whole rendered config), and ``validate`` must agree with it. The API
server's verdicts (annotations, YAML scalars, Secret keys) are in tests/cluster/test_hostile_input_api.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.go_oracle import GoOracle
from tests.support.vmagent import dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import VMServiceScrapeModel
from vmscrape_component.render import config_yaml, render_config

pytestmark = pytest.mark.vmagent

#: Port and targetPort names -> does vmagent load the rule the operator writes for them (the name as the
#: whole `regex` of a keep rule, vmscrapes.go)? vmscrape accepted every one of these before.
PORT_NAMES: dict[str, bool] = {
    "web": True,
    "web.metrics": True,  # a metacharacter that still compiles: vmagent takes it
    "x|y": True,
    "Null": True,  # only `null` and `~` are YAML null
    "null": False,  # YAML null even when quoted: vmagent refuses the whole config
    "~": False,
    "we(b": False,  # the job is skipped
    "a**": False,  # nested repetition
    "a{2}{3}": False,
    "\\C": False,
    "\\p{Old_Italic}": False,
}

#: A lone matchLabels value (or the only value of an In expression) is written the same way.
SELECTOR_VALUES: dict[str, bool] = {"null": False, "Null": True, "nil": True, "x": True}

#: targetLabel values vmagent takes (any string): vmscrape refused all but the last before.
TARGET_LABELS = ["pod-name", "1x", "a.b", "é", "$1-x", "plain"]


def _rule(regex: str, label: str = "__meta_kubernetes_endpoint_port_name") -> str:
    return f"- action: keep\n  source_labels: [{label}]\n  regex: {json.dumps(regex)}\n"


def _manifest(endpoint: dict[str, Any], selector: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "hostile", "namespace": "apps"},
        "spec": {"selector": selector or {}, "endpoints": [endpoint]},
    }


def _valid(manifest: dict[str, Any]) -> bool:
    try:
        VMServiceScrapeModel.from_manifest(manifest)
    except VMScrapeError:
        return False
    return True


def test_port_name_verdicts_are_vmagents(go_oracle: GoOracle) -> None:
    theirs = go_oracle.ask("relabel", [_rule(p) for p in PORT_NAMES])
    assert {p: a.ok for p, a in zip(PORT_NAMES, theirs, strict=True)} == PORT_NAMES


@pytest.mark.parametrize("field", ["port", "targetPort"])
def test_port_names_validate_as_vmagent_reads_them(field: str) -> None:
    assert {p: _valid(_manifest({field: p})) for p in PORT_NAMES} == PORT_NAMES


@pytest.mark.parametrize("field", ["port", "targetPort"])
def test_accepted_port_names_render_configs_vmagent_loads(field: str, vmagent: str) -> None:
    scrapes = [
        {**_manifest({field: p}), "metadata": {"name": f"p{i}", "namespace": "apps"}}
        for i, (p, ok) in enumerate(PORT_NAMES.items())
        if ok
    ]
    result = dry_run(config_yaml(render_config(scrapes)), binary=vmagent)
    assert result.ok, result.errors


def test_selector_value_verdicts_are_vmagents(go_oracle: GoOracle) -> None:
    theirs = go_oracle.ask(
        "relabel", [_rule(v, "__meta_kubernetes_service_label_app") for v in SELECTOR_VALUES]
    )
    assert {v: a.ok for v, a in zip(SELECTOR_VALUES, theirs, strict=True)} == SELECTOR_VALUES


def test_selector_values_validate_as_vmagent_reads_them() -> None:
    by_labels = {v: _valid(_manifest({"port": "web"}, {"matchLabels": {"app": v}})) for v in SELECTOR_VALUES}
    by_expression = {
        v: _valid(
            _manifest(
                {"port": "web"}, {"matchExpressions": [{"key": "app", "operator": "In", "values": [v]}]}
            )
        )
        for v in SELECTOR_VALUES
    }
    assert by_labels == by_expression == SELECTOR_VALUES
    two = {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["null", "x"]}]}
    assert _valid(_manifest({"port": "web"}, two))  # written `null|x`: a regex vmagent reads


def test_target_labels_vmagent_takes_are_accepted(go_oracle: GoOracle, vmagent: str) -> None:
    rules = [
        f"- action: replace\n  source_labels: [a]\n  target_label: {json.dumps(t)}\n" for t in TARGET_LABELS
    ]
    assert all(a.ok for a in go_oracle.ask("relabel", rules))
    endpoint = {
        "port": "web",
        "relabelConfigs": [{"sourceLabels": ["a"], "targetLabel": t} for t in TARGET_LABELS],
        "sampleLimit": -5,  # the CRD has no minimum, vmagent takes it, the operator writes none
    }
    result = dry_run(config_yaml(render_config([_manifest(endpoint)])), binary=vmagent)
    assert result.ok, result.errors
