"""vmscrape: VictoriaMetrics VMServiceScrape for Pulumi — typed models, operator-faithful vmagent configs.

The models and the renderer are plain Python; the Pulumi components (``VMServiceScrape``,
``OperatorVMAgent``, ``StandaloneVMAgent`` and their ``…Args``) are imported lazily, so that the CLI and
pure uses never load the Pulumi SDK. A kind's bare name is its Pulumi component; the pydantic model of a
whole object is ``…Model`` (``VMServiceScrapeModel``, ``VMAgentModel``), of its spec ``…Spec``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .convert import Conversion, ConversionNote, convert_service_monitor
from .errors import Problem, VMScrapeError
from .models import (
    Endpoint,
    LabelSelector,
    NamespaceSelector,
    RelabelConfig,
    SecretValue,
    ServiceMonitorModel,
    VMAgentModel,
    VMAgentSpec,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
)
from .render import AgentSettings, Assets, OperatorSettings, config_yaml, render_config

if TYPE_CHECKING:
    from .component import (
        OperatorVMAgent,
        OperatorVMAgentArgs,
        StandaloneDeployment,
        StandaloneVMAgent,
        StandaloneVMAgentArgs,
        VMServiceScrape,
        VMServiceScrapeArgs,
        VMServiceScrapeSet,
        VMServiceScrapeSetArgs,
        service_monitor_args,
        service_monitor_args_from_file,
    )

_COMPONENTS = (
    "OperatorVMAgent",
    "OperatorVMAgentArgs",
    "StandaloneDeployment",
    "StandaloneVMAgent",
    "StandaloneVMAgentArgs",
    "VMServiceScrape",
    "VMServiceScrapeArgs",
    "VMServiceScrapeSet",
    "VMServiceScrapeSetArgs",
    "service_monitor_args",
    "service_monitor_args_from_file",
)

__all__ = [
    "AgentSettings",
    "Assets",
    "Conversion",
    "ConversionNote",
    "Endpoint",
    "LabelSelector",
    "NamespaceSelector",
    "OperatorSettings",
    "OperatorVMAgent",
    "OperatorVMAgentArgs",
    "Problem",
    "RelabelConfig",
    "SecretValue",
    "ServiceMonitorModel",
    "StandaloneDeployment",
    "StandaloneVMAgent",
    "StandaloneVMAgentArgs",
    "VMAgentModel",
    "VMAgentSpec",
    "VMScrapeError",
    "VMServiceScrape",
    "VMServiceScrapeArgs",
    "VMServiceScrapeModel",
    "VMServiceScrapeSet",
    "VMServiceScrapeSetArgs",
    "VMServiceScrapeSpec",
    "__version__",
    "config_yaml",
    "convert_service_monitor",
    "render_config",
    "service_monitor_args",
    "service_monitor_args_from_file",
]


def __getattr__(name: str) -> Any:
    if name in _COMPONENTS:
        from . import component

        return getattr(component, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
