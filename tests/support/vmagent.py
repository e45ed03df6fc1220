"""Run the real vmagent's config check (``-dryRun``) on a rendered scrape config.

Install the binary with ``scripts/install-vmagent`` (v1.150.0; ``--version debian`` for Debian's 1.79.5).

``-dryRun`` only parses: it contacts no remote storage and no Kubernetes API (it passes inside a
network namespace with no interfaces), needs no ``-remoteWrite.url``, opens no listener and writes
no files. It still runs in a throwaway working directory, with ``-remoteWrite.tmpDataPath`` pointed
into it, so nothing can land in the repo.

Two version differences matter here:

- v1.150.0 does not abort on a scrape job it cannot build (bad relabel regex, bad auth settings...):
  it logs ``error ... skipping `scrape_config` for job_name=...`` and still exits 0. So a result is
  ``ok`` only if the exit code is 0 *and* no error/fatal/panic line was logged.
- 1.79.5 reads the files a job refers to while parsing: ``tls_config.ca_file`` (must be valid PEM),
  ``cert_file``/``key_file`` (must be a valid key pair) and ``oauth2.client_secret_file`` must exist
  (``basic_auth.password_file``, ``bearer_token_file``, ``authorization.credentials_file`` need not).
  v1.150.0 reads none of them during ``-dryRun``.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vmscrape_component.paths import cache_dir

DEFAULT_TIMEOUT = 30.0

#: One vmagent log line in the default format: ``<ts>\t<level>\t<caller>\t<message>``.
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\t(?P<level>[a-z]+)\t\S*\t(?P<msg>.*)$")
_SEMVER = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def _executable(path: str | os.PathLike[str]) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_vmagent() -> str | None:
    """``$VMAGENT``, else ``<cache>/bin/vmagent`` (the installer's symlink), else ``vmagent`` on PATH."""
    env = os.environ.get("VMAGENT")
    if env and _executable(env):
        return os.path.abspath(env)
    cached = cache_dir() / "bin" / "vmagent"
    if _executable(cached):
        return str(cached)
    return shutil.which("vmagent")


@functools.cache
def vmagent_version(path: str) -> str:
    """What ``vmagent -version`` prints, e.g. ``vmagent-20260814-122629-tags-v1.150.0-0-g413f95d65f``.

    Debian's build is not stamped (it prints an empty line); for it this returns
    ``vmagent-debian-v<package version>`` (e.g. ``vmagent-debian-v1.79.5+ds1-2+b5``), taken from the
    ``VERSION`` file the installer writes or from the package's ``changelog.Debian.gz``; ``""`` if
    neither is found.
    """
    proc = subprocess.run(
        [path, "-version"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=DEFAULT_TIMEOUT
    )
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    if lines:
        return lines[0]
    debian = _debian_version(Path(path).resolve())
    return f"vmagent-debian-v{debian}" if debian else ""


def _debian_version(binary: Path) -> str | None:
    # <root>/usr/bin/vmagent: installer's <root>/VERSION, else <root>/usr/share/doc/.../changelog.Debian.gz
    usr = binary.parent.parent
    stamp = usr.parent / "VERSION"
    if stamp.is_file():
        return stamp.read_text().strip() or None
    changelog = usr / "share" / "doc" / "victoria-metrics" / "changelog.Debian.gz"
    if changelog.is_file():
        with gzip.open(changelog, "rt", errors="replace") as f:
            m = re.match(r"\S+ \(([^)]+)\)", f.readline())
        return m.group(1) if m else None
    return None


def version_tuple(version: str) -> tuple[int, int, int] | None:
    """``(1, 150, 0)`` from a :func:`vmagent_version` string; ``None`` if it names no version."""
    m = _SEMVER.search(version.rsplit("-v", 1)[-1]) or _SEMVER.search(version)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


@dataclass(frozen=True)
class DryRunResult:
    ok: bool
    """Exit code 0 and no error/fatal/panic logged (v1.150.0 logs skipped jobs but still exits 0)."""
    returncode: int | None
    """``None`` if vmagent was killed after the timeout."""
    output: str
    """Combined stdout and stderr."""
    errors: list[str] = field(default_factory=list)
    """Messages of the error/fatal/panic log lines (with their continuation lines)."""
    warnings: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)


def dry_run(
    config_text: str,
    *,
    binary: str | None = None,
    strict: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> DryRunResult:
    """Check ``config_text`` (a whole ``-promscrape.config`` file) with ``vmagent -dryRun``.

    ``strict`` maps to ``-promscrape.config.strictParse`` (unknown keys are errors when true).
    Raises ``FileNotFoundError`` if no vmagent is given or found.
    """
    binary = binary or find_vmagent()
    if binary is None:
        raise FileNotFoundError("vmagent not found: run scripts/install-vmagent or set VMAGENT")
    with tempfile.TemporaryDirectory(prefix="vmscrape-dryrun-") as tmp:
        config = Path(tmp) / "scrape.yaml"
        config.write_text(config_text)
        command = [
            binary,
            "-dryRun",
            f"-promscrape.config={config}",
            f"-promscrape.config.strictParse={'true' if strict else 'false'}",
            # Never used by -dryRun; keeps any queue out of the working directory regardless.
            f"-remoteWrite.tmpDataPath={Path(tmp) / 'remotewrite-data'}",
            "-loggerFormat=default",
            "-loggerLevel=INFO",
        ]
        try:
            proc = subprocess.run(
                command,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            partial = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) else ""
            output = f"{partial}\nvmagent -dryRun timed out after {timeout:g}s"
            return DryRunResult(False, None, output, [f"timed out after {timeout:g}s"], [], command)
    output = proc.stdout.decode(errors="replace")
    errors, warnings = _problems(output)
    return DryRunResult(
        proc.returncode == 0 and not errors, proc.returncode, output, errors, warnings, command
    )


def _problems(output: str) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    current: list[str] | None = None  # the list whose last entry gets continuation lines
    for line in output.splitlines():
        m = _LOG_LINE.match(line)
        if m is None:
            if current is not None and line.strip():
                current[-1] += "\n" + line
            continue
        level = m["level"]
        if level in ("error", "fatal", "panic"):
            current = errors
        elif level == "warn":
            current = warnings
        else:
            current = None
            continue
        current.append(m["msg"])
    return errors, warnings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_vmagent(
    binary: str, config: Path, workdir: Path, flags: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """The real vmagent on ``config`` (strict parsing), its HTTP API on a free loopback port, Kubernetes
    discovery checked every second, remote write to nowhere: the process, its port and its log
    (``workdir/vmagent.log``). ``flags`` are added last (e.g. the cluster-mode flags of one member)."""
    port = free_port()
    log = workdir / "vmagent.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                binary,
                f"-promscrape.config={config}",
                "-promscrape.config.strictParse=true",
                f"-httpListenAddr=127.0.0.1:{port}",
                "-remoteWrite.url=http://127.0.0.1:1/api/v1/write",
                f"-remoteWrite.tmpDataPath={workdir / 'rw'}",
                "-promscrape.kubernetesSDCheckInterval=1s",
                "-promscrape.suppressDuplicateScrapeTargetErrors",
                "-loggerLevel=ERROR",
                *flags,
            ],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return proc, port, log


def stop_vmagent(proc: subprocess.Popen[bytes]) -> None:
    """Stop a vmagent from :func:`start_vmagent`: SIGTERM, then SIGKILL after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
