"""ServiceMonitors through the CLI: `vmscrape convert`, and render/select taking them as the operator does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.reference import REAL_MONITORS
from vmscrape_component.cli.__main__ import main

MONITOR = """\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: web
  namespace: apps
  labels: {release: prod, helm.sh/chart: web-1}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
    scheme: HTTP
    enableHttp2: true
"""

SAME_NAME_SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata:
  name: web
  namespace: apps
spec:
  endpoints: [{port: metrics}]
"""

AGENT = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {name: main, namespace: monitoring}
spec:
  serviceScrapeSelector: {matchLabels: {release: prod}}
  serviceScrapeNamespaceSelector: {}
"""


def _write(tmp_path: Path, text: str, name: str = "in.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_convert_prints_the_scrape_and_one_line_per_lost_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", _write(tmp_path, MONITOR)]) == 0
    out, err = capsys.readouterr()
    (doc,) = yaml.safe_load_all(out)
    assert doc["kind"] == "VMServiceScrape"
    assert doc["metadata"] == {
        "name": "web",
        "namespace": "apps",
        "labels": {"release": "prod", "helm.sh/chart": "web-1"},
    }
    assert doc["spec"]["endpoints"] == [{"port": "http", "scheme": "http", "attach_metadata": {}}]
    assert err.splitlines() == [
        "apps/web: spec.endpoints[0].scheme: changed (lowercased: http)",
        "apps/web: spec.endpoints[0].enableHttp2: dropped (no VMServiceScrape field)",
        "note: 1 field(s) dropped by the conversion",
    ]


def test_convert_strict_exits_1_when_a_field_is_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", "--strict", _write(tmp_path, MONITOR)]) == 1
    assert "error: 1 field(s) dropped" in capsys.readouterr().err
    clean = MONITOR.replace("    enableHttp2: true\n", "")
    assert main(["convert", "--strict", _write(tmp_path, clean)]) == 0


def test_convert_honours_the_operators_prefix_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = "VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES=helm.sh"
    assert main(["convert", "--operator-env", env, _write(tmp_path, MONITOR)]) == 0
    out, err = capsys.readouterr()
    assert yaml.safe_load(out)["metadata"]["labels"] == {"release": "prod"}
    assert "apps/web: metadata.labels.helm.sh/chart: dropped" in err


def test_convert_output_reads_back_as_the_same_scrape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The migration path: what convert prints is a VMServiceScrape that renders like the ServiceMonitor.
    files = [str(p) for p in REAL_MONITORS]
    assert main(["convert", *files]) == 0
    converted = _write(tmp_path, capsys.readouterr().out, "converted.yaml")
    assert main(["render", *files]) == 0
    from_monitors = capsys.readouterr().out
    assert main(["render", converted]) == 0
    assert capsys.readouterr().out == from_monitors


def test_render_takes_a_monitor_as_its_conversion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", _write(tmp_path, MONITOR)]) == 0
    out, err = capsys.readouterr()
    assert "job_name: serviceScrape/apps/web/0" in out
    assert "note: ServiceMonitor apps/web taken as the VMServiceScrape it converts into" in err


def test_render_leaves_monitors_out_when_the_converter_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = "VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE=false"
    assert main(["render", "--operator-env", env, _write(tmp_path, MONITOR)]) == 0
    out, err = capsys.readouterr()
    assert "serviceScrape/apps/web/0" not in out
    assert "not converted (VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE=false)" in err


def test_a_monitor_that_would_overwrite_a_given_scrape_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [_write(tmp_path, SAME_NAME_SCRAPE, "scrape.yaml"), _write(tmp_path, MONITOR, "monitor.yaml")]
    assert main(["render", *files]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    assert "ServiceMonitor apps/web" in line and "VMServiceScrape apps/web" in line
    assert "operator.victoriametrics.com/ignore-prometheus-updates: enabled" in line


def test_the_ignore_annotation_keeps_the_given_scrape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    annotated = SAME_NAME_SCRAPE.replace(
        "  namespace: apps\n",
        "  namespace: apps\n"
        "  annotations: {operator.victoriametrics.com/ignore-prometheus-updates: enabled}\n",
    )
    files = [_write(tmp_path, annotated, "scrape.yaml"), _write(tmp_path, MONITOR, "monitor.yaml")]
    assert main(["render", *files]) == 0
    out, err = capsys.readouterr()
    assert "regex: metrics" in out and "regex: http" not in out
    assert "not converted: VMServiceScrape apps/web" in err


def test_select_uses_the_converted_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [_write(tmp_path, MONITOR, "m.yaml"), _write(tmp_path, AGENT, "a.yaml")]
    assert main(["select", "-o", "json", *files]) == 0
    assert '"selected": true' in capsys.readouterr().out
    # With `release` filtered out by the converter, the agent's selector no longer matches.
    env = "VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES=release"
    assert main(["select", "-o", "json", "--operator-env", env, *files]) == 0
    assert '"selected": false' in capsys.readouterr().out


def test_an_invalid_monitor_is_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = MONITOR.replace("enableHttp2: true", "enableHttp2: yes please")
    assert main(["convert", _write(tmp_path, bad)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "ServiceMonitor apps/web" in line and "spec.endpoints[0].enableHttp2" in line


def test_diff_takes_monitors_and_the_converter_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monitor = _write(tmp_path, MONITOR, "monitor.yaml")
    assert main(["convert", monitor]) == 0
    converted = _write(tmp_path, capsys.readouterr().out, "converted.yaml")
    assert main(["diff", "--exit-code", converted, monitor]) == 0  # the migration changes no job
    capsys.readouterr()
    off = "VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE=false"
    assert main(["diff", "--exit-code", "--operator-env", off, "-o", "json", converted, monitor]) == 1
    assert "serviceScrape/apps/web/0" in capsys.readouterr().out
