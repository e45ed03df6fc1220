"""The YAML emitter: yaml.v2's block layout, quoting that always reads back the same, determinism."""

from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.processes import python_code_with_hash_seed
from vmscrape_component.render import yaml_scalar
from vmscrape_component.render.yaml import dump, is_plain_safe, scalar


def test_block_layout_is_the_one_yaml_v2_prints() -> None:
    job = {
        "job_name": "serviceScrape/default/web/0",
        "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {"names": ["default"]}}],
        "honor_labels": False,
        "relabel_configs": [{"action": "keep", "source_labels": ["a", "b"], "regex": "x"}],
        "params": {},
        "nested": [["a", "b"], []],
        "sample_limit": 10,
    }
    assert dump(job) == textwrap.dedent(
        """\
        job_name: serviceScrape/default/web/0
        kubernetes_sd_configs:
        - role: endpoints
          namespaces:
            names:
            - default
        honor_labels: false
        relabel_configs:
        - action: keep
          source_labels:
          - a
          - b
          regex: x
        params: {}
        nested:
        - - a
          - b
        - []
        sample_limit: 10
        """
    )


TRICKY = [
    "8080",
    "0x1F",
    "0o17",
    "1_000",
    "1e3",
    ".5",
    "1:20",
    "2024-01-02",
    "+1",
    "-1",
    "-",
    "-x",
    "---",
    "...",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    " ",
    " lead",
    "trail ",
    "a: b",
    "a:b",
    "key:",
    "a #b",
    "a#b",
    "#x",
    "*star",
    "&amp",
    "!tag",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    "'q'",
    '"q"',
    "[a]",
    "{a}",
    "a,b",
    "?x",
    "? x",
    ":x",
    "${1}",
    "$1",
    "Pod;(.*)",
    ";",
    "\\",
    "a\\nb",
    "tab\there",
    "multi\nline",
    "cr\r",
    "nul\x00",
    "bell\x07",
    "del\x7f",
    "nel\x85",
    "ls\u2028",
    "ps\u2029",
    "bom\ufeff",
    "ünïcödé",
    "日本語",
    "emoji 😀",
    "<<",
    "=",
    ".inf",
    "-.Inf",
    ".NaN",
    "0",
    "00",
    "-0",
    "1.0",
    "0.",
    "1e+16",
]


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_strings_read_back_unchanged(value: str) -> None:
    text = dump({"k": value, "list": [value], value or "empty": 1})
    assert yaml.safe_load(text) == {"k": value, "list": [value], value or "empty": 1}
    if not any(c in value for c in "\r\n\x85\u2028\u2029"):
        assert text.count("\n") == 4  # one line per scalar (yaml.v2 writes keys with breaks as `? key`)


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("http", True),
        ("/metrics", True),
        ("${1}", True),
        ("Node;(.*)", True),
        ("__meta_kubernetes_pod_name", True),
        ("30s", True),
        ("8080", False),
        ("yes", False),
        ("a: b", False),
        ("", False),
        ("*x", False),
    ],
)
def test_plain_only_when_safe(value: str, plain: bool) -> None:
    assert is_plain_safe(value) is plain
    assert (scalar(value) == value) is plain


def test_other_scalars() -> None:
    assert [scalar(v) for v in (None, True, False, 0, -3, 1.5, 1e16, float("inf"), float("-inf"))] == [
        "null",
        "true",
        "false",
        "0",
        "-3",
        "1.5",
        "1.0e+16",
        ".inf",
        "-.inf",
    ]
    with pytest.raises(TypeError):
        scalar(object())
    with pytest.raises(TypeError, match="set has no order"):
        dump({"s": {1, 2}})


def test_a_shared_subtree_is_written_correctly_at_every_level() -> None:
    rules = [{"action": "keep", "regex": "a"}, {"action": "drop", "regex": "b"}]
    doc = {"jobs": [{"r": rules}, {"r": rules, "inner": {"r": rules}}]}
    assert yaml.safe_load(dump(doc)) == doc


def test_very_long_keys_use_the_explicit_form() -> None:
    key = "k" * 1500
    assert yaml.safe_load(dump({key: "v", "x": [1]})) == {key: "v", "x": [1]}


scalars = st.one_of(st.text(max_size=30), st.booleans(), st.none(), st.integers(), st.floats(allow_nan=False))
trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True)
@given(trees)
def test_any_tree_round_trips_through_pyyaml(tree: object) -> None:
    assert yaml.safe_load(dump(tree)) == tree


@pytest.mark.slow
def test_output_does_not_depend_on_hash_seed() -> None:
    code = (
        "from vmscrape_component.render.yaml import dump;"
        "print(dump({'b': ['x', 'yes'], 'a': {'z': 1, 'y': [{'k': 'v'}]}, 'c': [['1'], []]}))"
    )
    outputs = {python_code_with_hash_seed(code, seed) for seed in ("0", "1", "4242")}
    assert len(outputs) == 1


