"""Start, inspect and stop the local control plane: etcd, kube-apiserver, kube-controller-manager (the
garbage collector and the namespace controller), the operator and the ready marker.

Everything binds to 127.0.0.1 on ports chosen free at start. The state directory holds the
credentials, the data of etcd, one log per process, the kubeconfig and ``state.json`` (ports, PIDs,
the operator's environment), which is what ``status`` and ``stop`` read.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import processes
from .pki import Credentials, make_credentials
from .processes import ClusterError, ProcessRecord
from .tools import ControlPlaneTools, find_tools

#: The kubeconfig context (and cluster/user names) of the local control plane.
CONTEXT = "vmscrape-local"
STATE_FILE = "state.json"
#: Seconds each part may take to become ready (generous: 2 cores shared with builds and tests).
TIMEOUTS = {
    "etcd": 30.0,
    "kube-apiserver": 120.0,
    "crds": 60.0,
    "kube-controller-manager": 90.0,
    "vm-operator": 90.0,
}
#: The controllers of kube-controller-manager that run: what makes deletion work as in a real cluster
#: (foreground/background cascading deletion, namespace finalization). Not the workload controllers:
#: no kubelet runs pods, and the ready marker stands in for their status (names from
#: cmd/kube-controller-manager/names/controller_names.go:51,53 of v1.37.2).
CONTROLLERS = ("garbage-collector-controller", "namespace-controller")
_SERVICE_IP_RANGE = "10.0.0.0/24"
_ISSUER = "https://kubernetes.default.svc.cluster.local"


def default_state_dir() -> Path:
    """``$VMSCRAPE_CLUSTER_DIR``, else ``vmscrape-cluster-<uid>`` in the system's temp directory."""
    configured = os.environ.get("VMSCRAPE_CLUSTER_DIR")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"vmscrape-cluster-{os.getuid()}"


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class LocalCluster:
    """A running (or recorded) local control plane, as read from its state directory."""

    state_dir: Path
    ports: dict[str, int]
    token: str
    processes: list[ProcessRecord] = field(default_factory=list)
    #: The operator's extra environment (``WATCH_NAMESPACE``, ``VM_…``), for predicting its output.
    operator_env: dict[str, str] = field(default_factory=dict)
    #: Seconds from start to "operator ready", as measured by :func:`start`.
    start_seconds: float = 0.0

    @property
    def kubeconfig(self) -> Path:
        """The kubeconfig with the ``vmscrape-local`` context (point ``KUBECONFIG`` here)."""
        return self.state_dir / "kubeconfig"

    @property
    def context(self) -> str:
        return CONTEXT

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self.ports['apiserver']}"

    @property
    def ca_cert(self) -> Path:
        return self.state_dir / "pki" / "ca.crt"

    def running(self) -> dict[str, bool]:
        """Each recorded process and whether it still runs."""
        return {p.name: processes.is_alive(p) for p in self.processes}

    def api_client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` for this cluster (the ``live`` extra)."""
        from ..kubeclient import api_client

        return api_client(str(self.kubeconfig), CONTEXT)

    def save(self) -> None:
        data = {
            "ports": self.ports,
            "token": self.token,
            "processes": [p.as_dict() for p in self.processes],
            "operator_env": self.operator_env,
            "start_seconds": self.start_seconds,
        }
        path = self.state_dir / STATE_FILE
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        path.chmod(0o600)

    @classmethod
    def load(cls, state_dir: Path) -> LocalCluster | None:
        """The cluster recorded in ``state_dir``, or None when nothing is recorded there."""
        path = state_dir / STATE_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(
            state_dir=state_dir,
            ports={k: int(v) for k, v in data["ports"].items()},
            token=data["token"],
            processes=[ProcessRecord.from_dict(p) for p in data["processes"]],
            operator_env=dict(data.get("operator_env") or {}),
            start_seconds=float(data.get("start_seconds") or 0.0),
        )


def _write_kubeconfig(path: Path, server: str, creds: Credentials, token: str | None = None) -> None:
    """A kubeconfig for ``server`` with context ``vmscrape-local``: the admin's, or another ``token``'s."""
    ca = base64.b64encode(creds.ca_cert.read_bytes()).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server, "certificate-authority-data": ca}}],
        "users": [{"name": CONTEXT, "user": {"token": token or creds.token}}],
        "contexts": [
            {"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": "default"}}
        ],
        "current-context": CONTEXT,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)


def _http_ok(url: str, *, context: ssl.SSLContext | None = None, token: str | None = None) -> bool:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=2, context=context) as response:
        return bool(response.status == 200)


def _base_env() -> dict[str, str]:
    # Not the caller's environment: a WATCH_NAMESPACE or VM_* of the user's shell would change the operator.
    keep = ("PATH", "HOME", "TMPDIR", "LANG")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _install_crds(cluster: LocalCluster, bundle: Path) -> int:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.ApiextensionsV1Api(cluster.api_client())
    names = []
    for doc in yaml.safe_load_all(bundle.read_text()):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        try:
            api.create_custom_resource_definition(doc)
        except ApiException as exc:
            if exc.status != 409:  # already there from an earlier start on the same etcd data
                raise
        names.append(doc["metadata"]["name"])

    def established() -> bool:
        established = set()
        for crd in api.list_custom_resource_definition().items:
            conditions = crd.status.conditions if crd.status else None
            if any(c.type == "Established" and c.status == "True" for c in conditions or ()):
                established.add(crd.metadata.name if crd.metadata else "")
        return established.issuperset(names)

    processes.wait_until(
        "the operator's CRDs to be established", established, record=None, timeout=TIMEOUTS["crds"]
    )
    return len(names)


def start(
    state_dir: Path | None = None,
    *,
    tools: ControlPlaneTools | None = None,
    operator_env: Mapping[str, str] | None = None,
    extra_crds: Sequence[Path] = (),
) -> LocalCluster:
    """Start etcd, kube-apiserver, the ready marker and the operator; return once all are ready.

    ``extra_crds``: files of further CRDs (e.g. prometheus-operator's ServiceMonitor CRD) installed and
    established before the operator starts, which decides at start-up which controllers it runs
    (internal/manager/manager.go:559-573 at v0.74.1: a converter runs only if its CRD is served then).

    A cluster already running in ``state_dir`` is returned as is; a stale record (processes gone) is
    cleared first. On any failure everything started so far is stopped and :class:`ClusterError`
    names the log file of the part that failed.
    """
    state_dir = Path(state_dir or default_state_dir()).absolute()
    existing = LocalCluster.load(state_dir)
    if existing is not None:
        if all(existing.running().values()):
            return existing
        stop(state_dir)
    tools = tools or find_tools()
    began = time.monotonic()
    state_dir.mkdir(parents=True, exist_ok=True)
    state_dir.chmod(0o700)
    logs = state_dir / "logs"
    logs.mkdir(exist_ok=True)
    creds = make_credentials(state_dir / "pki")
    names = (
        "etcd",
        "etcd-peer",
        "apiserver",
        "controller-manager",
        "operator-metrics",
        "operator-probe",
        "operator-pprof",
    )
    cluster = LocalCluster(
        state_dir=state_dir,
        ports=dict(zip(names, _free_ports(len(names)), strict=True)),
        token=creds.token,
        operator_env=dict(operator_env or {}),
    )
    _write_kubeconfig(cluster.kubeconfig, cluster.server, creds)
    try:
        _start_all(cluster, tools, creds, [Path(p) for p in extra_crds])
    except BaseException:
        cluster.save()
        stop(state_dir, remove=False)
        raise
    cluster.start_seconds = round(time.monotonic() - began, 2)
    cluster.save()
    return cluster


def _launch(cluster: LocalCluster, name: str, argv: list[str], env: Mapping[str, str]) -> ProcessRecord:
    record = processes.launch(name, argv, log=cluster.state_dir / "logs" / f"{name}.log", env=env,
                              cwd=cluster.state_dir)  # fmt: skip
    cluster.processes.append(record)
    cluster.save()  # recorded at once: a crash later still leaves every PID findable by `stop`
    return record


def _start_all(
    cluster: LocalCluster, tools: ControlPlaneTools, creds: Credentials, extra_crds: list[Path]
) -> None:
    ports, env = cluster.ports, _base_env()
    etcd_url = f"http://127.0.0.1:{ports['etcd']}"
    peer_url = f"http://127.0.0.1:{ports['etcd-peer']}"
    etcd = _launch(cluster, "etcd", [
        str(tools.etcd), "--name", "vmscrape", "--data-dir", str(cluster.state_dir / "etcd"),
        "--listen-client-urls", etcd_url, "--advertise-client-urls", etcd_url,
        "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
        "--initial-cluster", f"vmscrape={peer_url}", "--log-level", "warn",
    ], env)  # fmt: skip
    processes.wait_until("etcd /health", lambda: _http_ok(f"{etcd_url}/health"), record=etcd,
                         timeout=TIMEOUTS["etcd"])  # fmt: skip

    apiserver = _launch(cluster, "kube-apiserver", [
        str(tools.kube_apiserver),
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={ports['apiserver']}",
        f"--etcd-servers={etcd_url}",
        f"--tls-cert-file={creds.server_cert}", f"--tls-private-key-file={creds.server_key}",
        f"--token-auth-file={creds.token_file}", "--authorization-mode=RBAC",
        f"--service-account-key-file={creds.service_account_pub}",
        f"--service-account-signing-key-file={creds.service_account_key}",
        f"--service-account-issuer={_ISSUER}",
        f"--service-cluster-ip-range={_SERVICE_IP_RANGE}",
        # No kubelet or controller-manager: the `kubernetes` Service's endpoints would never be reconciled.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ], env)  # fmt: skip
    tls = ssl.create_default_context(cafile=str(creds.ca_cert))
    processes.wait_until(
        "kube-apiserver /readyz",
        lambda: _http_ok(f"{cluster.server}/readyz", context=tls, token=cluster.token),
        record=apiserver,
        timeout=TIMEOUTS["kube-apiserver"],
    )
    _install_crds(cluster, tools.operator_crds)
    for bundle in extra_crds:
        _install_crds(cluster, bundle)
    _start_controller_manager(cluster, tools, creds, env)

    _launch(cluster, "ready-marker", [
        sys.executable, "-m", "vmscrape_component.cluster.ready_marker", str(cluster.kubeconfig), CONTEXT,
    ], env)  # fmt: skip

    probe = f"127.0.0.1:{ports['operator-probe']}"
    operator = _launch(cluster, "vm-operator", [
        str(tools.operator),
        f"-metrics-bind-address=127.0.0.1:{ports['operator-metrics']}",
        f"-health-probe-bind-address={probe}",
        f"-pprof-addr=127.0.0.1:{ports['operator-pprof']}",
    ], {**env, **cluster.operator_env, "KUBECONFIG": str(cluster.kubeconfig)})  # fmt: skip
    processes.wait_until("the operator's /ready probe", lambda: _http_ok(f"http://{probe}/ready"),
                         record=operator, timeout=TIMEOUTS["vm-operator"])  # fmt: skip


def _start_controller_manager(
    cluster: LocalCluster, tools: ControlPlaneTools, creds: Credentials, env: Mapping[str, str]
) -> None:
    """kube-controller-manager with :data:`CONTROLLERS`, as user ``system:kube-controller-manager``.

    Its own kubeconfig (its own token): the API server's bootstrap RBAC gives that user what it needs to
    start controllers, and ``--use-service-account-credentials`` makes each controller act as its own
    service account (``kube-system/generic-garbage-collector``...) with its bootstrap role, as in a
    kubeadm cluster. It serves /healthz on a loopback port with a certificate it makes itself.
    """
    kubeconfig = cluster.state_dir / "controller-manager.kubeconfig"
    _write_kubeconfig(kubeconfig, cluster.server, creds, creds.controller_manager_token)
    port = cluster.ports["controller-manager"]
    record = _launch(cluster, "kube-controller-manager", [
        str(tools.kube_controller_manager),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
        f"--controllers={','.join(CONTROLLERS)}",
        "--use-service-account-credentials=true",
        "--leader-elect=false",
        "--bind-address=127.0.0.1", f"--secure-port={port}",
        f"--cert-dir={cluster.state_dir / 'controller-manager'}",
        "--profiling=false",
    ], env)  # fmt: skip
    # Its serving certificate is self-signed at start: the probe checks liveness, not identity.
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    processes.wait_until(
        "kube-controller-manager /healthz",
        lambda: _http_ok(f"https://127.0.0.1:{port}/healthz", context=unverified),
        record=record,
        timeout=TIMEOUTS["kube-controller-manager"],
    )


def status(state_dir: Path | None = None) -> LocalCluster | None:
    """The cluster recorded in ``state_dir`` (see :meth:`LocalCluster.running`), or None."""
    return LocalCluster.load(Path(state_dir or default_state_dir()).absolute())


def stop(state_dir: Path | None = None, *, remove: bool = True) -> list[str]:
    """Stop every recorded process (the operator first, etcd last) by PID; names of those stopped.

    ``remove``: also delete the state directory (credentials, etcd data, logs).
    """
    state_dir = Path(state_dir or default_state_dir()).absolute()
    cluster = LocalCluster.load(state_dir)
    stopped: list[str] = []
    if cluster is not None:
        for record in reversed(cluster.processes):
            if processes.is_alive(record):
                processes.stop(record)
                stopped.append(record.name)
        left = [p.name for p in cluster.processes if processes.is_alive(p)]
        if left:
            raise ClusterError(f"could not stop {', '.join(left)} (state kept in {state_dir})")
    if remove and state_dir.is_dir() and (cluster is not None or not any(state_dir.iterdir())):
        shutil.rmtree(state_dir)
    return stopped
