"""``vmscrape convert FILE...`` — the VMServiceScrapes the operator makes of the ServiceMonitors in FILEs.

stdout: a YAML stream of VMServiceScrapes (metadata and spec as the operator writes them; commit them to
migrate). stderr: one line per ServiceMonitor field that is dropped or changed. ``--strict`` exits 1 when
anything is dropped.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import yaml

from ..errors import one_line
from ..manifests import load_manifests
from .render import add_operator_arguments, operator_settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "convert",
        help="print the VMServiceScrapes the operator converts the ServiceMonitors in FILEs into",
        description="Read ServiceMonitors (monitoring.coreos.com/v1) from FILEs and print, as a YAML stream, "
        "the VMServiceScrapes the VictoriaMetrics operator (v0.74.1) would create from them; on stderr one "
        "line per input field that is dropped or changed. Other kinds are ignored. Exit 0, or 1 with "
        "--strict when a field is dropped, 2 on invalid input.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files ('-' for standard input)")
    p.add_argument(
        "--namespace",
        "-n",
        default="default",
        help="namespace for objects that name none (default: %(default)s)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when the conversion drops any field")
    add_operator_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    operator = operator_settings(args)
    # Converted regardless of VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE: this command is the conversion.
    found = load_manifests(
        args.files,
        default_namespace=args.namespace,
        operator=replace(operator, convert_service_monitors=True),
    )
    for note in found.notes:
        print(one_line(f"note: {note}"), file=sys.stderr)
    dropped = 0
    documents = []
    for conversion in found.conversions:
        for change in conversion.notes:
            print(one_line(change.text()), file=sys.stderr)
        dropped += len(conversion.dropped)
        documents.append(conversion.manifest)
    if not found.conversions:
        print("note: no ServiceMonitor in FILEs", file=sys.stderr)
    sys.stdout.write(
        yaml.safe_dump_all(documents, sort_keys=True, allow_unicode=True, default_flow_style=False)
    )
    if dropped:
        print(
            one_line(f"{'error' if args.strict else 'note'}: {dropped} field(s) dropped by the conversion"),
            file=sys.stderr,
        )
    return 1 if args.strict and dropped else 0
