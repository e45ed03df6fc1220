"""Hostile input and output channels: every failure is one line on stderr and exit status 2.

Errors in a file read from a git revision name the user's own file (``REV:path/file.yaml:line:col``);
standard output to a full device, closed, or unable to encode the text; standard input closed; an
endless input file: one-line error, exit 2, never a traceback, never unbounded memory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vmscrape_component.cli.__main__ import main

ROOT = Path(__file__).resolve().parents[2]

WEB = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
"""


def _git(repo: Path, *argv: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *ident, *argv], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "a-web.yaml").write_text(WEB)
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "good")
    (deploy / "bad.yaml").write_text("kind: VMServiceScrape\n: [unclosed\n")
    (deploy / "invalid.yaml").write_text(WEB.replace("port: http", "port: 8080"))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "bad")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_errors_in_a_git_revision_name_the_users_file_and_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "HEAD~1:deploy", "HEAD:deploy"]) == 2
    err = capsys.readouterr().err
    assert "vmscrape-diff-" not in err and "/tmp" not in err
    lines = err.splitlines()
    assert any(line.startswith("error: HEAD:deploy/bad.yaml:2:1: not valid YAML") for line in lines), err
    assert any(
        line.startswith("error: HEAD:deploy/invalid.yaml#0 VMServiceScrape apps/web") for line in lines
    )


#: The child's address-space limit when memory is capped: far above what a render needs, far below what
#: reading an endless file whole would take.
MEMORY_LIMIT = 3 << 30


def _cli(
    *argv: str,
    stdout: Any = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
    close_stdin: bool = False,
    close_stdout: bool = False,
    limit_memory: bool = False,
) -> tuple[int, str]:
    """Run the CLI in a child process (its own stdin/stdout), returning the exit status and stderr.

    The descriptors are closed and the memory capped by a shell that then execs Python, as a user's
    ``vmscrape render x.yaml >&-`` would: not by a ``preexec_fn``, which runs Python in the forked copy of
    this (threaded, gRPC-loaded) test process, where gRPC's fork handlers can abort it before the exec.
    """
    redirects = ("<&-" if close_stdin else "") + (" >&-" if close_stdout else "")
    limit = f"ulimit -v {MEMORY_LIMIT >> 10} && " if limit_memory else ""
    proc = subprocess.run(
        [
            "/bin/sh",
            "-c",
            f'{limit}exec "$0" -m vmscrape_component.cli "$@" {redirects}',
            sys.executable,
            *argv,
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stderr.decode(errors="replace")


def _one_line_error(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err


@pytest.fixture
def manifest(tmp_path: Path) -> str:
    path = tmp_path / "web.yaml"
    path.write_text(WEB)
    return str(path)


def test_stdout_to_a_full_device_is_one_line_error(manifest: str) -> None:
    with open("/dev/full", "wb") as full:
        code, err = _cli("render", manifest, stdout=full)
    _one_line_error(code, err)
    assert "standard output" in err


def test_stdout_closed_is_one_line_error(manifest: str) -> None:
    code, err = _cli("render", manifest, close_stdout=True)
    _one_line_error(code, err)


def test_stdin_closed_is_one_line_error() -> None:
    code, err = _cli("render", "-", close_stdin=True)
    _one_line_error(code, err)
    assert "error: -: cannot read: standard input is closed" in err


def test_stdout_that_cannot_encode_the_text_is_one_line_error(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text('{"scrape_configs": [{"job_name": "j", "scrape_interval": "30s"}]}')
    new.write_text('{"scrape_configs": [{"job_name": "j", "scrape_interval": "1m"}]}')
    code, err = _cli("diff", str(old), str(new), env={"PYTHONIOENCODING": "ascii"})  # the text holds "→"
    _one_line_error(code, err)
    assert "encod" in err


@pytest.mark.parametrize("endless", ["/dev/zero", "/dev/urandom"])
def test_an_endless_input_file_is_refused_with_bounded_memory(endless: str) -> None:
    # RLIMIT_AS caps the child's address space: reading the whole endless file would exceed it.
    code, err = _cli("render", endless, limit_memory=True, env={"VMSCRAPE_MAX_INPUT_BYTES": str(64 << 20)})
    _one_line_error(code, err)
    assert endless in err
