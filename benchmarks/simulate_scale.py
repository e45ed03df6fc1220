"""How ``vmscrape explain`` scales, against the real vmagent reading the same cluster snapshot (issue 6).

Workload, for N Services (``--sizes``, default 1,000 and 10,000):

* a snapshot shaped like ``kubectl get namespaces,services,endpoints,endpointslices,pods -A -o yaml``: 50
  Namespaces; Service ``svc-i`` in ``ns-(i mod 50)`` (ports ``http`` 80 → ``http`` and ``metrics`` 9100),
  labelled ``monitoring: enabled`` except every 5th (``disabled``); 2 or 3 pods each (every 4th Service
  has one pod not ready, listed under ``notReadyAddresses`` / with ``ready: false``; every 7th has a
  ``canary: "true"`` pod) with an ``app`` container (``http`` 8080) and an ``exporter`` sidecar
  (``metrics`` 9100, and ``admin`` 9901, which no Service port names: an extra target per pod); one
  Endpoints and one EndpointSlice per Service. Every pod IP is in 127.0.0.0/8 (127.1.0.1 up).
* one VMServiceScrape per namespace selecting ``monitoring: enabled`` with two endpoints, ``port: http``
  (relabeling: copy the pod's ``version`` label) and ``targetPort: 9100`` (relabeling: drop canary pods);
  even namespaces use discovery role ``endpoints``, odd ones ``endpointslice``; interval 1h.

Measured per size, each in a fresh subprocess (so peak RSS is that size's own):

* **snapshot formats**: the same objects are written as ``kubectl ... -o yaml`` and ``-o json`` print them;
  explain and the CLI are measured on each (rows ``YAML`` and ``JSON`` of the CPU table).
* **explain**: in process, ``load_snapshot(FILE)`` + ``explain(scrapes, snapshot)``: wall time from
  reading the snapshot file to the result (the manifests are loaded before the clock starts; they are
  50 small documents), and the process's peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``: it also
  holds the interpreter and the imports).
* **CLI**: ``vmscrape explain MANIFESTS --snapshot FILE -o json > /dev/null`` end to end (start-up, both
  loads, explain, JSON output), wall time and the child's peak RSS (``ru_maxrss`` from ``os.wait4``).
* **vmagent** (the baseline, v1.150.0 from ``scripts/install-vmagent``): the rendered config with every
  ``kubernetes_sd_configs`` pointed at ``tests/e2e/fake_apiserver.py`` serving the same snapshot (loaded
  before the clock starts; its handler gets ``TCP_NODELAY``, else each list answer waits ~40 ms for a
  delayed ACK). Settle time = from starting vmagent until its active-target count
  (``vm_promscrape_active_scrapers{type="kubernetes_sd_configs"}`` on ``/metrics``, polled every 0.1 s)
  reaches the value it then keeps for ``--stable`` seconds; the counts compared are then read once from
  ``/api/v1/targets`` (polling that page, many MB at 10,000, would load vmagent itself). "API lists s" is
  the sum of the list durations vmagent logs: time spent waiting on the Python fake server, which is
  part of vmagent's settle time. Peak RSS = ``VmHWM`` from ``/proc/PID/status``, read before that page
  is fetched. Flags as in ``tests/e2e/test_explain_vs_vmagent.py``:
  ``-promscrape.kubernetesSDCheckInterval=1s`` (the default, 30s, would dominate: vmagent picks up
  discovered targets on that tick), ``-promscrape.maxDroppedTargets`` raised so every dropped target is
  listed.

explain's active targets must equal vmagent's: both counts are printed, and the (job, scrape URL, labels)
sets are compared by hash; a mismatch is reported, not hidden. Dropped counts are printed side by side.

Safety: the API server and vmagent listen on 127.0.0.1 only; every target address is a pod IP in
127.0.0.0/8, so any scrape stays on loopback; the 1h interval means vmagent scrapes almost none of them
while it is measured; remote write goes to 127.0.0.1:1 (refused). vmagent is stopped by PID, every
wait is bounded.

Usage::

    .venv/bin/python benchmarks/simulate_scale.py [--sizes 1000,10000] [--stable 5] [--profile] [--json]

``--profile`` prints a pyinstrument profile of the in-process explain (``pip install pyinstrument``).
The default sizes take 3.5 minutes on an idle 2-core machine (10,000: a 41 MB snapshot, written in ~40 s;
explain and the CLI spend most of their time parsing it as YAML). Timings are
wall-clock (the 1-minute load average is printed with them); never assert on them in tests.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = (1000, 10_000)
NAMESPACES = 50
INTERVAL = "1h"
SETTLE_TIMEOUT = 300.0
POLL = 0.1
SD_CHECK_INTERVAL = "1s"
#: vmagent's log line for one list request answered by the API server (and parsed).
_RELOADED = re.compile(r"reloaded \d+ objects from \"[^\"]*\" in ([0-9.]+)s")
ACTIVE_GAUGE = 'vm_promscrape_active_scrapers{type="kubernetes_sd_configs"}'


# -- workload ------------------------------------------------------------------------------------------------


def _namespace(i: int) -> str:
    return f"ns-{i % NAMESPACES:02d}"


def _pod_ip(k: int) -> str:
    k += 1
    return f"127.{1 + k // 65536}.{(k // 256) % 256}.{k % 256}"


def _slice_suffix(i: int) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    out = ""
    for _ in range(5):
        i, r = divmod(i * 7 + 3, len(alphabet))
        out += alphabet[r]
    return out


def _endpoint_ports() -> list[dict[str, Any]]:
    # A fresh list each time: a shared one would be written as a YAML anchor, which kubectl never emits.
    return [
        {"name": "http", "port": 8080, "protocol": "TCP"},
        {"name": "metrics", "port": 9100, "protocol": "TCP"},
    ]


def _address(pod: dict[str, Any], namespace: str) -> dict[str, Any]:
    return {
        "ip": pod["ip"],
        "nodeName": pod["node"],
        "targetRef": {"kind": "Pod", "name": pod["name"], "namespace": namespace},
    }


def snapshot_objects(n: int) -> list[dict[str, Any]]:
    """The cluster of the module docstring, as a list of Kubernetes objects."""
    items: list[dict[str, Any]] = []
    for k in range(min(n, NAMESPACES)):
        name = _namespace(k)
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": name,
                    "labels": {"kubernetes.io/metadata.name": name, "team": f"team-{k % 7}"},
                },
            }
        )
    pod_index = 0
    for i in range(n):
        ns, svc = _namespace(i), f"svc-{i}"
        monitored = "disabled" if i % 5 == 0 else "enabled"
        pods = []
        for j in range(2 + i % 2):
            pods.append(
                {
                    "name": f"{svc}-7d9f8b-{j}",
                    "ip": _pod_ip(pod_index),
                    "ready": not (i % 4 == 0 and j == 1),
                    "canary": i % 7 == 0 and j == 2,
                    "node": f"node-{pod_index % 20}",
                }
            )
            pod_index += 1
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": svc,
                    "namespace": ns,
                    "labels": {"app": svc, "monitoring": monitored},
                    "uid": f"svc-uid-{i}",
                },
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": f"127.200.{(i // 256) % 256}.{i % 256}",
                    "selector": {"app": svc},
                    "ports": [
                        {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"},
                        {"name": "metrics", "port": 9100, "protocol": "TCP", "targetPort": 9100},
                    ],
                },
            }
        )
        for p in pods:
            labels = {"app": svc, "pod-template-hash": "7d9f8b", "version": f"v{i % 3}"}
            if p["canary"]:
                labels["canary"] = "true"
            items.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": p["name"],
                        "namespace": ns,
                        "labels": labels,
                        "uid": f"pod-uid-{p['name']}",
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "ReplicaSet",
                                "name": f"{svc}-7d9f8b",
                                "controller": True,
                                "uid": f"rs-uid-{i}",
                            }
                        ],
                    },
                    "spec": {
                        "nodeName": p["node"],
                        "containers": [
                            {
                                "name": "app",
                                "image": "registry.example/app:1.0",
                                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            },
                            {
                                "name": "exporter",
                                "image": "registry.example/exporter:2.1",
                                "ports": [
                                    {"name": "metrics", "containerPort": 9100, "protocol": "TCP"},
                                    {"name": "admin", "containerPort": 9901, "protocol": "TCP"},
                                ],
                            },
                        ],
                    },
                    "status": {
                        "phase": "Running",
                        "podIP": p["ip"],
                        "hostIP": f"127.250.0.{1 + int(str(p['node']).split('-')[1])}",
                        "conditions": [{"type": "Ready", "status": "True" if p["ready"] else "False"}],
                    },
                }
            )

        subset: dict[str, Any] = {"addresses": [_address(p, ns) for p in pods if p["ready"]]}
        not_ready = [_address(p, ns) for p in pods if not p["ready"]]
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subset["ports"] = _endpoint_ports()
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": svc, "namespace": ns, "labels": {"app": svc}},
                "subsets": [subset],
            }
        )
        items.append(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": f"{svc}-{_slice_suffix(i)}",
                    "namespace": ns,
                    "labels": {"app": svc, "kubernetes.io/service-name": svc},
                },
                "addressType": "IPv4",
                "endpoints": [
                    {
                        "addresses": [p["ip"]],
                        "conditions": {"ready": p["ready"], "serving": p["ready"], "terminating": False},
                        "nodeName": p["node"],
                        "targetRef": {"kind": "Pod", "name": p["name"], "namespace": ns},
                    }
                    for p in pods
                ],
                "ports": _endpoint_ports(),
            }
        )
    return items


def scrape_manifests(n: int) -> list[dict[str, Any]]:
    """One VMServiceScrape per namespace (see the module docstring)."""
    out = []
    for ns in range(min(n, NAMESPACES)):
        out.append(
            {
                "apiVersion": "operator.victoriametrics.com/v1beta1",
                "kind": "VMServiceScrape",
                "metadata": {"name": "monitored", "namespace": _namespace(ns)},
                "spec": {
                    "discoveryRole": "endpoints" if ns % 2 == 0 else "endpointslice",
                    "selector": {"matchLabels": {"monitoring": "enabled"}},
                    "endpoints": [
                        {
                            "port": "http",
                            "interval": INTERVAL,
                            "relabelConfigs": [
                                {
                                    "sourceLabels": ["__meta_kubernetes_pod_label_version"],
                                    "targetLabel": "version",
                                }
                            ],
                        },
                        {
                            "targetPort": 9100,
                            "interval": INTERVAL,
                            "relabelConfigs": [
                                {
                                    "action": "drop",
                                    "sourceLabels": ["__meta_kubernetes_pod_label_canary"],
                                    "regex": "true",
                                }
                            ],
                        },
                    ],
                },
            }
        )
    return out


def write_inputs(n: int, directory: Path) -> tuple[Path, Path]:
    """``snapshot.yaml`` and ``snapshot.json`` (one ``List``, as ``kubectl get -o yaml`` / ``-o json`` write
    it) and ``scrapes.yaml`` for size ``n``."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    snapshot = directory / "snapshot.yaml"
    items = snapshot_objects(n)
    with snapshot.open("w", encoding="utf-8") as f:
        f.write('apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: ""\nitems:\n')
        for i in range(0, len(items), 500):  # in chunks: one dump of everything needs GBs at 10,000
            f.write(yaml.dump(items[i : i + 500], Dumper=dumper, sort_keys=False))
    with (directory / "snapshot.json").open("w", encoding="utf-8") as f:
        json.dump(
            {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items},
            f,
            indent=4,
        )
    manifests = directory / "scrapes.yaml"
    manifests.write_text(
        yaml.dump_all(scrape_manifests(n), Dumper=dumper, sort_keys=False, explicit_start=True),
        encoding="utf-8",
    )
    return snapshot, manifests


