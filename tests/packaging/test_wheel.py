"""The package as users get it: a wheel built from the sources, installed outside the checkout and run
from a directory that is not the checkout. Nothing in it may assume the repository (``parents[2]`` of
an installed module is site-packages), and the metadata says what the package is (version, license,
typed)."""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import vmscrape_component

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints: [{port: http}]
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources (the build leaves nothing in the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "vmscrape_component", src / "vmscrape_component",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out)]
        + ["."],
        cwd=src,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("vmscrape_component-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed into a directory of its own (its dependencies come from this interpreter)."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    return site


def _run(site: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_metadata_names_version_license_and_types(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(whl.read(metadata_name))
    assert metadata["Version"] == vmscrape_component.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "vmscrape_component/py.typed" in names
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    requires = [re.split(r"[;<>=! \[]", r)[0] for r in metadata.get_all("Requires-Dist")]
    assert requires.count("orjson") == 1  # listed once, not again in an extra
    assert "kubernetes" in requires  # the `live` extra
    assert not any(n.startswith(("tests/", "scripts/", "examples/")) for n in names)


def test_the_installed_package_runs_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, "-c", "import vmscrape_component as m; print(m.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stderr
    version = _run(installed, tmp_path, "-m", "vmscrape_component.cli", "--version")
    assert version.stdout.strip() == f"vmscrape {vmscrape_component.__version__}"
    (tmp_path / "web.yaml").write_text(SCRAPE)
    render = _run(installed, tmp_path, "-m", "vmscrape_component.cli", "render", "web.yaml")
    assert render.returncode == 0, render.stderr
    assert "job_name: serviceScrape/apps/web/0" in render.stdout


def test_up_looks_for_the_project_in_the_current_directory_not_in_site_packages(
    installed: Path, tmp_path: Path
) -> None:
    up = _run(installed, tmp_path, "-m", "vmscrape_component.cli", "up")
    assert up.returncode == 2 and "Traceback" not in up.stderr
    assert "not a Python Pulumi project" in up.stderr and str(tmp_path) in up.stderr
    assert str(installed) not in up.stderr


def test_no_installed_module_climbs_to_a_checkout(installed: Path) -> None:
    offenders = [
        str(path.relative_to(installed))
        for path in (installed / "vmscrape_component").rglob("*.py")
        if re.search(r"\.parents\[\d+\]", path.read_text())  # a climb to the checkout's root
    ]
    assert offenders == []
