"""Which vmagent of a sharded VMAgent scrapes which target, and how even the split is.

vmagent's cluster mode (VictoriaMetrics v1.150.0, ``lib/promscrape/config.go``):

- ``-promscrape.cluster.membersCount=N`` (``:66``) and ``-promscrape.cluster.memberNum=i`` (``:70``; a
  pod name's last ``-`` segment works too, ``:98-118``) make each of N vmagents keep only its share;
- the share is decided per target *after* relabeling, on the labels left once ``__meta_*`` are removed
  (``__address__``, ``job`` and the other ``__`` labels still there), before the scrape URL is built
  (``getScrapeWork``, ``:1224-1253``), so targets with equal labels land on the same member;
- the key is ``name=value,`` for each label in the label slice's order (``appendScrapeWorkKey``,
  ``:1177-1198``); with ``-promscrape.cluster.shardByLabels`` (``:80``), only those labels, taken in
  sorted order of the flag's names (``initClusterShardByLabels``, ``:120-127``), and all labels when the
  target has none of them;
- member ``xxhash64(key) % N`` scrapes it, and with ``-promscrape.cluster.replicationFactor=R`` (``:83``)
  the next R-1 members too, wrapping at N (``getClusterMemberNumsForScrapeWork``, ``:1200-1218``).

The operator (v0.74.1): a VMAgent with ``shardCount > 0`` and not ``daemonSetMode`` is sharded
(``api/operator/v1beta1/vmagent_types.go:255-277``); shard ``i`` is its own Deployment/StatefulSet
``<name>-i`` (``factory/build/shard.go:47-79``) whose vmagent gets ``-promscrape.cluster.membersCount=
shardCount -promscrape.cluster.memberNum=i`` after any ``extraArgs`` of those names are removed
(``factory/vmagent/vmagent.go:819-837``); other ``extraArgs`` (replicationFactor, shardByLabels) reach
every shard as ``-key=value`` (``factory/build/container.go:159-199``, called at ``vmagent.go:718``). All
shards share one config, so the split is a pure function of the targets :mod:`.explain` predicts.

Not followed: a label name repeated in vmagent's slice (``labelmap_all`` can make two names equal) is in
vmagent's key twice, here once (:func:`~.labelset.final` keeps the first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..diff import target_text
from ..errors import Problem, VMScrapeError
from ..models import VMAgentModel
from .explain import JobExplanation
from .targets import Target
from .xxhash import xxhash64

__all__ = [
    "BALANCE_WARNING",
    "GROUPINGS",
    "ShardMoves",
    "ShardReport",
    "ShardSettings",
    "ShardedTarget",
    "member_nums",
    "shard_key",
    "shard_moves",
    "shard_report",
    "shard_warning",
]

#: A shard taking more than this many times the mean share of targets is worth a warning.
BALANCE_WARNING = 1.5
#: What ``--by`` groups targets by.
GROUPINGS = ("job", "namespace", "scrape")

_MEMBERS_FLAG = "promscrape.cluster.membersCount"
_MEMBER_NUM_FLAG = "promscrape.cluster.memberNum"
_REPLICATION_FLAG = "promscrape.cluster.replicationFactor"
_SHARD_BY_FLAG = "promscrape.cluster.shardByLabels"
_GO_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)")


def shard_key(labels: Iterable[tuple[str, str]], shard_by_labels: Sequence[str] = ()) -> bytes:
    """vmagent's sharding key of a target (``appendScrapeWorkKey``): ``name=value,`` per label, of the
    ``shard_by_labels`` it has (in sorted order of those names), else of every label in order."""
    pairs = list(labels)
    chosen: list[tuple[str, str]] = []
    for wanted in sorted(shard_by_labels):
        for name, value in pairs:
            if name == wanted:
                chosen.append((name, value))
                break
    return "".join(f"{name}={value}," for name, value in chosen or pairs).encode("utf-8", "surrogateescape")


def member_nums(key: bytes, members: int, replication_factor: int = 1) -> tuple[int, ...]:
    """The members (``memberNum`` values) that scrape a target with this key, first the one the hash
    picks, then the next ``replication_factor - 1`` ones, wrapping (a member may repeat when the factor
    exceeds the member count, as in vmagent)."""
    if members <= 1:
        return (0,)
    first = xxhash64(key) % members
    return tuple((first + i) % members for i in range(max(replication_factor, 1)))


@dataclass(frozen=True)
class ShardSettings:
    """How the targets are split: the vmagent flags of cluster mode, and where they came from."""

    members: int = 1
    replication_factor: int = 1
    shard_by_labels: tuple[str, ...] = ()
    #: Things the user should know about how these were read (e.g. extraArgs the operator overrides).
    notes: tuple[str, ...] = ()

    @property
    def sharded(self) -> bool:
        return self.members > 1

    def members_of(self, target: Target) -> tuple[int, ...]:
        """The members that scrape ``target`` (a kept one), each once, in vmagent's order."""
        nums = member_nums(
            shard_key(target.shard_labels, self.shard_by_labels), self.members, self.replication_factor
        )
        return tuple(dict.fromkeys(nums))

    def describe(self) -> str:
        text = f"{self.members} shard{'s' if self.members != 1 else ''}"
        if self.replication_factor > 1:
            text += f", replicationFactor {self.replication_factor}"
        if self.shard_by_labels:
            text += f", shardByLabels {','.join(self.shard_by_labels)}"
        return text

    @classmethod
    def for_agent(
        cls,
        agent: Any | None,
        *,
        members: int | None = None,
        replication_factor: int | None = None,
        shard_by_labels: Sequence[str] | None = None,
    ) -> ShardSettings:
        """The settings the operator gives ``agent``'s shards (a model or manifest; ``None`` for none);
        a keyword given (from the command line) overrides what the agent says."""
        model = VMAgentModel.from_manifest(agent) if agent is not None else None
        spec = model.spec if model is not None else None
        extra = {_flag_name(k): v for k, v in ((spec.extra_args if spec else None) or {}).items()}
        notes: list[str] = []
        count = 1
        if spec is not None and spec.shard_count is not None and spec.shard_count > 0:
            if spec.daemon_set_mode:
                notes.append("shardCount is ignored in daemonSetMode (vmagent_types.go:255)")
            else:
                count = spec.shard_count
                for flag in (_MEMBERS_FLAG, _MEMBER_NUM_FLAG):
                    if flag in extra:
                        notes.append(f"extraArgs {flag} is replaced by the operator on every shard")
        elif _MEMBERS_FLAG in extra:
            notes.append(
                f"extraArgs {_MEMBERS_FLAG}={extra[_MEMBERS_FLAG]} on an unsharded VMAgent: every pod "
                f"scrapes only the share of memberNum {extra.get(_MEMBER_NUM_FLAG, '0')}; use shardCount"
            )
        if members is not None:
            if members < 1:
                raise _problem("--shards", "must be a whole number of at least 1", members)
            count = members
        factor = 1
        if replication_factor is not None:
            if replication_factor < 1:
                raise _problem(
                    "--replication-factor", "must be a whole number of at least 1", replication_factor
                )
            factor = replication_factor
        elif _REPLICATION_FLAG in extra:
            factor = max(_go_int(f"extraArgs.{_REPLICATION_FLAG}", extra[_REPLICATION_FLAG]), 1)
        if shard_by_labels is not None:
            by = tuple(shard_by_labels)
        elif _SHARD_BY_FLAG in extra:
            by = _array_flag(f"extraArgs.{_SHARD_BY_FLAG}", extra[_SHARD_BY_FLAG])
        else:
            by = ()
        return cls(count, factor, tuple(n for n in by if n), tuple(notes))


