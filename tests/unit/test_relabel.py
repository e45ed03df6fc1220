"""vmagent's relabeling and target building, one rule at a time.

Every expectation below comes from VictoriaMetrics v1.150.0 source, cited per test:
``lib/promrelabel/{relabel,config,if_expression,graphite,scrape_url}.go``, ``lib/promscrape/config.go``,
and Go's ``regexp.Expand`` / ``ReplaceAllString`` rules.
"""

from __future__ import annotations

import pytest

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.simulate.discovery import DiscoveredTarget
from vmscrape_component.simulate.relabel import (
    apply_rules,
    expand_template,
    parse_if_expression,
    parse_rules,
    xxhash64,
)
from vmscrape_component.simulate.targets import (
    DROP_DUPLICATE,
    DROP_MISSING_URL,
    DROP_RELABELING,
    JobTargets,
    format_go_duration,
    parse_duration_ms,
    scrape_url,
)


def run(rules: list[dict], labels: dict[str, str]) -> dict[str, str]:
    return apply_rules(parse_rules(rules), labels).labels


# -- replace -------------------------------------------------------------------------------------------------


def test_replace_defaults_copy_joined_sources_with_semicolon() -> None:
    # parseRelabelConfig: action "" -> replace, separator ";", regex (.*), replacement $1.
    out = run([{"source_labels": ["a", "b"], "target_label": "t"}], {"a": "x", "b": "y"})
    assert out == {"a": "x", "b": "y", "t": "x;y"}


def test_replace_without_match_leaves_labels_alone() -> None:
    # relabel.go replace: `if !prc.regex.MatchString(sourceStr) { return labels }`.
    rules = [{"source_labels": ["a"], "regex": "foo(.*)", "target_label": "t", "replacement": "$1"}]
    assert run(rules, {"a": "bar"}) == {"a": "bar"}


def test_regex_is_anchored_at_both_ends() -> None:
    # config.go wraps the regex as ^(?:regex)$ after RemoveStartEndAnchors.
    rules = [{"action": "keep", "source_labels": ["a"], "regex": "web"}]
    assert run(rules, {"a": "webapp"}) == {}
    assert run([{**rules[0], "regex": "^web$"}], {"a": "web"}) == {"a": "web"}


def test_regex_list_is_an_alternation() -> None:
    # MultiLineRegex: a YAML list is joined with "|".
    rules = [{"action": "keep", "source_labels": ["a"], "regex": ["web", "api"]}]
    assert run(rules, {"a": "api"}) == {"a": "api"}
    assert run(rules, {"a": "db"}) == {}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$1", "a"),
        ("${1}x", "ax"),
        ("$1x", ""),  # the name is "1x": no such group, so empty
        ("$$1", "$1"),  # $$ is a literal dollar
        ("$n-", "-"),  # named group n did not participate
        ("$3$2$1", "ca"),
        ("$01", ""),  # leading zeros make it a name, not a number
        ("$-", "$-"),  # malformed: the dollar stays
        ("${1", "${1"),  # missing brace: the dollar stays
    ],
)
def test_replacement_templates_follow_go_regexp_expand(template: str, expected: str) -> None:
    import re2

    regex = re2.compile(r"^(?:(a)(?P<n>b)?(c))$")
    assert expand_template(template, regex, "ac", regex.fullmatch("ac")) == expected


def test_capture_groups_in_target_label() -> None:
    # hasCaptureGroupInTargetLabel: target_label is expanded from the match.
    rules = [{"source_labels": ["k"], "regex": "(.+)=(.+)", "target_label": "tag_$1", "replacement": "$2"}]
    assert run(rules, {"k": "env=prod"}) == {"k": "env=prod", "tag_env": "prod"}


def test_label_references_in_replacement() -> None:
    # fillLabelReferences: {{name}} is the value of label `name`.
    rules = [{"target_label": "t", "replacement": "{{ns}}/{{pod}}"}]
    assert run(rules, {"ns": "apps", "pod": "web-1"})["t"] == "apps/web-1"


def test_empty_values_are_removed_at_the_end() -> None:
    # ParsedConfigs.Apply ends with removeEmptyLabels.
    rules = [{"source_labels": ["missing"], "target_label": "a"}]
    assert run(rules, {"a": "x", "b": "y"}) == {"b": "y"}


