"""The root Pulumi program (`pulumi up` here, `make up`, or `vmscrape up`): the quick start, rendered into
rendered/. The program itself is examples/quickstart/__main__.py; it runs here with this project's
settings (Pulumi.yaml: local state in .pulumi-state/, render mode)."""

import runpy
from pathlib import Path

runpy.run_path(
    str(Path(__file__).resolve().parent / "examples" / "quickstart" / "__main__.py"), run_name="__main__"
)