def _flag_name(key: str) -> str:
    # The operator writes "-" + key; Go's flag package takes one or two dashes.
    return key[1:] if key.startswith("-") else key


def _problem(where: str, message: str, value: Any = None) -> VMScrapeError:
    return VMScrapeError([Problem(where, "", message, value)])


def _go_int(where: str, text: str) -> int:
    """``flag.Int``'s parse (``strconv.ParseInt(s, 0, 64)``): decimal, ``0x``/``0o``/``0b``, a leading
    ``0`` for octal, ``_`` between digits."""
    if not _GO_INT.fullmatch(text) or "__" in text or text.rstrip("_") != text:
        raise _problem(where, "must be an integer, as Go's flag package reads it", text)
    body = text.lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    if len(body) > 1 and body[0] == "0" and body[1] not in "xXoObB":
        return sign * int(body[1:].replace("_", "") or "0", 8)
    return sign * int(body.replace("_", ""), 0)


def _array_flag(where: str, text: str) -> tuple[str, ...]:
    """A comma-separated ``flagutil.ArrayString`` value of label names."""
    if any(c in text for c in "\"'[{("):
        raise _problem(where, "label names separated by commas (quoting is not supported here)", text)
    return tuple(part for part in text.split(","))


@dataclass(frozen=True)
class ShardedTarget:
    """A kept target and the members that scrape it."""

    job: str
    target: Target
    members: tuple[int, ...]

    @property
    def namespace(self) -> str:
        return self.target.discovered_labels.get("__meta_kubernetes_namespace", "")

    @property
    def scrape(self) -> str:
        """``namespace/name`` of the VMServiceScrape behind the job (the job name without the endpoint)."""
        name = self.job.removeprefix("serviceScrape/")
        return name.rsplit("/", 1)[0] if name != self.job and "/" in name else self.job

    def group(self, by: str) -> str:
        return {"job": self.job, "namespace": self.namespace, "scrape": self.scrape}[by]


