"""A semantic diff of two vmagent configs: jobs added, removed and changed, each change in words.

Two renders are compared as data, not as text: a job is matched by ``job_name``; inside a job, mappings
are compared key by key and lists item by item, with relabel rules aligned as sequences (a rule inserted
in the middle is one insertion, not a change of every rule after it). The result is stable JSON-ready
data (:meth:`ConfigDiff.as_dict`), plain text, or Markdown for a pull-request comment.

Pure: nothing here imports pulumi.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import one_line
from .manifests import SpelledFloat, SpelledInt
from .models import credentials

#: Lists whose items are aligned as sequences (insertions/deletions), not compared index by index.
_SEQUENCES = frozenset({"relabel_configs", "metric_relabel_configs", "scrape_configs"})


@dataclass(frozen=True)
class Change:
    """One difference at ``path`` (``relabel_configs[2].regex``): ``kind`` is added, removed or changed."""

    path: str
    kind: str
    old: Any = None
    new: Any = None

    def words(self) -> str:
        if self.kind == "added":
            return f"{self.path}: added {_short(self.new)}"
        if self.kind == "removed":
            return f"{self.path}: removed {_short(self.old)}"
        return f"{self.path}: {_short(self.old)} → {_short(self.new)}"

    def masked(self) -> Change:
        """This change with its credential values masked (the path says which field differs)."""
        key = credentials.is_credential_path(self.path)
        if key is None:
            return Change(
                self.path, self.kind, credentials.mask_config(self.old), credentials.mask_config(self.new)
            )
        old, new = credentials.mask_value(key, self.old), credentials.mask_value(key, self.new)
        if self.kind == "changed" and old == new:  # only the secret part differs: say so
            new = json.loads(json.dumps(new).replace(credentials.MASK, credentials.MASK_DIFFERS))
        return Change(self.path, self.kind, old=old, new=new)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.kind != "added":
            out["old"] = _as_written(self.old)
        if self.kind != "removed":
            out["new"] = _as_written(self.new)
        return out


@dataclass
class TargetChange:
    """Targets a job gains or loses against a cluster snapshot (filled in by callers that simulate)."""

    job: str
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


@dataclass
class ConfigDiff:
    """The difference between two configs."""

    added: list[str]
    removed: list[str]
    changed: dict[str, list[Change]]
    global_changes: list[Change]
    targets: list[TargetChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.global_changes or self.has_target_changes
        )

    @property
    def has_target_changes(self) -> bool:
        return any(t.gained or t.lost for t in self.targets)

    def as_dict(self) -> dict[str, Any]:
        """Stable JSON: ``{"jobs": {"added": [...], "removed": [...], "changed": {job: [change...]}},
        "global": [change...], "targets": [{"job", "gained", "lost"}...]}``; a change is
        ``{"path", "kind", "old"?, "new"?}``."""
        return {
            "jobs": {
                "added": list(self.added),
                "removed": list(self.removed),
                "changed": {job: [c.as_dict() for c in cs] for job, cs in self.changed.items()},
            },
            "global": [c.as_dict() for c in self.global_changes],
            "targets": [
                {"job": t.job, "gained": t.gained, "lost": t.lost} for t in self.targets if t.gained or t.lost
            ],
        }

    def masked(self) -> ConfigDiff:
        """The same differences with every credential value masked (:mod:`~.models.credentials`): a
        change of a secret reads ``password: <secret> → <secret, another value>``."""
        return ConfigDiff(
            added=list(self.added),
            removed=list(self.removed),
            changed={job: [c.masked() for c in changes] for job, changes in self.changed.items()},
            global_changes=[c.masked() for c in self.global_changes],
            targets=list(self.targets),
        )

    def text(self) -> str:
        if self.empty:
            return "no changes\n"
        lines: list[str] = []
        for c in self.global_changes:
            lines.append(f"~ global.{c.words()}")
        for job in self.added:
            lines.append(f"+ job {job}")
        for job in self.removed:
            lines.append(f"- job {job}")
        for job, changes in self.changed.items():
            lines.append(f"~ job {job}")
            lines.extend(f"    {c.words()}" for c in changes)
        for t in self.targets:
            for target in t.gained:
                lines.append(f"+ target {target} ({t.job})")
            for target in t.lost:
                lines.append(f"- target {target} ({t.job})")
        lines.append(self.summary())
        # Names and paths come from the input: none of them may start a line of its own.
        return "\n".join(one_line(line) for line in lines) + "\n"

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} job(s) added",
            f"{len(self.removed)} removed",
            f"{len(self.changed)} changed",
        ]
        if self.targets:
            gained = sum(len(t.gained) for t in self.targets)
            lost = sum(len(t.lost) for t in self.targets)
            parts.append(f"targets +{gained} -{lost}")
        return ", ".join(parts)

    def markdown(self) -> str:
        """A pull-request comment: a summary line, then one section per kind of change."""
        if self.empty:
            return "### vmagent config: no changes\n"
        out = [f"### vmagent config: {self.summary()}", ""]
        if self.global_changes:
            out += ["**global**", ""] + [f"- {_code(c.words())}" for c in self.global_changes] + [""]
        if self.added:
            out += ["**Jobs added**", ""] + [f"- {_code(job)}" for job in self.added] + [""]
        if self.removed:
            out += ["**Jobs removed**", ""] + [f"- {_code(job)}" for job in self.removed] + [""]
        if self.changed:
            out += ["**Jobs changed**", ""]
            for job, changes in self.changed.items():
                summary = f"<code>{html.escape(one_line(job))}</code>: {len(changes)} change(s)"
                out.append(f"<details><summary>{summary}</summary>")
                out += ["", "| field | change |", "|---|---|"]
                out += [f"| {_code(c.path)} | {_change_cell(c)} |" for c in changes]
                out += ["", "</details>", ""]
        if self.has_target_changes:
            out += ["**Targets**", "", "| job | gained | lost |", "|---|---|---|"]
            for t in self.targets:
                if t.gained or t.lost:
                    gained = "<br>".join(map(_cell, t.gained)) or "–"
                    lost = "<br>".join(map(_cell, t.lost)) or "–"
                    out.append(f"| {_code(t.job)} | {gained} | {lost} |")
            out.append("")
        return "\n".join(out) + "\n"


def _change_cell(c: Change) -> str:
    if c.kind == "added":
        return f"added {_code(_short(c.new))}"
    if c.kind == "removed":
        return f"removed {_code(_short(c.old))}"
    return f"{_code(_short(c.old))} → {_code(_short(c.new))}"


_BACKTICKS = re.compile(r"`+")


def _code(text: str) -> str:
    """``text`` as one Markdown code span inside a table row: on one line, ``|`` escaped, fenced by more
    backticks than any run inside it (CommonMark), so no value can end the span, the cell or the line."""
    text = one_line(text).replace("|", "\\|")
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    """Plain ``text`` in a Markdown table cell: one line, no HTML, no ``|``."""
    return html.escape(one_line(text), quote=False).replace("|", "\\|")


def _as_written(value: Any, *, tagged: bool = False) -> Any:
    """``value`` with every number that was not spelled plainly as its text (``"0x5A"``), which is what
    vmagent's string fields read; JSON data otherwise unchanged. ``tagged``: as ``{"\\0number": text}``,
    so that it differs from the string ``"0x5A"`` too (for alignment keys)."""
    if isinstance(value, SpelledInt | SpelledFloat):
        return {"\0number": value.text} if tagged else value.text
    if isinstance(value, Mapping):
        return {k: _as_written(v, tagged=tagged) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_written(v, tagged=tagged) for v in value]
    return value


def _short(value: Any, limit: int = 120) -> str:
    if isinstance(value, SpelledInt | SpelledFloat):
        return value.text
    if not isinstance(value, str):
        value = _as_written(value) if isinstance(value, Mapping | list) else value
    if isinstance(value, str):
        # A value that holds a line break or an escape character is shown quoted, its characters escaped.
        text = one_line(json.dumps(value, ensure_ascii=False)) if one_line(value) != value else value
    else:
        text = json.dumps(value, sort_keys=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def compare(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every difference between ``old`` and ``new`` (parsed YAML), most specific paths first-come."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        changes: list[Change] = []
        for key in old:
            if key not in new:
                changes.append(Change(_join(path, key), "removed", old=old[key]))
            else:
                changes.extend(compare(old[key], new[key], _join(path, key)))
        for key in new:
            if key not in old:
                changes.append(Change(_join(path, key), "added", new=new[key]))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        last = path.rsplit(".", 1)[-1]
        if last in _SEQUENCES:
            return _compare_sequence(old, new, path)
        changes = []
        for i in range(max(len(old), len(new))):
            if i >= len(new):
                changes.append(Change(_join(path, i), "removed", old=old[i]))
            elif i >= len(old):
                changes.append(Change(_join(path, i), "added", new=new[i]))
            else:
                changes.extend(compare(old[i], new[i], _join(path, i)))
        return changes
    return [Change(path, "changed", old=old, new=new)]


def _compare_sequence(old: list[Any], new: list[Any], path: str) -> list[Change]:
    # Numbers by their spelling too (0x5A and 90 are different strings to vmagent's string fields).
    keys_old = [json.dumps(_as_written(x, tagged=True), sort_keys=True) for x in old]
    keys_new = [json.dumps(_as_written(x, tagged=True), sort_keys=True) for x in new]
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):  # the same number of rules: field by field
                changes.extend(compare(old[i1 + k], new[j1 + k], _join(path, j1 + k)))
            continue
        changes.extend(Change(_join(path, i), "removed", old=old[i]) for i in range(i1, i2))
        changes.extend(Change(_join(path, j), "added", new=new[j]) for j in range(j1, j2))
    return changes


def diff_configs(old: Mapping[str, Any], new: Mapping[str, Any]) -> ConfigDiff:
    """The semantic difference between two vmagent configs (``global`` + ``scrape_configs``)."""
    old_jobs = _jobs(old)
    new_jobs = _jobs(new)
    changed = {
        name: changes
        for name, job in new_jobs.items()
        if name in old_jobs and (changes := compare(old_jobs[name], job))
    }
    return ConfigDiff(
        added=[name for name in new_jobs if name not in old_jobs],
        removed=[name for name in old_jobs if name not in new_jobs],
        changed=changed,
        global_changes=compare(old.get("global") or {}, new.get("global") or {}),
    )


def diff_targets(old: Mapping[str, Iterable[str]], new: Mapping[str, Iterable[str]]) -> list[TargetChange]:
    """Per job (sorted by name), the targets only ``new`` has (gained) and only ``old`` has (lost); each
    side maps a job name to its targets, each target a string such as :func:`target_text` gives. Jobs
    with no change are left out."""
    changes = []
    for job in sorted(set(old) | set(new)):
        before, after = set(old.get(job) or ()), set(new.get(job) or ())
        if before != after:
            changes.append(TargetChange(job, gained=sorted(after - before), lost=sorted(before - after)))
    return changes


def target_text(scrape_url: str, labels: Mapping[str, str]) -> str:
    """One target, compactly: ``http://127.0.0.1:8080/metrics {job="web", pod="web-1"}`` (labels sorted,
    values escaped as in Prometheus' text format)."""
    shown = ", ".join(f'{name}="{_escape_label(labels[name])}"' for name in sorted(labels))
    return f"{scrape_url} {{{shown}}}"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _jobs(config: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    jobs: Sequence[Mapping[str, Any]] = config.get("scrape_configs") or []
    return {str(j.get("job_name")): j for j in jobs}
