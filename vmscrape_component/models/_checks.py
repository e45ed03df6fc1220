"""Checks of the string formats only the models read, each returning why a value is wrong (with what
is allowed) or ``None``: sizes (``flagutil.ParseBytes``) and proxy URLs (``lib/proxy``).

The grammars other layers read too (durations, label names, regexes, ``if`` selectors) live in
:mod:`vmscrape_component.grammar`.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- sizes (flagutil.ParseBytes, for max_scrape_size) ------------------------------------------------

_SIZE = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGT]I?B)?$")


def byte_size_problem(value: str) -> str | None:
    """Why ``value`` is not a size such as ``16MiB``, ``100KB`` or a plain number of bytes."""
    if _SIZE.match(value.upper()):
        return None
    return (
        "not a size: use a number of bytes with an optional unit, e.g. 16MiB, 100KB, 1048576 "
        "(units: KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
    )


# --- proxy URLs (lib/proxy: url.Parse, then the scheme) -----------------------------------------------

PROXY_SCHEMES = ("http", "https", "socks5", "tls+socks5")


@lru_cache(maxsize=1024)
def proxy_url_problem(value: str) -> str | None:
    """Why vmagent would refuse ``value`` as a ``proxy_url`` (it refuses the whole config then)."""
    scheme, sep, rest = value.partition("://")
    if not sep or not rest or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return f"not a URL: use <scheme>://<host>[:port], scheme one of {', '.join(PROXY_SCHEMES)}"
    if scheme.lower() not in PROXY_SCHEMES:
        return f"unsupported scheme {scheme!r}; vmagent accepts {', '.join(PROXY_SCHEMES)}"
    if any(c in rest for c in " \t\n") or ("%" in rest and not re.search(r"%[0-9A-Fa-f]{2}", rest)):
        return "not a URL: spaces, control characters or a bad %-escape"
    return None
