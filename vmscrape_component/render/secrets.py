"""The operator's Secrets for one agent: its config split into gzip-size buckets, one Secret each.

Operator v0.74.1 does not keep every scrape job in one Secret. ``createOrUpdateScrapeConfig``
(internal/controller/operator/factory/vmagent/vmagent.go:1407-1475) packs the job list with
``build.PackItems(jobs, VM_CONFIG_DATA_BUDGET_BYTES, 150)`` (build/child_object.go:180-211):

* the measure is the size of Go's gzip of the YAML of the job *list* (not of the whole Secret);
* at or under the budget: one bucket; a single job over it is a reconcile error
  (``single item compressed size N exceeds limit M``, child_object.go:194) and the old Secrets stay;
* over it: ``ceil(size·150 / (100·budget))`` buckets, each a contiguous run of ``ceil(jobs/buckets)``
  jobs in order (the last one smaller), each run packed again on its own (child_object.go:196-209).

Bucket 0 goes into the main Secret ``vmagent-<name>`` (key ``vmagent.yaml.gz``): ``global``, then, when
there are more buckets, ``scrape_config_files: [/etc/vm/sc-files/*/jobs.yaml]``, then
``scrape_configs`` (vmagent.go:1413-1424). Bucket *i* ≥ 1 goes into ``vmagent-<name>-sc-<i>``, key
``jobs.yaml`` (gzip data despite the name), with the agent's labels plus
``operator.victoriametrics.com/scrape-config-extra: vmagent-<name>``, annotation ``generated: "true"``
and the agent as owner (vmscrapes/extra_config.go:27-45, 71-83); extra Secrets with a higher index are
deleted (extra_config.go:47-67). The config-reloader mounts each at ``/etc/vm/sc-raw-<i>`` and writes
``/etc/vm/sc-files/sc-raw-<i>/jobs.yaml`` (vmagent.go:756-781).
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, VMScrapeError
from ..gzip_size import GoGzipSize, GzipSize, gzip_sizer
from ..models import VMAgentModel
from ..settings import DEFAULT_CONFIG_DATA_BUDGET_BYTES
from .agent import AgentConfig
from .yaml import dump

__all__ = [
    "EXTRA_CONFIG_FILES_GLOB",
    "EXTRA_CONFIG_KEY",
    "EXTRA_CONFIG_LABEL",
    "HEADROOM_PERCENT",
    "MAIN_CONFIG_KEY",
    "Bucket",
    "ItemTooLarge",
    "SecretLayout",
    "pack_ranges",
    "render_secret_layout",
    "split_job_texts",
]

#: The headroom the operator packs with: vmagent.go:1408.
HEADROOM_PERCENT = 150
#: ``scrape_config_files`` of a split config (vmscrapes/extra_config.go:82).
EXTRA_CONFIG_FILES_GLOB = "/etc/vm/sc-files/*/jobs.yaml"
#: The key of an overflow Secret (extra_config.go:74).
EXTRA_CONFIG_KEY = "jobs.yaml"
#: The label that ties an overflow Secret to its agent (extra_config.go:76).
EXTRA_CONFIG_LABEL = "operator.victoriametrics.com/scrape-config-extra"
#: The key of the main Secret.
MAIN_CONFIG_KEY = "vmagent.yaml.gz"
#: How close to the next bucket count (or to a bucket's own split) earns a warning.
NEAR_FRACTION = 0.9

#: Characters per slice when a config is measured slice by slice.
_PART = 1 << 20

_JOB_NAME = re.compile(r"serviceScrape/(?P<ns>[^/]+)/(?P<name>[^/]+)/(?P<ep>[0-9]+)")


class ItemTooLarge(Exception):
    """One job alone is over the budget: the operator's reconcile fails (child_object.go:194)."""

    def __init__(self, index: int, size: int, limit: int) -> None:
        super().__init__(f"single item compressed size {size} exceeds limit {limit}")
        self.index, self.size, self.limit = index, size, limit


def pack_ranges(
    count: int,
    text: Callable[[int, int], bytes],
    limit: int,
    size: GzipSize,
    headroom: int = HEADROOM_PERCENT,
    *,
    measured: int | None = None,
) -> list[tuple[int, int, int]]:
    """``PackItems`` over ``count`` items: ``(start, stop, gzip size)`` of each bucket, in order.

    ``text(start, stop)`` is the YAML of items ``start..stop-1`` as one list (``[]\\n`` when empty);
    ``measured``: the size of the whole list, when already known. Raises :class:`ItemTooLarge` when one
    item alone is over ``limit``.
    """
    return _pack(0, count, text, limit, size, headroom, measured)


