"""The shared grammars (``vmscrape_component.grammar``): one reader per format, used by every layer.

Duration values below are worked out by hand from metricsql v0.87.3 ``DurationValue`` (lexer.go): a text
ending in a digit or ``.`` is first tried as a Go float of seconds; otherwise it is a run of
``<number><unit>`` parts where, once a part is negative, every later part counts negative.
"""

from __future__ import annotations

import pytest

from vmscrape_component.grammar import (
    DurationError,
    LabelFilter,
    SelectorError,
    discovery_namespaces,
    duration_ms,
    duration_problem,
    namespace_mode,
    object_key,
    parse_series_selector,
    sanitize_label_name,
    series_selector_problem,
    strip_anchors,
)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("30s", 30_000),
        ("1m30s", 90_000),
        ("1.5h", 5_400_000),
        ("500ms", 500),
        ("5MS", 5),  # units are case-insensitive, except that M alone is refused
        ("5Ms", 5),
        ("2d", 172_800_000),
        ("1w", 604_800_000),
        ("1y", 31_536_000_000),
        ("1.s", 1_000),  # a dot with no digits after it is still a number
        ("90", 90_000),  # a bare number is seconds
        (".5", 500),
        ("5.", 5_000),
        ("1e3", 1_000_000),  # ParseFloat reads exponents
        ("1E-3", 1),
        ("0x1p3", 8_000),  # and Go's hexadecimal floats
        ("1_000", 1_000_000),  # and underscores between digits
        ("+5", 5_000),
        ("-5", -5_000),
        ("1h-5m", 3_300_000),
        ("1h-5m10s", 3_290_000),  # once a part is negative, later parts are too
        ("-0s5m", 300_000),  # -0 is not negative
        ("-.5s", -500),  # only a negative part may start with a dot
        ("5i", 0),  # the query step is 0 in a scrape config
        ("$__interval", 0),
        ("1h$__interval", 3_600_000),
        ("0.0015s", 1),  # milliseconds are truncated toward zero
        ("1e300", -(2**63)),  # Go's int64() of an out-of-range float on amd64
        ("999999999999y", 2**63 - 1),  # a sum of parts is capped
    ],
)
def test_durations_read_like_metricsql(text: str, ms: int) -> None:
    assert duration_ms(text) == ms


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "5M",
        "5mi",
        "5mb",
        ".5s",
        "1h5",
        "5s ",
        " 5s",
        "inf",
        "NaN",
        "1e400",
        "0x10",
        "-s",
        "--5s",
        "+5s",
        "1__0",
        "_1",
        "5٣s",
        "-$__interval",
    ],
)
def test_not_durations(text: str) -> None:
    with pytest.raises(DurationError):
        duration_ms(text)


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("1e3", True),
        ("1h-5m", True),
        ("0", True),
        ("-5s", False),
        ("1h-2h", False),
        ("5i", False),
        ("$__interval", False),
        ("1e300", False),
        ("soon", False),
    ],
)
def test_the_models_refuse_durations_vmagent_reads_but_ignores(text: str, allowed: bool) -> None:
    # negative totals and the query step read as "no interval": vmagent would silently use its default
    assert (duration_problem(text) is None) is allowed


def test_a_selector_parses_into_or_groups_each_starting_with_the_metric_name() -> None:
    parsed = parse_series_selector('up{job="web" or instance=~"a.*", env!="dev"}')
    assert parsed.groups == (
        (LabelFilter("__name__", "=", "up"), LabelFilter("job", "=", "web")),
        (
            LabelFilter("__name__", "=", "up"),
            LabelFilter("instance", "=~", "a.*"),
            LabelFilter("env", "!=", "dev"),
        ),
    )


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("+up", ((LabelFilter("__name__", "=", "up"),),)),  # metricsql drops a unary plus
        ("(+(up))", ((LabelFilter("__name__", "=", "up"),),)),
        ("{'a'='x' + \"y\"}", ((LabelFilter("a", "=", "xy"),),)),
        ("{a='it\\'s'}", ((LabelFilter("a", "=", "it's"),),)),
        ('{"metric.name"}', ((LabelFilter("__name__", "=", "metric.name"),),)),
        ("{a=`x\\y`}", ((LabelFilter("a", "=", "x\\y"),),)),
        ("{}", ((),)),
    ],
)
def test_selector_spellings(text: str, groups: tuple[tuple[LabelFilter, ...], ...]) -> None:
    assert parse_series_selector(text).groups == groups


@pytest.mark.parametrize(
    "text",
    [
        "-up",
        "{a='\\\"'}",
        '{a="it\\\'s"}',
        '{a="\\400"}',
        "up or down",
        "(up, down)",
        "up offset 5m",
        "()",
        '{a="b" or}',
        "up{a}",
        '{a=~"("}',
        'a{__name__="b"}',
        "WITH (x = up) x",
    ],
)
def test_not_selectors(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_series_selector(text)
    assert series_selector_problem(text) is not None


def test_anchors_and_label_names() -> None:
    assert strip_anchors("^^a|b$$") == "a|b"
    assert strip_anchors("a\\$") == "a\\$"
    assert sanitize_label_name("app.kubernetes.io/name") == "app_kubernetes_io_name"


def test_object_keys() -> None:
    assert object_key({"metadata": {"name": "web", "namespace": "apps"}}) == "apps/web"
    assert object_key({"metadata": {"name": "web"}}) == "default/web"
    assert object_key({"metadata": {"name": "node-1"}}, default_namespace="") == "/node-1"


def test_one_namespace_rule_with_one_meaning_of_all() -> None:
    assert discovery_namespaces(None, None, "own") == ["own"]
    assert discovery_namespaces(False, [], "own") == ["own"]
    assert discovery_namespaces(True, ["x"], "own") is None  # any wins; None is "every namespace"
    assert discovery_namespaces(None, ["a", "b"], "own") == ["a", "b"]
    assert discovery_namespaces(True, None, "own", ignore_selectors=True) == ["own"]
    assert namespace_mode(True, None, ignore_selectors=True) == "own"
    assert discovery_namespaces(None, ["a"], "own", ignore_selectors=True) == ["own"]


@pytest.mark.parametrize(
    ("text", "name"),
    [("a\\-b", "a-b"), ("a\\x41b", "aAb"), ("\\u00e9t\\u00e9", "été"), ("a.b:c", "a.b:c"), ("up2", "up2")],
)
def test_names_decode_metricsql_escapes(text: str, name: str) -> None:
    assert parse_series_selector(text).groups == ((LabelFilter("__name__", "=", name),),)


@pytest.mark.parametrize("text", ["1a", "a\u0663", "a\\", "a\\xZZ", "a\\\tb"])
def test_not_names(text: str) -> None:
    # a digit cannot start a name, only ASCII digits continue one, an escape must decode to a printable
    with pytest.raises(SelectorError):
        parse_series_selector(text)
