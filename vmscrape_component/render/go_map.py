"""The order in which Go's ``gopkg.in/yaml.v2`` writes the keys of a Go map.

The operator builds vmagent's config as ordered lists of items and sorts the keys of ``params``,
``external_labels`` and a relabel rule's ``labels`` itself (Go's ``sort.Strings``: code-point order), but
hands oauth2's ``endpoint_params`` to yaml.v2 as a Go map, whose keys yaml.v2 sorts its own way:

- runes are compared one by one; at the first difference, two letters compare by code point;
- a letter sorts after anything that is not a letter (``_x`` before ``A``);
- otherwise runs of digits compare as numbers (``a9`` before ``a10``), a longer run of equal value
  (``a01`` after ``a1``) sorts last, then the runes themselves;
- a key that is a prefix of another sorts first.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TypeVar

__all__ = ["yaml_v2_less", "yaml_v2_sorted"]

V = TypeVar("V")


def _int64(n: int) -> int:
    return (n + 2**63) % 2**64 - 2**63


def _digit_run(s: str, start: int, value: int) -> tuple[int, int]:
    """``value`` followed by the digits from ``start`` as yaml.v2 computes it (each digit as its code
    point minus '0', so any Unicode digit; int64 arithmetic), and where the run ends."""
    end = start
    while end < len(s) and s[end].isdecimal():
        value = _int64(value * 10 + ord(s[end]) - 48)
        end += 1
    return value, end


def yaml_v2_less(a: str, b: str) -> bool:
    """Whether yaml.v2 writes key ``a`` before key ``b``."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            # A zero inside a number (after a non-zero digit) counts; leading zeros do not.
            j = i - 1
            while j >= 0 and a[j].isdecimal():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        an, end_a = _digit_run(a, i, an)
        bn, end_b = _digit_run(b, i, bn)
        if an != bn:
            return an < bn
        if end_a != end_b:
            return end_a < end_b
        return ca < cb
    return len(a) < len(b)


def _compare(a: str, b: str) -> int:
    return -1 if yaml_v2_less(a, b) else 1 if yaml_v2_less(b, a) else 0


_KEY = functools.cmp_to_key(_compare)


def yaml_v2_sorted(mapping: Mapping[str, V]) -> dict[str, V]:
    """``mapping`` with its keys in the order yaml.v2 writes a Go map's keys."""
    return {k: mapping[k] for k in sorted(mapping, key=_KEY)}
