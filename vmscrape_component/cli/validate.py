"""``vmscrape validate FILE...`` — check manifests; exit 2 on any problem.

Besides the schema, each scrape is rendered (with the only VMAgent given, if one) and every job vmagent
would refuse to load is reported as a warning (the operator accepts such objects; vmagent skips the job).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import one_line
from ..manifests import load_manifests
from ..render import Assets, render_config
from ._options import add_files, add_namespace


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "validate", help="check VMServiceScrape/VMAgent manifests in FILEs without rendering"
    )
    add_files(p)
    add_namespace(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    found = load_manifests(args.files, default_namespace=args.namespace)
    for note in found.ignored:
        print(one_line(f"note: ignored {note}"), file=sys.stderr)
    agent = found.agents[0] if len(found.agents) == 1 else None
    config = render_config(
        found.scrapes, agent, assets=Assets(found.assets), namespaces=found.namespaces, preselected=True
    )
    for warning in config.refusal_warnings():
        print(one_line(f"warning: {warning}"), file=sys.stderr)
    print(f"ok: {len(found.scrapes)} VMServiceScrape(s), {len(found.agents)} VMAgent(s) valid")
    return 0
