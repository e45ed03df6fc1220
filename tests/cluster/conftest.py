"""The tests against the local control plane: what they compared, printed at the end of the run."""

from __future__ import annotations

import pytest

from tests.cluster.prediction import DIFFERENCES, LAYOUTS, TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY and not DIFFERENCES:
        return
    terminalreporter.section("vmscrape vs the real operator (local control plane)")
    for line in LAYOUTS:
        terminalreporter.write_line(f"Secret layout: {line}")
    terminalreporter.write_line(
        f"operator Secret vs `vmscrape render`: {TALLY['configs']} configs "
        f"({TALLY['scrapes']} VMServiceScrapes, {TALLY['jobs']} jobs, {TALLY['bytes']} bytes) "
        f"compared byte for byte, {TALLY['differ']} differ"
    )
    for key in sorted(k for k in TALLY if k.startswith("known_")):
        terminalreporter.write_line(
            f"  {TALLY[key]} of the differing configs explained as {key} (test_operator_config.KNOWN)"
        )
    for label in DIFFERENCES:
        terminalreporter.write_line(f"  differs: {label}")
    if TALLY["monitors"]:
        terminalreporter.write_line(
            f"ServiceMonitors: {TALLY['monitors']} converted by the operator vs `vmscrape convert` "
            f"(metadata and spec), {TALLY['monitors_differ']} differ; {TALLY['monitor_configs']} config(s) "
            "rendered from ServiceMonitors equal the operator's Secret"
        )
    if TALLY["dry_run"]:
        terminalreporter.write_line(
            f"API server dry-run vs `vmscrape validate`: {TALLY['dry_run']} manifests, "
            f"{TALLY['dry_run_mismatch']} verdicts differ "
            f"({TALLY['dry_run_known']} of them known, see the test)"
        )