def test_action_name_is_case_insensitive() -> None:
    # parseRelabelConfig: action := strings.ToLower(rc.Action).
    assert run([{"action": "Drop", "source_labels": ["a"], "regex": "x"}], {"a": "x"}) == {}


# -- keep / drop and if --------------------------------------------------------------------------------------


def test_keep_with_only_if_keeps_matches_and_drops_the_rest() -> None:
    # apply(): `if` mismatch with action keep drops; with the default regex keep is then a no-op.
    rules = [{"action": "keep", "if": '{app=~"web|api"}'}]
    assert run(rules, {"app": "api"}) == {"app": "api"}
    assert run(rules, {"app": "db"}) == {}


def test_if_mismatch_skips_other_actions() -> None:
    # apply(): on `if` mismatch every action but keep returns the labels unchanged.
    rules = [{"action": "drop", "if": '{app="web"}'}]
    assert run(rules, {"app": "db"}) == {"app": "db"}
    assert run(rules, {"app": "web"}) == {}


def test_if_list_metric_name_form_and_missing_labels() -> None:
    # IfExpression.Match: any item; `metric{...}` filters __name__; {missing=""} and {missing=~"x|"} match
    # entries without the label (equalValue / matchRegexp special cases).
    expr = parse_if_expression(['up{job="a"}', '{missing=""}'])
    assert expr.matches({"__name__": "up", "job": "a"})
    assert expr.matches({"job": "b"})
    assert not expr.matches({"job": "b", "missing": "x"})
    assert parse_if_expression('{missing=~"x|"}').matches({"a": "b"})
    assert not parse_if_expression('{missing=~"x"}').matches({"a": "b"})


def test_if_or_groups_inside_braces() -> None:
    # MetricsQL `or` inside the selector makes filter groups; any group may match.
    expr = parse_if_expression('{a="1" or b!="2"}')
    assert expr.matches({"a": "0", "b": "3"})
    assert not expr.matches({"a": "0", "b": "2"})


def test_drop_reports_the_rule_that_dropped() -> None:
    rules = parse_rules(
        [{"target_label": "x", "replacement": "1"}, {"action": "drop", "source_labels": ["x"]}]
    )
    result = apply_rules(rules, {"a": "b"})
    # `drop` without regex has the default regex: its fast path drops everything.
    assert result.dropped and result.dropped_by is rules[1]


def test_keep_metrics_is_keep_on_the_metric_name() -> None:
    # config.go: keep_metrics -> source_labels [__name__], action keep.
    rules = [{"action": "keep_metrics", "regex": "up|scrape_.*"}]
    assert run(rules, {"__name__": "scrape_duration_seconds"}) != {}
    assert run(rules, {"__name__": "http_requests_total"}) == {}


def test_equality_actions() -> None:
    # keepequal/dropequal compare joined sources with target_label; *_if_equal compare the sources.
    assert run([{"action": "keepequal", "source_labels": ["a"], "target_label": "b"}], {"a": "1", "b": "1"})
    assert (
        run([{"action": "keepequal", "source_labels": ["a"], "target_label": "b"}], {"a": "1", "b": "2"})
        == {}
    )
    assert (
        run([{"action": "dropequal", "source_labels": ["a"], "target_label": "b"}], {"a": "1", "b": "1"})
        == {}
    )
    assert run([{"action": "keep_if_equal", "source_labels": ["a", "b"]}], {"a": "1", "b": "2"}) == {}
    assert run([{"action": "drop_if_equal", "source_labels": ["a", "b"]}], {"a": "1", "b": "2"})


def test_contains_actions() -> None:
    # containsAllLabelValues: strings.Contains(target, each source value).
    rule = {"action": "keep_if_contains", "target_label": "tags", "source_labels": ["want"]}
    assert run([rule], {"tags": ",a,b,", "want": "b"})
    assert run([rule], {"tags": ",a,b,", "want": "c"}) == {}
    assert run([{**rule, "action": "drop_if_contains"}], {"tags": ",a,b,", "want": "b"}) == {}


# -- hashmod, labels, case -----------------------------------------------------------------------------------


