"""Rules of the job builder that the operator's own cases do not pin down, one behaviour per test.

Expected values here come from reading the operator's generateServiceScrapeConfig (v0.74.1), not from
running this code.
"""

from __future__ import annotations

from typing import Any

import pytest

from vmscrape_component.render import AgentSettings, Assets, OperatorSettings, render_endpoint_job
from vmscrape_component.render.scrape import label_selector_string


def scrape(spec: dict[str, Any], *, name: str = "s", namespace: str = "ns") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": spec}


def rules(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job["relabel_configs"]


def test_numeric_target_port_filters_on_container_port_number() -> None:
    job = render_endpoint_job(scrape({"endpoints": [{"targetPort": 9090}]}), 0)
    assert rules(job)[0] == {
        "action": "keep",
        "source_labels": ["__meta_kubernetes_pod_container_port_number"],
        "regex": "9090",
    }
    assert rules(job)[-1] == {"target_label": "endpoint", "replacement": "9090"}


def test_named_target_port_filters_on_container_port_name() -> None:
    job = render_endpoint_job(scrape({"endpoints": [{"targetPort": "metrics"}]}), 0)
    assert rules(job)[0]["source_labels"] == ["__meta_kubernetes_pod_container_port_name"]
    assert rules(job)[0]["regex"] == "metrics"


def test_port_wins_over_target_port() -> None:
    job = render_endpoint_job(scrape({"endpoints": [{"port": "web", "targetPort": 8080}]}), 0)
    keeps = [r for r in rules(job) if r.get("action") == "keep"]
    assert keeps == [
        {"action": "keep", "source_labels": ["__meta_kubernetes_endpoint_port_name"], "regex": "web"}
    ]


def test_service_role_ignores_target_port_and_pod_target_labels() -> None:
    spec = {"discoveryRole": "service", "podTargetLabels": ["version"], "endpoints": [{"targetPort": 8080}]}
    job = render_endpoint_job(scrape(spec), 0)
    assert not any("pod" in str(r) for r in rules(job))
    assert not any(r.get("target_label") == "endpoint" for r in rules(job))


def test_label_keys_are_sanitized_for_job_target_and_pod_labels() -> None:
    spec = {
        "jobLabel": "app.kubernetes.io/name",
        "targetLabels": ["team-name"],
        "podTargetLabels": ["a.b/c"],
        "endpoints": [{"port": "m"}],
    }
    job = render_endpoint_job(scrape(spec), 0)
    assert {
        "source_labels": ["__meta_kubernetes_service_label_app_kubernetes_io_name"],
        "target_label": "job",
        "regex": "(.+)",
        "replacement": "${1}",
    } in rules(job)
    assert {
        "source_labels": ["__meta_kubernetes_service_label_team_name"],
        "target_label": "team_name",
        "regex": "(.+)",
        "replacement": "${1}",
    } in rules(job)
    assert {
        "source_labels": ["__meta_kubernetes_pod_label_a_b_c"],
        "target_label": "a_b_c",
        "regex": "(.+)",
        "replacement": "${1}",
    } in rules(job)


def test_selector_expressions_become_keep_and_drop_rules_in_order() -> None:
    selector = {
        "matchLabels": {"b": "2", "a": "1"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["api", "web"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "team", "operator": "Exists"},
        ],
    }
    job = render_endpoint_job(scrape({"selector": selector, "endpoints": [{}]}), 0)
    assert rules(job)[:6] == [
        {"action": "keep", "source_labels": ["__meta_kubernetes_service_label_a"], "regex": "1"},
        {"action": "keep", "source_labels": ["__meta_kubernetes_service_label_b"], "regex": "2"},
        {"action": "keep", "source_labels": ["__meta_kubernetes_service_label_tier"], "regex": "api|web"},
        {
            "action": "drop",
            "source_labels": ["__meta_kubernetes_service_labelpresent_canary"],
            "regex": "true",
        },
        {"action": "drop", "source_labels": ["__meta_kubernetes_service_label_env"], "regex": "dev"},
        {"action": "keep", "source_labels": ["__meta_kubernetes_service_labelpresent_team"], "regex": "true"},
    ]


def test_kubernetes_selector_string_sorts_requirements_and_values() -> None:
    selector = {
        "matchLabels": {"z": "1"},
        "matchExpressions": [
            {"key": "a", "operator": "In", "values": ["y", "x"]},
            {"key": "m", "operator": "DoesNotExist"},
        ],
    }
    assert label_selector_string(selector) == "a in (x,y),!m,z=1"


@pytest.mark.parametrize(
    ("interval", "lo", "hi", "expected"),
    [
        ("10s", "30s", None, "30s"),
        ("30s", "30s", None, "30s"),
        ("2m", "30s", "1m", "1m"),
        ("45s", "30s", "1m", "45s"),
        ("1m", None, "1m", "1m"),
    ],
)
def test_min_and_max_scrape_interval_clamp(
    interval: str, lo: str | None, hi: str | None, expected: str
) -> None:
    agent = AgentSettings(min_scrape_interval=lo, max_scrape_interval=hi)
    job = render_endpoint_job(scrape({"endpoints": [{"interval": interval}]}), 0, agent)
    assert job["scrape_interval"] == expected


@pytest.mark.parametrize(
    ("interval", "lo", "hi", "expected"),
    [
        ("1e3", None, "5m", "5m"),  # 1e3 is 1000 seconds (metricsql.DurationValue reads Go floats)
        ("1e3", "20m", None, "20m"),
        ("1h-5m", "1h", None, "1h"),  # 55m
        ("1h-5m10s", None, "55m", "1h-5m10s"),  # 54m50s: after a negative part, 10s counts negative too
        ("90", "1m30s", None, "1m30s"),  # equal to the minimum: the operator writes the minimum
    ],
)
def test_interval_limits_read_durations_as_the_operator_does(
    interval: str, lo: str | None, hi: str | None, expected: str
) -> None:
    # The operator's setScrapeIntervalToWithLimit parses all three with metricsql.DurationValue; an
    # interval the model accepts must never silently skip the clamping.
    agent = AgentSettings(min_scrape_interval=lo, max_scrape_interval=hi)
    job = render_endpoint_job(scrape({"endpoints": [{"interval": interval}]}), 0, agent)
    assert job["scrape_interval"] == expected


def test_scrape_interval_field_wins_over_interval() -> None:
    job = render_endpoint_job(scrape({"endpoints": [{"interval": "1m", "scrape_interval": "15s"}]}), 0)
    assert job["scrape_interval"] == "15s"


def test_honor_overrides() -> None:
    ep = {"honorLabels": True, "honorTimestamps": True}
    plain = render_endpoint_job(scrape({"endpoints": [ep]}), 0)
    assert (plain["honor_labels"], plain["honor_timestamps"]) == (True, True)
    forced = render_endpoint_job(
        scrape({"endpoints": [ep]}),
        0,
        AgentSettings(override_honor_labels=True, override_honor_timestamps=True),
    )
    assert (forced["honor_labels"], forced["honor_timestamps"]) == (False, False)
    unset = render_endpoint_job(scrape({"endpoints": [{}]}), 0)
    assert "honor_timestamps" not in unset


def test_enforced_namespace_label_is_last_and_drops_conflicting_metric_rules() -> None:
    ep = {
        "metricRelabelConfigs": [
            {"targetLabel": "tenant", "replacement": "x"},
            {"action": "drop", "sourceLabels": ["__name__"], "regex": "go_.*"},
        ]
    }
    job = render_endpoint_job(
        scrape({"endpoints": [ep]}, namespace="team-a"), 0, AgentSettings(enforced_namespace_label="tenant")
    )
    assert rules(job)[-1] == {"target_label": "tenant", "replacement": "team-a"}
    assert job["metric_relabel_configs"] == [
        {"source_labels": ["__name__"], "regex": "go_.*", "action": "drop"}
    ]


def test_watch_namespace_mode_ignores_namespace_selectors() -> None:
    agent = AgentSettings.from_spec({}, operator=OperatorSettings(watch_namespaces=("ns",)))
    job = render_endpoint_job(scrape({"namespaceSelector": {"any": True}, "endpoints": [{}]}), 0, agent)
    assert job["kubernetes_sd_configs"] == [{"role": "endpoints", "namespaces": {"names": ["ns"]}}]
    own_account = AgentSettings.from_spec(
        {"serviceAccountName": "mine"}, operator=OperatorSettings(watch_namespaces=("ns",))
    )
    job = render_endpoint_job(scrape({"namespaceSelector": {"any": True}, "endpoints": [{}]}), 0, own_account)
    assert job["kubernetes_sd_configs"] == [{"role": "endpoints"}]


def test_secret_values_are_placeholders_unless_revealed() -> None:
    secret = {"kind": "Secret", "metadata": {"name": "c", "namespace": "ns"}, "data": {"t": "dG9rZW4K"}}
    spec = {"endpoints": [{"bearerTokenSecret": {"name": "c", "key": "t"}}]}
    hidden = render_endpoint_job(scrape(spec), 0, assets=Assets([secret]))
    shown = render_endpoint_job(scrape(spec), 0, assets=Assets([secret], reveal=True))
    assert hidden["bearer_token"] == "<secret ns/c t>"
    assert shown["bearer_token"] == "token"  # trailing newline trimmed, as the operator does


def test_relabel_config_spellings_and_key_order() -> None:
    ep = {
        "relabelConfigs": [
            {
                "source_labels": ["a"],
                "target_label": "b",
                "regex": ["x", "y"],
                "if": ['{a="1"}'],
                "action": "replace",
                "labels": {"z": "1", "a": "2"},
                "modulus": 0,
            }
        ]
    }
    (rule,) = [
        r for r in rules(render_endpoint_job(scrape({"endpoints": [ep]}), 0)) if r.get("action") == "replace"
    ]
    assert list(rule) == ["source_labels", "target_label", "regex", "action", "if", "labels"]
    assert rule["regex"] == ["x", "y"] and rule["if"] == '{a="1"}' and list(rule["labels"]) == ["a", "z"]


def test_an_empty_regex_is_written_not_dropped() -> None:
    # StringOrArray reads "" as [""]; generateRelabelConfig writes regex whenever the list is non-empty.
    ep = {
        "port": "m",
        "relabelConfigs": [{"targetLabel": "x", "regex": ""}, {"targetLabel": "y", "regex": []}],
    }
    rules_ = rules(render_endpoint_job(scrape({"endpoints": [ep]}), 0))
    assert {"target_label": "x", "regex": ""} in rules_
    assert {"target_label": "y"} in rules_
