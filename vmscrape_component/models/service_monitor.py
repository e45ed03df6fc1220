"""``ServiceMonitor`` (prometheus-operator, ``monitoring.coreos.com/v1``): the object most charts ship.

The VictoriaMetrics operator converts each one into a VMServiceScrape of the same name
(:mod:`vmscrape_component.convert`). These models mirror the CRD of prometheus-operator v0.93.0 (the API
the operator v0.74.1 builds against, ``go.mod``): every property, with the CRD's enums and patterns, unknown
keys refused with their path. Fields the conversion drops are modelled too, so that a manifest the API
server accepts is read whole and every dropped field can be named.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr

from ._base import INT64_MAX, KubernetesObject, LabelKey, VMModel
from .errors import invalid
from .secrets import SecretKeySelector, SecretOrConfigMap
from .selectors import LabelSelector

__all__ = [
    "PROMETHEUS_API_VERSION",
    "PromEndpoint",
    "PromOAuth2",
    "PromRelabelConfig",
    "PromTLSConfig",
    "ServiceMonitorModel",
    "ServiceMonitorSpec",
]

PROMETHEUS_API_VERSION = "monitoring.coreos.com/v1"


def _pattern(regex: str, what: str) -> AfterValidator:
    # OpenAPI patterns are searched, not anchored; the CRD's own patterns carry their anchors.
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.search(value):
            raise invalid(f"must be {what} (the CRD's pattern {regex})", value=value)
        return value

    return AfterValidator(check)


#: prometheus-operator's ``Duration``: ``30s``, ``1m30s``, ``1h``, ``0`` (``""`` matches too: unset).
PromDuration = Annotated[
    StrictStr,
    _pattern(
        r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
        "a duration such as 30s, 1m30s or 1h",
    ),
]
_ProxyURL = Annotated[StrictStr, _pattern(r"^(http|https|socks5)://.+$", "an http, https or socks5 URL")]
_TokenURL = Annotated[StrictStr, _pattern(r"^(http|https)://.+$", "an http or https URL")]
_ByteSize = Annotated[
    StrictStr, _pattern(r"(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$", "a size such as 10MB or 1GiB")
]
_Int64 = Annotated[StrictInt, Field(ge=0, le=INT64_MAX)]
_TLSVersion = Literal["TLS10", "TLS11", "TLS12", "TLS13"]
_ScrapeProtocol = Literal[
    "PrometheusProto",
    "OpenMetricsText0.0.1",
    "OpenMetricsText1.0.0",
    "PrometheusText0.0.4",
    "PrometheusText1.0.0",
]
#: The relabel actions the ServiceMonitor CRD allows (its enum: lower and capitalized spellings).
PromRelabelAction = Literal[
    "replace", "Replace", "keep", "Keep", "drop", "Drop", "hashmod", "HashMod", "labelmap", "LabelMap",
    "labeldrop", "LabelDrop", "labelkeep", "LabelKeep", "lowercase", "Lowercase", "uppercase", "Uppercase",
    "keepequal", "KeepEqual", "dropequal", "DropEqual",
]  # fmt: skip


def _int_or_string(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid("must be a number or a string", value=value)
    return value


class PromRelabelConfig(VMModel):
    """One relabeling rule, as prometheus-operator writes it (``regex`` a single string)."""

    source_labels: list[StrictStr] | None = Field(None, alias="sourceLabels")
    """Labels whose values are joined and matched."""
    separator: StrictStr | None = None
    """What joins the source label values."""
    target_label: StrictStr | None = Field(None, alias="targetLabel")
    """The label written."""
    regex: StrictStr | None = None
    """The regular expression matched."""
    modulus: _Int64 | None = None
    """Modulus for ``hashmod``."""
    replacement: StrictStr | None = None
    """What a match is replaced with."""
    action: PromRelabelAction | None = None
    """The action (the CRD defaults it to ``replace``)."""


class PromSafeTLSConfig(VMModel):
    """TLS settings without file paths (those of an OAuth2 token endpoint)."""

    ca: SecretOrConfigMap | None = None
    """The CA certificate, from a Secret or ConfigMap."""
    cert: SecretOrConfigMap | None = None
    """The client certificate, from a Secret or ConfigMap."""
    key_secret: SecretKeySelector | None = Field(None, alias="keySecret")
    """The client key, from a Secret."""
    server_name: StrictStr | None = Field(None, alias="serverName")
    """The host name the certificate must be valid for."""
    insecure_skip_verify: StrictBool | None = Field(None, alias="insecureSkipVerify")
    """Skip verifying the certificate."""
    min_version: _TLSVersion | None = Field(None, alias="minVersion")
    """Lowest TLS version accepted (dropped by the conversion)."""
    max_version: _TLSVersion | None = Field(None, alias="maxVersion")
    """Highest TLS version accepted (dropped by the conversion)."""


class PromTLSConfig(PromSafeTLSConfig):
    """TLS settings of an endpoint, with file paths in the Prometheus container."""

    ca_file: StrictStr | None = Field(None, alias="caFile")
    """Path of the CA certificate (``/etc/prometheus/…`` paths are rewritten to ``/etc/vm/…``)."""
    cert_file: StrictStr | None = Field(None, alias="certFile")
    """Path of the client certificate."""
    key_file: StrictStr | None = Field(None, alias="keyFile")
    """Path of the client key."""


class PromProxyConfig(VMModel):
    """Proxy settings (only ``proxyUrl`` of an endpoint survives the conversion)."""

    proxy_url: _ProxyURL | None = Field(None, alias="proxyUrl")
    """The proxy's URL."""
    no_proxy: StrictStr | None = Field(None, alias="noProxy")
    """Hosts not to proxy (dropped by the conversion)."""
    proxy_from_environment: StrictBool | None = Field(None, alias="proxyFromEnvironment")
    """Use the proxy of the environment (dropped by the conversion)."""
    proxy_connect_header: dict[StrictStr, list[SecretKeySelector]] | None = Field(
        None, alias="proxyConnectHeader"
    )
    """Headers for CONNECT requests (dropped by the conversion)."""


