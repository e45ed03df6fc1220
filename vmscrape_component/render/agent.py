"""A whole vmagent config (``global`` + ``scrape_configs``) for one VMAgent and the scrapes it selects.

Follows the operator's ``BuildScrapeJobsConfig``: the global section first, then the service-scrape jobs
of the selected scrapes sorted by ``namespace/name``, each scrape's endpoints in order. A scrape the
operator would reject (unknown scrape class, forbidden file access, a missing Secret) is left out and
reported in :attr:`AgentConfig.skipped`, as the operator leaves it out and marks it in its status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..bulk import gc_paused
from ..grammar import object_key
from ..lint import refusal_warnings
from ..models import Endpoint, VMAgentModel, VMAgentSpec, VMServiceScrapeModel, credentials
from ..select import select_service_scrapes
from ..settings import AgentSettings, OperatorSettings
from .assets import Assets, MissingReference
from .scrape import Job, Shared, build_scrape_jobs, unshared

DEFAULT_SCRAPE_INTERVAL = "30s"


class AgentConfig:
    """The rendered config and what happened on the way.

    :attr:`jobs` are the caller's to change: no part of one job is shared with another job, with
    :attr:`global_` or with a later render. (The renderer builds the parts jobs have in common once and
    the emitter writes each once; :func:`~vmscrape_component.render.config_yaml` uses that directly, and
    copies are made only when :attr:`jobs` is first read.)
    """

    __slots__ = ("_built", "_jobs", "global_", "skipped")

    def __init__(
        self, global_: dict[str, Any], jobs: list[Job], skipped: dict[str, str] | None = None
    ) -> None:
        #: The ``global`` section: default interval, external labels, limits, global relabelings.
        self.global_ = global_
        #: ``namespace/name`` → why the operator would leave that selected scrape out.
        self.skipped: dict[str, str] = {} if skipped is None else skipped
        # As built: may share rule objects between jobs; never handed out.
        self._built = jobs
        self._jobs: list[Job] | None = None

    @property
    def jobs(self) -> list[Job]:
        """The scrape jobs, in the operator's order (``scrape_configs``)."""
        if self._jobs is None:
            with gc_paused():
                self._jobs = unshared(self._built)
        return self._jobs

    @jobs.setter
    def jobs(self, jobs: list[Job]) -> None:
        self._built = self._jobs = jobs

    def as_dict(self) -> dict[str, Any]:
        """``{"global": ..., "scrape_configs": [...]}``, as vmagent reads it."""
        return {"global": self.global_, "scrape_configs": self.jobs}

    def shared_dict(self) -> dict[str, Any]:
        """As :meth:`as_dict`, without copying the jobs: they may share sub-trees, so only read it (what
        ``vmscrape diff`` compares)."""
        return self._emitted_tree()

    @property
    def job_names(self) -> list[str]:
        """The jobs' names, in order (without copying the jobs)."""
        return [job["job_name"] for job in self._current()]

    def holds_credentials(self) -> bool:
        """Whether a job holds a credential value (:mod:`~vmscrape_component.models.credentials`: one
        written in a CR, such as a header value, or a revealed Secret value), without copying the jobs."""
        return credentials.holds_credentials(self._current())

    def refusal_warnings(self) -> list[str]:
        """:func:`~vmscrape_component.lint.refusal_warnings` of the jobs (without copying them)."""
        return refusal_warnings(self._current())

    def _current(self) -> list[Job]:
        # What the jobs are now: the copies once handed out (and maybe changed), else the build.
        return self._built if self._jobs is None else self._jobs

    def _emitted_tree(self) -> dict[str, Any]:
        # For config_yaml only: shared parts let the emitter write each of them once.
        return {"global": self.global_, "scrape_configs": self._current()}


def external_labels(agent: VMAgentModel | None) -> dict[str, str]:
    """The agent's external labels, sorted, with ``prometheus: <ns>/<name>`` unless renamed or disabled."""
    if agent is None:
        return {}
    spec = agent.spec
    labels: dict[str, str] = {}
    name = spec.external_label_name
    if name is None:
        name = spec.vm_agent_external_label_name
    if name is None:
        name = "prometheus"
    if name:
        labels[name] = f"{agent.namespace or 'default'}/{agent.name}"
    labels.update(spec.external_labels or {})
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


def render_global(agent: VMAgentModel | None) -> dict[str, Any]:
    """The ``global`` section the operator writes for ``agent`` (``None``: no agent, no external label)."""
    spec = agent.spec if agent is not None else VMAgentSpec()
    section: dict[str, Any] = {
        "scrape_interval": spec.scrape_interval or DEFAULT_SCRAPE_INTERVAL,
        "external_labels": external_labels(agent),
    }
    if (spec.sample_limit or 0) > 0:
        section["sample_limit"] = spec.sample_limit
    if spec.scrape_timeout:
        section["scrape_timeout"] = spec.scrape_timeout
    # Not modelled (kept as given in the spec's extra keys): copied in the operator's struct spelling.
    extra = spec.model_extra or {}
    if extra.get("globalScrapeMetricRelabelConfigs"):
        section["metric_relabel_configs"] = [
            _global_relabel(rc) for rc in extra["globalScrapeMetricRelabelConfigs"]
        ]
    if extra.get("globalScrapeRelabelConfigs"):
        section["relabel_configs"] = [_global_relabel(rc) for rc in extra["globalScrapeRelabelConfigs"]]
    return section


