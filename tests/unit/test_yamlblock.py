"""The quick block-style reader (``yamlblock``) against PyYAML, the reference: whatever it reads, it reads
exactly as ``manifests``' PyYAML loader does; whatever it declines (or PyYAML refuses) goes to PyYAML."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.workload import manifests as workload
from vmscrape_component.manifests import _Loader, _PlainScalars, parse_documents
from vmscrape_component.render import dump_yaml
from vmscrape_component.yamlblock import block_documents

TESTS = Path(__file__).resolve().parents[1]


def _reference(text: str) -> Any:
    try:
        return ("ok", list(yaml.load_all(text, Loader=_Loader)))
    except yaml.YAMLError as exc:
        return ("error", str(exc))


def _same(a: Any, b: Any) -> bool:
    """Equal, with the types too (``1 == True == 1.0`` in Python, not in YAML) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (
            list(a) == list(b)
            and all(_same(k, j) for k, j in zip(a, b, strict=True))
            and all(_same(a[k], b[k]) for k in a)
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _check(text: str) -> bool:
    """The quick reader agrees with PyYAML on ``text``; True when it read it (did not decline)."""
    quick = block_documents(text, _PlainScalars())
    if quick is None:
        return False
    kind, reference = _reference(text)
    assert kind == "ok", f"read what PyYAML refuses ({reference}):\n{text}"
    assert _same(quick, reference), (
        f"read differently from PyYAML:\n{text}\nquick: {quick!r}\nref: {reference!r}"
    )
    return True


def test_the_benchmark_workload_is_read_quickly_and_identically() -> None:
    text = "".join(f"---\n{dump_yaml(doc)}" for doc in workload(300))
    assert _check(text)


@pytest.mark.parametrize(
    "path", sorted(p for p in TESTS.rglob("*.yaml") if ".hypothesis" not in p.parts), ids=lambda p: p.name
)
def test_every_yaml_file_of_the_tests_reads_as_pyyaml_reads_it(path: Path) -> None:
    _check(path.read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: yes\nb: 0777\nc: 1:20\nd: 1e3\ne: ~\nf: 2001-01-01\n", None),  # YAML 1.1, as PyYAML
        ("---\n---\na: 1\n", None),
        ("a: 1\n---\n", None),
        ("k:\n- x: 1\n  y: [] \n- {}\nz: 'it''s'\n", None),
        ("# only a comment\n", None),
    ],
)
def test_yaml_1_1_scalars_and_document_boundaries(text: str, expected: None) -> None:
    assert _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: PyYAML's path names both lines
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: b\n  c\n",  # a multi-line plain scalar
        "a: [1, 2]\n",
        "<<: {a: 1}\n",
        "a:\n\tb: 1\n",
        "a: 'x\n  y'\n",
        'a: "\\n"\n',
        "a: b # comment\n",
        "a: é\n",
        "--- a\n",
        "  a: 1\n",
        "scalar\n",
        "a:\n  b: 1\n c: 2\n",
        "a: -\n",  # a `-` alone is a sequence entry, not a value: PyYAML's error
        "- a: -\n",
    ],
)
def test_what_it_leaves_to_pyyaml(text: str) -> None:
    assert block_documents(text, _PlainScalars()) is None


def test_kubectl_output_with_managed_fields_and_container_args() -> None:
    text = (
        "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n"
        '    creationTimestamp: "2024-05-01T10:00:00Z"\n    managedFields:\n    - fieldsV1:\n'
        "        f:metadata:\n          f:labels:\n            .: {}\n"
        '        k:{"type":"Ready"}:\n          .: {}\n    name: web-abcde\n'
        '    resourceVersion: "12345"\n  spec:\n    containers:\n    - args:\n      - --port=8080\n'
        "      - -v=2\n      - ---x\n      image: nginx:1.25\n      ports:\n      - containerPort: 8080\n"
        'kind: List\nmetadata:\n  resourceVersion: ""\n'
    )
    assert _check(text)


def test_a_duplicate_key_is_still_reported_with_both_lines(tmp_path: Path) -> None:
    from vmscrape_component.errors import VMScrapeError

    with pytest.raises(VMScrapeError, match=r"duplicate key 'b' \(lines 2 and 4\)"):
        parse_documents("f.yaml", "a: 1\nb: 2\nc: 3\nb: 4\n")


