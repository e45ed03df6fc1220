"""Every directory under examples/ is a Pulumi project `pulumi up` (and `vmscrape up --program`) can run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
#: The Python programs; examples/yaml-component uses the components from Pulumi YAML instead
#: (tests/unit/test_component_provider.py checks it).
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "__main__.py").is_file())


def test_the_quick_start_is_an_example() -> None:
    assert "quickstart" in {p.name for p in EXAMPLES}
    assert "examples/quickstart/__main__.py" in (ROOT / "__main__.py").read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_a_python_project_using_the_repository_venv(example: Path) -> None:
    settings = yaml.safe_load((example / "Pulumi.yaml").read_text())
    assert settings["name"] == f"vmscrape-example-{example.name}"
    assert settings["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": "../../.venv"},
    }
    assert settings["config"]["vmscrape:renderDir"] == {"value": "rendered"}  # no cluster needed
    # The repository's local file backend, relative to the example (where `pulumi` runs): no login.
    assert settings["backend"] == {"url": "file://../../.pulumi-state"}
    assert (example / "../../.pulumi-state").resolve() == (ROOT / ".pulumi-state").resolve()
    assert (example / "__main__.py").is_file() and (example / "README.md").is_file()


def test_every_example_directory_is_a_python_program_or_the_yaml_one() -> None:
    others = {p.name for p in (ROOT / "examples").iterdir() if p.is_dir()} - {p.name for p in EXAMPLES}
    assert others == {"yaml-component"}
    assert yaml.safe_load((ROOT / "examples/yaml-component/Pulumi.yaml").read_text())["runtime"] == "yaml"
