"""``vmscrape verify --context CTX`` — does the config the operator wrote match vmscrape's prediction?

Reads the cluster's own objects (VMAgents, VMServiceScrapes, Namespaces, the Secrets and ConfigMaps the
scrapes refer to; read-only), predicts each VMAgent's vmagent config as ``vmscrape render`` would, reads
the config the operator wrote (Secret ``vmagent-<name>``, key ``vmagent.yaml.gz``) and compares the two
semantically: ``global`` and every ``serviceScrape/…`` job, field by field. Jobs of other scrape kinds
(``podScrape/``, ``probe/``...) are counted, not compared. Credential values are masked on both sides:
the output names the field that differs, never its value.

The changes read from vmscrape's prediction to the operator's config: ``- job`` only predicted, ``+ job``
only written by the operator, ``field: predicted → operator's``.

Exit status: 0 every config is as predicted, 1 drift (the differences are printed), 2 an error (no such
context, no VMAgent, no config Secret yet, an unreadable Secret, a refused read), one line on stderr.

JSON output (``-o json``): ``{"identical": bool, "agents": [...]}``, one entry per VMAgent sorted by
``namespace/name`` with the keys ``agent``, ``secret``, ``identical``, ``compared_jobs``,
``not_compared`` (``{kind: count}``), ``skipped`` (``[{"scrape", "reason"}]``) and ``diff`` (as
``vmscrape diff -o json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..verify import AgentVerification, verify_cluster
from ._options import add_output
from .render import add_operator_arguments, operator_settings

EXIT_DRIFT = 1


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "verify",
        help="compare the config the operator wrote for each VMAgent with vmscrape's prediction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--context", metavar="CTX", help="kubeconfig context (default: the current one)")
    p.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--agent", metavar="NS/NAME", help="verify only this VMAgent (default: every one)")
    add_output(p, ("text", "json", "markdown"))
    add_operator_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    results = verify_cluster(
        args.context, args.kubeconfig, agent=args.agent, operator=operator_settings(args)
    )
    if args.output == "json":
        body = {"identical": all(r.identical for r in results), "agents": [r.as_dict() for r in results]}
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    elif args.output == "markdown":
        sys.stdout.write("\n".join(markdown(r) for r in results))
    else:
        sys.stdout.write("\n".join(text(r) for r in results))
    return 0 if all(r.identical for r in results) else EXIT_DRIFT


def _facts(result: AgentVerification) -> list[str]:
    facts = [f"{result.compared_jobs} serviceScrape job(s) and global compared"]
    if result.not_compared:
        facts.append(result.not_compared_text())
    facts += [f"VMServiceScrape {k} left out: {result.skipped[k]}" for k in sorted(result.skipped)]
    return facts


def text(result: AgentVerification) -> str:
    """One agent's result as plain text."""
    head = f"VMAgent {result.agent} (config in Secret {result.secret})"
    lines = [f"{head}: {'as predicted' if result.identical else 'DRIFT'}"]
    lines += [f"  {fact}" for fact in _facts(result)]
    if not result.identical:
        lines.append("  changes from vmscrape's prediction (-) to the operator's config (+):")
        lines += [f"  {line}" for line in result.diff.text().splitlines()]
    return "\n".join(lines) + "\n"


def markdown(result: AgentVerification) -> str:
    """One agent's result for a pull-request comment or a report."""
    verdict = "as predicted" if result.identical else "**drift**"
    out = [f"## VMAgent `{result.agent}`: {verdict}", ""]
    out += [f"- {fact}" for fact in _facts(result)] + [""]
    if not result.identical:
        out += ["Changes from vmscrape's prediction to the operator's config:", ""]
        out.append(result.diff.markdown().replace("### vmagent config:", "### changes:", 1))
    return "\n".join(out)