def _pack(
    start: int,
    stop: int,
    text: Callable[[int, int], bytes],
    limit: int,
    size: GzipSize,
    headroom: int,
    measured: int | None = None,
) -> list[tuple[int, int, int]]:
    n = size(text(start, stop)) if measured is None else measured
    if n <= limit:
        return [(start, stop, n)]
    if stop - start == 1:
        raise ItemTooLarge(start, n, limit)
    buckets = (n * headroom + 100 * limit - 1) // (100 * limit)
    per_bucket = (stop - start + buckets - 1) // buckets
    out: list[tuple[int, int, int]] = []
    for i in range(start, stop, per_bucket):
        out.extend(_pack(i, min(i + per_bucket, stop), text, limit, size, headroom))
    return out


def split_job_texts(scrape_configs_text: str) -> list[str]:
    """The YAML of each job of a ``scrape_configs`` list as yaml.v2 writes it (``- job_name: ...``).

    yaml.v2 writes a list's items at column 0 and everything inside them indented, so each item starts
    at a line beginning with ``- ``; the items joined are the list.
    """
    if not scrape_configs_text or scrape_configs_text == "[]\n":
        return []
    starts = [0] + [m.start() + 1 for m in re.finditer(r"\n- ", scrape_configs_text)]
    return [
        scrape_configs_text[a:b] for a, b in zip(starts, [*starts[1:], len(scrape_configs_text)], strict=True)
    ]


@dataclass(frozen=True)
class Bucket:
    """One bucket of jobs: where it is written and what it holds."""

    #: 0: the main Secret; i ≥ 1: ``<prefix>-sc-<i>``.
    index: int
    #: The jobs ``start..stop-1`` of the whole config.
    start: int
    stop: int
    #: Gzipped size of its job list, as the operator measured it when it packed (Go's gzip when
    #: :attr:`SecretLayout.exact`).
    gzip_bytes: int
    #: Its job names, in order.
    job_names: tuple[str, ...]
    #: A text holding its job list's YAML at ``span`` (the whole config for a single bucket, which is
    #: then not copied: 33 MB for 10,000 scrapes).
    source: str = field(repr=False)
    span: tuple[int, int] = field(repr=False)

    @property
    def text(self) -> str:
        """Its job list's YAML (for i ≥ 1, what the reloader writes to ``jobs.yaml``)."""
        a, b = self.span
        return self.source if (a, b) == (0, len(self.source)) else self.source[a:b]


