"""Which gzip measure the layout uses: Go's own when go-gzip-size is there, else zlib's estimate."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from vmscrape_component.gzip_size import GoGzipSize, go_gzip_binary, gzip_sizer, zlib_gzip_size


def test_without_go_gzip_size_the_sizes_are_zlibs_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VMSCRAPE_GO_GZIP_SIZE", str(tmp_path / "missing"))
    assert gzip_sizer() == (zlib_gzip_size, False)
    assert zlib_gzip_size(b"abc" * 100) == len(gzip.compress(b"abc" * 100, 6, mtime=0))


@pytest.mark.kube
def test_go_gzip_size_answers_frame_after_frame() -> None:
    binary = go_gzip_binary()
    if binary is None:
        pytest.skip("go-gzip-size not installed (scripts/install-gogzip)")
    size = GoGzipSize(binary)
    try:
        texts = [b"", b"- job_name: a\n" * 1000, bytes(range(256)) * 300]
        sizes = [size(t) for t in texts]
        # An empty gzip stream from Go is 23 bytes (header, empty final block, trailer); random-ish data
        # does not shrink; repeated lines shrink a lot. The exact values are checked live against the
        # operator's own Secrets (tests/cluster/test_buckets.py).
        assert sizes[0] == 23
        assert sizes[1] < len(texts[1]) // 20
        assert sizes == [size(t) for t in texts]  # the same process, the same answers
    finally:
        size.close()


@pytest.mark.kube
def test_a_frame_sent_in_parts_measures_as_the_whole() -> None:
    binary = go_gzip_binary()
    if binary is None:
        pytest.skip("go-gzip-size not installed (scripts/install-gogzip)")
    size = GoGzipSize(binary)
    try:
        text = b"".join(
            b"- job_name: serviceScrape/ns-%d/svc-%d/0\n  x: y\n" % (i % 7, i) for i in range(5000)
        )
        parts = [text[i : i + 4096] for i in range(0, len(text), 4096)]
        assert size.size_of_parts(len(text), parts) == size(text)
        with pytest.raises(ValueError, match="bytes sent for a frame of"):
            size.size_of_parts(len(text) + 1, parts)
    finally:
        size.close()
