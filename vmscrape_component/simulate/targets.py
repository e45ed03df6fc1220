"""From discovered labels to vmagent's scrape target: the rules of ``lib/promscrape/config.go``
(``getScrapeWork``, ``mergeLabels``) and ``lib/promrelabel/scrape_url.go`` of VictoriaMetrics v1.150.0.

For each discovered target vmagent:

1. starts from ``job``, ``__address__``, ``__scheme__`` (default ``http``), ``__metrics_path__`` (default
   ``/metrics``), ``__scrape_interval__`` / ``__scrape_timeout__`` (Go duration text such as ``1m0s``;
   the timeout is capped at the interval), ``__param_<k>`` (first value of each job param), then the
   discovered ``__meta_*`` labels; a later label of the same name wins; labels sorted by name;
2. runs ``global.relabel_configs`` then the job's ``relabel_configs``; nothing left → dropped
   ("relabeling");
3. removes ``__meta_*`` labels; nothing left → dropped ("relabeling");
4. builds the URL: ``__scheme__://__address____metrics_path__?__param_*``; a ``http://``/``https://``
   prefix of ``__address__`` sets the scheme and a ``/path`` suffix the path; no ``__address__`` →
   dropped ("missing scrape URL");
5. removes every ``__``-prefixed label and sets ``instance`` (when absent) to the address, with ``:80`` /
   ``:443`` added when it has no port (the URL itself keeps the address as written);
6. within a job, a second target with the same URL and labels is dropped ("duplicate").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from ..errors import Problem, VMScrapeError
from ..grammar import duration_ms
from .discovery import DiscoveredTarget
from .relabel import Rule, compile_rules, filter_keeps, parse_rules

__all__ = [
    "DROP_DUPLICATE",
    "DROP_MISSING_URL",
    "DROP_RELABELING",
    "JobTargets",
    "Target",
    "format_go_duration",
    "parse_duration_ms",
    "scrape_url",
]

DROP_RELABELING = "relabeling"
DROP_MISSING_URL = "missing scrape URL"
DROP_DUPLICATE = "duplicate"

_DEFAULT_INTERVAL_MS = 60_000
_DEFAULT_TIMEOUT_MS = 10_000


def parse_duration_ms(text: Any) -> int:
    """A scrape config's duration (``30s``, ``1m30s``, ``1.5h``, ``2d``) in milliseconds, as vmagent reads
    it (:func:`~vmscrape_component.grammar.duration_ms`). Raises ValueError."""
    return duration_ms(str(text))


def format_go_duration(ms: int) -> str:
    """Go's ``time.Duration.String`` for a whole number of milliseconds: ``30s``, ``1m0s``, ``1h30m0s``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{seconds}.{millis:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _add_missing_port(address: str, tls: bool) -> str:
    if ":" in address:
        return address
    return address + (":443" if tls else ":80")


def scrape_url(
    labels: Mapping[str, str], params: Mapping[str, Sequence[str]] | None = None
) -> tuple[str, str]:
    """vmagent's ``GetScrapeURL``: the scrape URL and the address for ``instance``; ``("", "")`` without
    an ``__address__``."""
    scheme = labels.get("__scheme__") or "http"
    path = labels.get("__metrics_path__") or "/metrics"
    address = labels.get("__address__") or ""
    if not address:
        return "", ""
    if address.startswith("http://"):
        scheme, address = "http", address[len("http://") :]
    elif address.startswith("https://"):
        scheme, address = "https", address[len("https://") :]
    slash = address.find("/")
    if slash >= 0:
        path, address = address[slash:], address[:slash]
    instance = _add_missing_port(address, scheme == "https")
    if not path.startswith("/"):
        path = "/" + path
    query: dict[str, list[str]] = {}
    for name, value in labels.items():
        if name.startswith("__param_"):
            key = name[len("__param_") :]
            extra = list((params or {}).get(key) or ())
            query[key] = [value, *extra[1:]]
    url = f"{scheme}://{address}{path}"
    if query:
        # url.Values.Encode: keys sorted, QueryEscape on keys and values.
        encoded = "&".join(
            f"{quote_plus(key, safe='')}={quote_plus(value, safe='')}"
            for key in sorted(query)
            for value in query[key]
        )
        url += ("&" if "?" in path else "?") + encoded
    return url, instance