def test_xxhash64_matches_the_reference_vectors() -> None:
    # cespare/xxhash Sum64 (XXH64, seed 0): "" -> 0xEF46DB3751D8E999, "abc" -> 0x44BC2CF5AD770999.
    assert xxhash64(b"") == 0xEF46DB3751D8E999
    assert xxhash64(b"abc") == 0x44BC2CF5AD770999
    long = b"0123456789abcdef0123456789abcdef0123456789"  # > 32 bytes: the four-lane path
    assert xxhash64(long) == 12061080447169366556


def test_hashmod_is_xxhash64_of_joined_sources_modulo() -> None:
    rules = [{"action": "hashmod", "source_labels": ["a"], "target_label": "shard", "modulus": 10}]
    assert run(rules, {"a": "abc"})["shard"] == str(0x44BC2CF5AD770999 % 10)


def test_labelmap_copies_matching_names() -> None:
    # labelmap sets the new name and keeps the old one (it is removed later as __meta_*).
    rules = [{"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(.+)"}]
    out = run(rules, {"__meta_kubernetes_pod_label_app": "web", "__meta_kubernetes_pod_label_": "x"})
    assert out["app"] == "web" and "__meta_kubernetes_pod_label_app" in out
    assert "" not in out  # `(.+)` needs at least one char


def test_labeldrop_and_labelkeep_match_whole_names() -> None:
    labels = {"pod": "p", "pod_ip": "1", "job": "j"}
    assert run([{"action": "labeldrop", "regex": "pod"}], labels) == {"pod_ip": "1", "job": "j"}
    assert run([{"action": "labelkeep", "regex": "pod.*"}], labels) == {"pod": "p", "pod_ip": "1"}


def test_lowercase_and_uppercase() -> None:
    rules = [
        {"action": "lowercase", "source_labels": ["a"], "target_label": "low"},
        {"action": "uppercase", "source_labels": ["a"], "target_label": "up"},
    ]
    assert run(rules, {"a": "MiXed"}) == {"a": "MiXed", "low": "mixed", "up": "MIXED"}


def test_replace_all_is_unanchored_and_skips_empty_match_after_a_match() -> None:
    # replace_all uses the regex as written with Go's ReplaceAllString: "a*" over "baaac" gives
    # "<>b<aaa>c<>" (no replacement for the empty match right after "aaa").
    rules = [
        {
            "action": "replace_all",
            "source_labels": ["a"],
            "target_label": "a",
            "regex": "a*",
            "replacement": "<$0>",
        }
    ]
    assert run(rules, {"a": "baaac"}) == {"a": "<>b<aaa>c<>"}
    dots = [
        {
            "action": "replace_all",
            "source_labels": ["h"],
            "target_label": "h",
            "regex": r"\.",
            "replacement": "-",
        }
    ]
    assert run(dots, {"h": "a.b.c"}) == {"h": "a-b-c"}


def test_labelmap_all_renames_every_occurrence() -> None:
    rules = [{"action": "labelmap_all", "regex": "-", "replacement": "_"}]
    assert run(rules, {"a-b-c": "1"}) == {"a_b_c": "1"}


def test_graphite_extracts_labels_from_the_metric_name() -> None:
    # graphite.go: `*` matches a part without dots; $0 is the whole name.
    rules = [
        {"action": "graphite", "match": "*.server.*.total", "labels": {"job": "$1", "instance": "${2}:8080"}}
    ]
    out = run(rules, {"__name__": "app.server.h1.total"})
    assert out["job"] == "app" and out["instance"] == "h1:8080"
    assert run(rules, {"__name__": "app.x.server.h1.total"}) == {"__name__": "app.x.server.h1.total"}


# -- validation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"action": "explode"}, "unknown action"),
        ({"source_labels": ["a"]}, "missing `target_label` for action=replace"),
        ({"action": "keep"}, "missing `source_labels` for action=keep"),
        (
            {"action": "hashmod", "source_labels": ["a"], "target_label": "t"},
            "`modulus` must be greater than 0",
        ),
        ({"action": "keep", "source_labels": ["a"], "regex": "("}, "invalid RE2 regex"),
        ({"action": "keep", "if": "{a=}"}, "cannot parse series selector"),
        ({"action": "keep_if_equal", "source_labels": ["a"]}, "at least two entries"),
    ],
)
def test_invalid_rules_are_reported_with_their_index(rule: dict, words: str) -> None:
    with pytest.raises(VMScrapeError) as info:
        parse_rules([{"target_label": "ok", "replacement": "1"}, rule])
    (problem,) = info.value.problems
    assert problem.object == "relabel_configs[1]"
    assert words in problem.message