# -- measurements (each in its own process) ------------------------------------------------------------------


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_explain(snapshot_path: Path, manifests_path: Path, profile: bool = False) -> dict[str, Any]:
    from vmscrape_component.manifests import load_manifests
    from vmscrape_component.simulate import explain, load_snapshot

    scrapes = load_manifests([manifests_path]).scrapes
    profiler = None
    if profile:
        from pyinstrument import Profiler  # pip install pyinstrument

        profiler = Profiler(interval=0.005)
        profiler.start()
    cpu = time.process_time()
    start = time.perf_counter()
    snapshot = load_snapshot(snapshot_path)
    loaded = time.perf_counter()
    load_cpu = time.process_time() - cpu
    result = explain(scrapes, snapshot)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False), file=sys.stderr)
    return {
        "explain_s": done - start,
        "explain_cpu_s": cpu,
        "load_s": loaded - start,
        "load_cpu_s": load_cpu,
        "services": len(snapshot.services),
        "pods": len(snapshot.pods),
        "jobs": len(result.jobs),
        "discovered": sum(len(j.targets) for j in result.jobs),
        "active": sum(len(j.active) for j in result.jobs),
        "dropped": sum(len(j.dropped) for j in result.jobs),
        "rss_mb": _rss_mb(),
        "digest": _targets_digest(
            [(j.job_name, t.scrape_url, t.labels) for j in result.jobs for t in j.active]
        ),
    }


