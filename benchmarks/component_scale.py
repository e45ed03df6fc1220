"""What the components cost in a Pulumi program: N scrapes through vmscrape against N raw CRs.

Baseline, measured in the same run: the same N VMServiceScrape objects registered as plain
``pulumi_kubernetes.apiextensions.CustomResource`` resources (what a user would write without vmscrape).
Against it: N ``VMServiceScrape`` components (two engine resources each: the component and its CR), and
one ``VMServiceScrapeSet`` holding the N scrapes (one engine resource each, plus the set). Two settings:

- ``mocks``: the program under Pulumi's mocks (``pulumi.runtime.set_mocks``): the Python-side cost —
  validation, rendering, Output plumbing, registration RPCs to an in-process mock monitor;
- ``preview``: ``pulumi preview`` through the Automation API on a local file backend with the Kubernetes
  provider in render mode — the real engine. Needs the ``pulumi`` CLI (``scripts/install-pulumi``);
  skipped with a note when absent.

Each measurement runs in a fresh subprocess (no warm caches shared between the two sides).

    python benchmarks/component_scale.py                 # N = 100, 1000
    python benchmarks/component_scale.py --sizes 100 --modes mocks
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.workload import scrape_manifest  # noqa: E402


def _program(kind: str, n: int) -> Any:
    def program() -> None:
        import pulumi
        from pulumi_kubernetes.apiextensions import CustomResource

        from vmscrape_component import VMServiceScrape, VMServiceScrapeSet
        from vmscrape_component.component import provider_options

        names = []
        if kind == "set":
            group = VMServiceScrapeSet(
                "all", scrapes=[scrape_manifest(i) for i in range(n)], opts=provider_options()
            )
            pulumi.export("jobs", group.job_names.apply(len))
            return
        for i in range(n):
            m = scrape_manifest(i)
            meta = m["metadata"]
            if kind == "component":
                c = VMServiceScrape(
                    meta["name"], namespace=meta["namespace"], spec=m["spec"], opts=provider_options()
                )
                names.append(c.job_names)
            else:
                CustomResource(
                    meta["name"],
                    api_version=m["apiVersion"],
                    kind=m["kind"],
                    metadata=meta,
                    spec=m["spec"],
                    opts=provider_options(),
                )
        if names:
            pulumi.export("jobs", pulumi.Output.all(*names).apply(len))

    return program


def _child_mocks(kind: str, n: int) -> float:
    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
            return {}

    pulumi.runtime.set_mocks(Mocks(), preview=False)
    start = time.perf_counter()
    pulumi.runtime.test(_program(kind, n))()
    return time.perf_counter() - start


def _child_preview(kind: str, n: int) -> float:
    from vmscrape_component.component.runner import open_stack

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "p"
        project.mkdir()
        (project / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
        os.chdir(project)
        st = open_stack(
            project,
            "bench",
            _program(kind, n),
            state_dir=Path(tmp) / "state",
            config={"vmscrape:renderDir": str(project / "rendered")},
        )
        start = time.perf_counter()
        st.preview()
        return time.perf_counter() - start


def _measure(mode: str, kind: str, n: int) -> float:
    # Bytecode cached as in an installed package (with PYTHONDONTWRITEBYTECODE every start compiles).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, kind, str(n)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode}/{kind}/{n} failed:\n{proc.stderr[-3000:]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--modes", default="mocks,preview")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, kind, n = args.child
        seconds = (_child_mocks if mode == "mocks" else _child_preview)(kind, int(n))
        print(json.dumps({"seconds": seconds}))
        return

    from vmscrape_component.component.runner import find_pulumi

    modes = [m for m in args.modes.split(",") if m]
    if "preview" in modes and find_pulumi() is None:
        print("note: no pulumi CLI (scripts/install-pulumi): preview rows skipped", file=sys.stderr)
        modes.remove("preview")
    print(
        f"# component_scale — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        f"{'mode':8} {'N':>6} {'raw CRs (s)':>12} {'components (s)':>15} {'ratio':>7} "
        f"{'one set (s)':>12} {'ratio':>7}"
    )
    for mode in modes:
        for n in (int(s) for s in args.sizes.split(",")):
            raw = _measure(mode, "raw", n)
            comp = _measure(mode, "component", n)
            group = _measure(mode, "set", n)
            print(
                f"{mode:8} {n:>6} {raw:>12.2f} {comp:>15.2f} {comp / raw:>7.2f} "
                f"{group:>12.2f} {group / raw:>7.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
