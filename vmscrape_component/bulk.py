"""Pausing Python's cyclic garbage collector around bulk work that makes no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then restore it (a no-op when it is already off).

    Loading manifests and rendering configs build millions of small acyclic containers, which reference
    counting frees on its own; the collector's passes over that growing heap cost more than the work
    itself. Nothing changes in the result: only when unreachable cycles, if any, are collected.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            # Move what the block made straight to the oldest generation (freeze, then unfreeze into
            # it): else the first allocation after it would scan all of it as young objects. Skipped
            # when the program froze objects itself (e.g. before forking), so as not to unfreeze them.
            gc.freeze()
            gc.unfreeze()
        gc.enable()
