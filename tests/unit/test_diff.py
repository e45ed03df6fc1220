"""Semantic diff of two renders: the comparison, and `vmscrape diff` on files, git revisions, outputs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from vmscrape_component.cli.__main__ import main
from vmscrape_component.diff import Change, diff_configs

KEEP = {"action": "keep", "source_labels": ["__meta_kubernetes_endpoint_port_name"], "regex": "http"}
POD = {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"}
NS = {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"}


def _config(*jobs: dict[str, Any], interval: str = "30s") -> dict[str, Any]:
    return {"global": {"scrape_interval": interval}, "scrape_configs": list(jobs)}


def _job(name: str, rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"job_name": name, "relabel_configs": rules, **extra}


def test_same_configs_have_no_changes() -> None:
    result = diff_configs(_config(_job("a", [KEEP])), _config(_job("a", [KEEP])))
    assert result.empty and result.text() == "no changes\n"


def test_a_rule_inserted_in_the_middle_is_one_insertion() -> None:
    result = diff_configs(_config(_job("a", [KEEP, NS])), _config(_job("a", [KEEP, POD, NS])))
    assert result.changed == {"a": [Change("relabel_configs[1]", "added", new=POD)]}


def test_a_changed_rule_is_reported_field_by_field() -> None:
    changed_keep = {**KEEP, "regex": "web"}
    result = diff_configs(_config(_job("a", [KEEP, NS])), _config(_job("a", [changed_keep, NS])))
    assert result.changed == {"a": [Change("relabel_configs[0].regex", "changed", old="http", new="web")]}
    assert "relabel_configs[0].regex: http → web" in result.text()


def test_jobs_added_removed_and_global_changes() -> None:
    old = _config(_job("a", [KEEP]), _job("b", [KEEP]))
    new = _config(_job("b", [KEEP], scrape_interval="1m"), _job("c", []), interval="1m")
    result = diff_configs(old, new)
    assert (result.added, result.removed) == (["c"], ["a"])
    assert result.changed == {"b": [Change("scrape_interval", "added", new="1m")]}
    assert result.global_changes == [Change("scrape_interval", "changed", old="30s", new="1m")]
    assert result.summary() == "1 job(s) added, 1 removed, 1 changed"


def test_markdown_fits_a_pull_request_comment() -> None:
    old = _config(_job("a", [{**KEEP, "regex": "a|b"}]))
    new = _config(_job("a", [{**KEEP, "regex": "a|c"}]))
    md = diff_configs(old, new).markdown()
    assert md.startswith("### vmagent config: 0 job(s) added, 0 removed, 1 changed")
    assert "| `relabel_configs[0].regex` | `a\\|b` → `a\\|c` |" in md  # pipes escaped inside the table


SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {{name: web, namespace: apps}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  endpoints:
  - port: {port}
    interval: {interval}
"""


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def test_cli_compares_two_git_revisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "scrapes").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "scrapes" / "web.yaml").write_text(SCRAPE.format(port="http", interval="30s"))
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "one")
    (repo / "scrapes" / "web.yaml").write_text(SCRAPE.format(port="http", interval="1m"))
    _git(repo, "commit", "-qam", "two")
    monkeypatch.chdir(repo)
    assert main(["diff", "HEAD~1:scrapes", "HEAD:scrapes", "-o", "json", "--exit-code"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["jobs"]["changed"] == {
        "serviceScrape/apps/web/0": [
            {"path": "scrape_interval", "kind": "changed", "old": "30s", "new": "1m"}
        ]
    }


def test_cli_reads_rendered_configs_and_stack_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifests = tmp_path / "web.yaml"
    manifests.write_text(SCRAPE.format(port="http", interval="30s"))
    assert main(["render", str(manifests)]) == 0
    rendered = capsys.readouterr().out
    (tmp_path / "old.yaml").write_text(rendered)
    # `pulumi stack output --json`, whose config output renamed the port.
    manifests.write_text(SCRAPE.format(port="web", interval="30s"))
    assert main(["render", str(manifests)]) == 0
    outputs = {"job_names": ["serviceScrape/apps/web/0"], "vmagent_config": capsys.readouterr().out}
    (tmp_path / "outputs.json").write_text(json.dumps(outputs))
    assert main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "outputs.json")]) == 0
    text = capsys.readouterr().out
    assert "~ job serviceScrape/apps/web/0" in text
    assert "relabel_configs" in text and "http → web" in text
    assert yaml.safe_load(rendered)["scrape_configs"][0]["job_name"] == "serviceScrape/apps/web/0"


