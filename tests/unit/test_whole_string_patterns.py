"""Checks of whole strings use ``fullmatch`` (or ``\\Z``), never ``^...$``: Python's ``$`` also matches
before a final newline, so ``"web\\n"`` passed as a name, a label or a size. And digit classes are
ASCII: Python's ``\\d`` also takes ``"١٢"``, which no Go parser does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.manifests import load_manifests

PACKAGE = Path(__file__).resolve().parents[2] / "vmscrape_component"


def _pattern_literals() -> list[tuple[str, int, str, bool]]:
    """Every string literal given to re.compile/match/search/fullmatch in the package, with whether
    re.ASCII is passed."""
    found = []
    for source in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("re", "re2")
                and node.func.attr in ("compile", "match", "search", "fullmatch")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                ascii_flag = "ASCII" in ast.unparse(node)
                found.append((str(source.relative_to(PACKAGE)), node.lineno, node.args[0].value, ascii_flag))
    return found


def test_the_scan_finds_the_patterns() -> None:
    assert len(_pattern_literals()) > 30


def test_no_pattern_ends_with_a_dollar() -> None:
    # An unescaped `$` at the end of a pattern matches before a trailing "\n" too.
    ends = [(f, line, p) for f, line, p, _ in _pattern_literals() if re.search(r"(?<!\\)\$\)*\Z", p)]
    assert ends == []


def test_digit_and_word_classes_of_the_validating_layers_are_ascii() -> None:
    unicode_classes = [
        (f, line, p)
        for f, line, p, ascii_flag in _pattern_literals()
        if f.startswith(("grammar/", "models/", "manifests.py"))
        and re.search(r"\\[dw]", p)
        and not ascii_flag
    ]
    assert unicode_classes == []


MANIFEST = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{{label_key}: {label_value}}}
spec:
  selector: {{matchLabels: {{{match_key}: {match_value}}}}}
  endpoints: [{{port: web}}]
"""
GOOD = {
    "name": "a",
    "namespace": "default",
    "label_key": "app",
    "label_value": "x",
    "match_key": "app",
    "match_value": "x",
}


@pytest.mark.parametrize("field", sorted(GOOD))
def test_a_trailing_newline_is_refused(field: str, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.format(**GOOD))
    load_manifests([path])  # the good manifest loads
    path.write_text(MANIFEST.format(**{**GOOD, field: '"' + GOOD[field] + '\\n"'}))
    with pytest.raises(VMScrapeError):
        load_manifests([path])