@dataclass
class ShardReport:
    """Every kept target with its members, and per member the targets and jobs it takes."""

    settings: ShardSettings
    targets: list[ShardedTarget]
    #: member → its targets (a target on several members counts on each).
    per_member: dict[int, list[ShardedTarget]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Scrapes in all: each target once per member that scrapes it."""
        return sum(len(v) for v in self.per_member.values())

    @property
    def mean(self) -> float:
        return self.total / self.settings.members if self.settings.members else 0.0

    @property
    def balance(self) -> float:
        """max/mean of the members' target counts: 1.0 is even; 0.0 when there is no target."""
        if not self.total:
            return 0.0
        return max(len(v) for v in self.per_member.values()) / self.mean

    def heavy_members(self, threshold: float = BALANCE_WARNING) -> list[int]:
        """Members taking more than ``threshold`` times the mean."""
        if not self.total:
            return []
        return [m for m, ts in self.per_member.items() if len(ts) > threshold * self.mean]

    def summary(self) -> list[dict[str, Any]]:
        """Per member: ``{"shard", "targets", "jobs", "share"}`` (share of all scrapes, 0..1)."""
        total = self.total
        return [
            {
                "shard": member,
                "targets": len(ts),
                "jobs": len({t.job for t in ts}),
                "share": len(ts) / total if total else 0.0,
            }
            for member, ts in sorted(self.per_member.items())
        ]

    def grouped(self, by: str) -> list[dict[str, Any]]:
        """Per group (sorted): ``{"group", "targets", "shards": {member: count}}`` — each group's
        targets per member (a replicated target counts on each member; ``targets`` counts it once)."""
        groups: dict[str, dict[str, Any]] = {}
        for target in self.targets:
            entry = groups.setdefault(
                target.group(by), {"targets": 0, "shards": dict.fromkeys(range(self.settings.members), 0)}
            )
            entry["targets"] += 1
            for member in target.members:
                entry["shards"][member] += 1
        return [{"group": name, **groups[name]} for name in sorted(groups)]


def shard_report(jobs: Iterable[JobExplanation], settings: ShardSettings) -> ShardReport:
    """Split the kept targets of ``jobs`` among ``settings.members`` vmagents as vmagent does."""
    report = ShardReport(settings, [], {m: [] for m in range(settings.members)})
    for job in jobs:
        for target in job.active:
            sharded = ShardedTarget(job.job_name, target, settings.members_of(target))
            report.targets.append(sharded)
            for member in sharded.members:
                report.per_member[member].append(sharded)
    return report


def shard_warning(report: ShardReport, threshold: float = BALANCE_WARNING) -> str | None:
    """One line naming the members that take more than ``threshold`` × the mean, or None."""
    heavy = report.heavy_members(threshold)
    if not heavy or not report.settings.sharded:
        return None
    counts = ", ".join(f"shard {m} takes {len(report.per_member[m])} targets" for m in heavy)
    return (
        f"uneven shards: {counts}, over {threshold}x the mean of {report.mean:.1f} per shard; "
        "`vmscrape explain --shards --by job` shows which targets"
    )


@dataclass
class ShardMoves:
    """What a change does to the split: targets that change members, and the count per member."""

    old: ShardSettings
    new: ShardSettings
    #: Targets on both sides whose members differ (each starts new series on another vmagent).
    moved: list[dict[str, Any]]
    #: Targets on both sides that stay where they were.
    stayed: int
    #: Kept targets only the new (added) or only the old (removed) side has.
    added: int
    removed: int
    old_counts: dict[int, int]
    new_counts: dict[int, int]

    @property
    def empty(self) -> bool:
        return not self.moved and self.old_counts == self.new_counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": {"shards": self.old.members, "replication_factor": self.old.replication_factor},
            "new": {"shards": self.new.members, "replication_factor": self.new.replication_factor},
            "moved": len(self.moved),
            "stayed": self.stayed,
            "added": self.added,
            "removed": self.removed,
            "old_targets_per_shard": {str(k): v for k, v in sorted(self.old_counts.items())},
            "new_targets_per_shard": {str(k): v for k, v in sorted(self.new_counts.items())},
            "moves": self.moved,
        }

    def lines(self, limit: int = 10) -> list[str]:
        """A few lines for a person: the counts, then the first ``limit`` moves."""
        both = len(self.moved) + self.stayed
        out = [
            f"shards: {self.old.describe()} -> {self.new.describe()}: {len(self.moved)} of {both} targets "
            f"change shard ({self.stayed} stay; +{self.added} new, -{self.removed} gone)",
            "  targets per shard: " + _counts_text(self.old_counts) + " -> " + _counts_text(self.new_counts),
        ]
        for move in self.moved[:limit]:
            out.append(
                f"  ~ {move['scrape_url']} ({move['job']}): "
                f"shard {_members(move['from'])} -> {_members(move['to'])}"
            )
        if len(self.moved) > limit:
            out.append(f"  ... and {len(self.moved) - limit} more (-o json lists all)")
        return out


