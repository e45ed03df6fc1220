"""``vmscrape render FILE...`` — print the complete vmagent config for the VMServiceScrapes in FILEs."""

from __future__ import annotations

import argparse
import sys

from ..errors import Problem, VMScrapeError, one_line
from ..manifests import load_manifests
from ..render import OPERATOR_TLS_MOUNT_DIR, Assets, OperatorSettings, config_yaml, render_config
from ._options import add_files, add_namespace, env_pairs

_CHUNK = 1 << 20


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "render",
        help="print the vmagent config (global + scrape_configs) for the VMServiceScrapes in FILEs",
        description="Read multi-document YAML (VMServiceScrape objects; a VMAgent, Secrets, ConfigMaps and "
        "Namespaces are used when present; other kinds are ignored with a note on stderr) and print the "
        "complete vmagent config the operator would generate.",
    )
    add_files(p)
    add_namespace(p)
    p.add_argument(
        "--agent",
        metavar="NS/NAME",
        help="render for this VMAgent from FILEs (its selectors and settings); "
        "default: the only VMAgent given, or none",
    )
    p.add_argument(
        "--reveal-secrets",
        action="store_true",
        help="inline the values of Secrets given in FILEs, as the operator does "
        "(default: placeholders such as '<secret ns/name key>')",
    )
    p.add_argument(
        "--tls-mount-dir",
        default=OPERATOR_TLS_MOUNT_DIR,
        help="where TLS assets are mounted in the agent (default: %(default)s)",
    )
    add_operator_arguments(p)
    p.add_argument(
        "--strict-refs",
        action="store_true",
        help="leave out scrapes whose Secrets/ConfigMaps are not in FILEs, as the operator does "
        "(default: render them with placeholders)",
    )
    p.set_defaults(run=run)


def add_operator_arguments(p: argparse.ArgumentParser) -> None:
    """``--watch-namespace`` and ``--operator-env``: how the operator was started (read by
    :func:`operator_settings`)."""
    p.add_argument(
        "--watch-namespace",
        default="",
        metavar="NS[,NS]",
        help="the operator's WATCH_NAMESPACE, if it watches specific namespaces",
    )
    p.add_argument(
        "--operator-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an environment variable of the operator that changes what it generates "
        "(WATCH_NAMESPACE, VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES); repeatable",
    )


def operator_settings(args: argparse.Namespace) -> OperatorSettings:
    """The operator's settings given by ``--operator-env`` and ``--watch-namespace``."""
    env = env_pairs(args.operator_env, option="--operator-env")
    if args.watch_namespace:
        env["WATCH_NAMESPACE"] = args.watch_namespace
    return OperatorSettings.from_env(env)


def run(args: argparse.Namespace) -> int:
    found = load_manifests(args.files, default_namespace=args.namespace)
    for note in found.ignored:
        print(one_line(f"note: ignored {note} (vmscrape renders VMServiceScrape objects)"), file=sys.stderr)
    agent = None
    if args.agent:
        matches = [a for a in found.agents if f"{a.namespace}/{a.name}" == args.agent]
        if not matches:
            known = ", ".join(f"{a.namespace}/{a.name}" for a in found.agents) or "none"
            raise VMScrapeError(
                [
                    Problem(
                        object="--agent",
                        path="",
                        value=args.agent,
                        message=f"no VMAgent with that namespace/name in FILEs; given: {known}",
                    )
                ]
            )
        agent = matches[0]
    elif len(found.agents) == 1:
        agent = found.agents[0]
    elif len(found.agents) > 1:
        names = ", ".join(f"{a.namespace}/{a.name}" for a in found.agents)
        raise VMScrapeError(
            [
                Problem(
                    object="--agent",
                    path="",
                    value=None,
                    message=f"FILEs hold several VMAgents ({names}); choose one with --agent",
                )
            ]
        )
    assets = Assets(
        found.assets, reveal=args.reveal_secrets, strict=args.strict_refs, tls_mount_dir=args.tls_mount_dir
    )
    operator = operator_settings(args)
    config = render_config(
        found.scrapes, agent, assets=assets, operator=operator, namespaces=found.namespaces
    )
    for key, why in config.skipped.items():
        print(
            one_line(f"warning: VMServiceScrape {key} left out, as the operator would: {why}"),
            file=sys.stderr,
        )
    for warning in config.refusal_warnings():
        print(one_line(f"warning: {warning}"), file=sys.stderr)
    text = config_yaml(config)
    # In slices: writing 30+ MB at once would hold a second, encoded copy of it.
    for start in range(0, len(text), _CHUNK):
        sys.stdout.write(text[start : start + _CHUNK])
    return 0