class PromOAuth2(PromProxyConfig):
    """OAuth2 client credentials (its proxy and TLS settings are dropped by the conversion)."""

    client_id: SecretOrConfigMap = Field(alias="clientId")
    """The client id, from a Secret or ConfigMap."""
    client_secret: SecretKeySelector = Field(alias="clientSecret")
    """The Secret key holding the client secret."""
    token_url: _TokenURL = Field(alias="tokenUrl")
    """The URL to fetch tokens from."""
    scopes: list[StrictStr] | None = None
    """Scopes to ask for."""
    endpoint_params: dict[StrictStr, StrictStr] | None = Field(None, alias="endpointParams")
    """Extra parameters for the token URL."""
    tls_config: PromSafeTLSConfig | None = Field(None, alias="tlsConfig")
    """TLS for the token URL (dropped by the conversion)."""


class PromBasicAuth(VMModel):
    """HTTP basic authentication from Secret keys."""

    username: SecretKeySelector | None = None
    """The Secret key holding the user name."""
    password: SecretKeySelector | None = None
    """The Secret key holding the password."""


class PromSafeAuthorization(VMModel):
    """An ``Authorization`` header: ``<type> <credentials>``."""

    type: StrictStr | None = None
    """The scheme, ``Bearer`` when unset."""
    credentials: SecretKeySelector | None = None
    """The Secret key holding the credentials."""


class PromEndpoint(PromProxyConfig):
    """One endpoint of a ServiceMonitor: one VMServiceScrape endpoint after conversion."""

    port: StrictStr | None = None
    """Name of the Service port."""
    target_port: Annotated[StrictInt | StrictStr | None, AfterValidator(_int_or_string)] = Field(
        None, alias="targetPort"
    )
    """Number or name of the container port."""
    path: StrictStr | None = None
    """HTTP path of the metrics."""
    scheme: Literal["http", "https", "HTTP", "HTTPS"] | None = None
    """HTTP scheme (lowercased by the conversion)."""
    params: dict[StrictStr, list[StrictStr]] | None = None
    """URL query parameters."""
    interval: PromDuration | None = None
    """How often to scrape."""
    scrape_timeout: PromDuration | None = Field(None, alias="scrapeTimeout")
    """How long a scrape may take."""
    honor_labels: StrictBool | None = Field(None, alias="honorLabels")
    """Keep the scraped labels on conflicts."""
    honor_timestamps: StrictBool | None = Field(None, alias="honorTimestamps")
    """Keep the target's timestamps."""
    track_timestamps_staleness: StrictBool | None = Field(None, alias="trackTimestampsStaleness")
    """Staleness of explicit timestamps (dropped by the conversion)."""
    metric_relabelings: list[PromRelabelConfig] | None = Field(None, alias="metricRelabelings")
    """Relabeling of samples (``metricRelabelConfigs`` after conversion)."""
    relabelings: list[PromRelabelConfig] | None = None
    """Relabeling of targets (``relabelConfigs`` after conversion)."""
    filter_running: StrictBool | None = Field(None, alias="filterRunning")
    """Drop targets of Pods not running (dropped by the conversion)."""
    bearer_token_file: StrictStr | None = Field(None, alias="bearerTokenFile")
    """Path of a bearer token file."""
    authorization: PromSafeAuthorization | None = None
    """An ``Authorization`` header."""
    basic_auth: PromBasicAuth | None = Field(None, alias="basicAuth")
    """Basic authentication."""
    oauth2: PromOAuth2 | None = None
    """OAuth2 authentication."""
    bearer_token_secret: SecretKeySelector | None = Field(None, alias="bearerTokenSecret")
    """The Secret key holding a bearer token."""
    follow_redirects: StrictBool | None = Field(None, alias="followRedirects")
    """Follow HTTP redirects."""
    enable_http2: StrictBool | None = Field(None, alias="enableHttp2")
    """Allow HTTP/2 (dropped by the conversion)."""
    tls_config: PromTLSConfig | None = Field(None, alias="tlsConfig")
    """TLS settings."""


