"""One VMServiceScrape → the vmagent scrape jobs the VictoriaMetrics operator generates for it.

This follows the operator's ``generateServiceScrapeConfig`` (v0.74.1) rule for rule and key for key:
the order of keys in a job and of relabeling rules is the operator's, so that the YAML we print is the
YAML the operator writes. Input is the validated model
(:class:`~vmscrape_component.models.VMServiceScrapeModel` and the agent's
:class:`~vmscrape_component.settings.AgentSettings`); manifests are parsed into models before they get here.
The job's parts are built next door, one module per concern as the operator splits its builders:
:mod:`.discovery` (roles, namespaces, ``kubernetes_sd_configs``), :mod:`.relabel` (relabel rules and
selectors), :mod:`.scrape_class` (scrape-class merges) and :mod:`.auth` (TLS, credentials, proxy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..grammar import DurationError, duration_ms, sanitize_label_name
from ..models import Endpoint, VMServiceScrapeModel
from ..settings import AgentSettings
from .assets import Assets
from .auth import has_auth, render_endpoint_auth, render_vm_scrape_params
from .discovery import (
    DISCOVERY_ROLES,
    PORT_NAME_LABEL,
    ROLE_SERVICE,
    effective_discovery_role,
    role_relabelings,
    sd_config,
)
from .relabel import Rule, label_selector_string, render_relabel_config, selector_relabelings
from .scrape_class import merge_attach_metadata, scrape_class_for, with_scrape_class

__all__ = [
    "DISCOVERY_ROLES",
    "Job",
    "Rule",
    "effective_discovery_role",
    "job_name",
    "label_selector_string",
    "limited_scrape_interval",
    "render_endpoint_job",
    "render_relabel_config",
    "render_scrape_jobs",
    "scrape_class_for",
    "selector_relabelings",
]

Job = dict[str, Any]


def job_name(namespace: str, name: str, index: int) -> str:
    return f"serviceScrape/{namespace}/{name}/{index}"


def _target_port_text(target_port: int | str) -> str:
    # Kubernetes IntOrString.String(): a string as is, a number in decimal.
    return target_port if isinstance(target_port, str) else str(int(target_port))


# -- interval limits ------------------------------------------------------------------------------------


def limited_scrape_interval(interval: str, agent: AgentSettings) -> str:
    """The job's interval after the agent's ``minScrapeInterval``/``maxScrapeInterval`` are applied.

    The operator's ``setScrapeIntervalToWithLimit``: durations read by ``metricsql.DurationValue``
    (:func:`~vmscrape_component.grammar.duration_ms`); an unreadable one leaves the interval as it is.
    """
    lo, hi = agent.min_scrape_interval, agent.max_scrape_interval
    if not interval or (lo is None and hi is None):
        return interval
    try:
        value = duration_ms(interval)
        if lo is not None and duration_ms(lo) >= value:
            return lo
        if hi is not None and duration_ms(hi) < value:
            return hi
    except DurationError:
        return interval
    return interval


# -- the job --------------------------------------------------------------------------------------------

#: Rules and blocks that many jobs have in common (the same relabel rule, the same discovery block), built
#: once per render and then shared by the jobs that have them, so that the emitter writes each once. Only
#: ever handed out through :func:`unshared` copies: see :func:`render_scrape_jobs`.
Shared = dict[tuple[Any, ...], Any]


def _keep_rule(shared: Shared, action: str, source_label: str, regex: str) -> Rule:
    key = ("filter", action, source_label, regex)
    rule = shared.get(key)
    if rule is None:
        rule = shared[key] = {"action": action, "source_labels": [source_label], "regex": regex}
    return rule


def _copy_label_rule(shared: Shared, role_object: str, label: str) -> Rule:
    # A Service or Pod label copied onto the target when it has a value.
    key = ("copy", role_object, label)
    rule = shared.get(key)
    if rule is None:
        clean = sanitize_label_name(label)
        rule = shared[key] = {
            "source_labels": [f"__meta_kubernetes_{role_object}_label_{clean}"],
            "target_label": clean,
            "regex": "(.+)",
            "replacement": "${1}",
        }
    return rule


def _endpoint_rule(shared: Shared, port: str) -> Rule:
    key = ("endpoint", port)
    rule = shared.get(key)
    if rule is None:
        rule = shared[key] = {"target_label": "endpoint", "replacement": port}
    return rule


class _ScrapeJobs:
    """The jobs of one VMServiceScrape: what its endpoints have in common is worked out once, in
    ``__init__``; :meth:`job` then builds one endpoint's job top to bottom in the operator's order."""

    __slots__ = (
        *("agent", "assets", "shared", "namespace", "name", "spec"),
        *("scrape_class", "role", "namespaces", "service_filter", "target_rules"),
    )

    def __init__(self, scrape: VMServiceScrapeModel, agent: AgentSettings, assets: Assets, shared: Shared):
        self.agent, self.assets, self.shared = agent, assets, shared
        self.namespace: str = scrape.namespace or "default"
        self.name: str = scrape.name
        self.spec = spec = scrape.spec
        self.scrape_class = scrape_class_for(spec.scrape_class, agent)
        self.role = effective_discovery_role(spec, agent)
        #: None: every namespace (the one spelling, :func:`vmscrape_component.grammar.discovery_namespaces`).
        self.namespaces = spec.discovery_namespaces(
            self.namespace, ignore_selectors=agent.ignore_namespace_selectors
        )
        #: The Service selector as keep/drop rules, unless the API server filters by it.
        self.service_filter: list[Rule] = []
        if not agent.enable_kubernetes_api_selectors:
            self.service_filter = [
                _keep_rule(shared, r["action"], r["source_labels"][0], r["regex"])
                for r in selector_relabelings("service", spec.selector)
            ]
        #: The target labels every endpoint gets: node/pod/container, namespace, service, copied labels, job.
        self.target_rules: list[Rule] = self._target_rules()

    def _target_rules(self) -> list[Rule]:
        spec, role, shared = self.spec, self.role, self.shared
        target_labels = tuple(spec.target_labels or ())
        pod_labels = tuple(spec.pod_target_labels or ()) if role != ROLE_SERVICE else ()
        job_label = spec.job_label or ""
        key = ("middle", role, target_labels, pod_labels, job_label)
        rules: list[Rule] | None = shared.get(key)
        if rules is not None:
            return rules
        rules = role_relabelings(role)
        rules.append({"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"})
        rules.append({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"})
        rules += [_copy_label_rule(shared, "service", label) for label in target_labels]
        rules += [_copy_label_rule(shared, "pod", label) for label in pod_labels]
        # The job label defaults to the service name; jobLabel (a *label key* of the Service) overrides it
        # when the Service carries that label.
        rules.append(
            {
                "source_labels": ["__meta_kubernetes_service_name"],
                "target_label": "job",
                "replacement": "${1}",
            }
        )
        if job_label:
            rules.append(
                {
                    "source_labels": [f"__meta_kubernetes_service_label_{sanitize_label_name(job_label)}"],
                    "target_label": "job",
                    "regex": "(.+)",
                    "replacement": "${1}",
                }
            )
        shared[key] = rules
        return rules

    def job(self, index: int) -> Job:
        """Endpoint ``index``'s job, key by key in the operator's order: name, discovery, scrape
        parameters, target relabeling, sample relabeling, VictoriaMetrics parameters, auth and TLS."""
        agent, spec, namespace = self.agent, self.spec, self.namespace
        ep = spec.endpoints[index]
        if self.scrape_class is not None:
            ep = with_scrape_class(ep, self.scrape_class)

        job: Job = {"job_name": job_name(namespace, self.name, index)}
        job["kubernetes_sd_configs"] = [self._sd_config(ep)]

        # Common scrape parameters; the agent's overrides and interval limits win.
        job["honor_labels"] = bool(ep.honor_labels) and not agent.override_honor_labels
        if ep.honor_timestamps is not None or agent.override_honor_timestamps:
            job["honor_timestamps"] = bool(ep.honor_timestamps) and not agent.override_honor_timestamps
        interval = limited_scrape_interval(ep.scrape_interval or ep.interval or "", agent)
        if interval:
            job["scrape_interval"] = interval
        if ep.scrape_timeout:
            job["scrape_timeout"] = ep.scrape_timeout
        if ep.path:
            job["metrics_path"] = ep.path
        if ep.proxy_url is not None:
            job["proxy_url"] = ep.proxy_url
        if ep.follow_redirects is not None:
            job["follow_redirects"] = ep.follow_redirects
        if ep.params:
            job["params"] = {k: list(ep.params[k]) for k in sorted(ep.params)}
        if ep.scheme:
            job["scheme"] = ep.scheme.lower()
        if ep.max_scrape_size:
            job["max_scrape_size"] = ep.max_scrape_size
        # An endpoint's limit wins over the scrape's.
        sample_limit = ep.sample_limit or spec.sample_limit or 0
        if sample_limit > 0:
            job["sample_limit"] = sample_limit
        series_limit = ep.series_limit or spec.series_limit or 0
        if series_limit > 0:
            job["series_limit"] = series_limit

        job["relabel_configs"] = self._relabel_configs(ep)

        enforced = agent.enforced_namespace_label
        # A sample rule writing the enforced namespace label is dropped: the namespace must stay true.
        metric_rules = [
            render_relabel_config(rc)
            for rc in ep.metric_relabel_configs or ()
            if not (enforced and rc.target_label == enforced)
        ]
        if metric_rules:
            job["metric_relabel_configs"] = metric_rules
        if ep.vm_scrape_params is not None:
            job.update(render_vm_scrape_params(namespace, ep.vm_scrape_params, self.assets))
        if has_auth(ep):
            job.update(render_endpoint_auth(namespace, ep, self.assets))
        return job

    def _sd_config(self, ep: Endpoint) -> dict[str, Any]:
        # The endpoint's attach_metadata wins over the scrape's, flag by flag.
        attach = merge_attach_metadata(ep.attach_metadata, self.spec.attach_metadata)
        agent = self.agent
        if agent.api_server_config is not None or agent.enable_kubernetes_api_selectors:
            # Per scrape: credentials resolved in the scrape's namespace, selectors from its selector.
            return sd_config(
                self.role, self.namespaces, attach, self.spec.selector, self.namespace, agent, self.assets
            )
        sd_key = (
            "sd",
            self.role,
            None if self.namespaces is None else tuple(self.namespaces),
            bool(attach is not None and attach.node),
            bool(attach is not None and attach.namespace),
        )
        sd: dict[str, Any] | None = self.shared.get(sd_key)
        if sd is None:
            sd = self.shared[sd_key] = sd_config(
                self.role, self.namespaces, attach, self.spec.selector, self.namespace, agent, self.assets
            )
        return sd

    def _relabel_configs(self, ep: Endpoint) -> list[Rule]:
        """Target relabeling in the operator's order: Service filter, port filter, target labels,
        ``endpoint`` label, the endpoint's own rules, the agent's template, the enforced namespace."""
        role, agent, shared = self.role, self.agent, self.shared
        rules: list[Rule] = list(self.service_filter)

        port = ep.port or ""
        target_port = ep.target_port
        # targetPort only filters pod-backed roles; the service role has no container ports.
        by_target_port = not port and target_port is not None and role != ROLE_SERVICE
        if port:
            label = PORT_NAME_LABEL.get(role)
            if label:
                rules.append(_keep_rule(shared, "keep", label, port))
        elif by_target_port and isinstance(target_port, str) and target_port:
            rules.append(_keep_rule(shared, "keep", "__meta_kubernetes_pod_container_port_name", target_port))
        elif by_target_port and isinstance(target_port, int) and target_port != 0:
            rules.append(
                _keep_rule(
                    shared,
                    "keep",
                    "__meta_kubernetes_pod_container_port_number",
                    _target_port_text(target_port),
                )
            )

        rules += self.target_rules

        if port:
            rules.append(_endpoint_rule(shared, port))
        elif by_target_port and target_port is not None and _target_port_text(target_port) != "":
            rules.append(_endpoint_rule(shared, _target_port_text(target_port)))

        rules += [render_relabel_config(rc) for rc in ep.relabel_configs or ()]
        rules += [render_relabel_config(rc) for rc in agent.relabel_template]
        if agent.enforced_namespace_label:
            # Last, so that no user rule can override the namespace of origin.
            rules.append({"target_label": agent.enforced_namespace_label, "replacement": self.namespace})
        return rules


def unshared(value: Any) -> Any:
    """A copy of rendered data (dicts, lists, scalars) that shares no dict or list with anything."""
    kind = type(value)
    if kind is dict:
        # Scalars are immutable: only containers are copied (this runs once per rule of every job).
        return {k: unshared(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [unshared(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = (dict, list)


def render_endpoint_job(
    scrape: VMServiceScrapeModel,
    index: int,
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
) -> Job:
    """The job for endpoint ``index`` of a VMServiceScrape, as the operator builds it.

    The job is the caller's: nothing in it is shared with another job or a later render. Raises
    :class:`~vmscrape_component.render.assets.MissingReference` when ``assets`` is strict and a referenced
    Secret/ConfigMap is unknown (the operator then skips the whole scrape).
    """
    job = _ScrapeJobs(scrape, agent or AgentSettings(), assets or Assets(), {}).job(index)
    return unshared(job)  # type: ignore[no-any-return]


def render_scrape_jobs(
    scrape: VMServiceScrapeModel,
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
) -> list[Job]:
    """Every job of one VMServiceScrape: one per endpoint, in endpoint order.

    The jobs are the caller's to change: no part of one is shared with another job or a later render.
    """
    return unshared(build_scrape_jobs(scrape, agent or AgentSettings(), assets or Assets(), {}))  # type: ignore[no-any-return]


def build_scrape_jobs(
    scrape: VMServiceScrapeModel, agent: AgentSettings, assets: Assets, shared: Shared
) -> Sequence[Job]:
    """The jobs of one scrape, sharing rules and blocks through ``shared`` with every other call given the
    same dict (a whole config uses one). For the renderer's own use: hand jobs out only as
    :func:`unshared` copies. ``shared`` holds only values derived from the models, never from ``assets``."""
    if not scrape.spec.endpoints:
        return []
    jobs = _ScrapeJobs(scrape, agent, assets, shared)
    return [jobs.job(i) for i in range(len(scrape.spec.endpoints))]
