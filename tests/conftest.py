"""Fixtures shared by the suites: the real tools the tests run against.

With ``VMSCRAPE_REQUIRE_VMAGENT=1`` / ``VMSCRAPE_REQUIRE_PULUMI=1`` (as ``make test`` and CI set them) a
missing tool fails the tests that need it; elsewhere they are skipped with the command that installs it.
"""

from __future__ import annotations

import os

import pytest

from tests.support.vmagent import find_vmagent


def _require(env: str, what: str, install: str) -> None:
    if os.environ.get(env):
        pytest.fail(f"{what} not found: run {install} ({env} is set)")
    pytest.skip(f"{what} not installed ({install})")


@pytest.fixture(scope="session")
def vmagent() -> str:
    """Path of the real vmagent (v1.150.0 from ``scripts/install-vmagent``, or ``$VMAGENT``)."""
    binary = find_vmagent()
    if binary is None:
        _require("VMSCRAPE_REQUIRE_VMAGENT", "vmagent", "scripts/install-vmagent")
    return str(binary)


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    """Path of the ``pulumi`` CLI (on PATH, or built by ``scripts/install-pulumi``)."""
    from vmscrape_component.component.runner import find_pulumi

    binary = find_pulumi()
    if binary is None:
        _require("VMSCRAPE_REQUIRE_PULUMI", "the pulumi CLI", "scripts/install-pulumi")
    return str(binary)
