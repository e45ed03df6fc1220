"""`check_conversions`: a cluster's ServiceMonitors against the VMServiceScrapes the operator made of them.

The cluster's objects here are written as the API server returns them; the live counterpart is
tests/cluster/test_service_monitors.py (the operator's real objects, a ServiceMonitor deleted there).
"""

from __future__ import annotations

import copy
from typing import Any

from vmscrape_component.convert import convert_service_monitor
from vmscrape_component.settings import OperatorSettings
from vmscrape_component.verify import check_conversions

MONITOR: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "apps", "uid": "u1", "labels": {"team": "a"}},
    "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [{"port": "http", "interval": "30s"}]},
}


def _as_listed(monitor: dict[str, Any]) -> dict[str, Any]:
    # Items of a list carry no kind: check_conversions fills it in.
    return copy.deepcopy(monitor)


def _operators_scrape(monitor: dict[str, Any], manager: str = "vm-operator") -> dict[str, Any]:
    full = {**monitor, "apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor"}
    made = copy.deepcopy(convert_service_monitor(full).manifest)
    made["metadata"]["managedFields"] = [{"manager": manager, "operation": "Update"}]
    return made


def test_a_conversion_as_predicted_is_identical() -> None:
    result = check_conversions(
        [_as_listed(MONITOR)], [_operators_scrape(MONITOR)], operator_managers={"vm-operator"}
    )
    assert result.identical and result.compared == 1
    assert result.lines() == ["ServiceMonitors: 1 compared with their VMServiceScrapes: as predicted"]


def test_a_scrape_edited_by_hand_is_drift_with_the_path() -> None:
    scrape = _operators_scrape(MONITOR)
    scrape["spec"]["endpoints"][0]["interval"] = "1m"
    scrape["metadata"]["labels"]["extra"] = "x"
    result = check_conversions([MONITOR], [scrape])
    assert result.drifted == {
        "apps/web": ["spec.endpoints[0].interval: '30s' → '1m'", "metadata.labels.extra: (absent) → 'x'"]
    }
    assert not result.identical


def test_a_monitor_the_operator_has_not_converted_is_missing() -> None:
    result = check_conversions([MONITOR], [])
    assert result.missing == ["apps/web"] and not result.identical
    # With the converter off, nothing is expected of the operator.
    off = OperatorSettings.from_env({"VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE": "false"})
    assert check_conversions([MONITOR], [], off).identical


def test_a_scrape_whose_monitor_is_gone_is_left_behind() -> None:
    result = check_conversions([], [_operators_scrape(MONITOR)], operator_managers={"vm-operator"})
    assert result.orphaned == ["apps/web"] and not result.identical
    assert "VMServiceScrape apps/web: left behind" in "\n".join(result.lines())


def test_only_the_operators_own_objects_count_as_left_behind() -> None:
    # Written by someone else (kubectl, Pulumi), or owned by another object: not a conversion.
    by_user = _operators_scrape(MONITOR, manager="kubectl-client-side-apply")
    assert check_conversions([], [by_user], operator_managers={"vm-operator"}).orphaned == []
    owned = _operators_scrape(MONITOR)
    owned["metadata"]["ownerReferences"] = [{"kind": "VMAgent", "name": "a"}]
    assert check_conversions([], [owned], operator_managers={"vm-operator"}).orphaned == []
    # Owner references to a ServiceMonitor (VM_ENABLEDPROMETHEUSCONVERTEROWNERREFERENCES) say it outright.
    by_owner = _operators_scrape(MONITOR, manager="anything")
    by_owner["metadata"]["ownerReferences"] = [{"kind": "ServiceMonitor", "name": "web"}]
    assert check_conversions([], [by_owner]).orphaned == ["apps/web"]


def test_a_scrape_that_opts_out_is_kept_and_not_compared() -> None:
    scrape = _operators_scrape(MONITOR)
    scrape["spec"] = {"endpoints": [{"port": "mine"}]}
    scrape["metadata"]["annotations"] = {"operator.victoriametrics.com/ignore-prometheus-updates": "enabled"}
    result = check_conversions([MONITOR], [scrape])
    assert result.kept == ["apps/web"] and result.identical and result.compared == 0