class PromAttachMetadata(VMModel):
    """Extra discovery metadata."""

    node: StrictBool | None = None
    """Add the node's metadata."""


class PromNamespaceSelector(VMModel):
    """Where Services are discovered: own namespace (``{}``), ``any: true`` or ``matchNames``."""

    any_: StrictBool | None = Field(None, alias="any")
    """Every namespace."""
    match_names: list[StrictStr] | None = Field(None, alias="matchNames")
    """These namespaces."""


class ServiceMonitorSpec(VMModel):
    """What a ServiceMonitor selects and how; ``endpoints`` and ``selector`` are required by the CRD."""

    _root: ClassVar[str] = "spec"

    job_label: StrictStr | None = Field(None, alias="jobLabel")
    """Service label whose value becomes ``job``."""
    target_labels: list[LabelKey] | None = Field(None, alias="targetLabels")
    """Service labels copied onto targets."""
    pod_target_labels: list[LabelKey] | None = Field(None, alias="podTargetLabels")
    """Pod labels copied onto targets."""
    endpoints: list[PromEndpoint]
    """The endpoints to scrape."""
    selector: LabelSelector
    """Which Services, by label."""
    selector_mechanism: Literal["RelabelConfig", "RoleSelector"] | None = Field(
        None, alias="selectorMechanism"
    )
    """How the selector is applied (dropped by the conversion)."""
    namespace_selector: PromNamespaceSelector | None = Field(None, alias="namespaceSelector")
    """Which namespaces."""
    sample_limit: _Int64 | None = Field(None, alias="sampleLimit")
    """Most samples per scrape."""
    scrape_protocols: list[_ScrapeProtocol] | None = Field(None, alias="scrapeProtocols")
    """Protocols to negotiate (dropped by the conversion)."""
    fallback_scrape_protocol: _ScrapeProtocol | None = Field(None, alias="fallbackScrapeProtocol")
    """Protocol when none is negotiated (dropped by the conversion)."""
    target_limit: _Int64 | None = Field(None, alias="targetLimit")
    """Most targets (dropped by the conversion)."""
    label_limit: _Int64 | None = Field(None, alias="labelLimit")
    """Most labels per sample (dropped by the conversion)."""
    label_name_length_limit: _Int64 | None = Field(None, alias="labelNameLengthLimit")
    """Longest label name (dropped by the conversion)."""
    label_value_length_limit: _Int64 | None = Field(None, alias="labelValueLengthLimit")
    """Longest label value (dropped by the conversion)."""
    scrape_classic_histograms: StrictBool | None = Field(None, alias="scrapeClassicHistograms")
    """Native-histogram setting (dropped by the conversion)."""
    scrape_native_histograms: StrictBool | None = Field(None, alias="scrapeNativeHistograms")
    """Native-histogram setting (dropped by the conversion)."""
    native_histogram_bucket_limit: _Int64 | None = Field(None, alias="nativeHistogramBucketLimit")
    """Native-histogram setting (dropped by the conversion)."""
    native_histogram_min_bucket_factor: (
        Annotated[
            StrictInt | StrictStr,
            AfterValidator(_int_or_string),
            _pattern(
                r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
                "a Kubernetes quantity",
            ),
        ]
        | None
    ) = Field(None, alias="nativeHistogramMinBucketFactor")
    """Native-histogram setting (dropped by the conversion)."""
    convert_classic_histograms_to_nhcb: StrictBool | None = Field(
        None, alias="convertClassicHistogramsToNHCB"
    )
    """Native-histogram setting (dropped by the conversion)."""
    keep_dropped_targets: _Int64 | None = Field(None, alias="keepDroppedTargets")
    """Dropped targets kept in memory (dropped by the conversion)."""
    attach_metadata: PromAttachMetadata | None = Field(None, alias="attachMetadata")
    """Extra discovery metadata (``attach_metadata`` after conversion)."""
    scrape_class: Annotated[StrictStr, Field(min_length=1)] | None = Field(None, alias="scrapeClass")
    """The scrape class to apply."""
    body_size_limit: _ByteSize | None = Field(None, alias="bodySizeLimit")
    """Largest response (dropped by the conversion)."""
    service_discovery_role: Literal["Endpoints", "EndpointSlice"] | None = Field(
        None, alias="serviceDiscoveryRole"
    )
    """Discovery role (lowercased into ``discoveryRole``)."""


class ServiceMonitorModel(KubernetesObject):
    """A whole ``ServiceMonitor`` object: metadata plus :class:`ServiceMonitorSpec`.

    :func:`vmscrape_component.convert.convert_service_monitor` turns it into the VMServiceScrape the
    operator would create, with a report of what it drops or changes.
    """

    _kind: ClassVar[str] = "ServiceMonitor"
    _api_version: ClassVar[str] = PROMETHEUS_API_VERSION

    spec: ServiceMonitorSpec
    """What the monitor selects and how."""
