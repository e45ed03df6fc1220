"""Pydantic models of the VMServiceScrape CRD, of the scrape-related part of the VMAgent CRD and of
prometheus-operator's ServiceMonitor CRD.

Python names are snake_case; the CRD's own names are the aliases, and both are accepted as input.
``model_dump(by_alias=True, exclude_none=True)`` is the manifest. Invalid input raises
:class:`~vmscrape_component.errors.VMScrapeError`.

A whole object (metadata + spec) is a ``…Model`` (:class:`VMServiceScrapeModel`, :class:`VMAgentModel`):
the bare kind name, ``vmscrape_component.VMServiceScrape``, is the Pulumi component that registers one.
"""

from ..grammar import API_VERSION
from ._base import KubernetesObject, VMModel
from .agent import APIServerConfig, ArbitraryFSAccessThroughSMsConfig, ScrapeClass, VMAgentModel, VMAgentSpec
from .auth import Authorization, BasicAuth, OAuth2, ProxyClientConfig
from .endpoint import AttachMetadata, Endpoint, VMScrapeParams
from .relabel import RELABEL_ACTIONS, RelabelConfig, StringOrList
from .secrets import ConfigMapKeySelector, SecretKeySelector, SecretOrConfigMap, SecretValue
from .selectors import LabelSelector, LabelSelectorRequirement, NamespaceSelector
from .service_monitor import PROMETHEUS_API_VERSION, ServiceMonitorModel, ServiceMonitorSpec
from .service_scrape import DiscoveryRole, VMServiceScrapeModel, VMServiceScrapeSpec
from .tls import TLSConfig

__all__ = [
    "API_VERSION",
    "PROMETHEUS_API_VERSION",
    "RELABEL_ACTIONS",
    "APIServerConfig",
    "ArbitraryFSAccessThroughSMsConfig",
    "AttachMetadata",
    "Authorization",
    "BasicAuth",
    "ConfigMapKeySelector",
    "DiscoveryRole",
    "Endpoint",
    "KubernetesObject",
    "LabelSelector",
    "LabelSelectorRequirement",
    "NamespaceSelector",
    "OAuth2",
    "ProxyClientConfig",
    "RelabelConfig",
    "ScrapeClass",
    "SecretKeySelector",
    "SecretOrConfigMap",
    "SecretValue",
    "ServiceMonitorModel",
    "ServiceMonitorSpec",
    "StringOrList",
    "TLSConfig",
    "VMAgentModel",
    "VMAgentSpec",
    "VMModel",
    "VMScrapeParams",
    "VMServiceScrapeModel",
    "VMServiceScrapeSpec",
]
