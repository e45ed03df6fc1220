"""``vmscrape explain MANIFESTS... --snapshot FILE | --context CTX`` — preview a rollout against a cluster.

Shows which VMServiceScrapes the agent selects (and why not), then for every rendered job the targets
vmagent would scrape (address, final labels, URL) and the ones it would drop (with the relabeling rule
that dropped them). The snapshot is ``kubectl get namespaces,services,endpoints,endpointslices,pods -A
-o yaml`` output (add ``nodes`` for ``attach_metadata.node``); or, with ``--context CTX`` (and
``--kubeconfig FILE``), the same objects listed from a live cluster (read-only; needs the ``kubernetes``
package, the ``live`` extra), Nodes only when a job attaches node metadata.

JSON output (``-o json``) is one object; keys are stable and listed here (lists keep the order shown in
the text output; maps are sorted by key):

- ``agent``: ``"namespace/name"`` of the VMAgent, or ``null`` when none is given (every scrape used).
- ``selection``: list of ``{"scrape": "ns/name", "selected": bool, "reason": str}``, sorted by scrape.
- ``skipped``: list of ``{"scrape": "ns/name", "reason": str}`` — selected but left out of the config.
- ``jobs``: list, in config order, of:

  - ``job_name``: str; ``role``: discovery role; ``namespaces``: watched namespaces (``[]`` = all)
  - ``discovered``: int, how many targets discovery found
  - ``active``: list of ``{"address", "scrape_url", "labels", "source"}`` — ``address`` is ``host:port``
    as in ``instance``; ``labels`` the final target labels; ``source`` the object it came from
    (``Endpoints ns/name``, ``EndpointSlice ns/name``, ``Service ns/name``, with ``(pod ns/name port
    not in it)`` for a pod's extra container port)
  - ``dropped``: list of ``{"address", "source", "reason", "rule", "discovered_labels"}`` — ``reason``
    is vmagent's: ``relabeling``, ``missing scrape URL`` or ``duplicate``; ``rule`` is ``null`` or
    ``{"scope": "job"|"global", "index": int, "action": str, "text": str}`` (``index`` into that
    scope's ``relabel_configs``); ``discovered_labels`` are the labels relabeling started from
  - ``notes``: list of str, parts of the config the simulation could not follow

- ``duplicates``: list of ``{"scrape_url", "targets": [{"job_name", "labels"}]}`` — URLs that more than
  one active target scrapes (e.g. a headless and a ClusterIP Service over the same pods), sorted by URL.
- ``notes``: list of str (ignored documents).
- ``shards`` (only with ``--shards``): which vmagent shard scrapes each target, see
  :mod:`vmscrape_component.cli._shards`.

``--shards`` (the VMAgent's ``shardCount``, or ``--shards N``) prints the selection, then each kept
target with the shard(s) that scrape it (``--by job|namespace|scrape``: counts per group and shard
instead), then per shard its targets, jobs and share, and the balance (largest shard / mean); a shard
above 1.5x the mean is a warning on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import orjson

from ..bulk import gc_paused
from ..errors import Problem, VMScrapeError, one_line
from ..manifests import load_manifests
from ..render import Assets, render_config
from ..simulate import Explanation, Snapshot, Target, duplicate_targets, explain, load_snapshot
from . import _shards
from ._options import add_files, add_namespace, add_output
from .render import add_operator_arguments, operator_settings

OUTPUT_FORMATS = ("text", "json")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "explain",
        help="preview which targets each rendered job gets in a cluster snapshot, and why others are dropped",
        description="Render the VMServiceScrapes in MANIFESTS as the operator would, then simulate vmagent's "
        "Kubernetes discovery and relabeling over a cluster snapshot (kubectl get namespaces,services,"
        "endpoints,endpointslices,pods -A -o yaml): the selected scrapes, and per job the targets kept "
        "(address, labels, URL) and dropped (with the rule that dropped them).",
    )
    add_files(p, metavar="MANIFESTS")
    add_cluster_arguments(p)
    p.add_argument("--agent", metavar="NS/NAME", help="explain for this VMAgent from MANIFESTS")
    add_namespace(p)
    add_output(p, OUTPUT_FORMATS)
    _shards.add_arguments(p)
    add_operator_arguments(p)
    p.set_defaults(run=run)


def add_cluster_arguments(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--snapshot FILE`` or ``--context CTX`` (with ``--kubeconfig FILE``): where the cluster comes from."""
    source = p.add_mutually_exclusive_group(required=required)
    source.add_argument(
        "--snapshot", metavar="FILE", help="cluster snapshot (YAML List; '-' for standard input)"
    )
    source.add_argument(
        "--context",
        metavar="CTX",
        help="read the cluster live from this kubeconfig context (read-only lists; needs the live extra)",
    )
    p.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig for --context (default: $KUBECONFIG or ~/.kube/config)",
    )


