"""Where vmscrape keeps files outside its inputs, each decided once; nothing here assumes a repository
checkout (the package may be installed from a wheel into any site-packages).

- The **tool cache** (``vmagent``, ``pulumi``, the local control plane's binaries): ``$VMSCRAPE_CACHE``
  when set and not empty, else ``~/.cache/vmscrape``. The install scripts (``scripts/lib/gobuild.sh``,
  ``scripts/install-vmagent``), the Makefile (``CACHE``), :mod:`.cluster.tools` and
  :mod:`.component.runner` all follow this rule (``tests/unit/test_paths.py`` holds them to it).
- The **Pulumi project** ``vmscrape up|preview|destroy|cancel`` run: ``--program``, else the current
  directory (as ``pulumi up`` does); its **state** (a local file backend): ``--state-dir``, else
  ``.pulumi-state`` in the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["STATE_DIR_NAME", "cache_dir", "default_project_dir", "default_state_dir"]

#: The local file backend's directory name, in the directory vmscrape runs in.
STATE_DIR_NAME = ".pulumi-state"


def cache_dir() -> Path:
    """The tool cache: ``$VMSCRAPE_CACHE`` when set and not empty, else ``~/.cache/vmscrape``."""
    return Path(os.environ.get("VMSCRAPE_CACHE") or Path.home() / ".cache" / "vmscrape")


def default_project_dir() -> Path:
    """The Pulumi project run when none is named: the current directory."""
    return Path.cwd()


def default_state_dir() -> Path:
    """The local file backend used when none is named: ``.pulumi-state`` in the current directory."""
    return Path.cwd() / STATE_DIR_NAME