@dataclass(frozen=True)
class SecretLayout:
    """The Secrets the operator writes for an agent's config, and how near it is to a different layout."""

    #: ``vmagent-<name>`` (``<name>`` with ``useLegacyNaming``).
    prefix: str
    namespace: str
    budget: int
    #: Whether the sizes are Go's own (``go-gzip-size``); otherwise zlib's estimate, a few % off.
    exact: bool
    #: Gzipped size of the whole job list (the first measure PackItems takes).
    total_gzip_bytes: int
    buckets: tuple[Bucket, ...]
    #: The main Secret's config, decompressed (what ``vmagent.yaml.gz`` holds).
    main_text: str
    labels: Mapping[str, str] = field(default_factory=dict)
    owner: Mapping[str, Any] = field(default_factory=dict)

    @property
    def split(self) -> bool:
        """Whether the config is split (overflow Secrets exist)."""
        return len(self.buckets) > 1

    def secret_name(self, index: int) -> str:
        """The Secret of bucket ``index``."""
        return self.prefix if index == 0 else f"{self.prefix}-sc-{index}"

    def texts(self) -> dict[str, str]:
        """Secret name → decompressed content of its config key (main: the whole file; extra: jobs)."""
        out = {self.prefix: self.main_text}
        for bucket in self.buckets[1:]:
            out[self.secret_name(bucket.index)] = bucket.text
        return out

    def warnings(self) -> list[str]:
        """Layouts about to change: the job list within 10 % of one more bucket, a bucket within 10 % of
        being split again, and sizes that are only estimated."""
        out: list[str] = []
        if self.total_gzip_bytes <= self.budget:
            if self.total_gzip_bytes > NEAR_FRACTION * self.budget:
                out.append(
                    f"the gzipped job list is {self.total_gzip_bytes} bytes, within 10 % of the budget "
                    f"{self.budget}: a little more and the operator splits the config into buckets"
                )
        else:
            first = (self.total_gzip_bytes * HEADROOM_PERCENT + 100 * self.budget - 1) // (100 * self.budget)
            # The smallest size that makes one more first-level bucket.
            next_at = (first * 100 * self.budget) // HEADROOM_PERCENT + 1
            if self.total_gzip_bytes >= NEAR_FRACTION * next_at:
                out.append(
                    f"the gzipped job list is {self.total_gzip_bytes} bytes, within 10 % of {next_at}, where "
                    f"the operator splits it into {first + 1} first buckets instead of {first}"
                )
            for b in self.buckets:
                if b.gzip_bytes > NEAR_FRACTION * self.budget:
                    out.append(
                        f"bucket {b.index} ({self.secret_name(b.index)}, jobs {b.start}-{b.stop - 1}) is "
                        f"{b.gzip_bytes} gzipped bytes, within 10 % of the budget {self.budget}: a little "
                        f"more and it is split again"
                    )
        if not self.exact and (self.split or self.total_gzip_bytes > 0.8 * self.budget):
            out.append(
                "gzip sizes are zlib's estimate (Go's gzip differs by a few %): the bucket boundaries may "
                "differ from the operator's; run scripts/install-gogzip for exact sizes"
            )
        return out

    def summary(self) -> list[str]:
        """One line for the layout, then one per bucket: job range and gzipped size against the budget."""
        how = "Go's gzip" if self.exact else "zlib's estimate"
        if not self.split:
            return [
                f"one Secret {self.prefix}: {self.total_gzip_bytes} gzipped bytes of jobs of a budget of "
                f"{self.budget} ({how})"
            ]
        lines = [
            f"split into {len(self.buckets)} buckets: the gzipped job list is {self.total_gzip_bytes} "
            f"bytes, over the budget of {self.budget} ({how})"
        ]
        for b in self.buckets:
            lines.append(
                f"  bucket {b.index}: {self.secret_name(b.index)}, jobs {b.start}-{b.stop - 1} "
                f"({b.stop - b.start}), {b.gzip_bytes} gzipped bytes"
            )
        return lines

    def secrets(self) -> list[dict[str, Any]]:
        """The Secret objects the operator writes (main first), with base64 gzip data. The gzip bytes are
        Python's, not Go's; decompressed they are the operator's."""
        out = []
        for bucket in self.buckets:
            main = bucket.index == 0
            text = self.main_text if main else bucket.text
            labels = dict(self.labels)
            if not main:
                labels[EXTRA_CONFIG_LABEL] = self.prefix
            metadata: dict[str, Any] = {
                "name": self.secret_name(bucket.index),
                "namespace": self.namespace,
                "labels": {k: labels[k] for k in sorted(labels)},
                "annotations": {"generated": "true"},
            }
            if self.owner:
                metadata["ownerReferences"] = [dict(self.owner)]
            data = base64.b64encode(gzip.compress(text.encode(), 6, mtime=0)).decode()
            key = MAIN_CONFIG_KEY if main else EXTRA_CONFIG_KEY
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": metadata,
                    "type": "Opaque",
                    "data": {key: data},
                }
            )
        return out


def _agent_identity(agent: VMAgentModel | None) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    if agent is None:
        return "vmagent-<agent>", "default", {}, {}
    extra = agent.spec.model_extra or {}
    prefix = agent.name if extra.get("useLegacyNaming") else f"vmagent-{agent.name}"
    managed = extra.get("managedMetadata") or {}
    # FinalLabels: managedMetadata.labels, then the selector labels win (vmagent_types.go:531-557).
    labels = {str(k): str(v) for k, v in (managed.get("labels") or {}).items()}
    labels.update(
        {
            "app.kubernetes.io/name": "vmagent",
            "app.kubernetes.io/instance": agent.name,
            "app.kubernetes.io/component": "monitoring",
            "managed-by": "vm-operator",
        }
    )
    owner = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "name": agent.name,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return prefix, agent.namespace or "default", labels, owner


def job_origin(job_name: str) -> str:
    """``VMServiceScrape ns/name endpoint i`` for a service-scrape job name, else the job name."""
    m = _JOB_NAME.fullmatch(job_name)
    if not m:
        return f"job {job_name}"
    return f"VMServiceScrape {m['ns']}/{m['name']} endpoint {m['ep']} (spec.endpoints[{m['ep']}])"


