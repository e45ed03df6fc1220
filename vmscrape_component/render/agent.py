"""A whole vmagent config (``global`` + ``scrape_configs``) for one VMAgent and the scrapes it selects.

Follows the operator's ``BuildScrapeJobsConfig``: the global section first, then the service-scrape jobs
of the selected scrapes sorted by ``namespace/name``, each scrape's endpoints in order. A scrape the
operator would reject (unknown scrape class, forbidden file access, a missing Secret) is left out and
reported in :attr:`AgentConfig.skipped`, as the operator leaves it out and marks it in its status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..grammar import object_key
from ..select import select_service_scrapes
from ._gc import gc_paused
from .assets import Assets, MissingReference
from .scrape import Job, Shared, render_scrape_jobs
from .settings import AgentSettings, OperatorSettings

DEFAULT_SCRAPE_INTERVAL = "30s"


@dataclass
class AgentConfig:
    """The rendered config and what happened on the way.

    Jobs share the parts they have in common (a relabel rule, a discovery block) as one object: copy a
    job (``copy.deepcopy``) before changing it in place.
    """

    global_: dict[str, Any]
    jobs: list[Job]
    #: ``namespace/name`` → why the operator would leave that selected scrape out.
    skipped: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"global": self.global_, "scrape_configs": self.jobs}


def external_labels(agent: Mapping[str, Any]) -> dict[str, str]:
    """The agent's external labels, sorted, with ``prometheus: <ns>/<name>`` unless renamed or disabled."""
    spec = agent.get("spec") or {}
    meta = agent.get("metadata") or {}
    labels: dict[str, str] = {}
    name = spec.get("externalLabelName")
    if name is None:
        name = spec.get("vmAgentExternalLabelName")
    if name is None:
        name = "prometheus"
    if name:
        labels[name] = f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"
    labels.update(spec.get("externalLabels") or {})
    return {k: labels[k] for k in sorted(labels)}


def _global_relabel(rc: Mapping[str, Any]) -> dict[str, Any]:
    # Global relabel configs are marshalled straight from the operator's struct: snake_case keys in
    # struct order (source_labels, target_label, separator, regex, modulus, replacement, action, if, ...).
    out: dict[str, Any] = {}
    source = rc.get("source_labels") or rc.get("sourceLabels")
    if source:
        out["source_labels"] = list(source)
    target = rc.get("target_label") or rc.get("targetLabel")
    if target:
        out["target_label"] = target
    for key in ("separator", "regex", "modulus", "replacement", "action", "if", "match"):
        value = rc.get(key)
        if value is not None and value != "" and value != 0 and value != []:
            out[key] = value[0] if isinstance(value, list) and len(value) == 1 else value
    if rc.get("labels"):
        out["labels"] = {k: rc["labels"][k] for k in sorted(rc["labels"])}
    return out


def render_global(agent: Mapping[str, Any]) -> dict[str, Any]:
    spec = agent.get("spec") or {}
    section: dict[str, Any] = {
        "scrape_interval": spec.get("scrapeInterval") or DEFAULT_SCRAPE_INTERVAL,
        "external_labels": external_labels(agent),
    }
    if (spec.get("sampleLimit") or 0) > 0:
        section["sample_limit"] = spec["sampleLimit"]
    if spec.get("scrapeTimeout"):
        section["scrape_timeout"] = spec["scrapeTimeout"]
    if spec.get("globalScrapeMetricRelabelConfigs"):
        section["metric_relabel_configs"] = [
            _global_relabel(rc) for rc in spec["globalScrapeMetricRelabelConfigs"]
        ]
    if spec.get("globalScrapeRelabelConfigs"):
        section["relabel_configs"] = [_global_relabel(rc) for rc in spec["globalScrapeRelabelConfigs"]]
    return section


