"""``VMAgent``: only the parts of its spec that decide which VMServiceScrapes it takes and how it renders
them.

A VMAgent's CRD has hundreds of other fields (pods, storage, remote write...). :class:`VMAgentSpec` models
the scrape-related ones and **accepts and keeps every other key as given** (``extra="allow"``), so a whole
VMAgent manifest reads and writes back unchanged. Keys it does not model are not checked, and must be
written in the CRD's spelling.
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator, model_validator

from .. import grammar
from ._base import INT64_MAX, AgentDuration, Duration, KubernetesObject, LabelName, VMModel
from .auth import Authorization, BasicAuth, EndpointAuth
from .credentials import secret_field
from .endpoint import AttachMetadata
from .errors import invalid
from .relabel import RelabelConfig
from .selectors import LabelSelector
from .tls import TLSConfig

__all__ = [
    "APIServerConfig",
    "ArbitraryFSAccessThroughSMsConfig",
    "ScrapeClass",
    "VMAgentModel",
    "VMAgentSpec",
]


class ArbitraryFSAccessThroughSMsConfig(VMModel):
    """Whether scrape objects may make vmagent read files of its own container."""

    deny: StrictBool | None = None
    """Reject scrapes that name files (``bearerTokenFile``, ``tlsConfig.caFile``...) instead of Secrets."""


class APIServerConfig(VMModel):
    """How vmagent reaches the Kubernetes API server, when not through its in-cluster service account."""

    host: StrictStr
    """The API server: a host name or IP with an optional port."""
    basic_auth: BasicAuth | None = Field(None, alias="basicAuth")
    """Basic authentication."""
    bearer_token: StrictStr | None = secret_field(alias="bearerToken")
    """A bearer token (the value itself)."""
    bearer_token_file: StrictStr | None = Field(None, alias="bearerTokenFile")
    """Path of a file with a bearer token."""
    tls_config: TLSConfig | None = Field(None, alias="tlsConfig")
    """TLS settings."""
    authorization: Authorization | None = None
    """An ``Authorization`` header."""


class ScrapeClass(EndpointAuth):
    """Settings a VMAgent merges into the endpoints of scrapes that use the class (by name, or by default).

    Where an endpoint sets a value itself, the endpoint's value wins; relabelings are prepended.
    """

    name: StrictStr = Field(min_length=1)
    """The class name scrapes refer to in ``scrapeClass``."""
    default: StrictBool | None = None
    """Apply to scrapes that name no class (at most one class may be the default)."""
    relabel_configs: list[RelabelConfig] | None = Field(None, alias="relabelConfigs")
    """Target relabelings put before each endpoint's own."""
    metric_relabel_configs: list[RelabelConfig] | None = Field(None, alias="metricRelabelConfigs")
    """Sample relabelings put before each endpoint's own."""
    attach_metadata: AttachMetadata | None = Field(None, alias="attachMetadata")
    """Discovery metadata to attach when the scrape sets none."""

    @model_validator(mode="after")
    def _authorization_is_usable(self) -> Self:
        # The operator validates a class's authorization (and only a class's) when it admits the VMAgent.
        authz = self.authorization
        if authz is None:
            return self
        if (authz.type or "").strip().lower() == "basic":
            raise invalid(
                "type 'basic' is not allowed here: use `basicAuth`",
                field="authorization.type",
                value=authz.type,
            )
        if authz.credentials is None and not authz.credentials_file:
            raise invalid("set `credentials` or `credentialsFile`", field="authorization")
        return self


