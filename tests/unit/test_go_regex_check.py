"""The Go-regexp check never fails on its own: any text gets a verdict (a reason or ``None``), also text
built from the syntax's special characters and at Go's limits. Whether the verdicts are Go's is
tests/conformance/test_go_oracle_regex.py's question."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmscrape_component.grammar import regex_problem
from vmscrape_component.grammar.regex import GO_MAX_HEIGHT, go_regex_limits

_PIECES = st.sampled_from(
    [
        "(",
        ")",
        "(?:",
        "(?P<n>",
        "(?<é>",
        "(?i)",
        "[",
        "]",
        "[^",
        "[:alpha:]",
        "\\",
        "\\Q",
        "\\E",
        "\\p{",
        "\\pL",
        "\\P{^Greek}",
        "}",
        "{",
        "{2}",
        "{1,}",
        "{,3}",
        "*",
        "+",
        "?",
        "|",
        "^",
        "$",
        ".",
        "a",
        "é",
        "\\x{41}",
        "\\x4",
        "\\C",
        "\\d",
        "\n",
    ]
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_text_gets_a_verdict(expr: str) -> None:
    problem = regex_problem(expr)
    assert problem is None or isinstance(problem, str)


def test_heights_count_groups_and_repeats_not_plain_parentheses() -> None:
    assert go_regex_limits("a")[0] == 1
    assert go_regex_limits("(a)")[0] == 2
    assert go_regex_limits("(?:(?:(?:a)))")[0] == 1
    assert go_regex_limits("(a*)")[0] == 3
    assert go_regex_limits("^(?:(a))$")[0] == 3  # concat(^, capture(a), $)


def test_a_long_flat_regex_is_not_deep() -> None:
    flat = "a|" * 5000 + "b"
    assert go_regex_limits(flat)[0] < GO_MAX_HEIGHT
    assert regex_problem(flat) is None


def test_the_simulator_matches_unicode_names_as_go_reads_them() -> None:
    # Go's regexp/syntax canonicalizes class names (parse.go:1675): \p{greek} is \p{Greek} for vmagent;
    # RE2 knows only the second spelling, so the simulator respells it.
    from vmscrape_component.simulate.relabel import apply_rules, parse_rules

    rules = parse_rules([{"action": "keep", "source_labels": ["a"], "regex": "\\p{greek}+"}])
    assert apply_rules(rules, {"a": "αβγ"}).labels == {"a": "αβγ"}
    assert apply_rules(rules, {"a": "abc"}).labels == {}


def test_the_simulator_compiles_what_only_re2s_memory_budget_refused() -> None:
    from vmscrape_component.simulate.relabel import apply_rules, parse_rules

    rules = parse_rules([{"action": "keep", "source_labels": ["a"], "regex": "\\pL{1000}"}])
    assert apply_rules(rules, {"a": "x" * 1000}).labels == {"a": "x" * 1000}
    assert apply_rules(rules, {"a": "x" * 999}).labels == {}