_FS_FIELDS = (
    (("bearerTokenFile",), "bearerTokenFile"),
    (("basicAuth", "password_file"), "basicAuth.passwordFile"),
    (("oauth2", "client_secret_file"), "oauth2.clientSecretFile"),
    (("authorization", "credentialsFile"), "authorization.credentialsFile"),
    (("tlsConfig", "caFile"), "tlsConfig.caFile"),
    (("tlsConfig", "certFile"), "tlsConfig.certFile"),
    (("tlsConfig", "keyFile"), "tlsConfig.keyFile"),
)


def _dig(obj: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def forbidden_file_access(endpoint: Mapping[str, Any]) -> list[str]:
    """Fields that read files on the agent's disk, which ``arbitraryFSAccessThroughSMs.deny`` forbids."""
    found = [label for path, label in _FS_FIELDS if _dig(endpoint, path)]
    proxy = _dig(endpoint, ("vm_scrape_params", "proxy_client_config"))
    if proxy:
        for path, label in (
            (("bearer_token_file",), "bearer_token_file"),
            (("basic_auth", "password_file"), "basic_auth.passwordFile"),
            (("oauth2", "client_secret_file"), "oauth2.clientSecretFile"),
            (("authorization", "credentialsFile"), "authorization.credentialsFile"),
            (("tls_config", "caFile"), "tls_config.caFile"),
            (("tls_config", "certFile"), "tls_config.certFile"),
            (("tls_config", "keyFile"), "tls_config.keyFile"),
        ):
            if _dig(proxy, path):
                found.append(label)
    return found


def _rejection(scrape: Mapping[str, Any], agent_spec: Mapping[str, Any]) -> str | None:
    spec = scrape.get("spec") or {}
    if (agent_spec.get("arbitraryFSAccessThroughSMs") or {}).get("deny"):
        for endpoint in spec.get("endpoints") or ():
            props = forbidden_file_access(endpoint)
            if props:
                return f"{', '.join(props)} are prohibited: the agent sets arbitraryFSAccessThroughSMs.deny"
    name = spec.get("scrapeClass")
    if name is not None and name not in {c.get("name") for c in agent_spec.get("scrapeClasses") or ()}:
        return f"scrape class {name!r} is not defined by the agent"
    return None


def render_agent_config(
    agent: Mapping[str, Any],
    scrapes: Iterable[Mapping[str, Any]],
    *,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    assets: Assets | None = None,
    operator: OperatorSettings | None = None,
    preselected: bool = False,
) -> AgentConfig:
    """The vmagent config the operator writes for ``agent`` (a VMAgent manifest).

    ``scrapes``: VMServiceScrape manifests in the cluster; the agent's selectors pick among them unless
    ``preselected`` (then all are used, still in the operator's order). ``namespaces``: namespace labels,
    for label-based namespace selectors. ``assets``: known Secrets/ConfigMaps.
    """
    with gc_paused():
        return _render_agent_config(agent, scrapes, namespaces, assets, operator, preselected)


def _render_agent_config(
    agent: Mapping[str, Any],
    scrapes: Iterable[Mapping[str, Any]],
    namespaces: Mapping[str, Mapping[str, str]] | None,
    assets: Assets | None,
    operator: OperatorSettings | None,
    preselected: bool,
) -> AgentConfig:
    operator = operator or OperatorSettings()
    assets = assets or Assets()
    meta = agent.get("metadata") or {}
    spec = agent.get("spec") or {}
    settings = AgentSettings.from_spec(spec, namespace=meta.get("namespace") or "default", operator=operator)
    scrapes = list(scrapes)
    if preselected:
        chosen = sorted(scrapes, key=object_key)
    else:
        chosen = select_service_scrapes(agent, scrapes, namespaces, operator)

    config = AgentConfig(global_=render_global(agent), jobs=[])
    seen: set[str] = set()
    shared: Shared = {}
    for scrape in chosen:
        key = object_key(scrape)
        if key in seen:
            config.skipped[key] = "duplicate namespace/name"
            continue
        seen.add(key)
        why = _rejection(scrape, spec)
        if why:
            config.skipped[key] = why
            continue
        try:
            config.jobs.extend(render_scrape_jobs(scrape, settings, assets, shared=shared))
        except MissingReference as exc:
            config.skipped[key] = str(exc)
    return config
