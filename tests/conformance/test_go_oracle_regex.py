"""Regexes (relabel ``regex`` and ``if`` selectors) checked as Go's regexp compiles them, not as the C++
RE2 behind Python's ``re2``: the verdicts below are vmagent's (``go-oracle``), kept as data and checked
against both the oracle and vmscrape's validation; generated corpora near Go's limits compare the two.
"""

from __future__ import annotations

import itertools
import json

import pytest

from tests.support.go_oracle import GoOracle
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.grammar import regex_problem, series_selector_problem
from vmscrape_component.grammar.go_unicode import GO_UNICODE_CLASS_NAMES
from vmscrape_component.models import RelabelConfig

pytestmark = pytest.mark.vmagent

#: regex -> does vmagent compile it (in a relabel rule)? Each one differed between RE2 and Go before.
REGEX_VERDICTS: dict[str, bool] = {
    r"\p{Greek}": True,
    r"\p{greek}": True,  # Go matches class names loosely; RE2 does not
    r"\p{Cn}": True,  # unassigned: Go knows it, RE2 does not
    r"\p{LC}": True,
    r"\p{Letter}": True,  # a category alias
    r"\p{Old_Italic}": False,  # Go drops the underscore and finds no "Olditalic": refused
    r"\p{Nag_Mundari}": False,
    r"(?P<é>a)": False,  # Go: ASCII group names only
    r"(?P<a_1>a)": True,
    r"(?<n>a)": True,
    r"\pL{1000}": True,  # RE2's memory budget refuses it, Go's size limit does not
    r"[\p{L}\p{N}]{1000}": True,
    r"\Qa.b": False,  # \Q without \E: literal to the end, so it swallows the anchoring `)$`
    r"\Qa.b\E": True,
    r"\C": False,
    "(" * 998 + "a" + ")" * 998: True,  # anchored: 1,000 levels
    "(" * 999 + "a" + ")" * 999: False,  # anchored: 1,001 levels (RE2 accepts it)
    "(?:" * 2000 + "a" + ")" * 2000: True,  # non-capturing groups are no levels for Go
    "(?:a*)*" * 3 + "(" * 998 + "a" + ")" * 998: True,
    "(?:a*)*" * 3 + "(" * 999 + "a" + ")" * 999: False,
}


def _relabel_compiles(regex: str) -> bool:
    try:
        RelabelConfig(action="keep", source_labels=["a"], regex=regex)
    except VMScrapeError:
        return False
    return True


def _relabel_yaml(regex: str) -> str:
    return "- action: keep\n  source_labels: [a]\n  regex: " + json.dumps(regex) + "\n"


def test_regex_verdicts_are_vmagents(go_oracle: GoOracle) -> None:
    theirs = go_oracle.accepts("relabel", [_relabel_yaml(r) for r in REGEX_VERDICTS])
    assert dict(zip(REGEX_VERDICTS, theirs.values(), strict=True)) == REGEX_VERDICTS


def test_regexes_validate_as_vmagent_compiles_them() -> None:
    assert {r: _relabel_compiles(r) for r in REGEX_VERDICTS} == REGEX_VERDICTS


def test_unicode_class_names_are_gos(go_oracle: GoOracle) -> None:
    (answer,) = go_oracle.ask("unicode-names", [""])
    assert set(answer.value.split("\n")) == GO_UNICODE_CLASS_NAMES


def _unicode_class_corpus() -> list[str]:
    names = sorted(GO_UNICODE_CLASS_NAMES)
    spelled = [n.upper() for n in names[::7]] + [n.lower() for n in names[::5]] + ["L", "N", "Z", "Xx"]
    spelled += ["Old_Italic", "Old-Italic", "OldItalic", "old italic", "Greek_", "_Greek", "Lu_", "Zzzz"]
    spelled += [
        "Canadian_Aboriginal",
        "Nko",
        "Unknown",
        "Common",
        "Inherited",
        "Cs",
        "Co",
        "C",
        "Any",
        "ascii",
    ]
    out = [f"\\p{{{n}}}" for n in names + spelled]
    out += [f"[^\\P{{^{n}}}x]" for n in spelled] + [f"\\p{n}" for n in "LMNPSZCXY"]
    return out


def _nested_corpus() -> list[str]:
    out = []
    for depth in (996, 997, 998, 999, 1000, 1001):
        for open_, close, inner in [
            ("(", ")", "a"),
            ("(", ")", "ab"),
            ("(?:", ")", "a"),
            ("(?:(", "))", "a"),
            ("(a|", ")", "b"),
            ("(?:a|", ")", "bc"),
            ("(?:x", ")*", "a"),
            ("(", ")+", "a"),
            ("(?:", ")?", "a"),
            ("(?:ab", "){2}", "a"),
            ("[a](", ")", "b"),
        ]:
            k = depth // max(1, open_.count("("))
            out.append(open_ * k + inner + close * k)
    out += [
        "(?i)" + "(" * 998 + "a" + ")" * 998,
        "x|" + "(" * 998 + "a" + ")" * 998,
        "^" + "(" * 999 + "a)" * 999,
    ]
    return out


def _size_corpus() -> list[str]:
    out = []
    for base, reps in itertools.product(
        ["a", "ab", "[a-z]", r"\pL", "(a)", "a*", "(?:abc|de)"], [10, 100, 1000]
    ):
        out += [
            f"{base}{{{reps}}}",
            f"(?:{base}{{{reps}}}){{10}}",
            f"(?:{base}{{{reps // 10 or 1}}}){{{reps}}}",
        ]
    out += ["(?:" + "abcdefghij" * 40 + "){1000}", "(?:" + "abcdefghij" * 400 + "){1000}"]
    out += ["(?:" + "[a-z]" * 4000 + "){1000}", r"(?:\pL{1000}){3}", "a{1000}b{1000}c{1000}" * 200]
    return out


@pytest.mark.parametrize("corpus", [_unicode_class_corpus, _nested_corpus, _size_corpus])
def test_regex_check_matches_go_regexp(corpus, go_oracle: GoOracle) -> None:  # type: ignore[no-untyped-def]
    regexes = corpus()
    theirs = go_oracle.ask("relabel", [_relabel_yaml(r) for r in regexes])
    differ = [
        (r[:80], len(r), a.ok, regex_problem(r), a.error[:100])
        for r, a in zip(regexes, theirs, strict=True)
        if (regex_problem(r) is None) != a.ok
    ]
    assert differ == [], f"{len(differ)} of {len(regexes)} differ: {differ[:5]}"


def test_if_selectors_check_regexes_as_go(go_oracle: GoOracle) -> None:
    regexes = list(REGEX_VERDICTS) + _nested_corpus()[::3]
    selectors = ["{a=~" + json.dumps(r) + "}" for r in regexes]
    theirs = go_oracle.ask("if", selectors)
    differ = [
        (s[:80], a.ok, series_selector_problem(s), a.error[:100])
        for s, a in zip(selectors, theirs, strict=True)
        if (series_selector_problem(s) is None) != a.ok
    ]
    assert differ == [], f"{len(differ)} of {len(selectors)} differ: {differ[:5]}"
