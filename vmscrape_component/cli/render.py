"""``vmscrape render FILE...`` — print the complete vmagent config for the VMServiceScrapes in FILEs."""

from __future__ import annotations

import argparse
import sys

from ..errors import Problem, VMScrapeError, one_line
from ..manifests import Manifests, load_manifests
from ..models import VMAgentModel, credentials
from ..render import (
    OPERATOR_TLS_MOUNT_DIR,
    AgentConfig,
    Assets,
    OperatorSettings,
    SecretLayout,
    config_yaml,
    render_config,
    render_secret_layout,
)
from ..render.yaml import dump_all
from ..settings import OPERATOR_ENV
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
        help="inline the values of Secrets given in FILEs, as the operator does, and print header values "
        "and URL userinfo from the CRs (default: placeholders such as '<secret ns/name key>', "
        "'Authorization: <secret>', 'http://%%3Csecret%%3E@proxy')",
    )
    p.add_argument(
        "--tls-mount-dir",
        default=OPERATOR_TLS_MOUNT_DIR,
        help="where TLS assets are mounted in the agent (default: %(default)s)",
    )
    add_operator_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        choices=("config", "secrets"),
        default="config",
        help="config: the whole config as one text (default; stderr tells the Secret layout when the "
        "operator would split it); secrets: the Secrets the operator writes (main + -sc-N), a YAML stream",
    )
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
        help="an environment variable of the operator ("
        + ", ".join(row.name for row in OPERATOR_ENV)
        + "; other names the operator reads are noted, unknown names refused); repeatable",
    )


def operator_settings(args: argparse.Namespace) -> OperatorSettings:
    """The operator's settings given by ``--operator-env`` and ``--watch-namespace``."""
    env = env_pairs(args.operator_env, option="--operator-env")
    if getattr(args, "watch_namespace", ""):
        env["WATCH_NAMESPACE"] = args.watch_namespace
    settings = OperatorSettings.from_env(env)
    for name in settings.unmodelled:
        print(f"note: --operator-env {name}: read by the operator, not modelled by vmscrape", file=sys.stderr)
    return settings


def secret_layout(
    config: AgentConfig, agent: VMAgentModel | None, operator: OperatorSettings, text: str | None = None
) -> SecretLayout:
    """The Secret layout of ``config`` (``text``: its ``config_yaml``, if written already); warnings about
    a layout about to change go to stderr."""
    layout = render_secret_layout(config, agent, budget=operator.config_data_budget_bytes, text=text)
    for warning in layout.warnings():
        print(one_line(f"warning: {warning}"), file=sys.stderr)
    return layout


def print_conversion_notes(found: Manifests) -> None:
    """One stderr line per ServiceMonitor taken as the VMServiceScrape the operator converts it into."""
    for note in found.notes:
        print(one_line(f"note: {note}"), file=sys.stderr)
    for conversion in found.conversions:
        dropped = len(conversion.dropped)
        lost = f"; {dropped} field(s) dropped, see `vmscrape convert`" if dropped else ""
        print(
            one_line(
                f"note: ServiceMonitor {conversion.key} taken as the VMServiceScrape it converts into{lost}"
            ),
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    operator = operator_settings(args)
    found = load_manifests(args.files, default_namespace=args.namespace, operator=operator)
    for note in found.ignored:
        print(one_line(f"note: ignored {note} (vmscrape renders VMServiceScrape objects)"), file=sys.stderr)
    print_conversion_notes(found)
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
    config = render_config(
        found.scrapes, agent, assets=assets, operator=operator, namespaces=found.namespaces
    )
    # The validated objects are not needed from here on: freed now, their memory holds the text (peak RSS
    # of 10,000 scrapes 230 -> 208 MB; they would be freed at exit anyway, issue 21).
    del found, assets
    for key, why in config.skipped.items():
        print(
            one_line(f"warning: VMServiceScrape {key} left out, as the operator would: {why}"),
            file=sys.stderr,
        )
    for warning in config.refusal_warnings():
        print(one_line(f"warning: {warning}"), file=sys.stderr)
    if not args.reveal_secrets and config.holds_credentials():
        # Credentials written in the CRs themselves (header values, proxy userinfo, an inline API-server
        # token) are masked too, not only Secret values; the config stays one vmagent reads.
        url_mask = credentials.URL_SAFE_MASK
        config.jobs = [credentials.mask_config(job, url_mask=url_mask) for job in config.jobs]
    text = config_yaml(config)
    layout = secret_layout(config, agent, operator, text)
    if args.output == "secrets":
        text = dump_all(layout.secrets())
    elif layout.split:
        for line in layout.summary():
            print(one_line(f"note: {line}"), file=sys.stderr)
    # In slices: writing 30+ MB at once would hold a second, encoded copy of it.
    for start in range(0, len(text), _CHUNK):
        sys.stdout.write(text[start : start + _CHUNK])
    return 0
