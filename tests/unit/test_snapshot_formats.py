"""`kubectl ... -o json` snapshots read like `-o yaml` ones (JSON has a fast path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.simulate import explain, load_snapshot

SNAPSHOTS = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"
WEB = {
    "apiVersion": "operator.victoriametrics.com/v1beta1",
    "kind": "VMServiceScrape",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "endpoints": [{"port": "http"}, {"targetPort": 9100}],
    },
}


@pytest.mark.parametrize("name", ["web-and-db", "sidecars", "namespaces"])
def test_json_and_yaml_snapshots_explain_the_same(name: str, tmp_path: Path) -> None:
    source = SNAPSHOTS / f"{name}.yaml"
    as_json = tmp_path / f"{name}.json"
    as_json.write_text(json.dumps(yaml.safe_load(source.read_text()), indent=1))
    from_yaml = explain([WEB], load_snapshot(source))
    from_json = explain([WEB], load_snapshot(as_json))
    assert [(j.job_name, [(t.address, t.labels, t.dropped) for t in j.targets]) for j in from_json.jobs] == [
        (j.job_name, [(t.address, t.labels, t.dropped) for t in j.targets]) for j in from_yaml.jobs
    ]
    assert any(j.active for j in from_yaml.jobs) or name != "web-and-db"


def test_broken_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cluster.json"
    path.write_text('{"kind": "List", "items": [')
    with pytest.raises(VMScrapeError) as err:
        load_snapshot(path)
    (problem,) = err.value.problems
    assert problem.object == str(path) and problem.message.startswith("not valid JSON")
