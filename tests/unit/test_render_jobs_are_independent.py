"""Jobs handed out are the caller's: changing one changes no other job and no later render.

Inside a render, jobs share the rules and blocks they have in common (the emitter writes each once);
none of that sharing may reach a caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from benchmarks.workload import manifests as workload
from vmscrape_component.lint import refusal_warnings
from vmscrape_component.models import VMServiceScrapeModel
from vmscrape_component.render import config_yaml, render_config, render_scrape_jobs


def _containers(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _containers(value)
    elif isinstance(node, list):
        yield node
        for item in node:
            yield from _containers(item)


def test_no_dict_or_list_appears_twice_in_the_jobs_handed_out() -> None:
    config = render_config(workload(20))
    seen = [id(c) for c in _containers(config.jobs)]
    assert len(seen) == len(set(seen))
    # The workload's jobs do have identical parts (the `tier: web` selector rule, one object inside the
    # render): equal here, not the same.
    assert config.jobs[0]["relabel_configs"][1] == config.jobs[2]["relabel_configs"][1]


def test_changing_one_job_changes_no_other_and_no_later_render() -> None:
    scrapes = [VMServiceScrapeModel.from_manifest(doc) for doc in workload(6)]
    first = render_config(scrapes)
    text = config_yaml(first)
    # Job 0 has its `tier: web` selector rule in common with every job, its discovery block with job 1
    # (the same scrape's other endpoint) and its port filter with job 2.
    others = first.jobs[1:]
    before = repr(others)
    first.jobs[0]["relabel_configs"][1]["regex"] = "changed"
    first.jobs[0]["relabel_configs"][2]["regex"] = "changed-port"
    first.jobs[0]["kubernetes_sd_configs"][0]["namespaces"]["names"].append("changed")
    first.jobs[0]["relabel_configs"].append({"target_label": "extra", "replacement": "x"})
    assert repr(others) == before
    again = render_config(scrapes)
    assert config_yaml(again) == text
    # The text of the changed config is the text of what it now holds.
    assert "regex: changed" in config_yaml(first) and "regex: changed" not in text


def test_jobs_of_one_scrape_share_nothing() -> None:
    scrape = VMServiceScrapeModel.from_manifest(workload(1)[0])
    jobs = render_scrape_jobs(scrape)
    assert len(jobs) == 2
    middle = jobs[1]["relabel_configs"][-1]
    jobs[0]["relabel_configs"][-1]["replacement"] = "changed"
    assert middle["replacement"] != "changed"
    assert render_scrape_jobs(scrape) != jobs


def test_names_and_refusals_read_without_handing_jobs_out_say_what_the_jobs_say() -> None:
    scrape = workload(1)[0]
    # Two auth methods: vmagent refuses the job.
    scrape["spec"]["endpoints"][0]["bearerTokenFile"] = "/etc/token"
    scrape["spec"]["endpoints"][0]["basicAuth"] = {"password_file": "/etc/pw"}
    config = render_config([scrape])
    names, refusals = config.job_names, config.refusal_warnings()
    assert names == [job["job_name"] for job in config.jobs]
    assert refusals == refusal_warnings(config.jobs) and len(refusals) == 1
