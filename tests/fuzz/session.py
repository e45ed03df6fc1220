"""What the fuzz tests share across modules: the chosen profile and the counts printed at the end."""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

PROFILE_ENV = "VMSCRAPE_FUZZ_PROFILE"
PROFILES = ("ci", "long")
#: VMServiceScrapes per example: each example renders them into one config, checked by one vmagent run.
BATCH_SIZE = 50

#: What went through the fuzz tests, printed by the terminal summary of ``conftest.py``.
COUNTS: Counter[str] = Counter()


def register_profiles() -> None:
    common = {
        "deadline": None,
        # No .hypothesis/ directory in the repo: a failure prints its reproducer (and blob) instead.
        "database": None,
        "print_blob": True,
        # Batches are big on purpose (many scrapes per vmagent run).
        "suppress_health_check": [
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    }
    # ci: the same examples on every run, bounded (< 3 minutes on 2 cores for the whole fuzz run).
    settings.register_profile("ci", max_examples=60, derandomize=True, **common)
    # long: 20 times as many, and a new random search on every run.
    settings.register_profile("long", max_examples=1200, derandomize=False, **common)


def profile_name() -> str:
    name = os.environ.get(PROFILE_ENV) or "ci"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_ENV}={name!r}: use one of {', '.join(PROFILES)}")
    return name


def fuzz_settings(scale: float = 1.0) -> settings:
    """The chosen profile, with ``scale`` times its examples (for the cheaper properties)."""
    profile = settings.get_profile(profile_name())
    return settings(profile, max_examples=max(1, int(profile.max_examples * scale)))
