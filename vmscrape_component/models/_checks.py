"""Checks of the string formats only the models read, each returning why a value is wrong (with what
is allowed) or ``None``: sizes (``flagutil.ParseBytes``) and proxy URLs (``lib/proxy``).

Both follow vmagent's Go code rule for rule (Go's ``strconv.ParseFloat`` and ``net/url.Parse``), since
Python's ``float()`` and ``urllib`` accept other spellings (Unicode digits, spaces, a trailing
newline). ``tests/conformance/test_go_oracle.py`` compares them with vmagent's own parsers.

The grammars other layers read too (durations, label names, regexes, ``if`` selectors) live in
:mod:`vmscrape_component.grammar`.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from ..grammar.numbers import go_int64, go_parse_float

# --- sizes (flagutil.ParseBytes, for max_scrape_size) ------------------------------------------------

#: lib/flagutil/bytes.go:76 parseBytes: the suffixes, tried in this order, and their factors.
_SIZE_SUFFIXES = (
    ("KB", 1000),
    ("MB", 1000**2),
    ("GB", 1000**3),
    ("TB", 1000**4),
    ("KiB", 1024),
    ("MiB", 1024**2),
    ("GiB", 1024**3),
    ("TiB", 1024**4),
)


def parse_bytes(value: str) -> int | None:
    """``value`` in bytes as vmagent's ``flagutil.ParseBytes`` reads it, or ``None`` if it cannot."""
    normalized = value.upper().replace("I", "i")  # bytes.go:141 normalizeBytesString
    for suffix, factor in _SIZE_SUFFIXES:
        if normalized.endswith(suffix):
            number = go_parse_float(normalized[: -len(suffix)])
            return None if number is None else go_int64(number * factor)
    number = go_parse_float(normalized)
    return None if number is None else go_int64(number)


def byte_size_problem(value: str) -> str | None:
    """Why ``value`` is not a size such as ``16MiB``, ``100KB``, ``1e6`` or a plain number of bytes."""
    size = parse_bytes(value)
    if size is None:
        return (
            "not a size: use a number of bytes with an optional unit, e.g. 16MiB, 100KB, 1048576 "
            "(units: KB, MB, GB, TB, KiB, MiB, GiB, TiB; ASCII digits, no spaces)"
        )
    if size < 0:
        # client.go:196 `len > maxScrapeSize`: every non-empty response would exceed it.
        return "a negative size (NaN and Inf read as one) makes vmagent fail every scrape; use 0 or more"
    return None


# --- proxy URLs (lib/proxy: url.Parse, then the scheme) -----------------------------------------------

PROXY_SCHEMES = ("http", "https", "socks5", "tls+socks5")

#: ASCII a host may hold unescaped (net/url gen_encoding_table.go shouldEscape, encodeHost mode).
_HOST_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$&'()*+,;=:[]<>\"-_.~"
)
_USERINFO_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._:~!$&'()*+,;=%@"
)
_HEX = frozenset("0123456789abcdefABCDEF")


def _unescape_problem(s: str, mode: str) -> str | None:
    """net/url's ``unescape`` (url.go:106) errors for ``mode`` "host", "zone" or "other"."""
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            if i + 2 >= len(s) or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                return f"invalid URL escape {s[i : i + 3]!r}"
            if mode == "host" and int(s[i + 1], 16) < 8 and s[i : i + 3] != "%25":
                return f"invalid URL escape {s[i : i + 3]!r} (a host may %-escape only non-ASCII bytes)"
            if mode == "zone":
                byte = chr(int(s[i + 1 : i + 3], 16))
                if s[i : i + 3] != "%25" and byte != " " and byte not in _HOST_CHARS:
                    return f"invalid URL escape {s[i : i + 3]!r}"
            i += 3
            continue
        if mode in ("host", "zone") and c.isascii() and c not in _HOST_CHARS:
            return f"invalid character {c!r} in host name"
        i += 1
    return None


def _valid_optional_port(port: str) -> bool:
    return port == "" or (port[0] == ":" and all("0" <= c <= "9" for c in port[1:]))