class VMAgentSpec(VMModel):
    """The scrape-related part of a VMAgent's spec; every other key is kept as given, unchecked.

    A selector left out (``None``) and an empty selector (``{}``) differ, as in the operator: ``{}``
    selects everything, ``None`` defers to the other selector and to ``selectAllByDefault``.
    """

    model_config = ConfigDict(extra="allow")
    _root: ClassVar[str] = "spec"

    service_scrape_selector: LabelSelector | None = Field(None, alias="serviceScrapeSelector")
    """Which VMServiceScrapes to take, by label."""
    service_scrape_namespace_selector: LabelSelector | None = Field(
        None, alias="serviceScrapeNamespaceSelector"
    )
    """Which namespaces to take VMServiceScrapes from, by namespace label; unset means the agent's own."""
    select_all_by_default: StrictBool | None = Field(None, alias="selectAllByDefault")
    """With both selectors unset: take every VMServiceScrape (true) or none (false, the default)."""
    ingest_only_mode: StrictBool | None = Field(None, alias="ingestOnlyMode")
    """Generate no scrape configuration at all."""
    daemon_set_mode: StrictBool | None = Field(None, alias="daemonSetMode")
    """Run as a DaemonSet, which scrapes only VMPodScrapes (no VMServiceScrapes)."""
    service_account_name: StrictStr | None = Field(None, alias="serviceAccountName")
    """An existing service account to run as (else the operator creates one)."""
    scrape_classes: list[ScrapeClass] | None = Field(None, alias="scrapeClasses")
    """Named settings scrapes can refer to (one may be the default)."""
    min_scrape_interval: Duration | None = Field(None, alias="minScrapeInterval")
    """Shorter scrape intervals are raised to this."""
    max_scrape_interval: Duration | None = Field(None, alias="maxScrapeInterval")
    """Longer scrape intervals are lowered to this."""
    scrape_interval: AgentDuration | None = Field(None, alias="scrapeInterval")
    """Default scrape interval (``30s`` when unset)."""
    scrape_timeout: AgentDuration | None = Field(None, alias="scrapeTimeout")
    """Default scrape timeout."""
    sample_limit: StrictInt | None = Field(None, alias="sampleLimit", ge=0, le=INT64_MAX)
    """Default per-target limit of samples per scrape."""
    service_scrape_relabel_template: list[RelabelConfig] | None = Field(
        None, alias="serviceScrapeRelabelTemplate"
    )
    """Target relabelings appended to every VMServiceScrape job."""
    enforced_namespace_label: StrictStr | None = Field(None, alias="enforcedNamespaceLabel")
    """A label set to the scrape's namespace on every target, which scrapes cannot override."""
    override_honor_labels: StrictBool | None = Field(None, alias="overrideHonorLabels")
    """Force ``honor_labels: false`` on every job."""
    override_honor_timestamps: StrictBool | None = Field(None, alias="overrideHonorTimestamps")
    """Force ``honor_timestamps: false`` on every job."""
    ignore_namespace_selectors: StrictBool | None = Field(None, alias="ignoreNamespaceSelectors")
    """Meant to confine scrapes to their own namespace (operator v0.74.1 does not read it)."""
    enable_kubernetes_api_selectors: StrictBool | None = Field(None, alias="enableKubernetesAPISelectors")
    """Filter Services through the Kubernetes API (label selectors in discovery) instead of relabeling."""
    api_server_config: APIServerConfig | None = Field(None, alias="apiServerConfig")
    """How to reach the API server, when not in-cluster."""
    external_labels: dict[LabelName, StrictStr] | None = Field(None, alias="externalLabels")
    """Labels added to every scraped series."""
    external_label_name: StrictStr | None = Field(None, alias="externalLabelName")
    """Name of the label holding ``<namespace>/<name>`` of the agent (``prometheus`` when unset; ``""``
    for none)."""
    vm_agent_external_label_name: StrictStr | None = Field(None, alias="vmAgentExternalLabelName")
    """Older name of ``externalLabelName``, used when that is unset."""
    arbitrary_fs_access_through_sms: ArbitraryFSAccessThroughSMsConfig | None = Field(
        None, alias="arbitraryFSAccessThroughSMs"
    )
    """Whether scrapes may name files of the vmagent container."""
    shard_count: StrictInt | None = Field(None, alias="shardCount", ge=-(2**31), le=2**31 - 1)
    """Run this many vmagents, each scraping its share of the targets (``vmscrape explain --shards``
    shows which); unset, zero or negative means one, as does ``daemonSetMode``."""
    extra_args: dict[StrictStr, StrictStr] | None = Field(None, alias="extraArgs")
    """Extra vmagent flags, name (without the leading ``-``) to value; sharding reads
    ``promscrape.cluster.replicationFactor`` and ``promscrape.cluster.shardByLabels`` from here."""

    @field_validator("external_label_name", "vm_agent_external_label_name", "enforced_namespace_label")
    @classmethod
    def _label_name_or_empty(cls, value: str | None) -> str | None:
        if value:  # "" turns the label off
            problem = grammar.label_name_problem(value)
            if problem:
                raise invalid(problem + ' (or "" for none)', value=value)
        return value

    @model_validator(mode="after")
    def _scrape_classes_are_distinct(self) -> Self:
        names: set[str] = set()
        default: str | None = None
        for index, scrape_class in enumerate(self.scrape_classes or ()):
            if scrape_class.name in names:
                raise invalid(
                    "scrape class names must be unique",
                    field=f"scrapeClasses[{index}].name",
                    value=scrape_class.name,
                )
            names.add(scrape_class.name)
            if scrape_class.default:
                if default is not None:
                    raise invalid(
                        f"only one scrape class may be the default; {default!r} already is",
                        field=f"scrapeClasses[{index}].default",
                        value=True,
                    )
                default = scrape_class.name
        return self

    @property
    def takes_service_scrapes(self) -> bool:
        """Whether the agent manages VMServiceScrapes at all (the operator's ``isServiceScrapeUnmanaged``)."""
        if self.ingest_only_mode:
            return False
        return bool(self.select_all_by_default) or (
            self.service_scrape_selector is not None or self.service_scrape_namespace_selector is not None
        )


class VMAgentModel(KubernetesObject):
    """A whole ``VMAgent`` object as data: metadata plus :class:`VMAgentSpec` (unmodelled spec keys kept)."""

    _kind: ClassVar[str] = "VMAgent"

    spec: VMAgentSpec
    """The agent's spec."""
