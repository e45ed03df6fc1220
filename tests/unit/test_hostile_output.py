"""Values from the input can never forge a line of `diff`'s or `explain`'s output, or drive the terminal.

A config value, a job name or a label from a cluster snapshot may hold line breaks, ANSI escapes, Markdown
or HTML. Each such test feeds one in and checks the output's *structure*: the lines a reader or a CI
step would act on (``+ job …``, a table row) are exactly the ones the change makes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from vmscrape_component.cli.__main__ import main
from vmscrape_component.diff import diff_configs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"
#: A line break that starts a forged diff line, a carriage return, a terminal escape (clear screen, red),
#: a Markdown table break and an HTML tag.
HOSTILE = "x\n+ job forged/0\r\x1b[2J\x1b[31m | `code` </code></summary><b>bold</b>\u2028end"


def _config(job_name: str, **fields: Any) -> dict[str, Any]:
    return {"scrape_configs": [{"job_name": job_name, **fields}]}


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def _diff(tmp_path: Path, capsys: pytest.CaptureFixture[str], old: Any, new: Any, *argv: str) -> str:
    args = ["diff", _write(tmp_path, "old.json", old), _write(tmp_path, "new.json", new), *argv]
    assert main(args) == 0
    return capsys.readouterr().out


def test_a_value_with_line_breaks_and_escapes_cannot_forge_a_text_diff_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _config("j", relabel_configs=[{"target_label": "a", "replacement": "safe"}])
    new = _config("j", relabel_configs=[{"target_label": "a", "replacement": HOSTILE}])
    out = _diff(tmp_path, capsys, old, new)
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0] == "~ job j" and lines[2].startswith("0 job(s) added")
    assert lines[1].startswith('    relabel_configs[0].replacement: safe → "x\\n+ job forged/0\\r\\u001b[2J')
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]", out)


def test_a_job_name_with_a_line_break_is_one_line_of_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _diff(tmp_path, capsys, {"scrape_configs": []}, _config(f"j{HOSTILE}"))
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("+ job jx\\n+ job forged/0")
    assert "\x1b" not in out


def test_markdown_keeps_one_table_row_per_change_and_no_html_from_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _config(f"j{HOSTILE}", relabel_configs=[{"replacement": "safe"}], sample_limit=1)
    new = _config(f"j{HOSTILE}", relabel_configs=[{"replacement": HOSTILE}], sample_limit=2)
    out = _diff(tmp_path, capsys, old, new, "-o", "markdown")
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # the header and one row per change
    for row in rows[1:]:
        # Outside code spans, a row has exactly its two cell separators (plus the ends).
        outside = re.sub(r"(`+) ?.*? ?\1", "", row.replace("\\|", ""))
        assert outside.count("|") == 3, row
    # HTML from a value is only ever inside a code span (shown as text) or escaped.
    assert "<b>" not in re.sub(r"(`+) ?.*? ?\1", "", out.replace("\\|", ""))
    summary = next(line for line in out.splitlines() if line.startswith("<details>"))
    assert summary.count("</code>") == 1 and "&lt;/code&gt;" in summary
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u2028\u2029]", out)


def test_the_structure_of_a_diff_is_unchanged_for_plain_values() -> None:
    old = _config("j", scrape_interval="30s")
    new = _config("j", scrape_interval="1m")
    result = diff_configs(old, new)
    assert result.text() == "~ job j\n    scrape_interval: 30s → 1m\n0 job(s) added, 0 removed, 1 changed\n"
    assert "| `scrape_interval` | `30s` → `1m` |" in result.markdown()


def _hostile_snapshot(tmp_path: Path) -> str:
    snapshot = yaml.safe_load((FIXTURES / "web-and-db.yaml").read_text())
    for item in snapshot["items"]:
        if item["kind"] == "Pod":
            item["metadata"].setdefault("annotations", {})["note"] = HOSTILE
    path = tmp_path / "snapshot.yaml"
    path.write_text(yaml.safe_dump(snapshot))
    return str(path)


MANIFEST = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
    relabelConfigs:
    - sourceLabels: [__meta_kubernetes_pod_annotation_note]
      targetLabel: note
"""


def test_explain_prints_control_characters_and_ansi_escapes_from_a_snapshot_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(MANIFEST)
    assert main(["explain", str(manifest), "--snapshot", _hostile_snapshot(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out and "\u2028" not in out
    assert "\\x1b[2J" in out  # shown, escaped
    assert "forged" in out and not any(line.startswith("+ job") for line in out.splitlines())
    # The JSON output keeps the value itself (JSON escapes it).
    assert main(["explain", str(manifest), "--snapshot", _hostile_snapshot(tmp_path), "-o", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any(t["labels"].get("note") == HOSTILE for job in data["jobs"] for t in job["active"])
