"""``vmscrape explain --shards``: which vmagent shard scrapes which target, and how even the split is.

The split is :mod:`vmscrape_component.simulate.shards` (vmagent's cluster mode, as the operator sets it
up for ``shardCount``). JSON (``-o json``) adds one key to explain's object, ``shards``:

- ``shards``: int, members; ``replication_factor``: int; ``shard_by_labels``: list of label names
- ``per_shard``: list of ``{"shard": int, "targets": int, "jobs": int, "share": float}`` (share of all
  scrapes, 0..1), by shard number
- ``balance``: float, the largest shard's targets over the mean (1.0 is even; 0.0 with no target)
- ``heavy``: list of shard numbers over 1.5 × the mean
- ``targets``: list, in config order, of ``{"job", "address", "scrape_url", "labels", "shards": [int]}``
- ``groups``: ``null``, or with ``--by``: ``{"by": "job"|"namespace"|"scrape", "rows": [{"group",
  "targets", "shards": {"<n>": int}}]}``
- ``notes``: list of str (how the settings were read)
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import Problem, VMScrapeError, one_line
from ..simulate import Explanation
from ..simulate.shards import (
    BALANCE_WARNING,
    GROUPINGS,
    ShardReport,
    ShardSettings,
    shard_report,
    shard_warning,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("shards (vmagent cluster mode)")
    group.add_argument(
        "--shards",
        nargs="?",
        type=int,
        const=0,
        metavar="N",
        help="show which shard scrapes each target: the VMAgent's shardCount, or N shards",
    )
    group.add_argument(
        "--replication-factor",
        type=int,
        metavar="R",
        help="members scraping each target (default: the VMAgent's extraArgs, else 1)",
    )
    group.add_argument(
        "--shard-by-labels",
        metavar="A,B",
        help="labels to shard by (default: the VMAgent's extraArgs, else all labels)",
    )
    group.add_argument("--by", choices=GROUPINGS, help="with --shards: targets per shard, grouped")


def wanted(args: argparse.Namespace) -> bool:
    """Whether the command line asks for the shard view; an error for shard options without ``--shards``."""
    if args.shards is None:
        for flag, value in (
            ("--by", args.by),
            ("--replication-factor", args.replication_factor),
            ("--shard-by-labels", args.shard_by_labels),
        ):
            if value is not None:
                raise VMScrapeError([Problem(flag, "", "goes with --shards")])
        return False
    return True


def settings(args: argparse.Namespace, agent: Any | None) -> ShardSettings:
    by = None if args.shard_by_labels is None else [s for s in args.shard_by_labels.split(",") if s]
    result = ShardSettings.for_agent(
        agent,
        members=args.shards or None,
        replication_factor=args.replication_factor,
        shard_by_labels=by,
    )
    if args.shards == 0 and not result.sharded:
        where = (
            "the VMAgent runs one vmagent (shardCount unset or 1)" if agent else "MANIFESTS hold no VMAgent"
        )
        raise VMScrapeError([Problem("--shards", "", f"{where}: give the number of shards, --shards N")])
    return result


def as_json(report: ShardReport, by: str | None) -> dict[str, Any]:
    s = report.settings
    return {
        "shards": s.members,
        "replication_factor": s.replication_factor,
        "shard_by_labels": list(s.shard_by_labels),
        "per_shard": report.summary(),
        "balance": round(report.balance, 4),
        "heavy": report.heavy_members(),
        "targets": [
            {
                "job": t.job,
                "address": t.target.address,
                "scrape_url": t.target.scrape_url,
                "labels": t.target.labels,
                "shards": list(t.members),
            }
            for t in report.targets
        ],
        "groups": None
        if by is None
        else {
            "by": by,
            "rows": [
                {
                    "group": row["group"],
                    "targets": row["targets"],
                    "shards": {str(k): v for k, v in row["shards"].items()},
                }
                for row in report.grouped(by)
            ],
        },
        "notes": list(s.notes),
    }


def report_for(result: Explanation, args: argparse.Namespace, agent: Any | None) -> ShardReport:
    return shard_report(result.jobs, settings(args, agent))


def balance_line(report: ShardReport) -> str:
    counts = [len(v) for v in report.per_member.values()]
    if not report.total:
        return f"{report.settings.describe()}: no targets"
    return (
        f"{report.settings.describe()}: balance max/mean {report.balance:.2f} (largest shard {max(counts)} "
        f"targets, smallest {min(counts)}, mean {report.mean:.1f})"
    )


def _labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in labels.items())


def tables(report: ShardReport, by: str | None) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of the shard view, for explain's printer."""
    s = report.settings
    members = range(s.members)
    out: list[tuple[str, list[str], list[list[str]]]] = []
    if by is None:
        rows = [
            [",".join(str(m) for m in t.members), t.job, t.target.address, _labels_text(t.target.labels)]
            for t in report.targets
        ]
        out.append((f"Targets by shard ({s.describe()})", ["shard", "job", "target", "labels"], rows))
    else:
        rows = [
            [row["group"], str(row["targets"]), *(str(row["shards"][m]) for m in members)]
            for row in report.grouped(by)
        ]
        out.append(
            (
                f"Targets per shard by {by} ({s.describe()})",
                [by, "targets", *(f"shard {m}" for m in members)],
                rows,
            )
        )
    summary = [
        [str(row["shard"]), str(row["targets"]), str(row["jobs"]), f"{row['share'] * 100:.1f}%"]
        for row in report.summary()
    ]
    out.append(("Per shard", ["shard", "targets", "jobs", "share"], summary))
    return out


def warnings(report: ShardReport) -> list[str]:
    lines = [f"note: {n}" for n in report.settings.notes]
    warning = shard_warning(report, BALANCE_WARNING)
    if warning:
        lines.append(f"warning: {warning}")
    return lines


def print_warnings(report: ShardReport) -> None:
    for line in warnings(report):
        print(one_line(line), file=sys.stderr)
