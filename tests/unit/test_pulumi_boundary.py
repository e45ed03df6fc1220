"""Only ``vmscrape_component/component/`` imports pulumi: the models, renderer and CLI load without the SDK.

(tests/unit/test_layering.py reads the imports; this test runs them.)"""

from __future__ import annotations

import subprocess
import sys

from tests.support.reference import ROOT

PACKAGE = ROOT / "vmscrape_component"


def test_importing_the_package_and_its_cli_loads_no_pulumi() -> None:
    modules = sorted(
        "vmscrape_component." + str(p.relative_to(PACKAGE).with_suffix("")).replace("/", ".")
        for p in PACKAGE.rglob("*.py")
        if "component" not in p.relative_to(PACKAGE).parts[:1] and p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "import vmscrape_component as v\n"
        "v.VMServiceScrapeModel, v.VMAgentModel, v.render_config\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
    assert len(modules) > 20  # every module, not a handful
