"""The grammars and small rules every layer shares, each written once.

Durations (``durations``), ``if`` series selectors (``selectors``), label and object names (``labels``),
regexes as vmagent anchors them (``regex``), YAML scalars vmagent reads as null
(``scalars``), ``namespace/name`` keys (``keys``), the namespace rule
(``namespaces``) and the CRD's API version. The models check values with the ``*_problem`` functions
(``None`` when fine, else why and what is allowed); render, select and simulate read values with the
same code.
"""

from __future__ import annotations

from .durations import DURATION_HELP, DurationError, duration_ms, duration_problem, interval_problem
from .keys import object_key
from .labels import (
    dns_label_problem,
    dns_subdomain_problem,
    label_key_problem,
    label_name_problem,
    label_value_problem,
    sanitize_label_name,
    secret_key_problem,
)
from .namespaces import NamespaceMode, discovery_namespaces, namespace_mode
from .regex import regex_problem, strip_anchors
from .scalars import YAML_NULLS, yaml_null_problem
from .selectors import (
    SELECTOR_HELP,
    LabelFilter,
    SelectorError,
    SeriesSelector,
    parse_series_selector,
    series_selector_problem,
)

#: The API group and version of the VictoriaMetrics operator's custom resources.
API_VERSION = "operator.victoriametrics.com/v1beta1"

__all__ = [
    "API_VERSION",
    "DURATION_HELP",
    "SELECTOR_HELP",
    "YAML_NULLS",
    "DurationError",
    "LabelFilter",
    "NamespaceMode",
    "SelectorError",
    "SeriesSelector",
    "discovery_namespaces",
    "dns_label_problem",
    "dns_subdomain_problem",
    "duration_ms",
    "duration_problem",
    "interval_problem",
    "label_key_problem",
    "label_name_problem",
    "label_value_problem",
    "namespace_mode",
    "object_key",
    "parse_series_selector",
    "regex_problem",
    "sanitize_label_name",
    "secret_key_problem",
    "series_selector_problem",
    "strip_anchors",
    "yaml_null_problem",
]