@dataclass(frozen=True)
class Target:
    """One discovered target after vmagent's target-level processing."""

    job: str
    source: str
    #: The labels relabeling started from (``job``, ``__address__``, ``__scheme__``, …, ``__meta_*``) —
    #: vmagent's ``discoveredLabels``.
    discovered_labels: dict[str, str]
    #: The target's labels (sorted, with ``instance``); empty when dropped.
    labels: dict[str, str]
    scrape_url: str
    #: ``instance``-style ``host:port`` when kept; the discovered ``__address__`` when dropped.
    address: str
    #: None when kept; otherwise ``relabeling``, ``missing scrape URL`` or ``duplicate``.
    dropped: str | None = None
    #: The rule that dropped it (``dropped == "relabeling"`` and a rule emptied the labels).
    dropped_by: Rule | None = None
    #: ``global`` or ``job``: which list ``dropped_by`` is in.
    dropped_by_scope: str | None = None
    #: The labels vmagent's cluster mode hashes (kept targets only): after relabeling, ``__meta_*``
    #: removed, ``__address__`` and the other ``__`` labels still there, in vmagent's order (sorted as
    #: discovered, labels relabeling added after them) — ``lib/promscrape/config.go:1236-1246`` at v1.150.0.
    shard_labels: tuple[tuple[str, str], ...] = ()

    @property
    def kept(self) -> bool:
        return self.dropped is None


#: Actions that write no label, and those that write only ``target_label``.
_WRITE_NOTHING = frozenset(
    {
        "keep",
        "drop",
        "keepequal",
        "dropequal",
        "keep_if_equal",
        "drop_if_equal",
        "keep_if_contains",
        "drop_if_contains",
        "labeldrop",
        "labelkeep",
    }
)
_WRITE_TARGET = frozenset({"replace", "replace_all", "hashmod", "lowercase", "uppercase"})


def _may_add_meta(rule: Rule) -> bool:
    """Whether ``rule`` may write a ``__meta_*`` label (``labelmap``, ``graphite``: their names vary)."""
    if rule.action in _WRITE_NOTHING:
        return False
    if rule.action in _WRITE_TARGET:
        return "$" in rule.target_label or rule.target_label.startswith("__meta_")
    return True


