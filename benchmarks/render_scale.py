"""How rendering scales: N VMServiceScrapes (the workload of issue 9) → the whole vmagent config.

For each size, in a fresh Python process (so that peak RSS is that size's own):

* **render**: validated models → the complete config text, in process (``render_config`` then
  ``config_yaml``: the text ``vmscrape render`` prints); best of ``--repeat`` runs.
* **floors**: ``orjson.dumps`` and ``json.dumps`` of the identical job structure (``config.as_dict()``),
  measured in the same process, so the render's cost is read as a ratio to them.
* **memory**: ``tracemalloc``'s peak during one more render, above what was allocated before it (the
  inputs), against the output's size; and the process's peak RSS (``resource.getrusage``), which also
  holds the interpreter, the imports and the validated inputs.
* **load**: ``load_manifests`` on a file of the N manifests (YAML parse + validation), in process.
* **CLI**: ``vmscrape render FILE`` end to end (start-up, read, parse, validate, render, the Secret
  layout with its ``go-gzip-size`` helper, write to a file), started from the small parent process: CPU
  and wall time and the CLI's own peak RSS (``os.wait4``, helper included); its output must equal the
  in-process text.

Usage::

    .venv/bin/python benchmarks/render_scale.py                       # sizes 100,1000,10000,100000
    .venv/bin/python benchmarks/render_scale.py --sizes 10000 --repeat 5

The 100,000 row takes about a minute on a 2-core machine (most of it the CLI run and the tracemalloc
pass); leave it out with ``--sizes 100,1000,10000``. Timings are wall-clock; never assert on them in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (100, 1000, 10_000, 100_000)


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    """Best CPU time (this process's user + system) of ``repeat`` runs: a loaded machine inflates wall
    time far more than CPU time."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def _floors(tree: dict[str, Any], repeat: int) -> dict[str, Any]:
    """The same job structure through two plain serialisers: what any render costs at least."""
    import orjson

    return {
        "jobs": len(tree["scrape_configs"]),
        "orjson_s": _best(lambda: orjson.dumps(tree), repeat)[0],
        "json_s": _best(lambda: json.dumps(tree), repeat)[0],
    }


def measure(n: int, repeat: int, input_file: Path) -> dict[str, Any]:
    """Everything in process for one size; runs in its own process (see ``--worker``).

    Also writes the N manifests to ``input_file`` for the CLI run, which the parent starts itself: a
    child's peak RSS on Linux includes its parent's at the time it was started.
    """
    from benchmarks.workload import manifests
    from vmscrape_component.bulk import gc_paused
    from vmscrape_component.manifests import load_manifests
    from vmscrape_component.models import VMServiceScrapeModel
    from vmscrape_component.render import config_yaml, dump_yaml, render_config

    with gc_paused():  # set-up only, as load_manifests does it
        docs = manifests(n)
        scrapes = [VMServiceScrapeModel.from_manifest(doc) for doc in docs]

    def render() -> str:
        return config_yaml(render_config(scrapes))

    render_s, text = _best(render, repeat)
    out: dict[str, Any] = {
        "scrapes": n,
        "bytes": len(text.encode()),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "render_s": render_s,
        **_floors(render_config(scrapes).as_dict(), repeat),
    }

    input_file.write_text("".join(f"---\n{dump_yaml(doc)}" for doc in docs), encoding="utf-8")
    out["input_bytes"] = input_file.stat().st_size
    out["load_s"], found = _best(lambda: load_manifests([input_file]), repeat)
    assert len(found.scrapes) == n
    del found

    out["loaders"] = loader_candidates(input_file, repeat)
    out["rss_mb"] = _rss_mb(resource.RUSAGE_SELF)  # before tracemalloc, whose own tables would count
    del text
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    render()
    out["render_peak_mb"] = (tracemalloc.get_traced_memory()[1] - before) / 1e6
    tracemalloc.stop()
    return out


#: The CLI as ``vmscrape`` runs it (``console``: ``main``, then the quick exit), except that ``main`` then
#: stops the ``go-gzip-size`` helper it started for the Secret layout and waits for it: the helper's CPU
#: time is then part of the CLI's (``os.wait4`` counts the children a process waited for; left to exit on
#: its own, the helper's ~0.08 s per 33 MB would go uncounted).
_CLI = (
    "from vmscrape_component import gzip_size\n"
    "from vmscrape_component.cli import __main__ as cli\n"
    "real_main = cli.main\n"
    "def main_then_stop_the_helper():\n"
    "    code = real_main()\n"
    "    if gzip_size._SHARED is not None:\n"
    "        gzip_size._SHARED.close()\n"
    "    return code\n"
    "cli.main = main_then_stop_the_helper\n"
    "cli.console()\n"
)


def _child_env() -> dict[str, str]:
    # Bytecode is cached as in an installed package (pip compiles it): with PYTHONDONTWRITEBYTECODE set,
    # as in some shells, every start compiles ~50 modules again (~0.045 s CPU).
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(argv: list[str], sink: Any) -> tuple[float, float, float]:
    """Run ``argv`` to completion: (wall s, CPU s = user + system, peak RSS MB), the child's own (with the
    children it waited for)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=sink, cwd=ROOT, env=_child_env())
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # diff --exit-code style 1 is not used here
        raise RuntimeError(f"{' '.join(argv[2:])} exited {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_cli(input_file: Path, repeat: int) -> dict[str, Any]:
    """``vmscrape render FILE > out``, best CPU of ``repeat`` runs: wall and CPU time, the child's own peak
    RSS, and its output's digest. Then the other commands on the same input (``diff`` against a copy with
    one scrape renamed), best of ``repeat``, and ``python -c pass`` (the interpreter's own start)."""
    cli = [sys.executable, "-c", _CLI]
    result = input_file.with_suffix(".out")
    with open(os.devnull, "wb") as sink:  # once, to write the bytecode cache
        _run(
            [sys.executable, "-c", "import vmscrape_component.cli.__main__, vmscrape_component.cli.render"],
            sink,
        )
    runs = []
    for _ in range(repeat):
        with result.open("wb") as sink:
            runs.append(_run([*cli, "render", str(input_file)], sink))
    wall, cpu, rss = min(runs, key=lambda r: r[1])
    digest = hashlib.sha256(result.read_bytes()).hexdigest()
    out = {"cli_s": wall, "cli_cpu_s": cpu, "cli_rss_mb": rss, "cli_sha256": digest}
    other = input_file.with_name("other.yaml")
    other.write_text(input_file.read_text().replace("name: svc-1\n", "name: svc-1-renamed\n", 1))
    agent = input_file.with_name("agent.yaml")
    agent.write_text(_AGENT)
    commands = {
        "validate": ["validate", str(input_file)],
        "select": ["select", str(agent), str(input_file)],
        "diff": ["diff", str(input_file), str(other)],
    }
    with open(os.devnull, "wb") as sink:
        for name, args in commands.items():
            out[f"{name}_cpu_s"] = min(_run([*cli, *args], sink)[1] for _ in range(repeat))
        out["python_cpu_s"] = min(_run([sys.executable, "-c", "pass"], sink)[1] for _ in range(repeat))
    return out


#: For ``select``: one VMAgent that selects every VMServiceScrape in every namespace.
_AGENT = """apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata:
  name: all
  namespace: monitoring
spec:
  serviceScrapeSelector: {}
  serviceScrapeNamespaceSelector: {}
"""


def loader_candidates(input_file: Path, repeat: int) -> dict[str, float]:
    """CPU seconds to turn the manifests' YAML into plain data, per reader (best of ``repeat``), in this
    process with the cyclic GC paused as ``load_manifests`` does. ``json.loads`` of the same data is the
    floor any reader of a text format pays for building the objects."""
    import yaml

    from vmscrape_component.bulk import gc_paused
    from vmscrape_component.manifests import _Loader, _PlainScalars, parse_documents
    from vmscrape_component.yamlblock import block_documents

    text = input_file.read_text(encoding="utf-8")
    as_json = json.dumps(parse_documents(input_file, text))
    candidates: dict[str, Any] = {
        "yamlblock (vmscrape's reader)": lambda: block_documents(text, _PlainScalars()),
        "PyYAML CSafeLoader + vmscrape's checks (the fallback)": lambda: list(
            yaml.load_all(text, Loader=_Loader)
        ),
        "PyYAML CSafeLoader, plain": lambda: list(yaml.load_all(text, Loader=yaml.CSafeLoader)),
        "libyaml events only (no objects)": lambda: _events(text),
        "json.loads of the same data (floor)": lambda: json.loads(as_json),
    }
    try:  # a Rust reader, YAML 1.2 (reads `yes`, `0777`, `1e3` differently) and without positions
        import pyyaml_rs  # type: ignore[import-not-found]

        candidates["pyyaml-rs safe_load_all (YAML 1.2, no marks)"] = lambda: list(
            pyyaml_rs.safe_load_all(text)
        )
    except ImportError:
        pass
    times = {}
    with gc_paused():
        for name, fn in candidates.items():
            best = float("inf")
            for _ in range(repeat):
                start = time.process_time()
                fn()
                best = min(best, time.process_time() - start)
            times[name] = best
    return times


def _events(text: str) -> int:
    import yaml

    loader = yaml.CSafeLoader(text)
    n = 0
    while loader.check_event():
        loader.get_event()
        n += 1
    return n


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def report(results: list[dict[str, Any]]) -> str:
    head = ["scrapes", "jobs", "output MB", "render s", "µs/scrape", "x orjson", "x json"]
    head += ["orjson s", "json s", "peak MB", "peak/out", "RSS MB"]
    rows = []
    for r in results:
        rows.append(
            [
                f"{r['scrapes']:,}",
                f"{r['jobs']:,}",
                f"{r['bytes'] / 1e6:.2f}",
                f"{r['render_s']:.3f}",
                f"{r['render_s'] / r['scrapes'] * 1e6:.1f}",
                f"{r['render_s'] / r['orjson_s']:.1f}",
                f"{r['render_s'] / r['json_s']:.2f}",
                f"{r['orjson_s']:.3f}",
                f"{r['json_s']:.3f}",
                f"{r['render_peak_mb']:.1f}",
                f"{r['render_peak_mb'] * 1e6 / r['bytes']:.2f}",
                f"{r['rss_mb']:.0f}",
            ]
        )
    lines = ["In-process render (validated models -> config text), best of --repeat:"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    lines += [_row(head, widths), *(_row(row, widths) for row in rows)]

    if any("cli_s" in r for r in results):
        head = ["scrapes", "input MB", "load s", "CLI CPU s", "CLI wall s", "python start CPU s"]
        head += ["µs/scrape", "CLI RSS MB", "RSS/out", "same text"]
        rows = [
            [
                f"{r['scrapes']:,}",
                f"{r['input_bytes'] / 1e6:.2f}",
                f"{r['load_s']:.3f}",
                f"{r['cli_cpu_s']:.3f}",
                f"{r['cli_s']:.3f}",
                f"{r['python_cpu_s']:.3f}",
                f"{r['cli_cpu_s'] / r['scrapes'] * 1e6:.1f}",
                f"{r['cli_rss_mb']:.0f}",
                f"{r['cli_rss_mb'] * 2**20 / r['bytes']:.2f}",
                "yes" if r["cli_sha256"] == r["sha256"] else "NO",
            ]
            for r in results
            if "cli_s" in r
        ]
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
        lines += [
            "",
            "CLI end to end (`vmscrape render FILE > out`, best CPU of --repeat; "
            "load = read + parse + validate):",
        ]
        lines += [_row(head, widths), *(_row(row, widths) for row in rows)]

        head = ["scrapes", "render CPU s", "validate CPU s", "x render", "select CPU s", "x render"]
        head += ["diff CPU s", "x render"]
        rows = []
        for r in results:
            if "cli_s" not in r:
                continue
            row = [f"{r['scrapes']:,}", f"{r['cli_cpu_s']:.3f}"]
            for name in ("validate", "select", "diff"):
                row += [f"{r[name + '_cpu_s']:.3f}", f"{r[name + '_cpu_s'] / r['cli_cpu_s']:.2f}"]
            rows.append(row)
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
        lines += ["", "The other commands on the same input (diff: against a copy with one scrape renamed):"]
        lines += [_row(head, widths), *(_row(row, widths) for row in rows)]

    names = list(dict.fromkeys(name for r in results for name in r.get("loaders", {})))
    if names:
        sizes = [r for r in results if "loaders" in r]
        head = ["YAML reader (CPU s, GC paused)", *(f"{r['scrapes']:,}" for r in sizes)]
        rows = [[name, *(f"{r['loaders'].get(name, float('nan')):.3f}" for r in sizes)] for name in names]
        widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
        lines += ["", "Reading the input, side by side (same text, same process):"]
        lines += [
            "  ".join(
                [head[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(head[1:], widths[1:], strict=True)]
            ),
        ]
        lines += [
            "  ".join(
                [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
            )
            for row in rows
        ]

    by_size = {r["scrapes"]: r for r in results}
    if 10_000 in by_size and 100_000 in by_size:
        small, big = by_size[10_000], by_size[100_000]
        lines += [
            "",
            "100,000 vs 10,000 (10x the work): "
            f"render {big['render_s'] / small['render_s']:.1f}x, "
            f"render peak {big['render_peak_mb'] / small['render_peak_mb']:.1f}x, "
            f"output {big['bytes'] / small['bytes']:.1f}x"
            + (
                f", CLI CPU {big['cli_cpu_s'] / small['cli_cpu_s']:.1f}x"
                if "cli_s" in big and "cli_s" in small
                else ""
            ),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of VMServiceScrapes (default: %(default)s)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept (default: 3)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI end-to-end run")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--input-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker is not None:
        # Big sizes run once: a single render of 100,000 scrapes is already several seconds.
        repeat = args.repeat if args.worker < 100_000 else 1
        print(json.dumps(measure(args.worker, repeat, Path(args.input_file))))
        return 0

    results = []
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        print(f"... {n:,} scrapes", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            input_file = Path(tmp) / "scrapes.yaml"
            cmd = [sys.executable, __file__, "--worker", str(n), "--repeat", str(args.repeat)]
            done = subprocess.run(
                [*cmd, "--input-file", str(input_file)], capture_output=True, text=True, cwd=ROOT
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if not args.no_cli:
                result.update(run_cli(input_file, args.repeat if n < 100_000 else 1))
        results.append(result)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(report(results))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
