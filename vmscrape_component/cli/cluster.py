"""``vmscrape cluster up|down|status`` — the local control plane (etcd, kube-apiserver,
kube-controller-manager, the operator).

``up`` prints the kubeconfig and its context; point ``KUBECONFIG`` there (or
``pulumi config set vmscrape:kubeContext vmscrape-local`` with that ``KUBECONFIG``). Exit 1 when a
part cannot start or a tool is missing (the message names the log or the install command).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._options import env_pairs


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "cluster", help="start/stop a local Kubernetes API server with the VictoriaMetrics operator"
    )
    state_help = (
        "where the cluster keeps its state (default: $VMSCRAPE_CLUSTER_DIR, else "
        "vmscrape-cluster-<uid> in the temp directory)"
    )
    p.add_argument("--state-dir", type=Path, default=None, help=state_help)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser(
        "up", help="start etcd, kube-apiserver, kube-controller-manager and the operator (no-op if running)"
    )
    up.add_argument(
        "--operator-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment variable for the operator (e.g. WATCH_NAMESPACE=apps, "
        "VM_CONFIG_DATA_BUDGET_BYTES=8000); a name the operator does not read is refused; repeatable",
    )
    up.add_argument(
        "--crd",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="install the CRDs in FILE before the operator starts (e.g. prometheus-operator's ServiceMonitor "
        "CRD, so that the operator converts ServiceMonitors); repeatable",
    )
    down = actions.add_parser("down", help="stop every process by PID and delete the state directory")
    st = actions.add_parser("status", help="which processes run; exit 1 if any is not running")
    st.add_argument("--kubeconfig", action="store_true", help="print only the kubeconfig path")
    for action in (up, down, st):  # also accepted after the action
        action.add_argument("--state-dir", type=Path, default=argparse.SUPPRESS, help=state_help)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..cluster import ClusterError, ToolsMissing, start, status, stop

    try:
        if args.action == "up":
            for crd in args.crd:
                if not crd.is_file():
                    print(f"error: --crd {crd}: no such file", file=sys.stderr)
                    return 2
            env = env_pairs(args.operator_env, option="--operator-env")
            from ..settings import check_operator_env

            check_operator_env(env)  # names the operator does not read, or bad values, are refused
            cluster = start(args.state_dir, operator_env=env, extra_crds=args.crd)
            print(f"cluster up in {cluster.start_seconds:.1f} s: {cluster.server}")
            print(f"kubeconfig: {cluster.kubeconfig} (context {cluster.context})")
            print(f"  export KUBECONFIG={cluster.kubeconfig}")
            print(f"logs: {cluster.state_dir / 'logs'}")
            return 0
        if args.action == "down":
            stopped = stop(args.state_dir)
            print(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
            return 0
        recorded = status(args.state_dir)
        if recorded is None:
            print("no local cluster recorded", file=sys.stderr)
            return 1
        if args.kubeconfig:
            print(recorded.kubeconfig)
            return 0
        running = recorded.running()
        print(f"{recorded.server} (context {recorded.context}, kubeconfig {recorded.kubeconfig})")
        for name, alive in running.items():
            print(f"  {name}: {'running' if alive else 'NOT running'}")
        return 0 if all(running.values()) else 1
    except (ClusterError, ToolsMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
