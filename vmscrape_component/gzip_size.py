"""How many bytes the operator's gzip of a text takes: the measure by which it splits a scrape config.

The operator compresses with Go's ``compress/gzip`` at the default level (``build.GzipConfig``,
internal/controller/operator/factory/build/build.go:299 at v0.74.1). Go's deflate is not zlib's: on
vmagent configs zlib's level 6 is 4-8 % larger and level 9 about 5 % smaller, so no zlib setting gives
the operator's bucket count near a boundary. :class:`GoGzipSize` asks Go itself, through
``go-gzip-size`` (``scripts/install-gogzip`` builds it into the tool cache); without it
:func:`zlib_gzip_size` is an estimate, and the layout says it is one.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["GoGzipSize", "GzipSize", "go_gzip_binary", "gzip_sizer", "zlib_gzip_size"]

#: ``data → compressed size``.
GzipSize = Callable[[bytes], int]


def zlib_gzip_size(data: bytes) -> int:
    """zlib's gzip size at level 6 (Go's default level): an estimate of the operator's, a few % off."""
    return len(gzip.compress(data, 6, mtime=0))


def go_gzip_binary() -> Path | None:
    """``go-gzip-size``: ``$VMSCRAPE_GO_GZIP_SIZE``, else the tool cache's, else on ``PATH``; ``None`` if
    there is none."""
    given = os.environ.get("VMSCRAPE_GO_GZIP_SIZE")
    if given:
        return Path(given) if Path(given).is_file() else None
    cache = Path(os.environ.get("VMSCRAPE_CACHE") or Path.home() / ".cache" / "vmscrape")
    cached = cache / "go-gzip-size" / "go-gzip-size"
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    found = shutil.which("go-gzip-size")
    return Path(found) if found else None


class GoGzipSize:
    """Go's gzip size of each text, from one long-lived ``go-gzip-size`` process (frames in, sizes out)."""

    def __init__(self, binary: Path) -> None:
        self._binary = binary
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None

    def __call__(self, data: bytes) -> int:
        return self.size_of_parts(len(data), (data,))

    def size_of_parts(self, length: int, parts: Iterable[bytes]) -> int:
        """The size of the concatenation of ``parts`` (``length`` bytes in all), sent part by part: the
        whole need never be one bytes object (33 MB for 10,000 scrapes)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = subprocess.Popen(
                    [str(self._binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
                )
            proc = self._proc
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(length.to_bytes(8, "big"))
            sent = 0
            for part in parts:
                proc.stdin.write(part)
                sent += len(part)
            if sent != length:  # the helper now waits for the rest of a frame that will not come
                proc.kill()
                proc.wait()
                self._proc = None
                raise ValueError(f"{sent} bytes sent for a frame of {length}")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                raise OSError(f"{self._binary} stopped without an answer")
            return int(line)

    def close(self) -> None:
        """Stop the helper process (it also stops by itself when this process ends)."""
        with self._lock:
            if self._proc is not None:
                if self._proc.stdin is not None:
                    self._proc.stdin.close()
                self._proc.wait(timeout=10)
                self._proc = None


_SHARED: GoGzipSize | None = None


def gzip_sizer() -> tuple[GzipSize, bool]:
    """The best measure available and whether it is exact: Go's (``go-gzip-size``) when found, else
    zlib's estimate."""
    global _SHARED
    binary = go_gzip_binary()
    if binary is None:
        return zlib_gzip_size, False
    if _SHARED is None or _SHARED._binary != binary:
        _SHARED = GoGzipSize(binary)
    return _SHARED, True
