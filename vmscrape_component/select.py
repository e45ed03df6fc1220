"""Which VMAgent picks up which VMServiceScrape, and why — the operator's selection rules as a pure function.

The operator (v0.74.1, ``k8stools.VisitSelected``) decides in two steps:

1. **Namespaces.** If it watches specific namespaces (``WATCH_NAMESPACE``), exactly those. Otherwise, with
   ``serviceScrapeSelector`` set but ``serviceScrapeNamespaceSelector`` absent, only the agent's own
   namespace. With ``serviceScrapeNamespaceSelector`` set, namespaces whose *labels* match it — ``{}``
   matches every namespace. With neither set, nothing is selected unless ``selectAllByDefault`` is true,
   in which case every namespace.
2. **Objects.** In those namespaces, scrapes whose labels match ``serviceScrapeSelector`` (absent or
   ``{}``: all of them).

Absent (``None``) and empty (``{}``) selectors are different things here, as they are in the operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .grammar import object_key
from .models import LabelSelector, VMAgentModel, VMServiceScrapeModel
from .settings import OperatorSettings

#: A VMAgent as a model or a manifest (validated on the way in).
AgentLike = VMAgentModel | Mapping[str, Any]
#: A VMServiceScrape as a model or a manifest (validated on the way in).
ScrapeLike = VMServiceScrapeModel | Mapping[str, Any]


def _labels(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _meta(obj: Mapping[str, Any], key: str, default: str = "") -> str:
    return (obj.get("metadata") or {}).get(key) or default


def selector_mismatch(selector: LabelSelector, labels: Mapping[str, str]) -> str | None:
    """Why ``labels`` do not match a Kubernetes label selector, in words; None when they match."""
    for key, value in (selector.match_labels or {}).items():
        if key not in labels:
            return f"label `{key}` missing (wants `{key}={value}`)"
        if labels[key] != value:
            return f"label `{key}` is `{labels[key]}`, not `{value}`"
    for expr in selector.match_expressions or ():
        key, op, values = expr.key, expr.operator, list(expr.values or ())
        present = key in labels
        if op == "In" and (not present or labels[key] not in values):
            have = f"`{labels[key]}`" if present else "missing"
            return f"label `{key}` is {have}, not in {values}"
        if op == "NotIn" and present and labels[key] in values:
            return f"label `{key}` is `{labels[key]}`, which is in {values}"
        if op == "Exists" and not present:
            return f"label `{key}` missing (must exist)"
        if op == "DoesNotExist" and present:
            return f"label `{key}` present (must not exist)"
    return None


def _written(selector: LabelSelector) -> bool:
    # Whether the manifest wrote anything into the selector (``{}`` writes nothing).
    return selector.match_labels is not None or selector.match_expressions is not None


@dataclass(frozen=True)
class Selection:
    """One agent/scrape pair: whether the agent selects the scrape, and the reason in words."""

    agent: str  # namespace/name
    scrape: str  # namespace/name
    selected: bool
    reason: str


def _namespace_decision(
    agent: VMAgentModel,
    scrape_namespace: str,
    namespaces: Mapping[str, Mapping[str, str]],
    operator: OperatorSettings,
) -> tuple[bool, str]:
    spec = agent.spec
    agent_ns = agent.namespace or "default"
    object_selector = spec.service_scrape_selector
    ns_selector = spec.service_scrape_namespace_selector
    if ns_selector is None and object_selector is None and not spec.select_all_by_default:
        return False, (
            "the agent selects no VMServiceScrapes: serviceScrapeSelector and "
            "serviceScrapeNamespaceSelector are both absent and selectAllByDefault is false"
        )
    if operator.watch_namespaces:
        if scrape_namespace in operator.watch_namespaces:
            return True, f"namespace `{scrape_namespace}` is watched by the operator (WATCH_NAMESPACE)"
        return False, (
            f"namespace `{scrape_namespace}` is not watched by the operator "
            f"(WATCH_NAMESPACE={','.join(operator.watch_namespaces)})"
        )
    if object_selector is not None and ns_selector is None:
        if scrape_namespace == agent_ns:
            return True, "in the agent's own namespace"
        return False, (
            f"namespace `{scrape_namespace}` is not the agent's namespace `{agent_ns}` "
            "(serviceScrapeNamespaceSelector is absent, so only the agent's own namespace is searched)"
        )
    if ns_selector is not None:
        if ns_selector.is_empty:
            return True, "serviceScrapeNamespaceSelector is {} (all namespaces)"
        labels = namespaces.get(scrape_namespace)
        if labels is None:
            return False, (
                f"namespace `{scrape_namespace}` is unknown (no Namespace object given), so "
                "serviceScrapeNamespaceSelector cannot match it"
            )
        why = selector_mismatch(ns_selector, labels)
        if why:
            return (
                False,
                f"namespace `{scrape_namespace}` not matched by serviceScrapeNamespaceSelector: {why}",
            )
        return True, f"namespace `{scrape_namespace}` matched by serviceScrapeNamespaceSelector"
    return True, "selectAllByDefault is true (all namespaces)"


def explain_selection(
    agent: AgentLike,
    scrape: ScrapeLike,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    operator: OperatorSettings | None = None,
) -> Selection:
    """Whether ``agent`` (a VMAgent) selects ``scrape`` (a VMServiceScrape), and why.

    Either may be a model or a manifest (validated first). ``namespaces`` maps namespace names to their
    labels (needed only for label-based namespace selectors).
    """
    agent = VMAgentModel.from_manifest(agent)
    scrape = VMServiceScrapeModel.from_manifest(scrape)
    operator = operator or OperatorSettings()
    agent_key = object_key(agent)
    scrape_ns = scrape.namespace or "default"
    scrape_key = object_key(scrape)
    spec = agent.spec
    if spec.ingest_only_mode:
        return Selection(
            agent_key,
            scrape_key,
            False,
            "the agent runs in ingestOnlyMode, which takes no scrape objects at all",
        )
    if spec.daemon_set_mode:
        return Selection(
            agent_key,
            scrape_key,
            False,
            "the agent runs in daemonSetMode, which takes no VMServiceScrapes (only VMPodScrapes)",
        )
    ok, why = _namespace_decision(agent, scrape_ns, namespaces or {}, operator)
    if not ok:
        return Selection(agent_key, scrape_key, False, why)
    object_selector = spec.service_scrape_selector
    if object_selector is not None and _written(object_selector):
        mismatch = selector_mismatch(object_selector, scrape.labels or {})
        if mismatch:
            return Selection(
                agent_key,
                scrape_key,
                False,
                f"not matched by serviceScrapeSelector: {mismatch} on the scrape",
            )
        why += "; matched by serviceScrapeSelector"
    return Selection(agent_key, scrape_key, True, why)


def select_service_scrapes(
    agent: AgentLike,
    scrapes: Iterable[ScrapeLike],
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    operator: OperatorSettings | None = None,
) -> list[VMServiceScrapeModel]:
    """The scrapes ``agent`` selects, in the operator's order (sorted by ``namespace/name``)."""
    agent = VMAgentModel.from_manifest(agent)
    models = [VMServiceScrapeModel.from_manifest(s) for s in scrapes]
    chosen = [s for s in models if explain_selection(agent, s, namespaces, operator).selected]
    return sorted(chosen, key=object_key)


