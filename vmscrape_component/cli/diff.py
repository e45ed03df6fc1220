"""``vmscrape diff OLD NEW`` — what changes in the vmagent config between two renders, in words.

OLD and NEW are each one of:
- manifest files or a directory of them (``*.yaml``/``*.yml``, recursively), rendered as by ``render``;
- ``REV:PATH``, the same read from a git revision (``HEAD~1:deploy/monitoring``, ``main:scrapes.yaml``);
- a rendered vmagent config (a YAML/JSON mapping with ``scrape_configs``), used as is;
- ``pulumi stack output --json`` saved to a file: the first output holding a config is used.

With ``--snapshot FILE`` (a cluster snapshot, as for ``explain``) or ``--context CTX`` (a live cluster,
``--kubeconfig FILE``), both configs are also simulated over that cluster, and the targets each job gains
and loses are listed, each as its scrape URL and final labels. When either side's VMAgent is sharded
(``shardCount``; or ``--shards N`` for both sides), the targets are also split among the shards as
vmagent does, and the targets that change shard are counted and listed (each moved target starts a new
series set on another vmagent); JSON adds ``shards`` (:meth:`~vmscrape_component.simulate.shards.
ShardMoves.as_dict`).

Output (``-o``): ``text`` (default), ``json`` (see :meth:`vmscrape_component.diff.ConfigDiff.as_dict`) or
``markdown`` (for a pull-request comment). Credential values (:mod:`vmscrape_component.models.credentials`:
Secret values, header values, URL userinfo, OAuth2 parameters) are printed as ``<secret>`` unless
``--reveal-secrets`` is given; a change of one reads ``<secret> → <secret, another value>`` (Secrets
among the manifests are read, so a changed Secret value is a change too).
Exit status 0 whether or not something changed (``--exit-code``: 1 when something did), 2 for invalid
input.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import shapes
from ..diff import ConfigDiff, diff_configs, diff_targets, target_text
from ..errors import Problem, VMScrapeError, one_line
from ..manifests import load_manifests, parse_documents, read_text
from ..render import Assets, render_config
from ..simulate import JobExplanation, Snapshot, explain_jobs
from ..simulate.shards import ShardMoves, ShardSettings, shard_moves, shard_report
from ._options import add_namespace, add_output
from .explain import add_cluster_arguments, load_cluster_input
from .render import add_operator_arguments, operator_settings


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
    p.add_argument(
        "--reveal-secrets",
        action="store_true",
        help="print credential values (Secret values, header values, URL userinfo, OAuth2 parameters) "
        "instead of <secret>",
    )
    add_cluster_arguments(p, required=False)
    p.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="with a cluster: split both sides' targets among N vmagent shards (default: each VMAgent's "
        "shardCount)",
    )
    add_operator_arguments(p)
    p.set_defaults(run=run)


def _problem(where: str, message: str) -> VMScrapeError:
    return VMScrapeError([Problem(object=where, path="", message=message)])


def _git_files(spec: str, into: Path) -> dict[Path, str] | None:
    """The YAML files of ``REV:PATH`` written under ``into``, each with the name the user knows it by
    (``HEAD:deploy/web.yaml``); ``None`` if ``spec`` names no git revision."""
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
    files: dict[Path, str] = {}
    for i, name in enumerate(names):
        blob = subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, check=False)
        if blob.returncode != 0:
            raise _problem(f"{rev}:{name}", "git cannot show it: " + os.fsdecode(blob.stderr).strip())
        target = into / f"{i:05d}-{Path(name).name}"
        target.write_bytes(blob.stdout)
        files[target] = f"{rev}:{name}"
    return files


def _named(exc: VMScrapeError, files: dict[Path, str]) -> VMScrapeError:
    """``exc`` with every temporary file of a git revision named as the user knows it: a problem in
    ``…/00001-web.yaml:2:1`` reads ``HEAD:deploy/web.yaml:2:1``."""
    names = {str(path): name for path, name in files.items()}

    def rename(where: str) -> str:
        for path, name in names.items():
            if where.startswith(path) and where[len(path) : len(path) + 1] in ("", ":", "#", " "):
                return name + where[len(path) :]
        return where

    return VMScrapeError(replace(p, object=rename(p.object)) for p in exc.problems)


def _as_config(spec: str, data: Any) -> dict[str, Any] | None:
    """``data`` as a rendered config, or the config inside stack outputs; ``None`` if it is neither.
    :class:`VMScrapeError` if it is a config but not one vmagent could read."""
    if isinstance(data, dict) and ("scrape_configs" in data or set(data) == {"global"}):
        return _checked(spec, data)
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and "scrape_configs" in value:
                docs = parse_documents(f"{spec} output {key}", value, keep_spellings=True)
                parsed = docs[0] if len(docs) == 1 else None
                if isinstance(parsed, dict) and "scrape_configs" in parsed:
                    return _checked(f"{spec} output {key}", parsed)
    return None


def _may_be_config(text: str) -> bool:
    """Whether ``text`` could be what :func:`_as_config` takes: a config names ``scrape_configs`` or is
    only ``global``, and stack outputs hold a config's text. Without either word, and without a ``\\``
    that could spell one in a double-quoted key, it is manifests: not parsing it a first time saves
    a whole parse of the file (0.4 s of 10,000 scrapes, issue 21)."""
    return "scrape_configs" in text or "global" in text or "\\" in text


def _checked(where: str, config: dict[str, Any]) -> dict[str, Any]:
    # The comparison and the target simulation read these fields as these types; all of it is JSON data.
    shapes.check(config, shapes.JSON, object=where)
    shapes.check(config, shapes.CONFIG, object=where)
    return config


def load_config(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    """The vmagent config ``spec`` names (see the module doc)."""
    return load_side(spec, args)[0]


def load_side(
    spec: str, args: argparse.Namespace, reuse: dict[Any, Any] | None = None
) -> tuple[dict[str, Any], Any | None]:
    """The vmagent config ``spec`` names, and the VMAgent it was rendered for (``None``: none, or a
    rendered config given). ``reuse``: see :func:`~vmscrape_component.manifests.load_manifests` (one dict
    for both sides: a scrape unchanged between them is validated once)."""
    with tempfile.TemporaryDirectory(prefix="vmscrape-diff-") as tmp:
        revision_files = _git_files(spec, Path(tmp))
        files = list(revision_files or ())
        if revision_files is None:
            path = Path(spec)
            if not path.exists():
                raise _problem(spec, "no such file, directory or git revision (REV:PATH)")
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
                if not files:
                    raise _problem(spec, "the directory holds no *.yaml / *.yml files")
            else:
                text = read_text(path)
                if _may_be_config(text):
                    docs = parse_documents(spec, text, keep_spellings=True)
                    if len(docs) == 1 and (config := _as_config(spec, docs[0])) is not None:
                        return config, None
                files = [path]
        operator = operator_settings(args)
        try:
            found = load_manifests(
                [str(f) for f in files], default_namespace=args.namespace, operator=operator, reuse=reuse
            )
        except VMScrapeError as exc:
            raise _named(exc, revision_files or {}) from None
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
        # The values themselves, so that a changed Secret value is a change; the output masks them.
        assets=Assets(found.assets, reveal=True),
        operator=operator,
        namespaces=found.namespaces,
    )
    return rendered.shared_dict(), agents[0] if agents else None  # only read from here on: no copy


def render_diff(result: ConfigDiff, output: str, shards: ShardMoves | None = None) -> str:
    if output == "json":
        data = result.as_dict()
        if shards is not None:
            data["shards"] = shards.as_dict()
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output == "markdown":
        text = result.markdown()
        if shards is not None:
            text += "\n**Shards**\n\n```\n" + "\n".join(map(one_line, shards.lines())) + "\n```\n"
        return text
    text = result.text()
    if shards is not None:
        text = (
            ("vmagent config: no changes\n" if result.empty else text)
            + "\n".join(map(one_line, shards.lines()))
            + "\n"
        )
    return text


def active_targets(config: dict[str, Any], snapshot: Snapshot) -> dict[str, list[str]]:
    """``{job_name: [target, ...]}``: the targets each job of ``config`` keeps in ``snapshot``."""
    return _active(explain_jobs(config, snapshot))


def _active(jobs: list[JobExplanation]) -> dict[str, list[str]]:
    return {job.job_name: [target_text(t.scrape_url, t.labels) for t in job.active] for job in jobs}


def _shard_settings(args: argparse.Namespace, agent: Any | None) -> ShardSettings:
    return ShardSettings.for_agent(agent, members=args.shards)


def run(args: argparse.Namespace) -> int:
    if args.shards is not None and args.snapshot is None and args.context is None:
        raise _problem("--shards", "needs a cluster: --snapshot FILE or --context CTX")
    reuse: dict[Any, Any] = {}
    old, old_agent = load_side(args.old, args, reuse)
    new, new_agent = load_side(args.new, args, reuse)
    result = diff_configs(old, new)
    shards: ShardMoves | None = None
    if args.snapshot is not None or args.context is not None:
        from ..simulate.live import needs_nodes

        old_shards, new_shards = _shard_settings(args, old_agent), _shard_settings(args, new_agent)
        snapshot = load_cluster_input(args, needs_nodes(old) or needs_nodes(new))
        old_jobs, new_jobs = explain_jobs(old, snapshot), explain_jobs(new, snapshot)
        result.targets = diff_targets(_active(old_jobs), _active(new_jobs))
        if old_shards.sharded or new_shards.sharded:
            shards = shard_moves(shard_report(old_jobs, old_shards), shard_report(new_jobs, new_shards))
    if not args.reveal_secrets:
        result = result.masked()
    if args.output == "text" and sys.stdout.isatty():
        _rich(result)
        if shards is not None:
            print("\n".join(map(one_line, shards.lines())))
    else:
        sys.stdout.write(render_diff(result, args.output, shards))
    changed = not result.empty or (shards is not None and not shards.empty)
    return 1 if args.exit_code and changed else 0


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

    def cell(text: str) -> str:  # input text: no markup, no control characters
        return escape(one_line(text))

    for c in result.global_changes:
        table.add_row("~", cell(f"global.{c.path}"), cell(c.words().split(": ", 1)[-1]))
    for job in result.added:
        table.add_row("[green]+[/]", cell(job), "added")
    for job in result.removed:
        table.add_row("[red]-[/]", cell(job), "removed")
    for job, changes in result.changed.items():
        table.add_row("[yellow]~[/]", cell(job), f"{len(changes)} change(s)")
        for c in changes:
            table.add_row("", cell(f"  {c.path}"), cell(c.words().split(": ", 1)[-1]))
    for t in result.targets:
        for target in t.gained:
            table.add_row("[green]+[/]", cell(t.job), f"target {cell(target)}")
        for target in t.lost:
            table.add_row("[red]-[/]", cell(t.job), f"target {cell(target)}")
    console.print(table)
