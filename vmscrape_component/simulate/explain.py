"""Preview a rollout: which scrapes an agent takes, and which targets each rendered job would scrape in a
given cluster snapshot — kept with their final labels and URL, or dropped with the rule that dropped them.

Pure: models (or manifests, validated on the way in) and a
:class:`~vmscrape_component.simulate.discovery.Snapshot` in, an :class:`Explanation` out. The selection
comes from :mod:`vmscrape_component.select`, the jobs from :func:`vmscrape_component.render.render_config`,
the targets from :mod:`.discovery` and :mod:`.targets`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..bulk import gc_paused
from ..grammar import object_key
from ..models import VMAgentModel, VMServiceScrapeModel
from ..render import Assets, OperatorSettings, render_config
from ..select import Selection, explain_selection
from .discovery import DiscoveredTarget, Discovery, Snapshot, discover
from .targets import JobTargets, Target

__all__ = ["Explanation", "JobExplanation", "duplicate_targets", "explain", "explain_jobs"]


@dataclass
class JobExplanation:
    """One rendered job and the targets it gets in the snapshot."""

    job_name: str
    role: str
    #: Namespaces discovery watches; empty means all.
    namespaces: list[str]
    targets: list[Target]
    notes: list[str] = field(default_factory=list)

    @property
    def active(self) -> list[Target]:
        return [t for t in self.targets if t.kept]

    @property
    def dropped(self) -> list[Target]:
        return [t for t in self.targets if not t.kept]


@dataclass
class Explanation:
    """Selection and targets for one agent (or for every scrape, without an agent)."""

    agent: str | None
    selection: list[Selection]
    #: ``namespace/name`` → why a selected scrape is left out of the config (as the operator would).
    skipped: dict[str, str]
    jobs: list[JobExplanation]


def explain(
    scrapes: Iterable[Any],
    snapshot: Snapshot,
    agent: Any | None = None,
    *,
    assets: Assets | None = None,
    operator: OperatorSettings | None = None,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
) -> Explanation:
    """Explain ``scrapes`` (models or manifests) for ``agent`` over ``snapshot``.

    ``namespaces`` (namespace labels, for namespace selectors) defaults to the snapshot's Namespaces;
    given ones take precedence.
    """
    models = sorted((VMServiceScrapeModel.from_manifest(s) for s in scrapes), key=object_key)
    ns_labels = {**snapshot.namespace_labels(), **(namespaces or {})}
    agent_model = VMAgentModel.from_manifest(agent) if agent is not None else None
    if agent_model is not None:
        selection = [explain_selection(agent_model, s, ns_labels, operator) for s in models]
        agent_key: str | None = object_key(agent_model)
    else:
        agent_key = None
        selection = [
            Selection("", object_key(s), True, "no VMAgent given: every scrape is rendered") for s in models
        ]
    config = render_config(models, agent_model, assets=assets, operator=operator, namespaces=ns_labels)
    jobs = explain_jobs(config.as_dict(), snapshot)
    return Explanation(agent_key, selection, dict(config.skipped), jobs)


def explain_jobs(config: Mapping[str, Any], snapshot: Snapshot) -> list[JobExplanation]:
    """The targets of every job of a rendered vmagent config (``global`` + ``scrape_configs``, as
    :meth:`~vmscrape_component.render.AgentConfig.as_dict` or a config file gives it) over ``snapshot``."""
    with gc_paused():  # hundreds of thousands of small acyclic label dicts: the cyclic GC only rescans them
        return _explain_jobs(config, snapshot)


def _explain_jobs(config: Mapping[str, Any], snapshot: Snapshot) -> list[JobExplanation]:
    global_ = config.get("global") or {}
    scrape_configs = list(config.get("scrape_configs") or ())
    # What discovery finds depends on the sd config and the snapshot only, and the endpoints of one
    # scrape render the same `kubernetes_sd_configs` entry: each distinct entry is discovered once, and
    # let go after the last job that holds it.
    keys = [[_config_key(sd) for sd in job.get("kubernetes_sd_configs") or ()] for job in scrape_configs]
    uses = Counter(key for job_keys in keys for key in job_keys if key is not None)
    found_by_config: dict[str, Discovery] = {}
    jobs = []
    for job, job_keys in zip(scrape_configs, keys, strict=True):
        builder = JobTargets(job, global_)
        discovered: list[DiscoveredTarget] = []
        notes: list[str] = []
        role, watched = "", []
        for sd, key in zip(job.get("kubernetes_sd_configs") or (), job_keys, strict=True):
            found = found_by_config.get(key) if key is not None else None
            if found is None:
                found = discover(snapshot, sd)
            if key is not None:
                uses[key] -= 1
                if uses[key]:
                    found_by_config[key] = found
                else:
                    found_by_config.pop(key, None)
            role, watched = found.role, found.namespaces
            notes.extend(found.notes)
            discovered.extend(found.targets)
        targets = builder.targets(discovered)
        jobs.append(JobExplanation(str(job.get("job_name")), role, watched, targets, notes))
    return jobs


def _config_key(sd: Any) -> str | None:
    """A canonical text of one sd config (None if it is not plain data: then it is not shared)."""
    try:
        return json.dumps(sd, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def duplicate_targets(result: Explanation) -> list[dict[str, Any]]:
    """Scrape URLs more than one active target points at: the same endpoint scraped several times.

    The classic case is a headless and a ClusterIP Service selecting the same pods, both matched by one
    scrape: every pod is scraped once per Service (vmagent only merges identical targets of one job).
    Each entry: ``{"scrape_url", "targets": [{"job_name", "labels"}]}``, sorted by URL.
    """
    by_url: dict[str, list[dict[str, Any]]] = {}
    for job in result.jobs:
        for target in job.active:
            by_url.setdefault(target.scrape_url, []).append(
                {"job_name": job.job_name, "labels": target.labels}
            )
    return [{"scrape_url": url, "targets": hits} for url, hits in sorted(by_url.items()) if len(hits) > 1]
