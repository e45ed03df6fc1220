"""Durations as VictoriaMetrics reads them: ``30s``, ``1m30s``, ``1.5h``, ``500ms``, ``1e3``, ``1h-5m``.

One reader for everything that needs a duration's length: the models (is it valid?), the renderer (the
operator's min/maxScrapeInterval clamping) and the simulator (``__scrape_interval__``). It follows
``metricsql.DurationValue`` (metricsql v0.87.3), which both the operator (v0.74.1, when it clamps
intervals) and vmagent (``promutil.Duration``, for every duration in a scrape config) call:

- a text ending in a digit or ``.`` that Go's ``strconv.ParseFloat`` reads is a number of seconds
  (``90``, ``1.5``, ``1e3``, ``0x1p3``, ``1_000``, ``-5``);
- otherwise it is a run of parts ``<digits>[.<digits>]<unit>``, units ``ms s m h d w y i`` in any case
  except that ``M`` alone is refused (it means 10^6 in MetricsQL). Any part may start with ``-``; once a
  part is negative, every later part counts negative too (``1h-5m10s`` is 1h - 5m - 10s);
- the milliseconds are truncated toward zero and capped at the int64 range.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .numbers import go_int64, go_parse_float

__all__ = ["DURATION_HELP", "DurationError", "duration_ms", "duration_problem", "interval_problem"]

DURATION_HELP = (
    "use a number with a unit, e.g. 30s, 1m30s, 1.5m, 500ms, 1h, 2d, 1w, 1y "
    "(units: ms, s, m, h, d, w, y; a bare number means seconds)"
)

_TWO_TO_63 = 2.0**63
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

#: One part (metricsql's scanSingleDuration, then parseSingleDuration): a number and a unit, or the
#: query-step placeholder. Only a part with a minus may start with ``.`` (``-.5s``; ``.5s`` is refused).
_PART = re.compile(
    r"(?P<number>-?[0-9]+(?:\.[0-9]*)?|-\.[0-9]+)(?P<unit>ms|mS|Ms|MS|m|[sSdDhHwWyYiI])|(?P<step>\$__interval)"
)
_UNIT_MS = {
    "ms": 1.0,
    "s": 1_000.0,
    "m": 60_000.0,
    "h": 3_600_000.0,
    "d": 86_400_000.0,
    "w": 604_800_000.0,
    "y": 31_536_000_000.0,
    "i": 0.0,  # the query step, which is 0 where a scrape config is read
}


#: The longest duration vmagent holds: lib/promutil/duration.go:36 multiplies the milliseconds into int64
#: nanoseconds, which wrap around beyond this.
MAX_MS = _INT64_MAX // 1_000_000


class DurationError(ValueError):
    """The text is not a duration VictoriaMetrics reads."""


@lru_cache(maxsize=4096)  # the same few intervals come back in every manifest
def duration_ms(text: str) -> int:
    """The milliseconds VictoriaMetrics reads in ``text`` (may be negative). Raises DurationError."""
    if not text:
        raise DurationError("a duration cannot be empty")
    if "0" <= text[-1] <= "9" or text[-1] == ".":
        seconds = go_parse_float(text)
        if seconds is not None:
            return go_int64(seconds * 1000)
    total = 0.0
    negative = False  # once a part is negative, later parts count negative too
    pos = 0
    while pos < len(text):
        part = _PART.match(text, pos)
        if part is None:
            raise DurationError(f"cannot parse duration {text!r} at {text[pos:]!r}")
        pos = part.end()
        if part.group("step"):
            continue  # the query step is 0 in a scrape config
        ms = _UNIT_MS[part.group("unit").lower()] * float(part.group("number"))
        if negative and ms > 0:
            ms = -ms
        total += ms
        if ms < 0:
            negative = True
    if total > _TWO_TO_63:
        return _INT64_MAX
    if total < -_TWO_TO_63:
        return _INT64_MIN
    return go_int64(total)


@lru_cache(maxsize=4096)
def duration_problem(value: str) -> str | None:
    """Why ``value`` is not a duration a scrape config should hold, or None.

    Beyond what vmagent reads, this refuses what it reads but then ignores: a negative total, and the
    query-step unit ``i`` (it is 0 in a scrape config, so vmagent falls back to its default).
    """
    try:
        ms = duration_ms(value)
    except DurationError:
        return f"not a duration: {DURATION_HELP}"
    if ms < 0:
        return f"a duration must not be negative: {DURATION_HELP}"
    if ms > MAX_MS:
        # promutil.Duration: time.Duration(ms) * time.Millisecond wraps around past int64 nanoseconds.
        return f"longer than vmagent can hold (about 292 years, {MAX_MS} ms): {DURATION_HELP}"
    if any(part.group("step") or part.group("unit") in ("i", "I") for part in _PART.finditer(value)):
        return f"the query step ('i', '$__interval') means nothing in a scrape config: {DURATION_HELP}"
    return None


def interval_problem(value: str) -> str | None:
    """Why ``value`` cannot be a scrape interval or timeout: :func:`duration_problem`, and zero, for which
    vmagent silently uses its default instead (lib/promscrape/config.go:917)."""
    problem = duration_problem(value)
    if problem is None and duration_ms(value) == 0:
        return f"zero makes vmagent silently use its default (1m; 10s for a timeout): {DURATION_HELP}"
    return problem
