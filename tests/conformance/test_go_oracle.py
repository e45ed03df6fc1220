"""vmscrape's checks of sizes and proxy URLs against vmagent's own Go code (``go-oracle``).

The hand-picked verdicts below are data: each is checked against vmagent v1.150.0's parser (so the table
stays true) and against vmscrape's model validation (so ``validate`` agrees). Generated corpora then
compare the two over thousands of spellings, deterministically.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.support.go_oracle import Answer, GoOracle
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.grammar import duration_ms, interval_problem
from vmscrape_component.models import Endpoint
from vmscrape_component.models._checks import parse_bytes, proxy_url_problem

pytestmark = pytest.mark.vmagent

#: max_scrape_size spellings: does vmagent's flagutil.ParseBytes read them (lib/promscrape/config.go:938)?
SIZE_VERDICTS: dict[str, bool] = {
    "16MiB": True,
    "16mib": True,
    "1e3": True,  # an exponent: ParseFloat reads it (vmscrape refused it before)
    "1.5KB": True,
    "0x1p4": True,
    "1_000": True,
    "16MB\n": False,  # a trailing newline (vmscrape accepted it before: Python's `$`)
    "١٢": False,  # Arabic-Indic digits (vmscrape accepted... Python's \\d)
    "１６MB": False,  # fullwidth digits
    " 16MB": False,
    "16 MB": False,
    "1__0": False,
    "0x10": False,  # a hex mantissa needs a p exponent
    "1e309": False,  # out of float64's range
    "KB": False,
}

#: Sizes vmagent reads but that make every scrape fail (a negative limit): vmscrape refuses them.
NEGATIVE_SIZES = ("-1", "-5MB", "nan", "inf", "-Infinity")

#: proxyURL forms: does vmagent's lib/proxy (Go's url.Parse + the scheme) accept them?
URL_VERDICTS: dict[str, bool] = {
    "http://proxy:3128": True,
    "HTTP://proxy:3128": True,  # url.Parse lowercases the scheme
    "http://proxy:80/a b": True,  # a space in the path (vmscrape refused it before)
    "http://user:p%40ss@proxy:8080": True,
    "socks5://[fe80::1%25eth0]:1080": True,
    "http://proxy/%zz": False,  # bad %-escape in the path
    "http://pr%41xy": False,  # a host may %-escape only non-ASCII bytes
    "http://pr%zzoxy": False,
    "http://proxy:port": False,  # non-numeric port
    "http://[::1": False,  # unclosed IPv6 bracket
    "http://[1.2.3.4]:80": False,  # only IPv6 in brackets
    "http://a\\b:80": False,  # backslash in the host
    "http://pro xy": False,  # space in the host
    "http://proxy\x7f": False,  # control characters
    "http://proxy:80\t": False,
    "http://proxy:80\n": False,
    "http://a:1:2": False,  # http(s) hosts: one colon only
    "ftp://proxy": False,
    "proxy:3128": False,  # scheme `proxy`
    "//proxy:3128": False,  # no scheme
}


def _validate_size(value: str) -> bool:
    try:
        Endpoint(max_scrape_size=value)
    except VMScrapeError:
        return False
    return True


def _validate_proxy(value: str) -> bool:
    try:
        Endpoint(proxy_url=value)
    except VMScrapeError:
        return False
    return True


def test_size_verdicts_are_vmagents(go_oracle: GoOracle) -> None:
    assert go_oracle.accepts("bytes", SIZE_VERDICTS) == SIZE_VERDICTS


def test_sizes_validate_exactly_as_vmagent_reads_them() -> None:
    assert {v: _validate_size(v) for v in SIZE_VERDICTS} == SIZE_VERDICTS


def test_negative_sizes_are_read_by_vmagent_but_refused(go_oracle: GoOracle) -> None:
    answers = go_oracle.ask("bytes", NEGATIVE_SIZES)
    assert all(a.ok and int(a.value) < 0 for a in answers), answers
    assert [v for v in NEGATIVE_SIZES if _validate_size(v)] == []


def _size_corpus() -> list[str]:
    parts = ["", "+", "-", "0", "1", "9", "_", ".", "e", "E", "p", "0x", "x", "a", "f", "inf", "nan"]
    numbers = {"".join(p) for n in (1, 2, 3) for p in itertools.product(parts, repeat=n)}
    suffixes = ["", "KB", "mb", "GiB", "tib", "kIB", "B", " ", "\n", "I"]
    return sorted(n + s for n in numbers for s in suffixes)


def test_size_parser_matches_flagutil_parsebytes(go_oracle: GoOracle) -> None:
    corpus = _size_corpus()
    differ = []
    for value, answer in zip(corpus, go_oracle.ask("bytes", corpus), strict=True):
        ours = parse_bytes(value)
        theirs = int(answer.value) if answer.ok else None
        if ours != theirs:
            differ.append((value, ours, theirs, answer.error))
    assert differ == [], f"{len(differ)} of {len(corpus)} differ, e.g. {differ[:10]}"


def test_proxy_url_verdicts_are_vmagents(go_oracle: GoOracle) -> None:
    assert go_oracle.accepts("url", URL_VERDICTS) == URL_VERDICTS


def test_proxy_urls_validate_exactly_as_vmagent_reads_them() -> None:
    assert {v: _validate_proxy(v) for v in URL_VERDICTS} == URL_VERDICTS


def _url_corpus() -> list[str]:
    schemes = ["http://", "https://", "socks5://", "tls+socks5://", "HTTP://", "http:", "ftp://", "", "1a://"]
    users = ["", "u@", "u:p@", "u:p%40@", "u%zz@", "u p@", "ü@", "a@b@"]
    hosts = [
        "proxy",
        "pr%41xy",
        "pr%C3%BCxy",
        "prüxy",
        "[::1]",
        "[::1",
        "[fe80::1%25en0]",
        "[1.2.3.4]",
        "a\\b",
        "a b",
        "a_b",
        "a{b",
        'a"b',
        "",
        "a]b",
        "x[::1]",
    ]
    ports = ["", ":80", ":", ":8a", ":80:81", "::80"]
    tails = ["", "/", "/a b", "/%zz", "/%41", "?q=%zz", "#%zz", "#f", "/a\tb", "\x00", "/ü"]
    return [s + u + h + p + t for s in schemes for u in users for h in hosts for p in ports for t in tails]


def _usable(answer: Answer) -> bool:
    """vmagent loads the URL and it names a host (without one, every scrape through it fails, so
    vmscrape refuses it on purpose: see test_validation_vs_vmagent.STRICTER)."""
    if not answer.ok or "://" not in answer.value:  # Go's u.String(): no authority, no host
        return False
    authority = re.split("[/?#]", answer.value.split("://", 1)[1], maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    return bool(host if host.startswith("[") else host.partition(":")[0])


def test_proxy_url_check_matches_go_net_url(go_oracle: GoOracle) -> None:
    corpus = _url_corpus()
    theirs = {v: _usable(a) for v, a in zip(corpus, go_oracle.ask("url", corpus), strict=True)}
    differ = [(v, theirs[v]) for v in corpus if (proxy_url_problem(v) is None) != theirs[v]]
    assert differ == [], f"{len(differ)} of {len(corpus)} differ, e.g. {differ[:10]}"


#: Scrape intervals and timeouts: vmagent reads every one of these, but uses its default for a zero and
#: wraps around past int64 nanoseconds, so vmscrape refuses those.
INTERVALS = ["30s", "1m30s", "0.001s", "1ms", "292y", "293y", "300000y", "1e9", "9223372036854ms"]
INTERVALS += ["9223372036855ms", "0s", "0", "0ms", "0.0001s", "0x0p0", "1h-1h"]


def test_intervals_are_refused_where_vmagent_would_not_use_them(go_oracle: GoOracle) -> None:
    usable = {}
    for value, answer in zip(INTERVALS, go_oracle.ask("duration", INTERVALS), strict=True):
        assert answer.ok, (value, answer)  # vmagent reads them all...
        # ...but a zero falls back to its default and a wrapped value is not what was written.
        usable[value] = int(answer.value) > 0 and int(answer.value) == duration_ms(value) * 1_000_000
    assert {v: interval_problem(v) is None for v in INTERVALS} == usable
    assert {v: k for v, k in usable.items() if not k} == dict.fromkeys(
        ["293y", "300000y", "9223372036855ms", "0s", "0", "0ms", "0.0001s", "0x0p0", "1h-1h"], False
    )
