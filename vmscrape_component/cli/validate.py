"""``vmscrape validate FILE...`` — check manifests without rendering; exit 2 on any problem."""

from __future__ import annotations

import argparse
import sys

from ..manifests import load_manifests


def add_parser(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "validate", help="check VMServiceScrape/VMAgent manifests in FILEs without rendering"
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files ('-' for standard input)")
    p.add_argument(
        "--namespace",
        "-n",
        default="default",
        help="namespace for objects that name none (default: %(default)s)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    found = load_manifests(args.files, default_namespace=args.namespace)
    for note in found.ignored:
        print(f"note: ignored {note}", file=sys.stderr)
    print(f"ok: {len(found.scrapes)} VMServiceScrape(s), {len(found.agents)} VMAgent(s) valid")
    return 0