def render_secret_layout(
    config: AgentConfig,
    agent: VMAgentModel | None = None,
    *,
    budget: int = DEFAULT_CONFIG_DATA_BUDGET_BYTES,
    size: GzipSize | None = None,
    exact: bool | None = None,
    text: str | None = None,
) -> SecretLayout:
    """The Secrets the operator writes for ``config`` under ``budget``.

    ``size``: the gzip measure (default: Go's through ``go-gzip-size`` when installed, else zlib's
    estimate; ``exact`` then says which). ``text``: the config as
    :func:`~vmscrape_component.render.config_yaml` wrote it, when already at hand (saves writing it again).
    Raises :class:`VMScrapeError` naming the VMServiceScrape and
    endpoint when one job alone is over the budget (the operator would fail to reconcile).
    """
    if size is None:
        size, found_exact = gzip_sizer()
        exact = found_exact if exact is None else exact
    exact = bool(exact)
    names = config.job_names
    global_text = dump({"global": config.global_})
    whole = dump(config._emitted_tree()) if text is None else text
    # The text is global's, then "scrape_configs:" and the list (or " []" when there are no jobs).
    if not whole.startswith(global_text + "scrape_configs:"):
        raise AssertionError("the config text does not start with its global section")  # emitter changed
    head = len(global_text.encode()) + len("scrape_configs:\n")
    empty = whole.startswith(global_text + "scrape_configs: []")
    # Jobs are contiguous in the text: each bucket is one slice of it (yaml.v2 starts each list item at
    # column 0 with "- "; see split_job_texts). A view, not a copy: the text of 10,000 scrapes is 33 MB,
    # and each copy of it costs ~10 ms and its size in peak memory (issue 21).
    measured: int | None = None
    if not empty and isinstance(size, GoGzipSize) and whole.isascii():
        # Measured in slices: most configs are one bucket, and then the text is never needed as bytes.
        start = len(global_text) + len("scrape_configs:\n")
        parts = (whole[i : i + _PART].encode() for i in range(start, len(whole), _PART))
        measured = size.size_of_parts(len(whole) - start, parts)
        if measured <= budget:
            (prefix, namespace, labels, owner) = _agent_identity(agent)
            bucket = Bucket(0, 0, len(names), measured, tuple(names), whole, (start, len(whole)))
            return SecretLayout(prefix, namespace, budget, exact, measured, (bucket,), whole, labels, owner)
    data = b"" if empty else whole.encode()
    body = memoryview(data)[head:]
    offsets: list[int] = []

    def job_offsets() -> list[int]:
        # Where each job starts; found only when the list is split (a regex pass over the whole text).
        if not offsets:
            offsets.extend([0] + [m.start() + 1 for m in re.finditer(rb"\n- ", body)] if body else [])
            offsets.append(len(body))
            if len(offsets) - 1 != len(names):
                raise AssertionError(f"{len(offsets) - 1} job texts for {len(names)} jobs")  # emitter changed
        return offsets

    def text_of(start: int, stop: int) -> bytes | memoryview:
        if stop <= start:
            return b"[]\n"
        if start == 0 and stop == len(names):
            return body
        at = job_offsets()
        return body[at[start] : at[stop]]

    try:
        total = size(text_of(0, len(names))) if measured is None else measured  # type: ignore[arg-type]
        ranges = pack_ranges(len(names), text_of, budget, size, measured=total)  # type: ignore[arg-type]
    except ItemTooLarge as exc:
        raise VMScrapeError(
            [
                Problem(
                    object=job_origin(names[exc.index]),
                    path="",
                    message=f"its job alone is {exc.size} gzipped bytes, over VM_CONFIG_DATA_BUDGET_BYTES "
                    f"{exc.limit}: the operator refuses the whole config (reconcile error 'splitting scrape "
                    f"config into buckets: {exc}') and keeps the old Secrets",
                )
            ]
        ) from None
    if len(ranges) == 1:
        # One bucket: its jobs are the whole list and the main Secret holds the whole text, unchanged.
        ((a, b, n),) = ranges
        if b > a:
            bucket = Bucket(
                0, a, b, n, tuple(names), whole, (len(global_text) + len("scrape_configs:\n"), len(whole))
            )
            main = whole
        else:
            bucket = Bucket(0, a, b, n, (), "[]\n", (0, 3))
            main = global_text + "scrape_configs: []\n"
        buckets: tuple[Bucket, ...] = (bucket,)
    else:
        buckets = tuple(
            Bucket(i, a, b, n, tuple(names[a:b]), job_text, (0, len(job_text)))
            for i, (a, b, n) in enumerate(ranges)
            for job_text in [bytes(text_of(a, b)).decode()]
        )
        main = global_text + dump({"scrape_config_files": [EXTRA_CONFIG_FILES_GLOB]})
        main += "scrape_configs:\n" + buckets[0].text
    prefix, namespace, labels, owner = _agent_identity(agent)
    return SecretLayout(prefix, namespace, budget, exact, total, buckets, main, labels, owner)
