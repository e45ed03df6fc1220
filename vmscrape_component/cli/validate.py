"""``vmscrape validate FILE...`` — check manifests; exit 2 on any problem.

Besides the schema, the config is packed into the operator's Secrets as it would be: a single job over
``VM_CONFIG_DATA_BUDGET_BYTES`` is refused (the operator fails the whole reconcile), and a config near a
new bucket is warned about. Each scrape is rendered (with the only VMAgent given, if one) and every job
vmagent would refuse to load is reported as a warning (the operator accepts such objects; vmagent skips
the job).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import one_line
from ..manifests import load_manifests
from ..render import Assets, render_config
from ._options import add_files, add_namespace
from .render import add_operator_arguments, operator_settings, print_conversion_notes, secret_layout


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "validate", help="check VMServiceScrape/VMAgent manifests in FILEs without rendering"
    )
    add_files(p)
    add_namespace(p)
    add_operator_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    operator = operator_settings(args)
    found = load_manifests(args.files, default_namespace=args.namespace, operator=operator)
    for note in found.ignored:
        print(one_line(f"note: ignored {note}"), file=sys.stderr)
    print_conversion_notes(found)
    agent = found.agents[0] if len(found.agents) == 1 else None
    config = render_config(
        found.scrapes,
        agent,
        assets=Assets(found.assets),
        namespaces=found.namespaces,
        preselected=True,
        operator=operator,
    )
    for warning in config.refusal_warnings():
        print(one_line(f"warning: {warning}"), file=sys.stderr)
    # A job over the budget is refused here, before rollout (the operator would fail to reconcile).
    secret_layout(config, agent, operator)
    print(f"ok: {len(found.scrapes)} VMServiceScrape(s), {len(found.agents)} VMAgent(s) valid")
    return 0
