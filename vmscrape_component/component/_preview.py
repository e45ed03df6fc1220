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
from ..simulate import explain, load_snapshot
from ..simulate.discovery import Snapshot


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
    result = explain(scrapes, _load(path), agent, operator=operator)
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
