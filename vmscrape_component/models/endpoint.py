"""One scrapeable endpoint of the selected Services: which port, how often, how, with which auth."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StrictStr, field_validator

from .. import grammar
from ._base import (
    INT64_MAX,
    INT64_MIN,
    ByteSizeOrUnset,
    Duration,
    DurationOrUnset,
    ProxyURL,
    VMModel,
)
from .auth import EndpointAuth, ProxyClientConfig
from .credentials import secret_field
from .errors import invalid
from .relabel import RelabelConfig

__all__ = ["AttachMetadata", "Endpoint", "VMScrapeParams"]


class AttachMetadata(VMModel):
    """Extra discovery metadata vmagent attaches to targets."""

    node: StrictBool | None = None
    """Add the node's metadata (``__meta_kubernetes_node_*``); for the endpoints and endpointslice roles."""
    namespace: StrictBool | None = None
    """Add the namespace's metadata (``__meta_kubernetes_namespace_*``)."""


class VMScrapeParams(VMModel):
    """Scrape settings only VictoriaMetrics' scrapers (vmagent, vmsingle) understand."""

    disable_compression: StrictBool | None = None
    """Ask targets for uncompressed responses."""
    disable_keep_alive: StrictBool | None = None
    """Open a new connection for every scrape instead of reusing one."""
    no_stale_markers: StrictBool | None = None
    """Do not write staleness markers when a target disappears."""
    stream_parse: StrictBool | None = None
    """Parse responses while reading them (less memory for big targets)."""
    scrape_align_interval: Duration | None = None
    """Align scrapes to multiples of this duration."""
    scrape_offset: Duration | None = None
    """Scrape at this offset within each interval."""
    proxy_client_config: ProxyClientConfig | None = None
    """Authentication to the proxy given in ``proxyURL``."""
    headers: list[StrictStr] | None = secret_field()
    """Extra HTTP headers, each ``"Name: value"``."""

    @field_validator("headers")
    @classmethod
    def _headers_have_names(cls, value: list[str] | None) -> list[str] | None:
        for header in value or ():
            name, sep, _ = header.partition(":")
            if not sep or not name.strip():
                raise invalid("each header must be written 'Name: value'")
        return value


def _port_name_problem(name: str) -> str | None:
    """Why a port name breaks the job: the operator writes it as the whole ``regex`` of a ``keep`` rule
    (vmscrapes.go, ``__meta_kubernetes_endpoint_port_name``), which vmagent anchors and compiles."""
    problem = grammar.yaml_null_problem(name, instead="another port name")
    if problem:
        return problem
    problem = grammar.regex_problem(name)
    if problem:
        return (
            f"the operator writes the port name into an anchored regex, and vmagent skips the job: {problem}"
        )
    return None


def _port_is_a_name(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, str):
        problem = _port_name_problem(value)
        if problem:
            raise invalid(problem, value=value)
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise invalid("`port` is the Service port name; use `targetPort` for a number", value=value)
    raise invalid("`port` is the Service port name (a string)", value=value)


def _target_port(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str | None):
        raise invalid("`targetPort` is a container port number (1-65535) or name", value=value)
    if isinstance(value, int) and not 1 <= value <= 65535:
        raise invalid("`targetPort` as a number must be 1-65535", value=value)
    if value == "":
        raise invalid("`targetPort` must not be empty: give a container port number or name", value=value)
    problem = _port_name_problem(value) if isinstance(value, str) else None
    if problem:
        raise invalid(problem, value=value)
    return value


class Endpoint(EndpointAuth):
    """One endpoint to scrape on every selected Service: one vmagent job per endpoint.

    ``port`` is the **name** of a Service port; ``targetPort`` picks the container port by number or
    name (a number and a numeric string differ: the operator matches ``"8080"`` as a port *name*). With
    both set, ``port`` wins. ``interval`` and ``scrape_interval`` mean the same; ``scrape_interval`` wins.
    """

    port: Annotated[StrictStr | None, BeforeValidator(_port_is_a_name)] = None
    """Name of the Service port to scrape."""
    target_port: Annotated[StrictInt | StrictStr | None, BeforeValidator(_target_port)] = Field(
        None, alias="targetPort"
    )
    """Number or name of the container port to scrape (not used by the ``service`` role)."""
    path: StrictStr | None = None
    """HTTP path of the metrics, ``/metrics`` when unset."""
    scheme: Literal["http", "https", "HTTP", "HTTPS"] | None = None
    """HTTP scheme to scrape with."""
    params: dict[StrictStr, list[StrictStr]] | None = None
    """URL query parameters."""
    follow_redirects: StrictBool | None = None
    """Whether to follow HTTP redirects."""
    sample_limit: StrictInt | None = Field(None, alias="sampleLimit", ge=INT64_MIN, le=INT64_MAX)
    """Scrapes with more samples than this fail (0 or less: no limit, and the operator writes none)."""
    series_limit: StrictInt | None = Field(None, alias="seriesLimit", ge=INT64_MIN, le=INT64_MAX)
    """Most unique series a target may expose within 24 hours."""
    interval: DurationOrUnset | None = None
    """How often to scrape (``""``: unset, as the operator reads it)."""
    scrape_interval: DurationOrUnset | None = None
    """How often to scrape (same as ``interval``, and wins over it)."""
    scrape_timeout: DurationOrUnset | None = Field(None, alias="scrapeTimeout")
    """How long a scrape may take."""
    proxy_url: ProxyURL | None = secret_field(alias="proxyURL")
    """Proxy to scrape through, e.g. ``http://proxy:2195``."""
    honor_labels: StrictBool | None = Field(None, alias="honorLabels")
    """On conflicts, keep the scraped labels rather than the target's."""
    honor_timestamps: StrictBool | None = Field(None, alias="honorTimestamps")
    """Keep the timestamps the target exposes."""
    max_scrape_size: ByteSizeOrUnset | None = None
    """Largest response accepted, e.g. ``16MiB``."""
    vm_scrape_params: VMScrapeParams | None = None
    """Settings only VictoriaMetrics' scrapers understand."""
    relabel_configs: list[RelabelConfig] | None = Field(None, alias="relabelConfigs")
    """Relabeling of targets, before scraping."""
    metric_relabel_configs: list[RelabelConfig] | None = Field(None, alias="metricRelabelConfigs")
    """Relabeling of scraped samples."""
    attach_metadata: AttachMetadata | None = None
    """Extra discovery metadata to attach (wins over the scrape's own ``attach_metadata``)."""
