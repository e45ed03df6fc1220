"""Fuzzing set-up: hypothesis profiles, the vmagent binary, and the counts printed at the end of the run.

Profiles, chosen with ``VMSCRAPE_FUZZ_PROFILE`` (default ``ci``):

- ``ci``: derandomized (the same examples on every run), bounded to well under 3 minutes on 2 cores, yet
  thousands of VMServiceScrapes through vmagent: each example renders a whole batch into one config,
  checked by one ``vmagent -dryRun``.
- ``long``: 20 times as many examples, and a new random search on every run.

The fuzz tests apply the profile themselves (``fuzz_settings()``); it is not loaded globally, so the rest
of the suite keeps its own hypothesis settings.
"""

from __future__ import annotations

import pytest

from tests.fuzz.session import COUNTS, profile_name, register_profiles

register_profiles()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COUNTS:
        return
    terminalreporter.section(f"vmscrape fuzz, {profile_name()} profile")
    if COUNTS["batches"]:
        terminalreporter.write_line(
            f"valid: {COUNTS['scrapes']} VMServiceScrapes ({COUNTS['jobs']} jobs) in {COUNTS['batches']} "
            f"configs checked by vmagent -dryRun ({COUNTS['agent_batches']} of them rendered for a VMAgent)"
        )
    if COUNTS["edge_values"]:
        terminalreporter.write_line(
            f"edges: {COUNTS['edge_values']} edge values ({COUNTS['edge_accepted']} accepted by the "
            f"models, all loaded by vmagent; {COUNTS['edge_refused_checked']} refused ones each refused by "
            f"vmagent too) in {COUNTS['edge_vmagent_runs']} vmagent runs"
        )
    if COUNTS["mutations"] or COUNTS["subprocess_mutations"]:
        terminalreporter.write_line(
            f"invalid: {COUNTS['mutations']} mutated manifests refused by `vmscrape validate` and "
            f"`vmscrape render` (in-process), {COUNTS['subprocess_mutations']} more by a `vmscrape` process"
        )
    if COUNTS["robust_cases"]:
        terminalreporter.write_line(
            f"hostile: {COUNTS['robust_cases']} mutated inputs through every command, no traceback "
            f"(exit 0: {COUNTS['robust_exit_0']}, 1: {COUNTS['robust_exit_1']}, 2: {COUNTS['robust_exit_2']})"
        )
