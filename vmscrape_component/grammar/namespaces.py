"""Where a scrape discovers Services: the operator's one rule for ``namespaceSelector``.

An empty selector means the scrape's **own** namespace; ``any: true`` means every namespace (and wins
over ``matchNames``); otherwise the ``matchNames``. When the operator ignores namespace selectors (it
watches specific namespaces and the agent owns its service account), every scrape is in "own" mode.
Every layer asks this module — the models (``NamespaceSelector``), the renderer (``kubernetes_sd_configs``)
and the component's ``namespace_mode`` / ``discovery_namespaces`` outputs — so they cannot disagree.

"All namespaces" is spelled ``None`` everywhere in the package. It is written differently only where it
leaves: the ``kubernetes_sd_configs`` block has no ``namespaces`` (``render/discovery.py``), and the
component's ``discovery_namespaces`` output says ``["*"]`` (``component/service_scrape.py``, documented).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

__all__ = ["NamespaceMode", "discovery_namespaces", "namespace_mode"]

#: ``"own"`` (the scrape's namespace), ``"any"`` (every namespace) or ``"names"`` (``matchNames``).
NamespaceMode = Literal["own", "any", "names"]


def namespace_mode(
    any_: bool | None, match_names: Sequence[str] | None, *, ignore_selectors: bool = False
) -> NamespaceMode:
    """Which of the three choices a selector with these fields is, as the operator applies it."""
    if ignore_selectors:
        return "own"
    if any_:
        return "any"
    if match_names:
        return "names"
    return "own"


def discovery_namespaces(
    any_: bool | None,
    match_names: Sequence[str] | None,
    own_namespace: str,
    *,
    ignore_selectors: bool = False,
) -> list[str] | None:
    """The namespaces discovered for a scrape living in ``own_namespace``; ``None`` means every one."""
    mode = namespace_mode(any_, match_names, ignore_selectors=ignore_selectors)
    if mode == "any":
        return None
    if mode == "names":
        return list(match_names or ())
    return [own_namespace]
