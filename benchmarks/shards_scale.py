"""How long ``vmscrape explain --shards`` takes, on the workload of ``simulate_scale.py`` (issue 22).

For each size (``--sizes``, default 10,000 Services: ~39,000 kept targets) it writes the snapshot and
the scrapes (``simulate_scale.write_inputs``) plus a VMAgent with ``shardCount: --shards`` (default 4),
then times, each as its own ``vmscrape`` process with output to /dev/null:

* ``explain -o json`` (the baseline: no shards);
* ``explain --shards -o json``;
* ``explain --shards --by job`` (text);

and prints the wall times, the shard view's extra cost over the baseline, and the split (targets per
shard, max/mean) from the JSON run. The real vmagents' agreement with the split is
``tests/e2e/test_shards_vs_vmagent.py``; timings are wall-clock on a shared machine (the load average is
printed) and never asserted on.

Usage::

    .venv/bin/python benchmarks/shards_scale.py [--sizes 10000] [--shards 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.simulate_scale import write_inputs  # noqa: E402

AGENT = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {{name: sharded, namespace: monitoring}}
spec:
  selectAllByDefault: true
  shardCount: {shards}
"""


def _run(argv: list[str], capture: bool = False) -> tuple[float, bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "vmscrape_component.cli", *argv],
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        check=True,
    )
    return time.perf_counter() - start, done.stdout or b""


def measure(n: int, shards: int, directory: Path) -> dict[str, object]:
    snapshot, scrapes = write_inputs(n, directory)
    agent = directory / "agent.yaml"
    agent.write_text(AGENT.format(shards=shards))
    base = ["explain", str(scrapes), str(agent), "--snapshot", str(snapshot)]
    plain, _ = _run([*base, "-o", "json"])
    with_shards, out = _run([*base, "--shards", "-o", "json"], capture=True)
    by_job, _ = _run([*base, "--shards", "--by", "job"])
    split = json.loads(out)["shards"]
    return {
        "services": n,
        "targets": len(split["targets"]),
        "shards": shards,
        "per_shard": [row["targets"] for row in split["per_shard"]],
        "balance": split["balance"],
        "explain_json_s": round(plain, 1),
        "explain_shards_json_s": round(with_shards, 1),
        "explain_shards_by_job_s": round(by_job, 1),
        "load_average": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000", help="comma-separated Service counts")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args(argv)
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="vmscrape-shards-") as tmp:
            result = measure(n, args.shards, Path(tmp))
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
