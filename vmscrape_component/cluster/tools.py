"""Where the parts of the local control plane are: etcd, kube-apiserver, kube-controller-manager, the
operator and its CRDs.

``scripts/install-kube`` puts them in the vmscrape cache (:func:`vmscrape_component.paths.cache_dir`); an
etcd, kube-apiserver or kube-controller-manager on ``PATH`` is used first, as the script does.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..kubeclient import LIVE_EXTRA
from ..paths import cache_dir

#: The versions ``scripts/install-kube`` pins (kept in step with it).
KUBE_VERSION = "v1.37.2"
OPERATOR_VERSION = "v0.74.1"
INSTALL_COMMAND = "scripts/install-kube"


class ToolsMissing(RuntimeError):
    """A part of the control plane is not installed; the message says which and how to install it."""


@dataclass(frozen=True)
class ControlPlaneTools:
    """Absolute paths of the binaries and the operator's CRD bundle."""

    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    operator: Path
    operator_crds: Path


def _on_path(name: str) -> Path | None:
    found = shutil.which(name)
    return Path(found).resolve() if found else None


def find_tools() -> ControlPlaneTools:
    """The installed parts, or :class:`ToolsMissing` naming every missing one (the Python package
    ``kubernetes``, which the control plane is set up with, first)."""
    if importlib.util.find_spec("kubernetes") is None:
        raise ToolsMissing(f"the local control plane needs the kubernetes package: {LIVE_EXTRA}")
    cache = cache_dir()
    operator_dir = cache / f"vm-operator-{OPERATOR_VERSION}"
    candidates: dict[str, list[Path | None]] = {
        "etcd": [_on_path("etcd"), cache / "bin" / "etcd"],
        "kube-apiserver": [_on_path("kube-apiserver"), cache / "bin" / "kube-apiserver"],
        "kube-controller-manager": [
            _on_path("kube-controller-manager"),
            cache / "bin" / "kube-controller-manager",
        ],
        "vm-operator": [operator_dir / "vm-operator"],
        "the operator's CRD bundle": [operator_dir / "crds.yaml"],
    }
    found: dict[str, Path] = {}
    missing: list[str] = []
    for what, paths in candidates.items():
        hit = next((p for p in paths if p is not None and p.is_file()), None)
        if hit is None:
            missing.append(what)
        else:
            found[what] = hit
    if missing:
        raise ToolsMissing(f"{', '.join(missing)} not installed in {cache}: run {INSTALL_COMMAND}")
    return ControlPlaneTools(
        etcd=found["etcd"],
        kube_apiserver=found["kube-apiserver"],
        kube_controller_manager=found["kube-controller-manager"],
        operator=found["vm-operator"],
        operator_crds=found["the operator's CRD bundle"],
    )
