"""One validation rule per test: bad input → VMScrapeError naming the field (manifest spelling) and what is
allowed; good input of the same kind → accepted."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from vmscrape_component.errors import Problem, VMScrapeError
from vmscrape_component.models import (
    Endpoint,
    NamespaceSelector,
    RelabelConfig,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
)


def _problems(spec: dict[str, Any]) -> list[Problem]:
    """The problems of ``spec``; one that does not set the (required) ``endpoints`` gets ``[]``."""
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeSpec.parse({"endpoints": [], **spec})
    return list(err.value.problems)


def _problem(spec: dict[str, Any]) -> Problem:
    (problem,) = _problems(spec)
    return problem


def _endpoint(**fields: Any) -> dict[str, Any]:
    return {"endpoints": [{"port": "http", **fields}]}


def _rule(**fields: Any) -> dict[str, Any]:
    return _endpoint(relabelConfigs=[fields])


# --- durations and sizes -------------------------------------------------------------------------------


def test_a_bad_duration_names_the_field_and_the_allowed_forms() -> None:
    problem = _problem(_endpoint(interval="soon"))
    assert (problem.path, problem.value) == ("spec.endpoints[0].interval", "soon")
    assert "e.g. 30s, 1m30s, 1.5m, 500ms" in problem.message
    assert "units: ms, s, m, h, d, w, y" in problem.message


@pytest.mark.parametrize("duration", ["30s", "1m30s", "1.5m", "500ms", "1h", "2d", "1w", "1y", "90", "1h-5m"])
def test_victoriametrics_durations_are_accepted(duration: str) -> None:
    assert Endpoint(scrape_timeout=duration).scrape_timeout == duration


@pytest.mark.parametrize("duration", ["30 s", "5M", "1h30", "30sec", "-5m", "1i"])
def test_malformed_durations_are_rejected(duration: str) -> None:
    assert _problem(_endpoint(scrapeTimeout=duration)).path == "spec.endpoints[0].scrapeTimeout"


@pytest.mark.parametrize("field", ["interval", "scrape_interval", "scrapeTimeout", "max_scrape_size"])
def test_empty_string_is_unset_where_the_operator_reads_it_so(field: str) -> None:
    # The operator checks `!= ""` for these (setScrapeIntervalToWithLimit, addCommonScrapeParamsTo).
    endpoint = Endpoint.parse({"port": "http", field: ""})
    assert endpoint.manifest_dict()[field] == ""
    # ...but not where it copies the value into the job as is.
    assert _problem(_endpoint(vm_scrape_params={"scrape_offset": ""})).path.endswith("scrape_offset")


def test_limits_beyond_int64_are_rejected() -> None:
    problem = _problem(_endpoint(sampleLimit=2**64))
    assert problem.path == "spec.endpoints[0].sampleLimit" and "or less" in problem.message


@pytest.mark.parametrize("field", ["scrape_align_interval", "scrape_offset"])
def test_vm_scrape_params_durations_are_checked(field: str) -> None:
    assert (
        _problem(_endpoint(vm_scrape_params={field: "soon"})).path
        == f"spec.endpoints[0].vm_scrape_params.{field}"
    )


@pytest.mark.parametrize("size", ["16MiB", "100KB", "1048576", "1.5gib"])
def test_scrape_sizes_are_accepted(size: str) -> None:
    assert Endpoint(max_scrape_size=size).max_scrape_size == size


def test_a_bad_scrape_size_lists_the_units() -> None:
    problem = _problem(_endpoint(max_scrape_size="16M"))
    assert problem.path == "spec.endpoints[0].max_scrape_size"
    assert "KB, MB, GB, TB, KiB, MiB, GiB, TiB" in problem.message


# --- ports and scheme ----------------------------------------------------------------------------------


def test_an_integer_port_says_to_use_target_port() -> None:
    problem = _problem({"endpoints": [{"port": 8080}]})
    assert (problem.path, problem.value) == ("spec.endpoints[0].port", 8080)
    assert problem.message == "`port` is the Service port name; use `targetPort` for a number"


def test_a_numeric_string_port_is_a_port_name_and_accepted() -> None:
    assert Endpoint(port="8080").port == "8080"


@pytest.mark.parametrize("target_port", [0, 70000, True, 1.5, ""])
def test_target_port_must_be_a_port_number_or_name(target_port: Any) -> None:
    assert _problem({"endpoints": [{"targetPort": target_port}]}).path == "spec.endpoints[0].targetPort"


def test_a_bad_scheme_lists_the_allowed_schemes() -> None:
    problem = _problem(_endpoint(scheme="ftp"))
    assert (problem.path, problem.message) == (
        "spec.endpoints[0].scheme",
        "must be one of: http, https, HTTP, HTTPS",
    )


def test_a_bad_discovery_role_lists_the_roles() -> None:
    problem = _problem({"discoveryRole": "pod"})
    assert problem.message == "must be one of: endpoints, service, endpointslices, endpointslice"


@pytest.mark.parametrize("field", ["sampleLimit", "seriesLimit"])
def test_negative_limits_are_accepted_and_mean_no_limit(field: str) -> None:
    # The CRD has no minimum and vmagent v1.150.0 loads `sample_limit: -1` (-dryRun); the operator
    # writes a limit only when it is above 0 (vmscrapes.go:523).
    from vmscrape_component.render import config_yaml, render_config

    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "a", "namespace": "default"},
        "spec": _endpoint(**{field: -1}),
    }
    config = config_yaml(render_config([manifest]))
    assert "port_name" in config and "sample_limit" not in config and "series_limit" not in config


# --- label names and keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["pod-name", "1x", "a.b", "é"])
def test_any_target_label_vmagent_takes_is_accepted(target: str) -> None:
    # vmagent v1.150.0 loads every one of these (go-oracle's `relabel`, tests/conformance).
    assert RelabelConfig(action="replace", source_labels=["a"], target_label=target).target_label == target


@pytest.mark.parametrize("target", ["$1", "${1}", "${1}_name", "label_$2", "__tmp_x"])
def test_target_labels_may_use_capture_groups(target: str) -> None:
    assert RelabelConfig(action="replace", target_label=target).target_label == target


def test_graphite_label_names_are_checked() -> None:
    problem = _problem(_rule(action="graphite", match="*.x", labels={"job-name": "$1"}))
    assert problem.path == 'spec.endpoints[0].relabelConfigs[0].labels["job-name"]'
    assert "not a valid label name" in problem.message


@pytest.mark.parametrize("key", ["app", "app.kubernetes.io/name", "example.com/team_a"])
def test_job_label_is_a_kubernetes_label_key(key: str) -> None:
    assert VMServiceScrapeSpec(job_label=key, endpoints=[]).job_label == key


@pytest.mark.parametrize(
    ("field", "value"), [("jobLabel", "-app"), ("targetLabels", ["a/b/c"]), ("podTargetLabels", ["UPPER_/x"])]
)
def test_label_key_fields_reject_what_kubernetes_rejects(field: str, value: Any) -> None:
    problem = _problem({field: value})
    assert problem.path.startswith(f"spec.{field}")
    assert "not a valid Kubernetes label key" in problem.message


# --- relabel regexes, actions and `if` -----------------------------------------------------------------


def test_a_bad_regex_gives_re2s_reason() -> None:
    problem = _problem(_rule(action="drop", sourceLabels=["a"], regex="a("))
    assert (problem.path, problem.value) == ("spec.endpoints[0].relabelConfigs[0].regex", "a(")
    assert problem.message == "not a valid RE2 regular expression: missing ): a("


def test_a_bad_regex_in_a_list_names_its_index() -> None:
    problem = _problem(_rule(action="drop", sourceLabels=["a"], regex=["ok", "(?<=x)y"]))
    assert problem.path == "spec.endpoints[0].relabelConfigs[0].regex[1]"


def test_regexes_compile_as_vmagent_anchors_them() -> None:
    # "^...$" around the regex are vmagent's own anchors: it strips and re-adds them.
    assert RelabelConfig(action="keep", source_labels=["a"], regex="^(a|b)$").regex == "^(a|b)$"


def test_an_unknown_action_lists_the_actions() -> None:
    problem = _problem(_rule(action="dorp", sourceLabels=["a"]))
    assert (problem.path, problem.value) == ("spec.endpoints[0].relabelConfigs[0].action", "dorp")
    assert "allowed: replace, replace_all, keep, drop, keep_if_equal" in problem.message


def test_actions_are_matched_in_any_case() -> None:
    assert RelabelConfig(action="LabelMap", regex="__meta_(.+)").effective_action == "labelmap"


def test_replace_without_target_label_names_the_missing_field() -> None:
    problem = _problem({"endpoints": [{"metricRelabelConfigs": [{"source_labels": ["a"]}]}]})
    assert problem.path == "spec.endpoints[0].metricRelabelConfigs[0].targetLabel"
    assert problem.message == "action 'replace' needs `targetLabel` (the label to write)"


@pytest.mark.parametrize(
    ("rule", "field", "fragment"),
    [
        ({"action": "replace_all", "targetLabel": "a"}, "sourceLabels", "needs `sourceLabels`"),
        ({"action": "hashmod", "sourceLabels": ["a"], "targetLabel": "b"}, "modulus", "greater than 0"),
        ({"action": "hashmod", "sourceLabels": ["a"]}, "targetLabel", "needs `targetLabel`"),
        ({"action": "keep_if_equal", "sourceLabels": ["a"]}, "sourceLabels", "at least two"),
        (
            {"action": "drop_if_equal", "sourceLabels": ["a", "b"], "targetLabel": "c"},
            "targetLabel",
            "cannot",
        ),
        ({"action": "keep_if_equal", "sourceLabels": ["a", "b"], "regex": "x"}, "regex", "cannot"),
        ({"action": "keepequal"}, "targetLabel", "needs `targetLabel`"),
        ({"action": "dropequal", "targetLabel": "a", "regex": "x"}, "regex", "cannot"),
        ({"action": "keep_if_contains", "sourceLabels": ["a"]}, "targetLabel", "needs `targetLabel`"),
        ({"action": "drop_if_contains", "targetLabel": "a"}, "sourceLabels", "needs `sourceLabels`"),
        ({"action": "keep"}, "sourceLabels", "`sourceLabels` or `if`"),
        ({"action": "drop", "regex": "x"}, "sourceLabels", "`sourceLabels` or `if`"),
        ({"action": "keep_metrics"}, "regex", "non-empty `regex`"),
        ({"action": "drop_metrics", "regex": ""}, "regex", "non-empty `regex`"),
        ({"action": "keep_metrics", "regex": "go_.*", "sourceLabels": ["a"]}, "sourceLabels", "cannot"),
        ({"action": "lowercase", "targetLabel": "a"}, "sourceLabels", "needs `sourceLabels`"),
        ({"action": "uppercase", "sourceLabels": ["a"]}, "targetLabel", "needs `targetLabel`"),
        ({"action": "graphite", "labels": {"job": "$1"}}, "match", "needs `match`"),
        ({"action": "graphite", "match": "*.x"}, "labels", "needs `labels`"),
        ({"action": "graphite", "match": "*.x", "labels": {"a": "$1"}, "regex": "x"}, "regex", "cannot"),
        ({"action": "drop", "sourceLabels": ["a"], "match": "*.x"}, "match", "only for action 'graphite'"),
    ],
)
def test_each_action_gets_the_fields_vmagent_requires(
    rule: dict[str, Any], field: str, fragment: str
) -> None:
    problem = _problem(_rule(**rule))
    assert problem.path == f"spec.endpoints[0].relabelConfigs[0].{field}"
    assert fragment in problem.message


@pytest.mark.parametrize(
    "rule",
    [
        {"sourceLabels": ["a"], "targetLabel": "b"},
        {
            "action": "replace_all",
            "sourceLabels": ["a"],
            "targetLabel": "b",
            "regex": "-",
            "replacement": "_",
        },
        {"action": "keep", "if": 'up{job="a"}'},
        {"action": "drop", "sourceLabels": ["__name__"], "regex": "go_.*"},
        {"action": "keep_if_equal", "sourceLabels": ["a", "b"]},
        {"action": "drop_if_contains", "sourceLabels": ["a"], "targetLabel": "b"},
        {"action": "keepequal", "sourceLabels": ["a"], "targetLabel": "b"},
        {"action": "hashmod", "sourceLabels": ["__address__"], "targetLabel": "__tmp_hash", "modulus": 3},
        {"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(.+)"},
        {"action": "labelmap_all", "regex": "\\.", "replacement": "_"},
        {"action": "labeldrop", "regex": "tmp_.*"},
        {"action": "labelkeep", "regex": "job|instance"},
        {"action": "drop_metrics", "regex": ["go_.*", "process_.*"]},
        {"action": "keep_metrics", "if": '{__name__=~"up|scrape_.*"}'},
        {"action": "lowercase", "sourceLabels": ["a"], "targetLabel": "a"},
        {"action": "graphite", "match": "*.server.*.total", "labels": {"__name__": "total", "job": "$1"}},
    ],
)
def test_well_formed_rules_of_each_action_are_accepted(rule: dict[str, Any]) -> None:
    assert RelabelConfig.parse(rule).manifest_dict() == rule


def test_if_must_be_a_series_selector() -> None:
    problem = _problem(_rule(action="drop", **{"if": "rate(x[5m])"}))
    assert problem.path == "spec.endpoints[0].relabelConfigs[0].if"
    assert "not a series selector" in problem.message and 'up{job="web"}' in problem.message


@pytest.mark.parametrize(
    ("selector", "words"),
    [
        # metricsql's checkAndPrependMetricNameFilter: one metric name per `or` branch.
        ('a{__name__="b"}', "metric name must not be set twice"),
        ('{"a", __name__="b"}', "metric name must not be set twice"),
        ('a{"b"}', "metric name must not be set twice"),
        ('{a="x\ny"}', "a line break inside the string"),
        ('{a="\\ud800"}', "is not a character"),
        ("{a=`x\\`}", "has no closing `"),  # the lexer skips an escaped backtick even in backticks
    ],
)
def test_if_selectors_vmagent_refuses_are_refused(selector: str, words: str) -> None:
    problem = _problem(_rule(action="drop", **{"if": selector}))
    assert words in problem.message, problem.message


@pytest.mark.parametrize(
    "selector", ['a{__name__="a"}', '{__name__="a" or __name__="b"}', 'a{b="1" or c="2"}']
)
def test_if_selectors_with_one_name_per_branch_are_accepted(selector: str) -> None:
    assert RelabelConfig.parse({"action": "drop", "if": selector}).if_ == selector


def test_if_must_not_be_empty() -> None:
    assert "must not be empty" in _problem(_rule(action="drop", **{"if": ""})).message


def test_if_regex_filters_must_compile() -> None:
    problem = _problem(_rule(action="drop", **{"if": ['{a="b"}', '{c=~"[x"}']}))
    assert problem.path == "spec.endpoints[0].relabelConfigs[0].if[1]"
    assert "RE2" in problem.message


def test_regex_must_be_a_string_or_a_list_of_strings() -> None:
    problem = _problem(_rule(action="drop", sourceLabels=["a"], regex=5))
    assert problem.message == "must be a string or a list of strings"


# --- selectors -----------------------------------------------------------------------------------------


def test_any_together_with_match_names_is_an_error_naming_both() -> None:
    problem = _problem({"namespaceSelector": {"any": True, "matchNames": ["a"]}})
    assert problem.path == "spec.namespaceSelector"
    assert "`any: true`" in problem.message and "`matchNames`" in problem.message


def test_match_names_are_namespace_names() -> None:
    assert (
        _problem({"namespaceSelector": {"matchNames": ["Team_A"]}}).path
        == "spec.namespaceSelector.matchNames[0]"
    )


def test_a_bad_match_expressions_operator_lists_the_operators() -> None:
    problem = _problem(
        {"selector": {"matchExpressions": [{"key": "tier", "operator": "Gt", "values": ["1"]}]}}
    )
    assert problem.path == "spec.selector.matchExpressions[0].operator"
    assert problem.message == "must be one of: In, NotIn, Exists, DoesNotExist"


def test_in_needs_values() -> None:
    problem = _problem({"selector": {"matchExpressions": [{"key": "tier", "operator": "In"}]}})
    assert (problem.path, problem.message) == (
        "spec.selector.matchExpressions[0].values",
        "operator In needs at least one value",
    )


def test_exists_takes_no_values() -> None:
    problem = _problem(
        {"selector": {"matchExpressions": [{"key": "tier", "operator": "Exists", "values": ["a"]}]}}
    )
    assert problem.message == "operator Exists takes no values"


def test_match_labels_keys_and_values_are_checked() -> None:
    problems = _problems({"selector": {"matchLabels": {"bad key": "ok", "ok": "bad value!"}}})
    assert [p.path for p in problems] == [
        'spec.selector.matchLabels["bad key"]',
        "spec.selector.matchLabels.ok",
    ]


# --- auth, TLS and secrets -----------------------------------------------------------------------------


def test_tls_ca_from_a_secret_and_a_file_conflict() -> None:
    problem = _problem(
        _endpoint(tlsConfig={"ca": {"secret": {"name": "s", "key": "ca"}}, "caFile": "/ca.pem"})
    )
    assert (problem.path, problem.message) == (
        "spec.endpoints[0].tlsConfig.caFile",
        "set either `ca` or `caFile`, not both",
    )


def test_a_value_from_both_a_secret_and_a_config_map_is_an_error() -> None:
    ref = {"secret": {"name": "s", "key": "k"}, "configMap": {"name": "c", "key": "k"}}
    assert _problem(_endpoint(tlsConfig={"cert": ref})).path == "spec.endpoints[0].tlsConfig.cert"


def test_a_key_selector_needs_its_key() -> None:
    problem = _problem(_endpoint(bearerTokenSecret={"name": "token"}))
    assert (problem.path, problem.message) == (
        "spec.endpoints[0].bearerTokenSecret.key",
        "required field 'key' is missing",
    )


def test_secret_bearing_values_are_not_echoed() -> None:
    problem = _problem(_endpoint(vm_scrape_params={"headers": ["Authorization Bearer s3cr3t"]}))
    assert problem.value is None and "s3cr3t" not in str(VMScrapeError([problem]))


# --- unknown keys, many problems, one exception type ---------------------------------------------------


def test_an_unknown_key_suggests_the_closest_field_and_lists_the_allowed_ones() -> None:
    problem = _problem({"endpoints": [{"prot": "http"}]})
    assert problem.path == "spec.endpoints[0].prot"
    assert problem.message.startswith("unknown field 'prot'; did you mean 'port'? allowed: attach_metadata, ")
    assert "targetPort" in problem.message and "vm_scrape_params" in problem.message


def test_an_unknown_python_spelling_suggests_the_crd_spelling() -> None:
    problem = _problem(_endpoint(tlsConfig={"insecure_skip": True}))
    assert "did you mean 'insecureSkipVerify'?" in problem.message


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems(_endpoint(interval="soon", scheme="ftp", sampleLimit="1:30"))
    assert sorted(p.path for p in problems) == [
        "spec.endpoints[0].interval",
        "spec.endpoints[0].sampleLimit",
        "spec.endpoints[0].scheme",
    ]


def test_constructing_a_model_raises_vmscrape_error_not_pydantics() -> None:
    with pytest.raises(VMScrapeError) as err:
        Endpoint(port=8080)
    assert not isinstance(err.value, pydantic.ValidationError)
    assert err.value.problems[0].path == "port"


def test_a_nested_model_error_keeps_its_full_path() -> None:
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeSpec(endpoints=[{"port": "http"}, {"port": "http", "interval": "later"}])
    assert err.value.problems[0].path == "spec.endpoints[1].interval"


def test_namespace_selector_python_constructor_checks_too() -> None:
    with pytest.raises(VMScrapeError, match="cannot be combined"):
        NamespaceSelector(any_=True, match_names=["a"])


# --- whole objects -------------------------------------------------------------------------------------


def test_object_problems_name_the_object_and_start_at_the_manifest_root() -> None:
    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "Web_App", "namespace": "apps"},
        "spec": {"endpoints": [{"port": 80}]},
    }
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeModel.from_manifest(manifest)
    assert [(p.object, p.path) for p in err.value.problems] == [
        ("VMServiceScrape apps/Web_App", "metadata.name"),
        ("VMServiceScrape apps/Web_App", "spec.endpoints[0].port"),
    ]


@pytest.mark.parametrize(
    ("key", "value"), [("apiVersion", "monitoring.coreos.com/v1"), ("kind", "ServiceMonitor")]
)
def test_another_api_version_or_kind_is_rejected(key: str, value: str) -> None:
    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "web"},
        "spec": {"endpoints": []},
        key: value,
    }
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeModel.from_manifest(manifest)
    assert [(p.path, p.value) for p in err.value.problems] == [(key, value)]


def test_a_manifest_without_spec_says_spec_is_required() -> None:
    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "web"},
    }
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeModel.from_manifest(manifest)
    assert [(p.path, p.message) for p in err.value.problems] == [("spec", "required field 'spec' is missing")]


# --- what vmagent refuses though the CRD allows it (issue 12, item 1) -----------------------------------
# Each case was checked against the real vmagent v1.150.0 (tests/conformance/test_validation_vs_vmagent.py
# repeats them through vmagent -dryRun).


@pytest.mark.parametrize("field", ["sampleLimit", "seriesLimit"])
def test_spec_level_limits_beyond_int64_are_rejected(field: str) -> None:
    # vmagent: cannot unmarshal !!int `9223372036854775808` into int (the whole config is refused)
    problem = _problem({field: 2**63, "endpoints": []})
    assert (problem.path, problem.value) == (f"spec.{field}", 2**63)
    assert "9223372036854775807 or less" in problem.message
    assert VMServiceScrapeSpec.parse({field: 2**63 - 1, "endpoints": []})


def test_hashmod_modulus_beyond_uint64_is_rejected() -> None:
    rule = {"action": "hashmod", "sourceLabels": ["a"], "targetLabel": "b"}
    problem = _problem(_rule(**rule, modulus=2**64 + 4096))
    assert problem.path == "spec.endpoints[0].relabelConfigs[0].modulus"
    assert "18446744073709551615 or less" in problem.message
    assert RelabelConfig.parse({**rule, "modulus": 2**64 - 1}).modulus == 2**64 - 1


@pytest.mark.parametrize(
    ("field", "spelling", "why"),
    [
        ("regex", "null", "YAML null"),
        ("regex", "~", "YAML null"),
        ("if", "null", "YAML null"),
        ("if", "~", "not a series selector"),  # not even MetricsQL
    ],
)
def test_yaml_null_spellings_are_rejected_where_vmagent_reads_them_as_null(
    field: str, spelling: str, why: str
) -> None:
    # yaml.v2 reads a quoted `null`/`~` as null before vmagent's own unmarshaler: the whole config fails
    rule = {"action": "drop", "sourceLabels": ["a"], field: spelling}
    problem = _problem(_rule(**rule))
    assert (problem.path, problem.value) == (f"spec.endpoints[0].relabelConfigs[0].{field}", spelling)
    assert why in problem.message
    one_item = _problem(_rule(**{**rule, field: [spelling]}))
    assert one_item.path == f"spec.endpoints[0].relabelConfigs[0].{field}[0]"


@pytest.mark.parametrize("spelling", ["Null", "NULL", "nil", "(null)"])
def test_other_null_like_spellings_are_plain_strings_for_vmagent(spelling: str) -> None:
    assert RelabelConfig.parse({"action": "keep", "sourceLabels": ["a"], "regex": spelling}).regex == spelling
    assert RelabelConfig.parse({"action": "keep", "sourceLabels": ["a"], "regex": ["a", "null"]})


@pytest.mark.parametrize("selector", ["{a='\\\"'}", '{a="\\\'"}', '{a="\\400"}'])
def test_if_strings_metricsql_cannot_unquote_are_rejected(selector: str) -> None:
    # metricsql turns '...' into "..." by escaping every " (so '\"' ends as "\\"") and unquotes with Go
    problem = _problem(_rule(action="drop", **{"if": selector}))
    assert problem.path == "spec.endpoints[0].relabelConfigs[0].if"
    assert problem.message.startswith("not a series selector")


@pytest.mark.parametrize("field", ["regex", "if"])
def test_the_any_byte_escape_is_rejected(field: str) -> None:
    # C++ RE2 knows \C, vmagent's Go regexp does not: it would skip the job (or refuse the config, in `if`)
    value = "a\\Cb" if field == "regex" else '{a=~"a\\\\Cb"}'
    problem = _problem(_rule(action="drop", sourceLabels=["a"], **{field: value}))
    assert problem.path == f"spec.endpoints[0].relabelConfigs[0].{field}"
    assert "\\C" in problem.message
    assert RelabelConfig.parse({"action": "keep", "sourceLabels": ["a"], "regex": "a\\\\Cb|\\Q\\C\\E"})


@pytest.mark.parametrize("selector", ["+up", "(up)", '+(+{job="a"})'])
def test_if_accepts_the_unary_plus_and_parentheses_metricsql_drops(selector: str) -> None:
    assert RelabelConfig.parse({"action": "drop", "if": selector}).if_ == selector


# --- what the API server refuses (issue 12, item 2) ------------------------------------------------------


def test_endpoints_are_required_as_the_crd_requires_them() -> None:
    with pytest.raises(VMScrapeError) as err:
        VMServiceScrapeSpec.parse({"selector": {}})
    (problem,) = err.value.problems
    assert problem.path == "spec.endpoints"
    assert "required" in problem.message
    assert VMServiceScrapeSpec.parse({"endpoints": []}).endpoints == []
