"""How objects are named in messages, reports and maps: ``namespace/name``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["object_key"]


def object_key(manifest: Mapping[str, Any], default_namespace: str = "default") -> str:
    """``namespace/name`` of a manifest; a manifest without a namespace is in ``default_namespace``
    (``default``, where the API server would put it; cluster objects in a snapshot pass ``""``)."""
    meta = manifest.get("metadata") or {}
    return f"{meta.get('namespace') or default_namespace}/{meta.get('name') or ''}"
