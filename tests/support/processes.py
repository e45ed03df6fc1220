"""Run Python in a separate process with a chosen ``PYTHONHASHSEED`` (for determinism tests)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.reference import ROOT


def run_with_hash_seed(argv: list[str], seed: str, *, timeout: float = 120) -> bytes:
    """Standard output of ``argv`` run from the repository root with ``PYTHONHASHSEED=seed``; fails the
    test if the process fails."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def python_code_with_hash_seed(code: str, seed: str) -> str:
    """What ``python -c code`` prints with ``PYTHONHASHSEED=seed``."""
    return run_with_hash_seed([sys.executable, "-c", code], seed).decode()