def load_cluster_input(
    args: argparse.Namespace, nodes: bool | Callable[[Snapshot], bool] = False
) -> Snapshot:
    """The snapshot ``--snapshot`` names, or the live cluster of ``--context``/``--kubeconfig``; ``nodes``
    (or a function of the snapshot read so far) says whether a live read lists Nodes too."""
    if args.snapshot is not None:
        if args.kubeconfig:
            raise VMScrapeError([Problem("--kubeconfig", "", "goes with --context, not with --snapshot")])
        return load_snapshot(args.snapshot)
    from ..simulate.live import load_cluster

    return load_cluster(args.context, args.kubeconfig, nodes=nodes)


def _choose_agent(agents: list[Any], wanted: str | None) -> Any | None:
    if wanted:
        for agent in agents:
            if f"{agent.namespace}/{agent.name}" == wanted:
                return agent
        known = ", ".join(f"{a.namespace}/{a.name}" for a in agents) or "none"
        raise VMScrapeError(
            [
                Problem(
                    "--agent", "", f"no VMAgent with that namespace/name in MANIFESTS; given: {known}", wanted
                )
            ]
        )
    if len(agents) > 1:
        names = ", ".join(f"{a.namespace}/{a.name}" for a in agents)
        raise VMScrapeError(
            [Problem("--agent", "", f"MANIFESTS hold several VMAgents ({names}); choose one")]
        )
    return agents[0] if agents else None


def run(args: argparse.Namespace) -> int:
    if args.snapshot == "-" and "-" in args.files:
        raise VMScrapeError(
            [Problem("--snapshot", "", "standard input can feed MANIFESTS or the snapshot, not both")]
        )
    shards_wanted = _shards.wanted(args)
    operator = operator_settings(args)
    found = load_manifests(args.files, default_namespace=args.namespace, operator=operator)
    agent = _choose_agent(found.agents, args.agent)
    if shards_wanted:
        _shards.settings(args, agent)  # bad shard options fail before the cluster is read

    def needs_nodes(snapshot: Snapshot) -> bool:
        from ..simulate.live import needs_nodes

        namespaces = {**snapshot.namespace_labels(), **found.namespaces}
        config = render_config(
            found.scrapes,
            agent,
            assets=Assets(found.assets),
            operator=operator,
            namespaces=namespaces,
        )
        return needs_nodes(config.as_dict())

    snapshot = load_cluster_input(args, needs_nodes)
    result = explain(
        found.scrapes,
        snapshot,
        agent,
        assets=Assets(found.assets),
        operator=operator,
        namespaces=found.namespaces,
    )
    notes = [f"ignored {note}" for note in found.ignored]
    notes += [f"snapshot: ignored {item}" for item in snapshot.ignored]
    shards = _shards.report_for(result, args, agent) if shards_wanted else None
    # The output is hundreds of thousands of small containers built on a heap that holds the whole
    # snapshot: with the cyclic collector on, its passes over that heap cost more than the output.
    with gc_paused():
        if args.output == "json":
            out = as_json(result, notes)
            if shards is not None:
                out["shards"] = _shards.as_json(shards, args.by)
            # orjson: the same text as json.dumps(indent=2, ensure_ascii=False), ten times faster.
            sys.stdout.buffer.write(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
        elif shards is not None:
            print_text(result, notes, tables=_tables(result, jobs=False) + _shards.tables(shards, args.by))
            print(_shards.balance_line(shards))
            _shards.print_warnings(shards)
        else:
            print_text(result, notes)
    return 0


# -- JSON ----------------------------------------------------------------------------------------------------


def _rule(target: Target) -> dict[str, Any] | None:
    rule = target.dropped_by
    if rule is None:
        return None
    return {
        "scope": target.dropped_by_scope,
        "index": rule.index,
        "action": rule.action,
        "text": rule.describe(),
    }


def as_json(result: Explanation, notes: list[str] | None = None) -> dict[str, Any]:
    """The explanation as the documented JSON object (see the module docstring)."""
    return {
        "agent": result.agent,
        "selection": [
            {"scrape": s.scrape, "selected": s.selected, "reason": s.reason} for s in result.selection
        ],
        "skipped": [{"scrape": k, "reason": result.skipped[k]} for k in sorted(result.skipped)],
        "jobs": [
            {
                "job_name": job.job_name,
                "role": job.role,
                "namespaces": list(job.namespaces),
                "discovered": len(job.targets),
                "active": [
                    {"address": t.address, "scrape_url": t.scrape_url, "labels": t.labels, "source": t.source}
                    for t in job.active
                ],
                "dropped": [
                    {
                        "address": t.address,
                        "source": t.source,
                        "reason": t.dropped,
                        "rule": _rule(t),
                        "discovered_labels": t.discovered_labels,
                    }
                    for t in job.dropped
                ],
                "notes": list(job.notes),
            }
            for job in result.jobs
        ],
        "duplicates": duplicate_targets(result),
        "notes": list(notes or ()),
    }


# -- text ----------------------------------------------------------------------------------------------------


def _labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in labels.items())


