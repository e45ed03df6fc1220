"""``vmscrape verify --context CTX`` — does the config the operator wrote match vmscrape's prediction?

Reads the cluster's own objects (VMAgents, VMServiceScrapes, Namespaces, the Secrets and ConfigMaps the
scrapes refer to; read-only), predicts each VMAgent's vmagent config as ``vmscrape render`` would, reads
the config the operator wrote (Secret ``vmagent-<name>``, key ``vmagent.yaml.gz``, and, when the config is
split into buckets, each ``vmagent-<name>-sc-<i>``, key ``jobs.yaml``) and compares the two
semantically: ``global`` and every ``serviceScrape/…`` job, field by field. Jobs of other scrape kinds
(``podScrape/``, ``probe/``...) are counted, not compared. Credential values are masked on both sides:
the output names the field that differs, never its value.

The changes read from vmscrape's prediction to the operator's config: ``- job`` only predicted, ``+ job``
only written by the operator, ``field: predicted → operator's``.

Exit status: 0 every config is as predicted, 1 drift (the differences are printed), 2 an error (no such
context, no VMAgent, no config Secret yet, an unreadable Secret, a refused read), one line on stderr.

ServiceMonitors: each one's conversion (as ``vmscrape convert`` predicts it) is compared with the
VMServiceScrape of its name; a missing conversion, a difference, or a converted VMServiceScrape whose
ServiceMonitor is gone (left behind, still scraped) is drift too.

JSON output (``-o json``): ``{"identical": bool, "agents": [...], "conversions": {...}}``, one agent
entry per VMAgent sorted by ``namespace/name`` with the keys ``agent``, ``secret``, ``identical``,
``compared_jobs``, ``not_compared`` (``{kind: count}``), ``skipped`` (``[{"scrape", "reason"}]``), ``diff``
(as ``vmscrape diff -o json``), ``secrets`` (every Secret read), ``layout`` (drift of the Secret layout, in
words: bucket count, a bucket's jobs, stale overflow Secrets), ``layout_notes`` and ``reconcile_error``
(the agent's ``status.reason`` when its last reconcile failed, else ``""``); any of the last is drift.
``conversions`` has ``identical``, ``compared``, ``drifted`` (``{scrape: [lines]}``), ``missing``,
``orphaned``, ``kept`` and ``invalid``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import one_line
from ..verify import AgentVerification, verify_cluster, verify_conversions
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
    operator = operator_settings(args)
    results = verify_cluster(args.context, args.kubeconfig, agent=args.agent, operator=operator)
    conversions = verify_conversions(args.context, args.kubeconfig, operator=operator)
    identical = all(r.identical for r in results) and conversions.identical
    if args.output == "json":
        body = {
            "identical": identical,
            "agents": [r.as_dict() for r in results],
            "conversions": conversions.as_dict(),
        }
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    elif args.output == "markdown":
        sys.stdout.write("\n".join(markdown(r) for r in results))
        if conversions.lines():
            sys.stdout.write("\n## ServiceMonitors\n\n```\n" + "\n".join(conversions.lines()) + "\n```\n")
    else:
        sys.stdout.write("\n".join(text(r) for r in results))
        if conversions.lines():
            sys.stdout.write("\n".join(conversions.lines()) + "\n")
    return 0 if identical else EXIT_DRIFT


def _facts(result: AgentVerification) -> list[str]:
    facts = [f"{result.compared_jobs} serviceScrape job(s) and global compared"]
    if result.not_compared:
        facts.append(result.not_compared_text())
    facts += [f"VMServiceScrape {k} left out: {result.skipped[k]}" for k in sorted(result.skipped)]
    if len(result.secrets) > 1:
        facts.append(f"read from {len(result.secrets)} Secrets: {', '.join(result.secrets)}")
    facts += result.layout_notes
    return facts


def _drift_lines(result: AgentVerification) -> list[str]:
    lines = []
    if result.reconcile_error:
        lines.append(f"the operator's last reconcile failed: {result.reconcile_error}")
    lines += [f"layout: {line}" for line in result.layout]
    return lines


def text(result: AgentVerification) -> str:
    """One agent's result as plain text."""
    head = f"VMAgent {result.agent} (config in Secret {result.secret})"
    lines = [f"{head}: {'as predicted' if result.identical else 'DRIFT'}"]
    lines += [f"  {fact}" for fact in _facts(result)]
    lines += [one_line(f"  {line}") for line in _drift_lines(result)]
    if not result.diff.empty:
        lines.append("  changes from vmscrape's prediction (-) to the operator's config (+):")
        lines += [f"  {line}" for line in result.diff.text().splitlines()]
    return "\n".join(lines) + "\n"


def markdown(result: AgentVerification) -> str:
    """One agent's result for a pull-request comment or a report."""
    verdict = "as predicted" if result.identical else "**drift**"
    out = [f"## VMAgent `{result.agent}`: {verdict}", ""]
    out += [f"- {fact}" for fact in _facts(result)] + [""]
    out += [f"- **{line}**" for line in _drift_lines(result)]
    if not result.diff.empty:
        out += ["Changes from vmscrape's prediction to the operator's config:", ""]
        out.append(result.diff.markdown().replace("### vmagent config:", "### changes:", 1))
    return "\n".join(out)