def namespace_labels(objects: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, str]]:
    """``{name: labels}`` of the Namespace objects among ``objects``."""
    return {_meta(o, "name"): _labels(o) for o in objects if o.get("kind") == "Namespace"}


@dataclass
class SelectionReport:
    """Every agent/scrape pair, plus what a reviewer must hear: scrapes taken by no agent or by several."""

    pairs: list[Selection]
    #: Scrapes (``namespace/name``) that no agent selects: they will never be scraped.
    unselected: list[str]
    #: Scrapes selected by more than one agent -> those agents: their targets are scraped twice.
    duplicated: dict[str, list[str]]

    def warnings(self) -> list[str]:
        """What a reviewer must hear, one line each (the wording every command and component uses)."""
        out = [unselected_warning(s) for s in self.unselected]
        out += [duplicated_warning(s, agents) for s, agents in self.duplicated.items()]
        return out


def unselected_warning(scrape: str) -> str:
    """The warning for a scrape (``namespace/name``) that no given VMAgent selects."""
    return f"VMServiceScrape {scrape} is selected by no VMAgent: it will not be scraped"


def duplicated_warning(scrape: str, agents: Sequence[str]) -> str:
    """The warning for a scrape that several VMAgents (``namespace/name`` each) select."""
    return (
        f"VMServiceScrape {scrape} is selected by {len(agents)} VMAgents ({', '.join(agents)}): "
        "its targets are scraped once per agent"
    )


def not_selected_warning(scrape: str, agent: str, reason: str) -> str:
    """The warning for a scrape one VMAgent (``namespace/name``) leaves out, with the reason."""
    return f"VMServiceScrape {scrape} is not selected by VMAgent {agent}: {reason}"


def selection_report(
    agents: Sequence[AgentLike],
    scrapes: Sequence[ScrapeLike],
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    operator: OperatorSettings | None = None,
) -> SelectionReport:
    """Which of ``agents`` select which of ``scrapes`` (models or manifests), and why, for every pair."""
    agent_models = [VMAgentModel.from_manifest(a) for a in agents]
    scrape_models = [VMServiceScrapeModel.from_manifest(s) for s in scrapes]
    pairs = [explain_selection(a, s, namespaces, operator) for s in scrape_models for a in agent_models]
    by_scrape: dict[str, list[str]] = {}
    for p in pairs:
        by_scrape.setdefault(p.scrape, [])
        if p.selected:
            by_scrape[p.scrape].append(p.agent)
    return SelectionReport(
        pairs=sorted(pairs, key=lambda p: (p.scrape, p.agent)),
        unselected=sorted(s for s, chosen in by_scrape.items() if not chosen),
        duplicated={s: sorted(chosen) for s, chosen in sorted(by_scrape.items()) if len(chosen) > 1},
    )
