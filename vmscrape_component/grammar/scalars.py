"""Strings vmagent's YAML reader takes for something else than the string.

vmagent reads its config with ``gopkg.in/yaml.v2``, which treats a scalar spelled exactly ``null`` or
``~`` as null **even when it is quoted**, before it calls a field's own unmarshaler. Fields read that way
(``regex``, ``if``, secrets, durations, URLs) then fail, and vmagent refuses the whole config. Other
spellings (``Null``, ``NULL``, ``nil``, ``""``) and plain string fields (``replacement``, ``username``)
are read as the strings they are. Found with the real vmagent v1.150.0 (``tests/conformance``).
"""

from __future__ import annotations

__all__ = ["YAML_NULLS", "yaml_null_problem"]

#: The spellings yaml.v2 reads as null even when quoted.
YAML_NULLS = ("null", "~")


def yaml_null_problem(value: str, *, instead: str) -> str | None:
    """Why vmagent cannot read ``value`` in a field with its own unmarshaler; ``instead``: what to write."""
    if value in YAML_NULLS:
        return (
            f"vmagent reads {value!r} as YAML null even when quoted and then refuses the whole config; "
            f"write {instead} instead"
        )
    return None