def measure_cli(snapshot_path: Path, manifests_path: Path) -> dict[str, Any]:
    cli = ROOT / ".venv" / "bin" / "vmscrape"
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "vmscrape_component.cli"]
    command += ["explain", str(manifests_path), "--snapshot", str(snapshot_path), "-o", "json"]
    with open(os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {proc.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"cli_s": elapsed, "cli_cpu_s": cpu, "cli_rss_mb": usage.ru_maxrss / 1024}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _targets_digest(rows: list[tuple[str, str, dict[str, str]]]) -> str:
    """One hash of a set of active targets: (job, scrape URL, labels), order-free."""
    lines = sorted(json.dumps([job, url, sorted(labels.items())]) for job, url, labels in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _get(port: int, path: str, timeout: float = 5) -> bytes | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return bytes(response.read())
    except OSError:
        return None


def _metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a running process has used (``/proc/PID/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(port: int, proc: subprocess.Popen[bytes], start: float, stable_s: float) -> dict[str, Any]:
    """Poll vmagent's active-target gauge until it has kept one non-zero value for ``stable_s``."""
    value: float | None = None
    since = changed = start
    cpu = api_cpu = 0.0
    api_start = time.process_time()  # this process answers vmagent's list requests (the fake API server)
    timeline: list[tuple[float, int]] = []
    while time.perf_counter() < start + SETTLE_TIMEOUT:
        if proc.poll() is not None:
            raise RuntimeError(f"vmagent exited early with {proc.returncode}")
        body = _get(port, "/metrics")
        now = time.perf_counter()
        current = _metric(body.decode(), ACTIVE_GAUGE) if body is not None else None
        if current is not None and current != value:
            value, since, changed = current, now, now
            cpu, api_cpu = _cpu_s(proc.pid), time.process_time() - api_start
            timeline.append((round(now - start, 2), int(current)))
        elif value and now - changed >= stable_s:
            return {
                "settle_s": since - start,
                "settle_cpu_s": cpu,
                "api_cpu_s": api_cpu,
                "timeline": timeline,
            }
        time.sleep(POLL)
    raise RuntimeError(f"vmagent's targets did not settle within {SETTLE_TIMEOUT}s: {timeline[-5:]}")


def _assert_loopback(snapshot: Any, config: Any) -> None:
    """Refuse to start vmagent unless every address it could scrape is in 127.0.0.0/8."""
    addresses = [str((p.get("status") or {}).get("podIP") or "") for p in snapshot.pods.values()]
    for eps in snapshot.endpoints.values():
        for subset in eps.get("subsets") or ():
            for kind in ("addresses", "notReadyAddresses"):
                addresses += [str(a.get("ip") or "") for a in subset.get(kind) or ()]
    for eps in snapshot.endpointslices.values():
        for endpoint in eps.get("endpoints") or ():
            addresses += [str(a) for a in endpoint.get("addresses") or ()]
    bad = [a for a in addresses if not ipaddress.ip_address(a).is_loopback]
    roles = {sd.get("role") for job in config.jobs for sd in job.get("kubernetes_sd_configs") or ()}
    if bad or not roles <= {"endpoints", "endpointslice", "endpointslices"}:
        raise RuntimeError(f"not loopback-only: addresses {bad[:5]}, roles {sorted(map(str, roles))}")


def measure_vmagent(snapshot_path: Path, manifests_path: Path, stable_s: float) -> dict[str, Any]:
    from tests.e2e.fake_apiserver import FakeAPIServer
    from vmscrape_component.manifests import load_manifests
    from vmscrape_component.render import config_yaml, render_config
    from vmscrape_component.simulate import load_snapshot

    binary = (
        subprocess.run(
            [str(ROOT / "scripts" / "install-vmagent")], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    from vmscrape_component.bulk import gc_paused

    with gc_paused():  # set-up, not measured
        snapshot = load_snapshot(snapshot_path)
    config = render_config(load_manifests([manifests_path]).scrapes)
    _assert_loopback(snapshot, config)
    api = FakeAPIServer(snapshot)
    # http.server writes headers and body separately; with Nagle's algorithm on, every list answer waits
    # for a delayed ACK (~40 ms), and vmagent lists one (namespace, kind) after the other.
    api._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    out: dict[str, Any] = {"vmagent": binary}
    with tempfile.TemporaryDirectory(prefix="vmagent-bench-") as tmp, api:
        work = Path(tmp)
        for job in config.jobs:
            for sd in job["kubernetes_sd_configs"]:
                sd["api_server"] = api.url
        (work / "scrape.yaml").write_text(config_yaml(config))
        port = _free_port()
        log = (work / "vmagent.log").open("wb")
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                binary,
                f"-promscrape.config={work / 'scrape.yaml'}",
                f"-httpListenAddr=127.0.0.1:{port}",
                "-remoteWrite.url=http://127.0.0.1:1/api/v1/write",
                f"-remoteWrite.tmpDataPath={work / 'rw'}",
                f"-promscrape.kubernetesSDCheckInterval={SD_CHECK_INTERVAL}",
                "-promscrape.maxDroppedTargets=100000000",
                "-promscrape.suppressDuplicateScrapeTargetErrors",
                "-loggerLevel=INFO",  # for the "reloaded N objects ... in Xs" lines
            ],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            out.update(_settle(port, proc, start, stable_s))
            out["vmagent_rss_mb"] = _hwm_mb(proc.pid)
            body = _get(port, "/api/v1/targets", timeout=120)
            if body is None:
                raise RuntimeError("vmagent's /api/v1/targets did not answer")
            data = json.loads(body)["data"]
            out["vmagent_rss_after_targets_page_mb"] = _hwm_mb(proc.pid)
            metrics = (_get(port, "/metrics") or b"").decode()
            out["vmagent_scrapes"] = _metric(metrics, "vm_promscrape_scrape_requests_total")
        finally:
            _stop(proc)
            log.close()
        out["api_list_s"] = sum(
            float(m.group(1)) for m in _RELOADED.finditer((work / "vmagent.log").read_text(errors="replace"))
        )
    active = data.get("activeTargets") or []
    out["vmagent_active"], out["vmagent_dropped"] = len(active), len(data.get("droppedTargets") or ())
    out["vmagent_digest"] = _targets_digest([(t["scrapePool"], t["scrapeUrl"], t["labels"]) for t in active])
    out["api_requests"] = len(api.requests)
    return out


# -- driver --------------------------------------------------------------------------------------------------


def _worker(args: argparse.Namespace) -> dict[str, Any]:
    what, directory = args.worker[0], Path(args.worker[1])
    snapshot, manifests = directory / "snapshot.yaml", directory / "scrapes.yaml"
    as_json = directory / "snapshot.json"
    if what == "explain":
        return measure_explain(snapshot, manifests, profile=args.profile)
    if what == "explain-json":
        return {f"json_{k}": v for k, v in measure_explain(as_json, manifests, profile=args.profile).items()}
    if what == "cli":
        return measure_cli(snapshot, manifests)
    if what == "cli-json":
        return {f"json_{k}": v for k, v in measure_cli(as_json, manifests).items()}
    return measure_vmagent(snapshot, manifests, args.stable)


def _run_worker(what: str, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--worker", what, str(directory), "--stable", str(args.stable)]
    if args.profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=SETTLE_TIMEOUT + 1200)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"worker {what} failed (exit {done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(n: int, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="simulate-scale-") as tmp:
        directory = Path(tmp)
        print(f"... {n:,} services: writing the snapshot", file=sys.stderr, flush=True)
        snapshot, _ = write_inputs(n, directory)
        result: dict[str, Any] = {"n": n, "snapshot_mb": snapshot.stat().st_size / 1e6, "load_avg": []}
        for what in ("explain", "explain-json", "cli", "cli-json", "vmagent"):
            print(f"... {n:,} services: {what}", file=sys.stderr, flush=True)
            result["load_avg"].append(round(os.getloadavg()[0], 1))
            result.update(_run_worker(what, directory, args))
    return result


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    return ["  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) for cells in (head, *rows)]


def report(results: list[dict[str, Any]]) -> str:
    lines = ["Targets (explain = vmscrape's simulation, vmagent = /api/v1/targets once settled):"]
    head = ["N", "services", "pods", "snapshot MB", "jobs", "discovered"]
    head += ["active explain", "active vmagent", "dropped explain", "dropped vmagent", "same active set"]
    rows = [
        [
            f"{r['n']:,}",
            f"{r['services']:,}",
            f"{r['pods']:,}",
            f"{r['snapshot_mb']:.1f}",
            f"{r['jobs']}",
            f"{r['discovered']:,}",
            f"{r['active']:,}",
            f"{r['vmagent_active']:,}",
            f"{r['dropped']:,}",
            f"{r['vmagent_dropped']:,}",
            "yes" if r["digest"] == r["vmagent_digest"] == r["json_digest"] else "NO",
        ]
        for r in results
    ]
    lines += _table(head, rows)
    lines += ["", "Time (wall, s) and peak memory (MB):"]
    head = ["N", "explain s", "(YAML load s)", "explain CPU s", "CLI s", "vmagent settle s", "(API lists s)"]
    head += ["explain/vmagent", "CLI/vmagent", "explain RSS", "CLI RSS", "vmagent HWM", "load avg"]
    rows = [
        [
            f"{r['n']:,}",
            f"{r['explain_s']:.2f}",
            f"{r['load_s']:.2f}",
            f"{r['explain_cpu_s']:.2f}",
            f"{r['cli_s']:.2f}",
            f"{r['settle_s']:.2f}",
            f"{r['api_list_s']:.2f}",
            f"{r['explain_s'] / r['settle_s']:.1f}x",
            f"{r['cli_s'] / r['settle_s']:.1f}x",
            f"{r['rss_mb']:.0f}",
            f"{r['cli_rss_mb']:.0f}",
            f"{r['vmagent_rss_mb']:.0f}",
            "/".join(str(x) for x in r["load_avg"]),
        ]
        for r in results
    ]
    lines += _table(head, rows)
    lines += ["", "CPU (s): a loaded machine stretches wall time, CPU time much less:"]
    head = ["N", "snapshot", "explain CPU s", "(load CPU s)", "CLI CPU s", "vmagent CPU to settle s"]
    head += [
        "API server CPU s",
        "explain CPU/vmagent settle",
        "explain CPU/vmagent CPU",
        "CLI CPU/vmagent CPU",
    ]
    rows = []
    for r in results:
        for label, p in (("YAML", ""), ("JSON", "json_")):
            rows.append(
                [
                    f"{r['n']:,}",
                    label,
                    f"{r[p + 'explain_cpu_s']:.2f}",
                    f"{r[p + 'load_cpu_s']:.2f}",
                    f"{r[p + 'cli_cpu_s']:.2f}",
                    f"{r['settle_cpu_s']:.2f}",
                    f"{r['api_cpu_s']:.2f}",
                    f"{r[p + 'explain_cpu_s'] / r['settle_s']:.2f}x",
                    f"{r[p + 'explain_cpu_s'] / r['settle_cpu_s']:.2f}x",
                    f"{r[p + 'cli_cpu_s'] / r['settle_cpu_s']:.2f}x",
                ]
            )
    lines += _table(head, rows)
    lines.append("")
    for r in results:
        active = f"explain {r['active']:,}, vmagent {r['vmagent_active']:,}"
        if (
            r["active"] == r["vmagent_active"] == r["json_active"]
            and r["digest"] == r["vmagent_digest"] == r["json_digest"]
        ):
            lines.append(f"N={r['n']:,}: active targets equal ({active}; same jobs, URLs and labels)")
        else:
            lines.append(
                f"N={r['n']:,}: MISMATCH in active targets ({active}; "
                f"{'same' if r['digest'] == r['vmagent_digest'] else 'different'} (job, URL, labels) sets)"
            )
        if r["dropped"] != r["vmagent_dropped"]:
            lines.append(
                f"N={r['n']:,}: dropped targets differ: "
                f"explain {r['dropped']:,}, vmagent {r['vmagent_dropped']:,}"
            )
        lines.append(f"N={r['n']:,}: vmagent sent {r['vmagent_scrapes']:.0f} scrape requests while measured")
    lines += [
        "",
        "explain s: load_snapshot + explain() in one process (YAML load s: the load_snapshot part; CPU s: "
        "process time of both).",
        "snapshot: the same objects as `kubectl get -o yaml` (YAML) or `-o json` (JSON) prints them.",
        "CLI s: `vmscrape explain MANIFESTS --snapshot FILE -o json > /dev/null`, whole process (CPU: user + "
        "system from os.wait4).",
        "vmagent settle s: from starting vmagent "
        f"(-promscrape.kubernetesSDCheckInterval={SD_CHECK_INTERVAL}) until its active-target count stops "
        "changing;",
        "  API lists s: the list requests' durations vmagent logged (answered by the Python fake API "
        "server).",
        "RSS: ru_maxrss of the explain process / CLI process; vmagent HWM: VmHWM of /proc/PID/status.",
        "load avg: 1-minute load average before explain/CLI/vmagent ran (the timings are wall clock).",
        "vmagent CPU to settle: its user + system time (/proc/PID/stat) when the target count last changed; "
        "API server CPU: the measuring process's own CPU over the same span (the fake API server, polling).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of Services (default: %(default)s)",
    )
    parser.add_argument(
        "--stable",
        type=float,
        default=5.0,
        help="seconds vmagent's active-target count must stay unchanged to be settled (default: %(default)s)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a pyinstrument profile of explain (pip install pyinstrument)",
    )
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    parser.add_argument("--worker", nargs=2, metavar=("WHAT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(_worker(args)))
        return 0

    results = [measure(int(s), args) for s in args.sizes.split(",") if s.strip()]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, vmagent {results[0]['vmagent']}")
    print(report(results))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
