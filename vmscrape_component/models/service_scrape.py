"""``VMServiceScrape``: scrape the endpoints behind Kubernetes Services that match a selector."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, StrictInt, StrictStr, field_validator

from .. import grammar
from ._base import INT64_MAX, INT64_MIN, KubernetesObject, LabelKey, LabelKeyOrUnset, VMModel
from .endpoint import AttachMetadata, Endpoint
from .errors import invalid
from .selectors import LabelSelector, NamespaceMode, NamespaceSelector

__all__ = ["DiscoveryRole", "VMServiceScrapeModel", "VMServiceScrapeSpec"]

DiscoveryRole = Literal["endpoints", "service", "endpointslices", "endpointslice"]


class VMServiceScrapeSpec(VMModel):
    """What a VMServiceScrape selects and how each of its endpoints is scraped.

    ``endpoints`` is required, as the CRD requires it (the API server refuses a spec without it; an
    empty list is allowed). ``namespace_selector`` left unset is
    written nowhere and means the scrape's own namespace, exactly as ``{}`` does
    (:attr:`namespace_selector_mode` says ``"own"`` for both).
    """

    _root: ClassVar[str] = "spec"

    discovery_role: DiscoveryRole | None = Field(None, alias="discoveryRole")
    """Kubernetes discovery role: ``endpoints`` (the default), ``endpointslices``/``endpointslice`` (both
    accepted) or ``service`` (one target per Service port: use ``port`` names, ``targetPort`` is unused)."""
    job_label: LabelKeyOrUnset | None = Field(None, alias="jobLabel")
    """Key of the Service label whose value becomes the ``job`` label (else the Service name)."""
    target_labels: list[LabelKey] | None = Field(None, alias="targetLabels")
    """Keys of Service labels copied onto the targets."""
    pod_target_labels: list[LabelKey] | None = Field(None, alias="podTargetLabels")
    """Keys of Pod labels copied onto the targets."""
    endpoints: list[Endpoint]
    """The endpoints to scrape on every selected Service; one vmagent job each."""
    selector: LabelSelector | None = None
    """Which Services to scrape, by label; ``{}`` or unset selects every Service."""
    namespace_selector: NamespaceSelector | None = Field(None, alias="namespaceSelector")
    """Which namespaces to discover Services in; unset means the scrape's own namespace."""
    sample_limit: StrictInt | None = Field(None, alias="sampleLimit", ge=INT64_MIN, le=INT64_MAX)
    """Scrapes with more samples than this fail (for endpoints that set none; 0 or less: no limit)."""
    series_limit: StrictInt | None = Field(None, alias="seriesLimit", ge=INT64_MIN, le=INT64_MAX)
    """Most unique series a target may expose within 24 hours (for endpoints that set none)."""
    attach_metadata: AttachMetadata | None = None
    """Extra discovery metadata to attach to every endpoint's targets."""
    scrape_class: StrictStr | None = Field(None, alias="scrapeClass")
    """Name of the VMAgent scrape class to apply (else the agent's default class, if any)."""

    @field_validator("selector")
    @classmethod
    def _selector_values_fit_a_regex(cls, value: LabelSelector | None) -> LabelSelector | None:
        # The operator writes a matchLabels value, and the values of an In/NotIn expression joined by
        # `|`, as the `regex` of a keep/drop rule; a lone `null`/`~` is YAML null to vmagent, which then
        # refuses the whole config.
        for key, label_value in (value.match_labels or {}).items() if value else ():
            problem = grammar.yaml_null_problem(label_value, instead="another value")
            if problem:
                raise invalid(problem, field=f"matchLabels[{key!r}]", value=label_value)
        for index, expression in enumerate(value.match_expressions or ()) if value else ():
            if expression.values and len(expression.values) == 1:
                problem = grammar.yaml_null_problem(expression.values[0], instead="another value")
                if problem:
                    raise invalid(problem, field=f"matchExpressions[{index}].values", value=expression.values)
        return value

    @property
    def namespace_selector_mode(self) -> NamespaceMode:
        """``"own"``, ``"any"`` or ``"names"``: where Services are discovered."""
        return (self.namespace_selector or NamespaceSelector.own()).mode

    def discovery_namespaces(self, own_namespace: str, *, ignore_selectors: bool = False) -> list[str] | None:
        """The namespaces discovered for a scrape living in ``own_namespace``; ``None`` means all.

        ``ignore_selectors``: the operator ignores namespace selectors (:meth:`NamespaceSelector.resolve`).
        """
        selector = self.namespace_selector or NamespaceSelector.own()
        return selector.resolve(own_namespace, ignore_selectors=ignore_selectors)


class VMServiceScrapeModel(KubernetesObject):
    """A whole ``VMServiceScrape`` object as data: metadata plus :class:`VMServiceScrapeSpec`.

    The Pulumi component that registers one is :class:`vmscrape_component.VMServiceScrape`; this model
    is what the pure layers (render, select, explain) read. Read one with :meth:`from_manifest`;
    :meth:`manifest` gives it back as a manifest. ``status`` is not modelled: the operator writes it,
    users never do.
    """

    _kind: ClassVar[str] = "VMServiceScrape"

    spec: VMServiceScrapeSpec
    """What the scrape selects and how."""
