"""`vmscrape render` / `vmscrape validate` as a user runs them: files in, config or problems out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.reference import OPERATOR_CASES, REAL_SCRAPES, REJECTED_REAL_SCRAPES
from vmscrape_component.cli.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  endpoints:
  - port: http
    path: /metrics
"""


def _write(tmp_path: Path, text: str, name: str = "in.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_render_prints_global_and_jobs_with_default_namespace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", _write(tmp_path, SCRAPE)]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    assert list(config) == ["global", "scrape_configs"]
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "serviceScrape/default/web/0"
    assert job["kubernetes_sd_configs"] == [{"role": "endpoints", "namespaces": {"names": ["default"]}}]
    assert job["metrics_path"] == "/metrics"


def test_render_uses_namespace_flag_for_objects_without_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", "--namespace", "apps", _write(tmp_path, SCRAPE)]) == 0
    (job,) = yaml.safe_load(capsys.readouterr().out)["scrape_configs"]
    assert job["job_name"] == "serviceScrape/apps/web/0"


def test_render_notes_ignored_kinds_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SCRAPE + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
    assert main(["render", _write(tmp_path, text)]) == 0
    captured = capsys.readouterr()
    assert "ignored" in captured.err and "Service web" in captured.err
    assert len(yaml.safe_load(captured.out)["scrape_configs"]) == 1


def test_render_with_an_agent_applies_its_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agent = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {name: main, namespace: monitoring}
spec:
  serviceScrapeNamespaceSelector: {}
  serviceScrapeSelector:
    matchLabels: {release: prod}
"""
    labelled = SCRAPE.replace("  name: web\n", "  name: web\n  labels: {release: prod}\n")
    other = SCRAPE.replace("name: web", "name: other")
    assert main(["render", _write(tmp_path, agent + "---\n" + labelled + "---\n" + other)]) == 0
    config = yaml.safe_load(capsys.readouterr().out)
    assert [j["job_name"] for j in config["scrape_configs"]] == ["serviceScrape/default/web/0"]
    assert config["global"]["external_labels"] == {"prometheus": "monitoring/main"}


def test_render_reproduces_an_operator_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = yaml.safe_load((OPERATOR_CASES / "service" / "08-complete-config.yaml").read_text())
    docs = [case["scrape"], *case["objects"]]
    path = _write(tmp_path, yaml.safe_dump_all(docs))
    assert main(["render", "--reveal-secrets", "--tls-mount-dir", "/tls", path]) == 0
    (job,) = yaml.safe_load(capsys.readouterr().out)["scrape_configs"]
    assert job == yaml.safe_load(case["expected_job"])


def test_render_hides_secret_values_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = yaml.safe_load((OPERATOR_CASES / "service" / "08-complete-config.yaml").read_text())
    path = _write(tmp_path, yaml.safe_dump_all([case["scrape"], *case["objects"]]))
    assert main(["render", path]) == 0
    out = capsys.readouterr().out
    for value in ("pass", "some-secret", "token"):
        assert f": {value}\n" not in out
    assert "<secret default/ba-secret password>" in out


@pytest.mark.parametrize(
    ("snippet", "path_fragment"),
    [
        ("  - port: http\n    interval: soon\n", "spec.endpoints[0].interval"),
        ("  - port: 8080\n", "spec.endpoints[0].port"),
        ("  - port: http\n    prot: x\n", "spec.endpoints[0]"),
    ],
)
def test_invalid_input_exits_2_naming_object_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], snippet: str, path_fragment: str
) -> None:
    text = SCRAPE.split("  endpoints:\n")[0] + "  endpoints:\n" + snippet
    assert main(["render", _write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert "VMServiceScrape default/web" in err
    assert path_fragment in err
    assert "Traceback" not in err


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = SCRAPE.replace("  - port: http\n", "  - port: http\n    interval: soon\n    scheme: ftp\n")
    assert main(["validate", _write(tmp_path, bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert any("interval" in line for line in err) and any(
        "scheme" in line and "https" in line for line in err
    )


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "kind: VMServiceScrape\nmetadata: {name: [\n")
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert path in err and "not valid YAML" in err


def test_validate_accepts_real_manifests(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(p) for p in REAL_SCRAPES if p.stem not in REJECTED_REAL_SCRAPES]
    assert main(["validate", *files]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize("stem", sorted(REJECTED_REAL_SCRAPES))
def test_validate_rejects_real_manifests_the_operator_cannot_use(
    stem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in REAL_SCRAPES if p.stem == stem)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    for field in REJECTED_REAL_SCRAPES[stem]:
        assert field in err
    assert "Traceback" not in err


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "vmscrape_component.cli", "render", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_validate_warns_about_jobs_vmagent_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scrape = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: api, namespace: apps}
spec:
  endpoints:
  - port: http
    bearerTokenFile: /var/run/secrets/token
    basicAuth:
      username: {name: creds, key: user}
"""
    path = tmp_path / "api.yaml"
    path.write_text(scrape)
    assert main(["validate", str(path)]) == 0  # the operator accepts it...
    err = capsys.readouterr().err
    assert "warning: job serviceScrape/apps/api/0: vmagent will refuse it" in err  # ...vmagent does not
    assert "`basic_auth`, `bearer_token` together" in err


def test_a_key_written_twice_is_an_error_naming_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # kubectl's strict decoding refuses duplicate keys; PyYAML alone would keep the last one silently
    text = SCRAPE.replace("    path: /metrics\n", "    path: /metrics\n    port: web\n")
    path = _write(tmp_path, text)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {path}:12:5: not valid YAML: ")
    assert "duplicate key 'port' (lines 10 and 12)" in line


def test_a_key_written_twice_is_found_in_documents_with_anchors_too(tmp_path: Path) -> None:
    from vmscrape_component.errors import VMScrapeError
    from vmscrape_component.manifests import parse_documents

    # `<<` merges may override keys on purpose; a key written twice by hand may not
    assert parse_documents("f", "a: &x {b: 1}\nc:\n  <<: *x\n  b: 2\n") == [{"a": {"b": 1}, "c": {"b": 2}}]
    with pytest.raises(VMScrapeError) as err:
        parse_documents("f", "a: &x {b: 1}\nc:\n  <<: *x\n  d: 2\n  d: 3\n")
    (problem,) = err.value.problems
    assert problem.object == "f:5:3" and "duplicate key 'd' (lines 4 and 5)" in problem.message
