"""``vmscrape diff OLD NEW`` — what changes in the vmagent config between two renders, in words.

OLD and NEW are each one of:
- manifest files or a directory of them (``*.yaml``/``*.yml``, recursively), rendered as by ``render``;
- ``REV:PATH``, the same read from a git revision (``HEAD~1:deploy/monitoring``, ``main:scrapes.yaml``);
- a rendered vmagent config (a YAML/JSON mapping with ``scrape_configs``), used as is;
- ``pulumi stack output --json`` saved to a file: the first output holding a config is used.

With ``--snapshot FILE`` (a cluster snapshot, as for ``explain``) or ``--context CTX`` (a live cluster,
``--kubeconfig FILE``), both configs are also simulated over that cluster, and the targets each job gains
and loses are listed, each as its scrape URL and final labels.

Output (``-o``): ``text`` (default), ``json`` (see :meth:`vmscrape_component.diff.ConfigDiff.as_dict`) or
``markdown`` (for a pull-request comment). Exit status 0 whether or not something changed (``--exit-code``:
1 when something did), 2 for invalid input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .. import shapes
from ..diff import ConfigDiff, diff_configs, diff_targets, target_text
from ..errors import Problem, VMScrapeError
from ..manifests import load_manifests, parse_documents, read_text
from ..render import Assets, OperatorSettings, render_config
from ..simulate import Snapshot, explain_jobs
from ._options import add_namespace, add_output
from .explain import add_cluster_arguments, load_cluster_input


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "diff",
        help="compare the vmagent configs of two manifest sets, git revisions or renders",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    add_output(p, ("text", "json", "markdown"))
    add_namespace(p)
    p.add_argument(
        "--agent", metavar="NS/NAME", help="render for this VMAgent (when the inputs hold several)"
    )
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the configs differ")
    add_cluster_arguments(p, required=False)
    p.set_defaults(run=run)


def _problem(where: str, message: str) -> VMScrapeError:
    return VMScrapeError([Problem(object=where, path="", message=message)])


def _git_files(spec: str, into: Path) -> list[Path] | None:
    """The YAML files of ``REV:PATH`` written under ``into``; ``None`` if ``spec`` names no git revision."""
    rev, sep, path = spec.partition(":")
    if not sep or not rev or Path(spec).exists():
        return None
    ok = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], capture_output=True, check=False
    )
    if ok.returncode != 0:
        return None
    # -z: names exactly as stored (no quoting of unusual characters), undecodable bytes kept as escapes.
    listed = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "--name-only", "--full-tree", rev, "--", path or "."],
        capture_output=True,
        check=False,
    )
    names = [n for n in os.fsdecode(listed.stdout).split("\0") if n.endswith((".yaml", ".yml"))]
    if listed.returncode != 0 or not names:
        raise _problem(spec, f"no YAML files at {path or '.'!r} in git revision {rev!r}")
    files = []
    for i, name in enumerate(names):
        blob = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, check=False)
        if blob.returncode != 0:
            raise _problem(f"{rev}:{name}", "git cannot show it: " + os.fsdecode(blob.stderr).strip())
        target = into / f"{i:05d}-{Path(name).name}"
        target.write_bytes(blob.stdout)
        files.append(target)
    return files


def _as_config(spec: str, data: Any) -> dict[str, Any] | None:
    """``data`` as a rendered config, or the config inside stack outputs; ``None`` if it is neither.
    :class:`VMScrapeError` if it is a config but not one vmagent could read."""
    if isinstance(data, dict) and ("scrape_configs" in data or set(data) == {"global"}):
        return _checked(spec, data)
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and "scrape_configs" in value:
                docs = parse_documents(f"{spec} output {key}", value)
                parsed = docs[0] if len(docs) == 1 else None
                if isinstance(parsed, dict) and "scrape_configs" in parsed:
                    return _checked(f"{spec} output {key}", parsed)
    return None


def _checked(where: str, config: dict[str, Any]) -> dict[str, Any]:
    # The comparison and the target simulation read these fields as these types; all of it is JSON data.
    shapes.check(config, shapes.JSON, object=where)
    shapes.check(config, shapes.CONFIG, object=where)
    return config


def load_config(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    """The vmagent config ``spec`` names (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="vmscrape-diff-") as tmp:
        files = _git_files(spec, Path(tmp))
        if files is None:
            path = Path(spec)
            if not path.exists():
                raise _problem(spec, "no such file, directory or git revision (REV:PATH)")
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
                if not files:
                    raise _problem(spec, "the directory holds no *.yaml / *.yml files")
            else:
                docs = parse_documents(spec, read_text(path))
                if len(docs) == 1 and (config := _as_config(spec, docs[0])) is not None:
                    return config
                files = [path]
        found = load_manifests([str(f) for f in files], default_namespace=args.namespace)
    agents = found.agents
    if args.agent:
        agents = [a for a in agents if f"{a.namespace}/{a.name}" == args.agent]
        if not agents:
            raise _problem(spec, f"no VMAgent {args.agent} in it")
    if len(agents) > 1:
        raise _problem(spec, "it holds several VMAgents; choose one with --agent")
    rendered = render_config(
        found.scrapes,
        agents[0] if agents else None,
        assets=Assets(found.assets),
        operator=OperatorSettings(),
        namespaces=found.namespaces,
    )
    return rendered.as_dict()


def render_diff(result: ConfigDiff, output: str) -> str:
    if output == "json":
        return json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
    if output == "markdown":
        return result.markdown()
    return result.text()


def active_targets(config: dict[str, Any], snapshot: Snapshot) -> dict[str, list[str]]:
    """``{job_name: [target, ...]}``: the targets each job of ``config`` keeps in ``snapshot``."""
    return {
        job.job_name: [target_text(t.scrape_url, t.labels) for t in job.active]
        for job in explain_jobs(config, snapshot)
    }


def run(args: argparse.Namespace) -> int:
    old = load_config(args.old, args)
    new = load_config(args.new, args)
    result = diff_configs(old, new)
    if args.snapshot is not None or args.context is not None:
        from ..simulate.live import needs_nodes

        snapshot = load_cluster_input(args, needs_nodes(old) or needs_nodes(new))
        result.targets = diff_targets(active_targets(old, snapshot), active_targets(new, snapshot))
    if args.output == "text" and sys.stdout.isatty():
        _rich(result)
    else:
        sys.stdout.write(render_diff(result, args.output))
    return 1 if args.exit_code and not result.empty else 0


def _rich(result: ConfigDiff) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if result.empty:
        console.print("no changes")
        return
    table = Table(title=f"vmagent config: {result.summary()}", show_lines=False)
    table.add_column("", width=1)
    table.add_column("job / field")
    table.add_column("change")
    for c in result.global_changes:
        table.add_row("~", f"global.{c.path}", c.words().split(": ", 1)[-1])
    for job in result.added:
        table.add_row("[green]+[/]", job, "added")
    for job in result.removed:
        table.add_row("[red]-[/]", job, "removed")
    for job, changes in result.changed.items():
        table.add_row("[yellow]~[/]", job, f"{len(changes)} change(s)")
        for c in changes:
            table.add_row("", f"  {c.path}", c.words().split(": ", 1)[-1])
    for t in result.targets:
        for target in t.gained:
            table.add_row("[green]+[/]", t.job, f"target {escape(target)}")
        for target in t.lost:
            table.add_row("[red]-[/]", t.job, f"target {escape(target)}")
    console.print(table)
