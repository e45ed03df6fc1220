"""Fixtures shared by the suites: the real tools the tests run against.

``--update-golden`` rewrites golden files (:mod:`tests.support.golden`) instead of comparing with them.

With ``VMSCRAPE_REQUIRE_VMAGENT=1`` / ``VMSCRAPE_REQUIRE_PULUMI=1`` / ``VMSCRAPE_REQUIRE_KUBE=1`` (as
``make test`` and CI set them) a missing tool fails the tests that need it; elsewhere they are skipped
with the command that installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tests.support.go_oracle import GoOracle, find_go_oracle
from tests.support.golden import Golden
from tests.support.vmagent import find_vmagent

if TYPE_CHECKING:
    from vmscrape_component.cluster import LocalCluster

_GOLDEN = pytest.StashKey[Golden]()

# Every hypothesis test without a profile of its own (the fuzz tests choose theirs, tests/fuzz/session.py)
# sees the same examples on every run, and keeps no example database: a failure prints its reproducer.
# With VMSCRAPE_FUZZ_PROFILE=long (`make fuzz-long`) the search is random again.
settings.register_profile(
    "vmscrape", derandomize=os.environ.get("VMSCRAPE_FUZZ_PROFILE") != "long", database=None, print_blob=True
)
settings.load_profile("vmscrape")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite golden files from the current output (never done otherwise); review the git diff",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_GOLDEN] = Golden(update=bool(config.getoption("--update-golden")))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    golden = config.stash.get(_GOLDEN, None)
    if golden is not None and golden.rewritten:
        terminalreporter.section("golden files rewritten (--update-golden): review them with git diff")
        for path in golden.rewritten:
            terminalreporter.line(str(path))


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    """Compares output with a golden file (see :mod:`tests.support.golden`)."""
    return request.config.stash[_GOLDEN]


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


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """etcd + kube-apiserver + kube-controller-manager + the operator on 127.0.0.1, started once per
    session (see tests/support/cluster.py); stopped by PID at the end, its state directory removed."""
    from vmscrape_component.cluster import ToolsMissing, find_tools, start, stop

    try:
        tools = find_tools()
    except ToolsMissing as exc:
        _require("VMSCRAPE_REQUIRE_KUBE", "the local control plane", f"scripts/install-kube ({exc})")
    pytest.importorskip("kubernetes", reason="the live extra: pip install -e '.[live]'")
    from tests.support.cluster import TEST_OPERATOR_ENV
    from tests.support.reference import CRDS

    state = tmp_path_factory.mktemp("cluster")
    # The ServiceMonitor CRD before the operator starts, so that it runs its ServiceMonitor converter.
    extra = [CRDS / "servicemonitors.yaml"]
    cluster = start(state, tools=tools, operator_env=TEST_OPERATOR_ENV, extra_crds=extra)
    print(f"\nlocal cluster up in {cluster.start_seconds:.1f} s ({cluster.server}, logs in {state / 'logs'})")
    try:
        yield cluster
    finally:
        stop(state)


@pytest.fixture(scope="session")
def yaml_v2_marshal() -> str:
    """Path of ``yaml-v2-marshal`` (our program over gopkg.in/yaml.v2, built by scripts/install-kube)."""
    from vmscrape_component.paths import cache_dir

    binary = cache_dir() / "yaml-v2-marshal-v2.4.0" / "yaml-v2-marshal"
    if not binary.is_file():
        _require("VMSCRAPE_REQUIRE_KUBE", "yaml-v2-marshal", "scripts/install-kube")
    return str(binary)


@pytest.fixture(scope="session")
def go_oracle() -> GoOracle:
    """vmagent v1.150.0's own parsers (regexp, relabel, ``if``, proxy URL, sizes, durations) in one
    process: ``go-oracle``, built by scripts/install-oracle (see tests/support/go_oracle.py)."""
    binary = find_go_oracle()
    if binary is None:
        _require("VMSCRAPE_REQUIRE_VMAGENT", "go-oracle", "scripts/install-oracle")
    return GoOracle(str(binary))
