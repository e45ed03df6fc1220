"""One tool-cache rule (``vmscrape_component/paths.py``), followed by the Makefile and the install scripts,
and defaults that depend on the directory vmscrape runs in, never on where the package is installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from vmscrape_component import paths

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path, cache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VMSCRAPE_CACHE"}
    env["HOME"] = str(home)
    if cache is not None:
        env["VMSCRAPE_CACHE"] = cache
    return env


def _make_cache(env: dict[str, str]) -> str:
    # `make -p` prints make's variable database; `-q` on a target that does not exist runs nothing.
    out = subprocess.run(
        ["make", "-pq", "-f", str(REPO / "Makefile"), "__no_such_target__"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return next(line.split(":=", 1)[1].strip() for line in out.splitlines() if line.startswith("CACHE :="))


def _gobuild_cache(env: dict[str, str]) -> str:
    script = f'source "{REPO}/scripts/lib/gobuild.sh" && echo "$CACHE"'
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize("cache", [None, "", "custom"])
def test_python_the_makefile_and_the_scripts_agree_on_the_cache(
    tmp_path: Path, cache: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    value = str(tmp_path / cache) if cache else cache
    env = _env(home, value)
    monkeypatch.setenv("HOME", str(home))
    if value is None:
        monkeypatch.delenv("VMSCRAPE_CACHE", raising=False)
    else:
        monkeypatch.setenv("VMSCRAPE_CACHE", value)
    expected = paths.cache_dir()
    assert expected == (tmp_path / "custom" if cache else home / ".cache" / "vmscrape")
    assert Path(_make_cache(env)) == expected
    assert Path(_gobuild_cache(env)) == expected


def test_install_vmagent_spells_the_same_rule() -> None:
    # install-vmagent installs when run, so it is read, not run: where it first sets CACHE (it then
    # only makes the path absolute).
    lines = (REPO / "scripts" / "install-vmagent").read_text().splitlines()
    first = next(line for line in lines if line.startswith("CACHE="))
    assert first == 'CACHE="${VMSCRAPE_CACHE:-$HOME/.cache/vmscrape}"'


def test_the_stack_defaults_follow_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.default_project_dir() == tmp_path
    assert paths.default_state_dir() == tmp_path / ".pulumi-state"