# -- target building (lib/promscrape/config.go, lib/promrelabel/scrape_url.go) -------------------------------


def test_scrape_url_defaults_and_instance_port() -> None:
    # addMissingPort: instance gets :80 (:443 for https) but the URL keeps the address as written.
    assert scrape_url({"__address__": "host"}) == ("http://host/metrics", "host:80")
    assert scrape_url({"__address__": "host", "__scheme__": "https"}) == ("https://host/metrics", "host:443")


def test_scrape_url_takes_scheme_and_path_from_the_address() -> None:
    labels = {"__address__": "https://host:9000/custom", "__scheme__": "http", "__metrics_path__": "/metrics"}
    assert scrape_url(labels) == ("https://host:9000/custom", "host:9000")


def test_scrape_url_params_sorted_and_extra_values_kept() -> None:
    # getParamsFromLabels: __param_x is the first value, the job's further values follow; Encode sorts keys.
    labels = {"__address__": "h:1", "__param_b": "x y", "__param_a": "1"}
    url, _ = scrape_url(labels, {"a": ["0", "2"]})
    assert url == "http://h:1/metrics?a=1&a=2&b=x+y"


@pytest.mark.parametrize(
    ("text", "go"),
    [("30s", "30s"), ("1m", "1m0s"), ("90m", "1h30m0s"), ("1500ms", "1.5s"), ("2h", "2h0m0s")],
)
def test_scrape_interval_label_uses_go_duration_text(text: str, go: str) -> None:
    assert format_go_duration(parse_duration_ms(text)) == go


def _discovered(address: str, **meta: str) -> DiscoveredTarget:
    return DiscoveredTarget({"__address__": address, **meta}, "test")


def test_job_targets_merge_defaults_and_finalize_labels() -> None:
    job = {
        "job_name": "j",
        "scrape_interval": "1m",
        "scrape_timeout": "2m",  # capped at the interval
        "relabel_configs": [{"source_labels": ["__meta_x"], "target_label": "x"}],
    }
    target = JobTargets(job).target(_discovered("10.0.0.1:8080", __meta_x="v"))
    assert target.discovered_labels == {
        "__address__": "10.0.0.1:8080",
        "__meta_x": "v",
        "__metrics_path__": "/metrics",
        "__scheme__": "http",
        "__scrape_interval__": "1m0s",
        "__scrape_timeout__": "1m0s",
        "job": "j",
    }
    assert target.labels == {"instance": "10.0.0.1:8080", "job": "j", "x": "v"}
    assert target.scrape_url == "http://10.0.0.1:8080/metrics"


def test_job_targets_drop_reasons() -> None:
    job = {
        "job_name": "j",
        "relabel_configs": [
            {"action": "drop", "source_labels": ["__meta_x"], "regex": "gone"},
            {
                "source_labels": ["__meta_x"],
                "regex": "noaddr",
                "target_label": "__address__",
                "replacement": "",
            },
        ],
    }
    targets = JobTargets(job).targets(
        [
            _discovered("a:1", __meta_x="gone"),
            _discovered("a:1", __meta_x="noaddr"),
            _discovered("b:1"),
            _discovered("b:1"),
        ]
    )
    assert [t.dropped for t in targets] == [DROP_RELABELING, DROP_MISSING_URL, None, DROP_DUPLICATE]
    assert targets[0].dropped_by is not None and targets[0].dropped_by.index == 0
    assert targets[0].dropped_by_scope == "job"


def test_global_relabel_configs_run_first() -> None:
    # getScrapeWorkConfig prepends global.relabel_configs to the job's.
    global_ = {"relabel_configs": [{"action": "drop", "source_labels": ["__meta_x"], "regex": "a"}]}
    target = JobTargets({"job_name": "j"}, global_).target(_discovered("h:1", __meta_x="a"))
    assert target.dropped == DROP_RELABELING and target.dropped_by_scope == "global"