def test_cli_names_a_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(tmp_path / "nope.yaml"), str(tmp_path / "nope2.yaml")]) == 2
    err = capsys.readouterr().err
    assert "nope.yaml" in err and "no such file, directory or git revision" in err


def test_cli_reads_a_manifest_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Manifests that name neither scrape_configs nor global are parsed once, not first as a config
    # (issue 21: the first parse was 0.4 s of a 10,000-scrape file).
    from vmscrape_component import manifests as manifests_module
    from vmscrape_component.cli import diff as diff_module

    calls: list[str] = []
    real = manifests_module.parse_documents

    def counting(path: Any, text: str, **kwargs: Any) -> list[Any]:
        calls.append(str(path))
        return real(path, text, **kwargs)

    monkeypatch.setattr(manifests_module, "parse_documents", counting)
    monkeypatch.setattr(diff_module, "parse_documents", counting)
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(SCRAPE.format(port="http", interval="30s"))
    new.write_text(SCRAPE.format(port="http", interval="1m"))
    assert main(["diff", str(old), str(new), "-o", "json", "--exit-code"]) == 1
    assert sorted(calls) == [str(new), str(old)]
    changed = json.loads(capsys.readouterr().out)["jobs"]["changed"]
    assert changed["serviceScrape/apps/web/0"][0]["new"] == "1m"


def test_cli_reads_a_config_whose_keys_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "scrape_c\x6fnfigs" is scrape_configs in YAML: still a rendered config, not manifests.
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text('"scrape_c\\x6fnfigs":\n- job_name: a\n  scrape_interval: 30s\n')
    new.write_text('"scrape_c\\x6fnfigs":\n- job_name: a\n  scrape_interval: 1m\n')
    assert main(["diff", str(old), str(new), "-o", "json", "--exit-code"]) == 1
    changed = json.loads(capsys.readouterr().out)["jobs"]["changed"]
    assert changed == {"a": [{"path": "scrape_interval", "kind": "changed", "old": "30s", "new": "1m"}]}


def test_both_sides_share_the_model_of_an_unchanged_scrape_and_only_of_an_equal_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vmscrape_component.manifests import load_manifests

    other = SCRAPE.format(port="http", interval="30s").replace("name: web,", "name: db,")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(SCRAPE.format(port="http", interval="30s") + "---\n" + other)
    new.write_text(SCRAPE.format(port="http", interval="1m") + "---\n" + other)
    reuse: dict[Any, Any] = {}
    before = {s.key: s for s in load_manifests([old], reuse=reuse).scrapes}
    after = {s.key: s for s in load_manifests([new], reuse=reuse).scrapes}
    assert after["apps/db"] is before["apps/db"]
    assert after["apps/web"] is not before["apps/web"]
    assert after["apps/web"].spec.endpoints[0].interval == "1m"
    bare = tmp_path / "bare.yaml"  # no namespace: the default one is part of what the model says
    bare.write_text(other.replace(", namespace: apps", ""))
    assert [load_manifests([bare], default_namespace=ns, reuse=reuse).scrapes[0].key for ns in "xy"] == [
        "x/db",
        "y/db",
    ]
    # `true` and `1` are equal in Python, not in a manifest: the second is refused, not taken from the first
    honor = SCRAPE.format(port="http", interval="30s") + "    honorLabels: VALUE\n"
    old.write_text(honor.replace("VALUE", "true"))
    new.write_text(honor.replace("VALUE", "1"))
    assert main(["diff", str(old), str(new)]) == 2
    assert "honorLabels" in capsys.readouterr().err