# What gopkg.in/yaml.v2 v2.4.0 (the operator's marshaller) writes for `k: <value>`, taken from yaml.v2
# itself: plain when it reads back as the string, single quotes when only the emitter's rules forbid
# plain, double quotes when plain would be another type or a character needs an escape.
YAML_V2_VALUES = [
    ('{__name__=~"up|down"}', "'{__name__=~\"up|down\"}'"),
    ("a: b", "'a: b'"),
    ("it's: x", "'it''s: x'"),
    ("- x", "'- x'"),
    ("-x", "-x"),
    (":x", ":x"),
    ("x #y", "'x #y'"),
    ("x#y", "x#y"),
    ("#x", "'#x'"),
    (" lead", "' lead'"),
    ("tab\there", '"tab\\there"'),
    ("yes", '"yes"'),
    ("8080", '"8080"'),
    ("1:20", '"1:20"'),
    ("2024-1-2", '"2024-1-2"'),
    ("2024-13-2", "2024-13-2"),
    ("0x1F", '"0x1F"'),
    ("0xZZ", "0xZZ"),
    ("08", '"08"'),
    ("Inf", "Inf"),
    ("日本語 x: y", "'日本語 x: y'"),
    ("emoji 😀", '"emoji \\U0001F600"'),
    ("\ufeffa=", '"\\uFEFF\\x61\\x3D"'),
    ("bell\x07 esc\x1b", '"bell\\a esc\\e"'),
]


@pytest.mark.parametrize(("value", "text"), YAML_V2_VALUES)
def test_strings_are_written_as_yaml_v2_writes_them(value: str, text: str) -> None:
    assert dump({"k": value}) == f"k: {text}\n"
    assert dump([value]) == f"- {text}\n"
    assert yaml.safe_load(dump({"k": value})) == {"k": value}


def test_long_values_fold_past_column_80_like_yaml_v2() -> None:
    words = " ".join(["word"] * 19)
    selector = '{job="a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m"}'
    text = dump({"k": words, "list": [selector], "nested": [{"relabel_configs_key": selector}], selector: 1})
    assert text == textwrap.dedent(
        """\
        k: word word word word word word word word word word word word word word word word
          word word word
        list:
        - '{job="a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k
          l m"}'
        nested:
        - relabel_configs_key: '{job="a b c d e f g h i j k l m n o p q r s t u v w x y z
            a b c d e f g h i j k l m"}'
        '{job="a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m"}': 1
        """
    )
    assert yaml.safe_load(text) == {
        "k": words,
        "list": [selector],
        "nested": [{"relabel_configs_key": selector}],
        selector: 1,
    }


def test_keys_past_128_bytes_use_the_explicit_form_like_yaml_v2() -> None:
    key = "k" * 129
    assert dump({key: "v", "short": ["a"]}) == f"? {key}\n: v\nshort:\n- a\n"
    assert dump({"k" * 128: "v"}) == f"{'k' * 128}: v\n"


# Line breaks, as yaml.v2 writes `k: <value>` (taken from yaml.v2 itself).
YAML_V2_BREAKS = [
    ("a\nb", "k: |-\n  a\n  b\n"),
    ("a\n", "k: |\n  a\n"),
    ("a\n\n", "k: |+\n  a\n\n"),
    (" a\nb", "k: |2-\n   a\n  b\n"),
    ("a \nb", 'k: "a \\nb"\n'),
    ("a\u2028b", "k: 'a\u2028  b'\n"),
]


@pytest.mark.parametrize(("value", "text"), YAML_V2_BREAKS)
def test_line_breaks_are_written_as_yaml_v2_writes_them(value: str, text: str) -> None:
    assert dump({"k": value}) == text
    assert yaml.safe_load(text) == {"k": value}


_NAME_CHARS = "abnoyYNOtfTFexinfal0123456789_-/."


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_NAME_CHARS, min_size=1, max_size=12))
def test_the_plain_fast_path_agrees_with_the_full_analysis(value: str) -> None:
    # The fast path (issue 21) may only answer "plain" where the full analysis does, and such a string
    # must read back as itself through PyYAML (YAML 1.1).
    if yaml_scalar._SURELY_PLAIN.match(value):
        assert yaml_scalar._style_of(value) == "plain"
        assert yaml.safe_load(f"k: {value}\n") == {"k": value}


@pytest.mark.parametrize(
    "value", ["serviceScrape/ns-1/svc-1/0", "svc-1", "a.b", "y-n", "no/", "on.", "Null-x", "e1.5", "inf.x"]
)
def test_the_plain_fast_path_takes_job_like_names(value: str) -> None:
    assert yaml_scalar._SURELY_PLAIN.match(value)
    assert yaml_scalar._style_of(value) == "plain"


@pytest.mark.parametrize("value", ["yes", "no", "null", "1.5", ".inf", "-a", "a:b", "a b", "a#b", "a", "ab"])
def test_the_plain_fast_path_leaves_the_rest_to_the_analysis(value: str) -> None:
    assert not yaml_scalar._SURELY_PLAIN.match(value)
