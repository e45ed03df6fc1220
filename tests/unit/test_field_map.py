"""docs/FIELDS.md (CRD field → model line → readers) is current: regenerate it with
``python -m tests.support.fieldmap`` when a model or a reader changes."""

from __future__ import annotations

from tests.support.fieldmap import FIELDS_MD, generate, model_site, readers, walk
from vmscrape_component.models import Endpoint, VMServiceScrapeSpec


def test_the_field_map_is_current() -> None:
    assert FIELDS_MD.read_text() == generate(), "stale: run `python -m tests.support.fieldmap`"


def test_the_map_points_at_the_real_lines() -> None:
    site = model_site(Endpoint, "scrape_timeout")
    path, line = site.split("`")[1].split(":")
    source = (FIELDS_MD.parents[1] / "vmscrape_component" / path).read_text().splitlines()
    assert source[int(line) - 1].lstrip().startswith("scrape_timeout:")
    assert any(s.startswith("render/") for s in readers()["scrape_timeout"])


def test_every_field_of_the_spec_is_on_the_map() -> None:
    paths = {path for path, _, _ in walk(VMServiceScrapeSpec, "spec")}
    assert {"spec.endpoints[].port", "spec.namespaceSelector.matchNames", "spec.selector.matchLabels"} <= (
        paths
    )
    assert all(f"| `{p}` |" in FIELDS_MD.read_text() for p in paths)