def _drop_text(target: Target) -> str:
    if target.dropped_by is not None:
        scope = "global relabel_configs" if target.dropped_by_scope == "global" else "relabel_configs"
        return f"{scope} {target.dropped_by.describe()}"
    return str(target.dropped)


def _tables(result: Explanation, *, jobs: bool = True) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for every table, shared by the rich and the plain printer (``jobs=False``:
    the selection only)."""
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    title = f"Selection by VMAgent {result.agent}" if result.agent else "Selection (no VMAgent given)"
    tables.append(
        (
            title,
            ["scrape", "selected", "why"],
            [[s.scrape, "yes" if s.selected else "no", s.reason] for s in result.selection],
        )
    )
    if result.skipped:
        rows = [[k, result.skipped[k]] for k in sorted(result.skipped)]
        tables.append(("Left out of the config (as the operator would)", ["scrape", "why"], rows))
    for job in result.jobs if jobs else ():
        where = ", ".join(job.namespaces) if job.namespaces else "all namespaces"
        head = (
            f"{job.job_name} — role {job.role or '?'} in {where}: "
            f"{len(job.active)} active, {len(job.dropped)} dropped of {len(job.targets)} discovered"
        )
        active = [[t.address, t.scrape_url, _labels_text(t.labels)] for t in job.active]
        tables.append((head, ["active target", "scrape URL", "labels"], active))
        dropped = [[t.address, t.source, _drop_text(t)] for t in job.dropped]
        if dropped:
            tables.append(
                (f"{job.job_name} — dropped", ["address", "discovered from", "dropped by"], dropped)
            )
        for note in job.notes:
            tables.append((f"{job.job_name} — note", ["note"], [[note]]))
    return tables


def print_text(
    result: Explanation,
    notes: list[str] | None = None,
    *,
    tables: list[tuple[str, list[str], list[list[str]]]] | None = None,
) -> None:
    """Tables on standard output (``tables``, by default explain's own): rich tables when ``rich`` is
    installed, plain text otherwise."""
    # Every name, label and reason comes from the input: one line each, no terminal escapes, no markup.
    tables = [
        (one_line(title), header, [[one_line(cell) for cell in row] for row in rows])
        for title, header, rows in (_tables(result) if tables is None else tables)
    ]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a dependency; plain text keeps the command usable
        for title, header, rows in tables:
            print(title)
            print("  " + " | ".join(header))
            for row in rows or [["(none)"]]:
                print("  " + " | ".join(row))
            print()
    else:
        console = Console(soft_wrap=False, width=max(120, Console().width))
        for title, header, rows in tables:
            table = Table(title=_escape(title), title_justify="left", show_lines=False)
            for column in header:
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*[_escape(c) for c in row])
            if not rows:
                table.add_row("(none)", *[""] * (len(header) - 1))
            console.print(table)
    for dup in duplicate_targets(result):
        who = ", ".join(
            f"{t['job_name']} (service {t['labels'].get('service', '?')})" for t in dup["targets"]
        )
        warning = f"warning: {dup['scrape_url']} is scraped {len(dup['targets'])} times: {who}"
        print(one_line(warning), file=sys.stderr)
    for note in notes or ():
        print(one_line(f"note: {note}"), file=sys.stderr)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