def forbidden_file_access(endpoint: Endpoint) -> list[str]:
    """Fields that read files on the agent's disk, which ``arbitraryFSAccessThroughSMs.deny`` forbids."""
    ep, tls = endpoint, endpoint.tls_config
    found = [
        label
        for label, value in (
            ("bearerTokenFile", ep.bearer_token_file),
            ("basicAuth.passwordFile", ep.basic_auth and ep.basic_auth.password_file),
            ("oauth2.clientSecretFile", ep.oauth2 and ep.oauth2.client_secret_file),
            ("authorization.credentialsFile", ep.authorization and ep.authorization.credentials_file),
            ("tlsConfig.caFile", tls and tls.ca_file),
            ("tlsConfig.certFile", tls and tls.cert_file),
            ("tlsConfig.keyFile", tls and tls.key_file),
        )
        if value
    ]
    proxy = ep.vm_scrape_params.proxy_client_config if ep.vm_scrape_params is not None else None
    if proxy is not None:
        ptls = proxy.tls_config
        found += [
            label
            for label, value in (
                ("bearer_token_file", proxy.bearer_token_file),
                ("basic_auth.passwordFile", proxy.basic_auth and proxy.basic_auth.password_file),
                ("oauth2.clientSecretFile", proxy.oauth2 and proxy.oauth2.client_secret_file),
                (
                    "authorization.credentialsFile",
                    proxy.authorization and proxy.authorization.credentials_file,
                ),
                ("tls_config.caFile", ptls and ptls.ca_file),
                ("tls_config.certFile", ptls and ptls.cert_file),
                ("tls_config.keyFile", ptls and ptls.key_file),
            )
            if value
        ]
    return found


def _rejection(scrape: VMServiceScrapeModel, agent_spec: VMAgentSpec) -> str | None:
    fs_access = agent_spec.arbitrary_fs_access_through_sms
    if fs_access is not None and fs_access.deny:
        for endpoint in scrape.spec.endpoints:
            props = forbidden_file_access(endpoint)
            if props:
                return f"{', '.join(props)} are prohibited: the agent sets arbitraryFSAccessThroughSMs.deny"
    name = scrape.spec.scrape_class
    if name is not None and name not in {c.name for c in agent_spec.scrape_classes or ()}:
        return f"scrape class {name!r} is not defined by the agent"
    return None


def render_agent_config(
    agent: VMAgentModel | None,
    scrapes: Iterable[VMServiceScrapeModel],
    *,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    assets: Assets | None = None,
    operator: OperatorSettings | None = None,
    preselected: bool = False,
) -> AgentConfig:
    """The vmagent config the operator writes for ``agent``.

    ``scrapes``: the VMServiceScrapes in the cluster; the agent's selectors pick among them unless
    ``preselected`` (then all are used, still in the operator's order). ``agent=None``: no agent — default
    settings, no external label, every scrape used. ``namespaces``: namespace labels, for label-based
    namespace selectors. ``assets``: known Secrets/ConfigMaps.
    """
    with gc_paused():
        return _render_agent_config(agent, scrapes, namespaces, assets, operator, preselected)


def _render_agent_config(
    agent: VMAgentModel | None,
    scrapes: Iterable[VMServiceScrapeModel],
    namespaces: Mapping[str, Mapping[str, str]] | None,
    assets: Assets | None,
    operator: OperatorSettings | None,
    preselected: bool,
) -> AgentConfig:
    operator = operator or OperatorSettings()
    assets = assets or Assets()
    spec = agent.spec if agent is not None else VMAgentSpec()
    namespace = (agent.namespace if agent is not None else None) or "default"
    settings = AgentSettings.from_spec(spec, namespace=namespace, operator=operator)
    scrapes = list(scrapes)
    if preselected or agent is None:
        chosen = sorted(scrapes, key=object_key)
    else:
        chosen = select_service_scrapes(agent, scrapes, namespaces, operator)

    jobs: list[Job] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    shared: Shared = {}
    for scrape in chosen:
        key = object_key(scrape)
        if key in seen:
            skipped[key] = "duplicate namespace/name"
            continue
        seen.add(key)
        why = _rejection(scrape, spec)
        if why:
            skipped[key] = why
            continue
        try:
            jobs.extend(build_scrape_jobs(scrape, settings, assets, shared))
        except MissingReference as exc:
            skipped[key] = str(exc)
    return AgentConfig(render_global(agent), jobs, skipped)