def _host_problem(scheme: str, host: str) -> str | None:
    """net/url's ``parseHost`` (url.go:549)."""
    bracket = host.rfind("[")
    if bracket > 0:
        return "invalid IP-literal"
    if bracket == 0:
        close = host.rfind("]")
        if close < 0:
            return "missing ']' in host"
        colon_port = host[close + 1 :]
        if not _valid_optional_port(colon_port):
            return f"invalid port {colon_port!r} after host"
        hostname = host[1:close]
        zone = hostname.find("%25")
        if zone >= 0:
            problem = _unescape_problem(hostname[:zone], "host") or _unescape_problem(hostname[zone:], "zone")
        else:
            problem = _unescape_problem(hostname, "host")
        if problem:
            return problem
        address = re.sub("%([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), hostname)
        try:
            ipaddress.IPv6Address(address)  # netip.ParseAddr; an IPv4 address is no IP-literal either
        except ValueError:
            return "invalid host: not an IPv6 address in brackets"
        return None
    first = host.find(":")
    if first >= 0:
        # url.go:610: http(s) hosts may hold one colon only (urlstrictcolons); others split at the last
        start = first if scheme in ("http", "https") else host.rfind(":")
        if not _valid_optional_port(host[start:]):
            return f"invalid port {host[start:]!r} after host (a port is digits only)"
    return _unescape_problem(host, "host")


def url_scheme(value: str) -> str:
    """The scheme Go's ``net/url.Parse`` finds in ``value`` (lowercased; ``""`` for none)."""
    for i, c in enumerate(value):  # url.go:369 getScheme
        if c.isascii() and c.isalpha():
            continue
        if c.isascii() and (c.isdigit() or c in "+-.") and i > 0:
            continue
        return value[:i].lower() if c == ":" else ""
    return ""


def url_parse_problem(value: str) -> str | None:
    """Why Go's ``net/url.Parse`` refuses ``value`` (url.go:399), or ``None``."""
    if any(c < " " or c == "\x7f" for c in value):
        return "invalid control character in URL"
    value, _, fragment = value.partition("#")
    if value.startswith(":"):
        return "missing protocol scheme"
    scheme = url_scheme(value)
    rest = value[len(scheme) + 1 :] if scheme else value
    rest = rest.partition("?")[0]  # the query is not checked (url.go:457)
    if not rest.startswith("/"):
        if scheme:
            return _unescape_problem(fragment, "other")  # an opaque URL: only the fragment is checked
        if ":" in rest.partition("/")[0]:
            return "first path segment in URL cannot contain colon"
    if rest.startswith("//") and (scheme or not rest.startswith("///")):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        at = authority.rfind("@")
        problem = _host_problem(scheme, authority[at + 1 :])
        if problem:
            return problem
        if at >= 0:
            userinfo = authority[:at]
            if any(c not in _USERINFO_CHARS for c in userinfo):  # url.go:1263 validUserinfo
                return "invalid userinfo"
            problem = _unescape_problem(userinfo, "other")
            if problem:
                return problem
    return _unescape_problem(rest, "other") or _unescape_problem(fragment, "other")


@lru_cache(maxsize=1024)
def proxy_url_problem(value: str) -> str | None:
    """Why vmagent would refuse ``value`` as a ``proxy_url`` (it refuses the whole config then):
    lib/proxy/proxy.go:106 parses it with Go's ``url.Parse`` and then checks the scheme."""
    problem = url_parse_problem(value)
    if problem:
        return f"not a URL vmagent can read (Go's url.Parse: {problem}); use <scheme>://<host>[:port]"
    scheme = url_scheme(value)
    if scheme not in PROXY_SCHEMES:
        return f"unsupported scheme {scheme!r}; vmagent accepts {', '.join(PROXY_SCHEMES)}"
    authority = value[len(scheme) + 1 :]
    host = (
        authority[2:].split("/")[0].split("?")[0].split("#")[0].rpartition("@")[2]
        if authority.startswith("//")
        else ""
    )
    if host.partition(":")[0] == "" and not host.startswith("["):
        # Deliberately stricter than vmagent, which loads it and then fails every scrape through it.
        return "no proxy host: use <scheme>://<host>[:port]"
    return None