def _members(nums: Sequence[int]) -> str:
    return ",".join(str(n) for n in nums)


def _counts_text(counts: Mapping[int, int]) -> str:
    return "[" + " ".join(str(counts[k]) for k in sorted(counts)) + "]"


def _identities(report: ShardReport) -> dict[tuple[str, str, int], tuple[str, ShardedTarget]]:
    """Each kept target under ``(job, scrape URL, n)``: the n-th target of that job and URL (in order
    of their labels), so a relabeling that changes a target's labels still finds the same target."""
    by_url: dict[tuple[str, str], list[tuple[str, ShardedTarget]]] = {}
    for t in report.targets:
        by_url.setdefault((t.job, t.target.scrape_url), []).append(
            (target_text(t.target.scrape_url, t.target.labels), t)
        )
    out: dict[tuple[str, str, int], tuple[str, ShardedTarget]] = {}
    for (job, url), items in by_url.items():
        for n, item in enumerate(sorted(items, key=lambda i: i[0])):
            out[(job, url, n)] = item
    return out


def shard_moves(old: ShardReport, new: ShardReport) -> ShardMoves:
    """Compare two splits of (maybe) different targets: a target is the same on both sides when its job
    and scrape URL are (the n-th of several with the same ones)."""
    before, after = _identities(old), _identities(new)
    moved: list[dict[str, Any]] = []
    stayed = 0
    for key in sorted(before.keys() & after.keys()):
        (_, a), (name, b) = before[key], after[key]
        if a.members == b.members:
            stayed += 1
        else:
            moved.append(
                {
                    "job": key[0],
                    "scrape_url": key[1],
                    "target": name,
                    "from": list(a.members),
                    "to": list(b.members),
                }
            )
    return ShardMoves(
        old.settings,
        new.settings,
        moved,
        stayed,
        len(after.keys() - before.keys()),
        len(before.keys() - after.keys()),
        {m: len(ts) for m, ts in old.per_member.items()},
        {m: len(ts) for m, ts in new.per_member.items()},
    )