class JobTargets:
    """Turns discovered targets into vmagent targets for one rendered job (a ``scrape_configs`` entry)."""

    def __init__(self, job: Mapping[str, Any], global_: Mapping[str, Any] | None = None) -> None:
        global_ = global_ or {}
        self.job_name = str(job.get("job_name") or "")
        where = f"job {self.job_name}"
        try:
            self.global_rules: list[Rule] = parse_rules(
                global_.get("relabel_configs"), where="global.relabel_configs"
            )
            self.job_rules: list[Rule] = parse_rules(job.get("relabel_configs"), where="relabel_configs")
        except VMScrapeError as exc:
            raise exc.within(where) from None
        interval = self._duration(job, global_, "scrape_interval", _DEFAULT_INTERVAL_MS)
        timeout = min(self._duration(job, global_, "scrape_timeout", _DEFAULT_TIMEOUT_MS), interval)
        scheme = str(job.get("scheme") or "").lower() or "http"
        self.params: dict[str, list[str]] = {
            k: [str(x) for x in v or ()] for k, v in (job.get("params") or {}).items()
        }
        self.base: dict[str, str] = {
            "job": self.job_name,
            "__scheme__": scheme,
            "__metrics_path__": str(job.get("metrics_path") or "/metrics"),
            "__scrape_interval__": format_go_duration(interval),
            "__scrape_timeout__": format_go_duration(timeout),
        }
        for key, values in self.params.items():
            if values:
                self.base["__param_" + key] = values[0]
        #: The job's labels in name order; each sorts after every `__meta_*` label (checked, not assumed).
        self._tail = {name: self.base[name] for name in sorted(self.base)}
        self._tail_sorts_last = all(n > "__meta_" and not n.startswith("__meta_") for n in self._tail)
        self._base_get = {**self.base, "__address__": ""}.get
        # Leading keep/drop rules without `if`, when no global rule runs before them: see `target`.
        filters = 0
        if not self.global_rules:
            for rule in self.job_rules:
                if rule.action not in ("keep", "drop") or rule.if_expr is not None:
                    break
                filters += 1
        self._filters = self.job_rules[:filters]
        #: No rule can add a `__meta_*` label (every one it may write has a fixed name outside them).
        self._no_new_meta = not any(map(_may_add_meta, [*self.global_rules, *self.job_rules]))
        self._global = compile_rules(self.global_rules)
        self._job = compile_rules(self.job_rules[filters:])

    def _duration(self, job: Mapping[str, Any], global_: Mapping[str, Any], key: str, default: int) -> int:
        for source in (job, global_):
            if source.get(key):
                try:
                    value = parse_duration_ms(source[key])
                except ValueError as exc:
                    raise VMScrapeError(
                        [
                            Problem(
                                object=f"job {self.job_name}", path=key, message=str(exc), value=source[key]
                            )
                        ]
                    ) from None
                if value > 0:
                    return value
        return default

    def discovered_labels(self, target: DiscoveredTarget) -> dict[str, str]:
        if target.ordered and self._tail_sorts_last:
            # `__address__`, then `__meta_*` labels, sorted: every label of the job sorts after them
            merged = target.labels.copy()
            merged.update(self._tail)
            return merged
        merged = dict(self.base)
        merged["__address__"] = target.address
        merged.update(target.labels)
        return {name: merged[name] for name in sorted(merged)}

    def _dropped(
        self, discovered: DiscoveredTarget, labels: dict[str, str], rule: Rule | None, scope: str | None
    ) -> Target:
        """``discovered`` dropped by relabeling (``rule`` in the ``scope`` list, when one rule did it)."""
        return Target(
            self.job_name, discovered.source, labels, {}, "", discovered.address, DROP_RELABELING, rule, scope
        )

    def target(self, discovered: DiscoveredTarget) -> Target:
        """One target, kept or dropped (duplicates are found by :meth:`targets`)."""
        address = discovered.address
        if self._filters:
            # The job's leading keep/drop rules decide on the discovered labels alone (most targets of a
            # job are dropped there), before the label set relabeling starts from is built.
            found, base = discovered.labels, self._base_get

            def get(name: str) -> str:
                value = found.get(name)
                return base(name, "") if value is None else value

            for rule in self._filters:
                if not filter_keeps(rule, get):
                    return self._dropped(discovered, self.discovered_labels(discovered), rule, "job")
        labels = self.discovered_labels(discovered)
        # Both rule lists run on a copy: `labels` is kept as the discovered labels.
        if self.global_rules:
            relabeled, dropped_by = self._global(labels.copy())
            scope = "global"
            if relabeled:
                relabeled, dropped_by = self._job(relabeled)
                scope = "job"
        else:
            relabeled, dropped_by = self._job(labels.copy())
            scope = "job"
        if not relabeled:  # a rule left no label, or every label left had an empty name or value
            return self._dropped(discovered, labels, dropped_by, scope if dropped_by is not None else None)
        if discovered.ordered and self._no_new_meta:
            # the `__meta_*` labels are those discovery gave (after `__address__`): removed by name
            final = relabeled  # the copy made above, or a set the rules built
            names = iter(discovered.labels)
            next(names, None)
            for name in names:
                final.pop(name, None)
        else:
            final = {k: v for k, v in relabeled.items() if not k.startswith("__meta_")}
        if not final:
            return Target(self.job_name, discovered.source, labels, {}, "", address, DROP_RELABELING)
        shard_labels = tuple(final.items())
        url, instance = scrape_url(final, self.params)
        if not url:
            return Target(self.job_name, discovered.source, labels, {}, "", address, DROP_MISSING_URL)
        final = {k: v for k, v in final.items() if not k.startswith("__")}
        if not final.get("instance"):
            final["instance"] = instance
        final = {k: final[k] for k in sorted(final)}
        return Target(
            self.job_name, discovered.source, labels, final, url, instance, shard_labels=shard_labels
        )

    def targets(self, discovered: Iterable[DiscoveredTarget]) -> list[Target]:
        """Every discovered target, in order; a repeat of a kept target's URL and labels is a duplicate."""
        out: list[Target] = []
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for item in discovered:
            target = self.target(item)
            if target.kept:
                key = (target.scrape_url, tuple(target.labels.items()))
                if key in seen:
                    target = Target(
                        target.job,
                        target.source,
                        target.discovered_labels,
                        {},
                        "",
                        item.address,
                        DROP_DUPLICATE,
                    )
                else:
                    seen.add(key)
            out.append(target)
        return out
