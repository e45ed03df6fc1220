"""`vmscrape cluster` without a running cluster: clear messages and exit codes, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cli.__main__ import main


def test_status_and_down_without_a_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "none"
    assert main(["cluster", "status", "--state-dir", str(state)]) == 1
    assert "no local cluster recorded" in capsys.readouterr().err
    assert main(["cluster", "--state-dir", str(state), "down"]) == 0
    assert "nothing was running" in capsys.readouterr().out


def test_up_without_the_tools_names_the_install_script(
    tmp_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VMSCRAPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["cluster", "up", "--state-dir", str(tmp_path / "state")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "scripts/install-kube" in err and "Traceback" not in err
    assert not (tmp_path / "state").exists(), "nothing is started or written when a tool is missing"


def test_operator_env_must_be_name_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cluster", "up", "--state-dir", str(tmp_path), "--operator-env", "NOVALUE"]) == 2
    assert "--operator-env[0]" in capsys.readouterr().err


def test_an_extra_crd_file_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["cluster", "up", "--state-dir", str(tmp_path / "state"), "--crd", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --crd ") and "no such file" in err
    assert not (tmp_path / "state").exists(), "nothing is started when a CRD file is missing"


def test_up_without_the_kubernetes_package_names_the_extra(
    tmp_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "kubernetes" else find_spec(name, *a)
    )
    assert main(["cluster", "up", "--state-dir", str(tmp_path / "state")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'vmscrape-component[live]'" in err
    assert not (tmp_path / "state").exists()
