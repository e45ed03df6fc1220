"""What the components show in ``pulumi preview`` beyond the resources: selection and predicted targets.

The snapshot (``vmscrape:snapshot`` or a ``snapshot=`` argument) is a cluster snapshot file as
``vmscrape explain --snapshot`` reads it; it is parsed once per program run.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ..diff import target_text
from ..render import OperatorSettings
from ..simulate import Explanation, explain, load_snapshot
from ..simulate.discovery import Snapshot
from ..simulate.shards import ShardSettings, shard_report, shard_warning


def snapshot_path(explicit: str | None = None) -> str | None:
    """``explicit``, else the stack setting ``vmscrape:snapshot``."""
    return explicit or pulumi.Config("vmscrape").get("snapshot") or None


@functools.lru_cache(maxsize=4)
def _snapshot(path: str, mtime: float) -> Snapshot:
    return load_snapshot(path)


def _load(path: str) -> Snapshot:
    return _snapshot(os.path.abspath(path), os.path.getmtime(path))


def predicted_targets(
    scrapes: Sequence[Mapping[str, Any]],
    path: str,
    agent: Mapping[str, Any] | None = None,
    operator: OperatorSettings | None = None,
) -> dict[str, dict[str, Any]]:
    """Per job: ``{"active": ["<scrape url> <labels>"...], "dropped": [{"address", "reason"}...]}``."""
    return _targets(explain(scrapes, _load(path), agent, operator=operator))


def predicted_targets_and_shards(
    scrapes: Sequence[Mapping[str, Any]],
    path: str,
    agent: Mapping[str, Any],
    operator: OperatorSettings | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], str | None]:
    """:func:`predicted_targets`, and for a sharded VMAgent (``shardCount`` above 1) the split of those
    targets among its vmagents, ``{"shards", "replication_factor", "targets": {"<n>": count}, "balance":
    max/mean}`` (``{}`` when not sharded), with a warning when a shard takes over 1.5x the mean."""
    result = explain(scrapes, _load(path), agent, operator=operator)
    settings = ShardSettings.for_agent(agent)
    if not settings.sharded:
        return _targets(result), {}, None
    report = shard_report(result.jobs, settings)
    shards = {
        "shards": settings.members,
        "replication_factor": settings.replication_factor,
        "targets": {str(m): len(ts) for m, ts in sorted(report.per_member.items())},
        "balance": round(report.balance, 4),
    }
    return _targets(result), shards, shard_warning(report)


def _targets(result: Explanation) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for job in result.jobs:
        active = [target_text(t.scrape_url, t.labels) for t in job.active]
        dropped = []
        for t in job.dropped:
            reason = t.dropped or ""
            if t.dropped_by is not None:
                reason += (
                    f" by {t.dropped_by_scope} relabel_configs[{t.dropped_by.index}] ({t.dropped_by.action})"
                )
            dropped.append({"address": t.address, "reason": reason})
        out[job.job_name] = {"active": sorted(active), "dropped": dropped}
    return out