def test_a_plain_scalar_resolved_by_its_first_character_as_by_the_resolver() -> None:
    """The quick "no resolver for this first character" answer against PyYAML's full resolution, for
    every printable first character and suffixes that make numbers, booleans, nulls and timestamps."""
    quick = _PlainScalars()
    full = _PlainScalars()
    full._first = None  # every text through the loader's resolver and constructors
    assert quick._first, "the quick path is off: the loader's resolvers changed"
    texts = [
        c + tail
        for c in map(chr, range(0x21, 0x7F))
        for tail in ("", "0", "es", "ull", "rue", "1:30", ".5", "e3", "001-01-01", "x-y")
    ]
    for text in texts:
        a, b = quick(text), full(text)
        assert type(a) is type(b) and (a == b or a is b or a != a), text


# Generated streams: lines built from YAML's tricky pieces, most of them invalid or outside the subset.
_SCALARS = [
    "a",
    "b",
    "key",
    "yes",
    "No",
    "on",
    "0777",
    "0x1F",
    "1_000",
    "1:20",
    "1e3",
    "1.5",
    "-1",
    "+1",
    ".5",
    ".inf",
    "~",
    "null",
    "",
    "true",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "-",
    "--",
    "---",
    "...",
    "a b",
    "a  b",
    "a:b",
    "http://h:8080/p",
    "x]y",
    "x,y",
    "{z}",
    "a#b",
    "a #b",
    "'q'",
    "'it''s'",
    "''",
    '"d"',
    '"a: b"',
    '"x\\"',
    "[]",
    "{}",
    "[1]",
    "{a: 1}",
    "&a",
    "*a",
    "!t",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "? a",
    ":",
    ":a",
    "a:",
    "- a",
    "go_.*",
    "(.+):(\\d+)",
    "$1",
    "a\\b",
    "svc-01",
    "10.0.0.1",
    "a/b",
    "./x",
    "_x",
    "x-",
    "x.",
    "Yes-x",
    "n.a",
]
#: Mostly pieces it reads, so that most streams get past the line reader to the structure.
_COMMON = ["a", "b", "c", "yes", "0777", "1:20", "1e3", "-1", "~", "'q'", '"d"', "a b", "a:b", "[]", "{}"]
_PIECE = st.sampled_from(_COMMON * 6 + _SCALARS)
_INDENT = st.sampled_from([0, 0, 2, 2, 4, 1, 3])
_LINE = st.one_of(
    st.builds(lambda i, k, v: f"{' ' * i}{k}: {v}", _INDENT, _PIECE, _PIECE),
    st.builds(lambda i, k: f"{' ' * i}{k}:", _INDENT, _PIECE),
    st.builds(lambda i, v: f"{' ' * i}- {v}", _INDENT, _PIECE),
    st.builds(lambda i, k, v: f"{' ' * i}- {k}: {v}", _INDENT, _PIECE, _PIECE),
    st.builds(lambda i, k, v: f"{' ' * i}-   {k}: {v}", _INDENT, _PIECE, _PIECE),
    st.builds(lambda i: f"{' ' * i}-", _INDENT),
    st.sampled_from(["---", "--- ", "...", "", "  ", "# c", "  # c", "a: 1 ", "- - a"]),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=12))
def test_generated_line_streams_read_as_pyyaml_reads_them(lines: list[str]) -> None:
    _check("\n".join(lines) + "\n")


_KEYS = st.sampled_from([s for s in _SCALARS if s and s[0] not in "'\"[{"] + ["name", "port", "a"])
_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 10**6),
        st.floats(allow_nan=False),
        st.sampled_from(_SCALARS),
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(_KEYS, _VALUES, min_size=1, max_size=5), min_size=1, max_size=3))
def test_what_emitters_write_reads_back_as_pyyaml_reads_it(docs: list[dict[str, Any]]) -> None:
    _check("".join(f"---\n{dump_yaml(doc)}" for doc in docs))  # yaml.v2's style, as the operator writes
    _check(yaml.safe_dump_all(docs, sort_keys=False))  # PyYAML's (kubectl's is the same block style)
