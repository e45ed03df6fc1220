"""Property: `vmscrape validate` accepts a value exactly when vmagent accepts what the operator writes.

Hypothesis draws edge values where the two were found to disagree (issue 12): integers at the int64 and
uint64 edges and just past them, YAML 1.1 null and bool spellings, quotes and escapes inside ``if``
selectors, regexes mixing RE2-only and PCRE-only constructs. Each value goes into one VMServiceScrape.

- The values the models accept are rendered together (models → renderer → YAML) into one config, which
  vmagent must load without an error (one ``vmagent -dryRun`` per example).
- A few of the values the models refuse (``REFUSED_PER_EXAMPLE``, distinct) are each written the way the
  operator would write them into a job of their own, which vmagent must refuse (one run each).

So one example costs at most ``1 + REFUSED_PER_EXAMPLE`` vmagent runs (a quarter of a second each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.session import COUNTS, fuzz_settings
from tests.support.vmagent import dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import VMServiceScrapeModel
from vmscrape_component.render import config_yaml, render_config
from vmscrape_component.render.yaml import dump

pytestmark = pytest.mark.vmagent

#: Refused values checked against vmagent per example (each costs one vmagent run).
REFUSED_PER_EXAMPLE = 3
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


@dataclass(frozen=True)
class Edge:
    """One drawn value and the field it goes into."""

    #: sampleLimit, seriesLimit (of the endpoint), spec.sampleLimit, spec.seriesLimit, modulus, regex, if,
    #: replacement, separator (of a relabel rule)
    field: str
    value: Any

    def spec(self) -> dict[str, Any]:
        """The spec of a VMServiceScrape carrying the value (CRD spelling)."""
        endpoint: dict[str, Any] = {"port": "http"}
        spec: dict[str, Any] = {"selector": {}, "endpoints": [endpoint]}
        if self.field.startswith("spec."):
            spec[self.field.removeprefix("spec.")] = self.value
        elif self.field in ("sampleLimit", "seriesLimit"):
            endpoint[self.field] = self.value
        else:
            endpoint["relabelConfigs"] = [_rule(self.field, self.value, camel=True)]
        return spec

    def job(self) -> dict[str, Any]:
        """The part of the job the operator writes for the value (vmagent spelling)."""
        job: dict[str, Any] = {"job_name": "edge", "static_configs": [{"targets": ["127.0.0.1:1"]}]}
        limit = self.field.removeprefix("spec.")
        if limit in ("sampleLimit", "seriesLimit"):
            job["sample_limit" if limit == "sampleLimit" else "series_limit"] = self.value
        else:
            job["relabel_configs"] = [_rule(self.field, self.value, camel=False)]
        return job


def _rule(field: str, value: Any, *, camel: bool) -> dict[str, Any]:
    source, target = ("sourceLabels", "targetLabel") if camel else ("source_labels", "target_label")
    if field == "modulus":
        return {"action": "hashmod", source: ["a"], target: "b", "modulus": value}
    if field == "if":
        return {"action": "drop", "if": value}
    if field == "regex":
        return {"action": "keep", source: ["a"], "regex": value}
    return {"action": "replace", source: ["a"], target: "b", field: value}  # replacement, separator


def _near(edge: int) -> st.SearchStrategy[int]:
    return st.integers(edge - 2, edge + 2)


_LIMITS = st.one_of(
    st.integers(0, 3), _near(INT64_MAX), _near(UINT64_MAX), st.sampled_from([2**64 + 4096, 10**30])
)
# Moduli 2^64 .. 2^64+2048 are left out: vmagent rounds them to a float it accepts, the operator's uint64
# cannot hold them (tests/conformance/test_validation_vs_vmagent.py pins that difference).
_MODULI = st.one_of(
    st.integers(1, 3),
    _near(INT64_MAX),
    st.integers(UINT64_MAX - 2, UINT64_MAX),
    st.sampled_from([2**64 + 4096, 2**70]),
)
#: YAML 1.1 nulls and booleans, in the spellings yaml.v2 knows and some it does not.
YAML_SPELLINGS = ["null", "Null", "NULL", "~", "", "nil", "true", "True", "TRUE", "false", "yes", "Yes"]
YAML_SPELLINGS += ["no", "NO", "on", "On", "off", "y", "Y", "n", "N", ".nan", ".inf", "0x1F", "1e3"]
_YAML_SPELLINGS = st.sampled_from(YAML_SPELLINGS)

_REGEX_PIECES = st.sampled_from(
    [
        # RE2 and Go agree
        "a", "b|c", ".*", "(x)", "[a-z]+", "\\d", "\\pL", "\\p{Greek}", "[[:word:]]", "(?i)", "(?s:.)", "\\z",
        "\\A", "\\Q.*\\E", "(?P<n>a)", "(?<m>b)", "a{2,3}", "\\x{41}", "\\0", "\\\\", "\\.", "$", "^",
        # RE2 only (C++), refused by Go's regexp
        "\\C",
        # PCRE only: refused by both
        "(?=a)", "(?!a)", "(?<=a)", "\\1", "\\h", "\\R", "\\X", "(?x)", "(?#c)", "a++", "(?>a)", "\\G", "\\Z",
        "\\e", "(?P=n)", "a{1001}",
        # half-open
        "(", ")", "[", "\\",
    ]
)  # fmt: skip
_REGEXES = st.one_of(st.lists(_REGEX_PIECES, min_size=1, max_size=4).map("".join), _YAML_SPELLINGS)

#: Characters that make string literals inside selectors interesting.
_BODY_CHARS = st.sampled_from(
    ["a", " ", "'", '"', "`", "\\", "n", "t", "x", "4", "0", "7", "u", "é", "\n", "{", "}"]
)
_BODIES = st.lists(_BODY_CHARS, max_size=6).map("".join)


@st.composite
def _selectors(draw: Callable[..., Any]) -> str:
    quote = draw(st.sampled_from(["'", '"', "`"]))
    literal = f"{quote}{draw(_BODIES)}{quote}"
    op = draw(st.sampled_from(["=", "!=", "=~", "!~"]))
    name = draw(
        st.sampled_from(["", "up", "null", "inf", "a:b", "a\\-b", "a\\x4", "\\u00e9", "a\u0663", "é"])
    )
    selector = f"{name}{{a{op}{literal}}}" if draw(st.booleans()) or not name else name
    wrap = draw(st.sampled_from(["", "", "+", "-", "(", "+("]))
    return wrap + selector + ")" * wrap.count("(")


_IFS = st.one_of(_selectors(), _YAML_SPELLINGS)

edges = st.one_of(
    st.builds(
        Edge, st.sampled_from(["sampleLimit", "seriesLimit", "spec.sampleLimit", "spec.seriesLimit"]), _LIMITS
    ),
    st.builds(Edge, st.just("modulus"), _MODULI),
    st.builds(Edge, st.just("regex"), _REGEXES),
    st.builds(Edge, st.just("if"), _IFS),
    st.builds(Edge, st.sampled_from(["replacement", "separator"]), _YAML_SPELLINGS),
)


def _scrape(index: int, edge: Edge) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"edge-{index}", "namespace": "fz"},
        "spec": edge.spec(),
    }


def _verdicts(drawn: list[Edge]) -> tuple[list[tuple[Edge, VMServiceScrapeModel]], list[Edge]]:
    accepted: list[tuple[Edge, VMServiceScrapeModel]] = []
    refused: list[Edge] = []
    for index, edge in enumerate(drawn):
        try:
            accepted.append((edge, VMServiceScrapeModel.from_manifest(_scrape(index, edge))))
        except VMScrapeError:
            refused.append(edge)
    return accepted, refused


def _loads(scrapes: list[VMServiceScrapeModel], vmagent: str) -> tuple[bool, str]:
    result = dry_run(config_yaml(render_config(scrapes)), binary=vmagent)
    return result.ok, "\n".join(result.errors or [result.output])


@fuzz_settings(scale=0.15)
@given(drawn=st.lists(edges, min_size=20, max_size=40))
def test_validate_accepts_exactly_what_vmagent_accepts(drawn: list[Edge], vmagent: str) -> None:
    accepted, refused = _verdicts(drawn)
    if accepted:
        ok, errors = _loads([scrape for _, scrape in accepted], vmagent)
        if not ok:  # name the values vmagent refuses, one run each (only when the property fails)
            culprits = [edge for edge, scrape in accepted if not _loads([scrape], vmagent)[0]]
            pytest.fail(f"validate accepts, vmagent refuses: {culprits}\n{errors}")
    distinct = list({repr(edge): edge for edge in refused}.values())[:REFUSED_PER_EXAMPLE]
    for edge in distinct:
        result = dry_run(dump({"scrape_configs": [edge.job()]}), binary=vmagent)
        assert not result.ok, f"validate refuses {edge}, vmagent accepts it"
    COUNTS["edge_values"] += len(drawn)
    COUNTS["edge_accepted"] += len(accepted)
    COUNTS["edge_refused_checked"] += len(distinct)
    COUNTS["edge_vmagent_runs"] += bool(accepted) + len(distinct)
