"""``vmscrape select MANIFESTS...`` — which VMAgent picks up which VMServiceScrape, and why (not).

For every agent/scrape pair in MANIFESTS: selected or not, with the reason in words, decided as operator
v0.74.1 decides it (serviceScrapeSelector, serviceScrapeNamespaceSelector over Namespace labels,
selectAllByDefault, WATCH_NAMESPACE, daemonSetMode). Warns about scrapes no agent selects and scrapes
several agents select. ``-o json``: ``{"pairs": [{"agent", "scrape", "selected", "reason"}],
"unselected": [scrape], "duplicated": {scrape: [agent]}, "warnings": [str]}``.
Exit status 0; with ``--strict``, 1 when there is a warning; 2 for invalid input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import Problem, VMScrapeError
from ..manifests import load_manifests
from ..select import selection_report
from ._options import add_files, add_namespace, add_output
from .render import add_operator_arguments, operator_settings


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "select",
        help="which VMAgent selects which VMServiceScrape, and why",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_files(p, metavar="MANIFESTS")
    add_namespace(p)
    add_operator_arguments(p)
    add_output(p, ("text", "json"))
    p.add_argument(
        "--strict", action="store_true", help="exit 1 when a scrape is selected by no or several agents"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    operator = operator_settings(args)
    found = load_manifests(args.files, default_namespace=args.namespace, operator=operator)
    if not found.agents:
        raise VMScrapeError([Problem("MANIFESTS", "", "no VMAgent given: nothing selects anything")])
    report = selection_report(
        found.agents,  # validated already: used as they are
        found.scrapes,
        found.namespaces,
        operator,
    )
    warnings = report.warnings()
    if args.output == "json":
        data = {
            "pairs": [
                {"agent": p.agent, "scrape": p.scrape, "selected": p.selected, "reason": p.reason}
                for p in report.pairs
            ],
            "unselected": report.unselected,
            "duplicated": report.duplicated,
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif not sys.stdout.isatty():
        # Into a pipe or a file: the same columns as plain aligned text (rich's table costs ~1 ms a row).
        sys.stdout.write(_plain_table(report.pairs))
        for warning in warnings:
            sys.stdout.write(f"warning: {warning}\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="VMServiceScrape selection")
        for column in ("scrape", "agent", "selected", "why"):
            table.add_column(column)
        for p in report.pairs:
            mark = "[green]yes[/]" if p.selected else "[red]no[/]"
            table.add_row(p.scrape, p.agent, mark, p.reason)
        console = Console(width=None if sys.stdout.isatty() else 160)
        console.print(table)
        for warning in warnings:
            console.print(f"[yellow]warning:[/] {warning}")
    return 1 if args.strict and warnings else 0


def _plain_table(pairs: Any) -> str:
    rows = [("scrape", "agent", "selected", "why")]
    rows += [(p.scrape, p.agent, "yes" if p.selected else "no", p.reason) for p in pairs]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2].ljust(widths[2])}  {row[3]}\n"
        for row in rows
    )
