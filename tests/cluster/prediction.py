"""Compare the operator's own config Secret with ``vmscrape render`` of the cluster's objects.

:func:`compare` applies the objects of one test (namespaces, Secrets/ConfigMaps, VMServiceScrapes, then
the VMAgent), reads back every VMServiceScrape, Secret, ConfigMap and Namespace the API server holds
(what the operator sees), runs ``vmscrape render --reveal-secrets --strict-refs`` on them as a user
would, and waits for the operator's Secret ``vmagent-<name>`` to equal that prediction. :func:`cleanup`
deletes what a test applied (there is no garbage collector: the config Secret is deleted by hand).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.cluster import ApiRefused, _call, apply, apply_manifests, object_path, operator_config

#: What was compared against the operator, printed at the end of the run (tests/cluster/conftest.py).
TALLY: Counter[str] = Counter()
#: Secret layouts (bucket counts and sizes) seen live and predicted (tests/cluster/test_buckets.py).
LAYOUTS: list[str] = []
DIFFERENCES: list[str] = []

_LISTS = {
    "VMServiceScrape": "/apis/operator.victoriametrics.com/v1beta1/vmservicescrapes",
    "Secret": "/api/v1/secrets",
    "ConfigMap": "/api/v1/configmaps",
    "Namespace": "/api/v1/namespaces",
}
_KEEP_META = ("name", "namespace", "labels", "annotations")


def _as_applied(obj: Mapping[str, Any], kind: str, api_version: str) -> dict[str, Any]:
    """An object read from the API server as a user's manifest: no status, no server-set metadata."""
    meta = obj.get("metadata") or {}
    out: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {k: meta[k] for k in _KEEP_META if meta.get(k)},
    }
    for key in ("spec", "data", "stringData", "type"):
        if key in obj and (kind != "Namespace" or key != "spec"):
            out[key] = obj[key]
    return out


def cluster_objects(api: Any) -> list[dict[str, Any]]:
    """Every object the prediction needs, as the API server holds it now."""
    objects = []
    for kind, path in _LISTS.items():
        listing = _call(api, "GET", path)
        api_version = listing.get("apiVersion", "v1")
        objects.extend(_as_applied(item, kind, api_version) for item in listing.get("items") or [])
    return objects


def predict(api: Any, agent: Mapping[str, Any], operator_env: Mapping[str, str], workdir: Path) -> str:
    """``vmscrape render`` of ``agent`` with the cluster's objects, as the CLI prints it."""
    from vmscrape_component.cli.__main__ import main

    path = workdir / "cluster-objects.yaml"
    path.write_text(yaml.safe_dump_all([dict(agent), *cluster_objects(api)], sort_keys=False))
    env = [f"--operator-env={k}={v}" for k, v in operator_env.items()]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["render", "--reveal-secrets", "--strict-refs", *env, str(path)])
    assert code == 0, f"vmscrape render refused the cluster's objects:\n{err.getvalue()}"
    return out.getvalue()


@dataclass
class Outcome:
    """One comparison: the prediction, the operator's Secret, and how many objects went in."""

    ours: str
    theirs: str
    scrapes: int

    @property
    def same(self) -> bool:
        return self.ours == self.theirs


def compare(
    api: Any,
    objects: Iterable[Mapping[str, Any]],
    agent: Mapping[str, Any],
    *,
    operator_env: Mapping[str, str],
    workdir: Path,
    label: str,
) -> Outcome:
    """Deploy ``objects`` then ``agent``; the operator's config against the prediction (counted in
    :data:`TALLY`, a difference recorded in :data:`DIFFERENCES`)."""
    objects = list(objects)
    apply_manifests(api, objects)
    apply(api, agent)
    meta = agent["metadata"]
    ours = predict(api, agent, operator_env, workdir)
    theirs = operator_config(api, meta["namespace"], meta["name"], expect=ours)
    if theirs != ours:  # the operator may still have been catching up with the objects: look again
        ours = predict(api, agent, operator_env, workdir)
        theirs = operator_config(api, meta["namespace"], meta["name"], expect=ours)
    scrapes = sum(1 for o in objects if o.get("kind") == "VMServiceScrape")
    TALLY["configs"] += 1
    TALLY["scrapes"] += scrapes
    TALLY["jobs"] += ours.count("\n- job_name: ")
    TALLY["bytes"] += len(theirs.encode())
    if theirs != ours:
        TALLY["differ"] += 1
        DIFFERENCES.append(label)
    return Outcome(ours, theirs, scrapes)


def cleanup(api: Any, objects: Iterable[Mapping[str, Any]], agent: Mapping[str, Any]) -> None:
    """Delete the agent (its finalizer is the operator's), its config Secret and the test's objects;
    Namespaces stay (without a controller-manager they would never finish terminating)."""
    meta = agent["metadata"]
    _delete(api, object_path(agent))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _exists(api, object_path(agent)):
        time.sleep(0.2)
    _delete(api, f"/api/v1/namespaces/{meta['namespace']}/secrets/vmagent-{meta['name']}")
    for obj in objects:
        if obj.get("kind") != "Namespace":
            _delete(api, object_path(obj))


def _delete(api: Any, path: str) -> None:
    with contextlib.suppress(ApiRefused):
        _call(api, "DELETE", path)


def _exists(api: Any, path: str) -> bool:
    try:
        _call(api, "GET", path)
    except ApiRefused:
        return False
    return True


def diff(outcome: Outcome) -> str:
    import difflib

    lines = difflib.unified_diff(
        outcome.theirs.splitlines(),
        outcome.ours.splitlines(),
        "operator Secret",
        "vmscrape render",
        lineterm="",
    )
    return "\n".join(list(lines)[:60])
