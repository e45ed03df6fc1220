"""``compare_agent`` on a config split into buckets: every Secret's jobs together, then the layout."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from vmscrape_component import render
from vmscrape_component.gzip_size import zlib_gzip_size
from vmscrape_component.models import VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import render_config, render_secret_layout
from vmscrape_component.settings import OperatorSettings
from vmscrape_component.verify import ClusterObjects, WrittenSecrets, compare_agent

BUDGET = 1200
OPERATOR = OperatorSettings(config_data_budget_bytes=BUDGET)


@pytest.fixture(autouse=True)
def exact_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same measure on both sides, called exact: the test is about the comparison, not about gzip.
    monkeypatch.setattr(render.secrets, "gzip_sizer", lambda: (zlib_gzip_size, True))


def _objects() -> ClusterObjects:
    agent = VMAgentModel.from_manifest(
        {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMAgent",
            "metadata": {"name": "big", "namespace": "mon"},
            "spec": {"selectAllByDefault": True},
        }
    )
    scrapes = [
        VMServiceScrapeModel.from_manifest(
            {
                "apiVersion": "operator.victoriametrics.com/v1beta1",
                "kind": "VMServiceScrape",
                "metadata": {"name": f"svc-{i:02d}", "namespace": "apps"},
                "spec": {
                    "selector": {"matchLabels": {"app": f"svc-{i}"}},
                    "endpoints": [{"port": "http", "path": f"/m/{i}"}, {"port": "admin"}],
                },
            }
        )
        for i in range(40)
    ]
    return ClusterObjects(agents=[agent], scrapes=scrapes)


def _written(objects: ClusterObjects) -> WrittenSecrets:
    """What the operator writes, per the prediction (the operator's own bytes are compared live)."""
    (agent,) = objects.agents
    config = render_config(objects.scrapes, agent, operator=OPERATOR)
    layout = render_secret_layout(config, agent, budget=BUDGET)
    assert len(layout.buckets) >= 3
    extra = [(layout.secret_name(b.index), yaml.safe_load(b.text)) for b in layout.buckets[1:]]
    return WrittenSecrets(yaml.safe_load(layout.main_text), extra)


def test_a_split_config_as_predicted_is_no_drift() -> None:
    objects = _objects()
    result = compare_agent(objects.agents[0], objects, _written(objects), operator=OPERATOR)
    assert result.identical, (result.diff.text(), result.layout)
    assert result.compared_jobs == 80
    assert result.secrets[:2] == ["mon/vmagent-big", "mon/vmagent-big-sc-1"]


def test_reading_only_the_main_secret_of_a_split_config_would_lose_jobs() -> None:
    # The false drift of issue 18: the main Secret alone holds only bucket 0.
    objects = _objects()
    written = _written(objects)
    result = compare_agent(objects.agents[0], objects, WrittenSecrets(written.main), operator=OPERATOR)
    assert not result.identical and result.diff.removed


def test_one_changed_job_in_the_last_bucket_names_that_job_only() -> None:
    objects = _objects()
    written = _written(objects)
    name, jobs = written.extra[-1]
    jobs = copy.deepcopy(jobs)
    jobs[-1]["scrape_interval"] = "99s"
    written.extra[-1] = (name, jobs)
    result = compare_agent(objects.agents[0], objects, written, operator=OPERATOR)
    assert list(result.diff.changed) == [jobs[-1]["job_name"]]
    assert not result.diff.added and not result.diff.removed and not result.layout


def test_a_different_split_is_layout_drift_naming_the_buckets() -> None:
    objects = _objects()
    written = _written(objects)
    moved = written.extra[0][1].pop(0)
    written.main = {**written.main, "scrape_configs": [*written.main["scrape_configs"], moved]}
    result = compare_agent(objects.agents[0], objects, written, operator=OPERATOR)
    assert result.diff.empty  # the same jobs in the same order, only in other Secrets
    assert not result.identical
    assert [line.split(":")[0] for line in result.layout] == [
        "bucket 0 (vmagent-big)",
        "bucket 1 (vmagent-big-sc-1)",
    ]


def test_an_extra_secret_beyond_the_prediction_is_drift() -> None:
    objects = _objects()
    written = _written(objects)
    written.extra.append((f"vmagent-big-sc-{len(written.extra) + 1}", []))
    result = compare_agent(objects.agents[0], objects, written, operator=OPERATOR)
    assert any("is not predicted" in line for line in result.layout)


def test_overflow_secrets_of_an_unsplit_config_are_stale() -> None:
    objects = _objects()
    main: dict[str, Any] = yaml.safe_load(
        render.config_yaml(render_config(objects.scrapes, objects.agents[0]))
    )
    written = WrittenSecrets(main, [("vmagent-big-sc-1", [])])
    result = compare_agent(objects.agents[0], objects, written)  # default budget: one Secret
    assert result.diff.empty
    assert result.layout == [
        "stale overflow Secret(s) vmagent-big-sc-1: the main config names no scrape_config_files"
    ]


REASON = "splitting scrape config into buckets: single item compressed size 5017 exceeds limit 4000"


def test_a_failed_reconcile_with_an_outdated_config_is_drift_with_the_operators_reason() -> None:
    objects = _objects()
    written = _written(objects)
    objects.statuses["mon/big"] = {"updateStatus": "failed", "reason": REASON}
    objects.scrapes = objects.scrapes[:-1]  # the operator's Secrets still hold the last scrape's jobs
    result = compare_agent(objects.agents[0], objects, written, operator=OPERATOR)
    assert not result.identical and result.reconcile_error == REASON
    assert result.as_dict()["reconcile_error"] == REASON


def test_a_failed_status_beside_secrets_as_predicted_is_a_note() -> None:
    # Live, the agent's status keeps the old failure after the config is fixed (tests/cluster/).
    objects = _objects()
    objects.statuses["mon/big"] = {"updateStatus": "failed", "reason": REASON}
    result = compare_agent(objects.agents[0], objects, _written(objects), operator=OPERATOR)
    assert result.identical and result.reconcile_error == ""
    assert any(REASON in note for note in result.layout_notes)
