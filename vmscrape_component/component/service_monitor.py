"""Adopt a chart's ServiceMonitors as the stack's own VMServiceScrapes.

:func:`service_monitor_args` turns one ServiceMonitor (a manifest mapping or a model) into the
:class:`~.service_scrape.VMServiceScrapeArgs` of the VMServiceScrape the operator would convert it into,
plus the :class:`~vmscrape_component.convert.Conversion` report (what is dropped or changed);
:func:`service_monitor_args_from_file` does it for every ServiceMonitor of a YAML file. Give the args to
:class:`~.service_scrape.VMServiceScrape` and the stack owns the scrape.

While the chart's ServiceMonitor of the same name still exists, the operator would overwrite that
VMServiceScrape with its own conversion (reconcile/vmservicescrape.go:42-46 at v0.74.1). The args therefore
carry ``operator.victoriametrics.com/ignore-prometheus-updates: enabled`` unless ``keep_from_operator`` is
False: the operator then leaves the stack's object alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..convert import IGNORE_CONVERSION_ANNOTATION, Conversion, convert_service_monitor
from ..errors import Problem, VMScrapeError
from ..manifests import parse_documents, read_text
from ..models import ServiceMonitorModel
from ..settings import OperatorSettings
from .service_scrape import VMServiceScrapeArgs

__all__ = ["service_monitor_args", "service_monitor_args_from_file"]


def service_monitor_args(
    monitor: Mapping[str, Any] | ServiceMonitorModel,
    *,
    operator: OperatorSettings | None = None,
    keep_from_operator: bool = True,
    default_namespace: str = "default",
) -> tuple[VMServiceScrapeArgs, Conversion]:
    """The args of the VMServiceScrape ``monitor`` converts into (name, namespace, labels, annotations,
    spec, as the operator with ``operator``'s converter settings writes them), and the conversion's report.
    Raises :class:`~vmscrape_component.errors.VMScrapeError` when the ServiceMonitor is invalid."""
    conversion = convert_service_monitor(monitor, operator, default_namespace=default_namespace)
    scrape = conversion.scrape
    annotations = dict(scrape.annotations or {})
    if keep_from_operator:
        annotations[IGNORE_CONVERSION_ANNOTATION] = "enabled"
    args = VMServiceScrapeArgs(
        spec=scrape.spec,
        namespace=scrape.namespace,
        labels=dict(scrape.labels) if scrape.labels else None,
        annotations=annotations or None,
        resource_name=scrape.name,
        operator=operator,
    )
    return args, conversion


def service_monitor_args_from_file(
    path: str | Path,
    *,
    operator: OperatorSettings | None = None,
    keep_from_operator: bool = True,
    default_namespace: str = "default",
) -> list[tuple[VMServiceScrapeArgs, Conversion]]:
    """:func:`service_monitor_args` for every ServiceMonitor in the YAML file ``path`` (other kinds are
    skipped); an error when it holds none."""
    found = []
    for document in parse_documents(path, read_text(path)):
        if isinstance(document, Mapping) and document.get("kind") == "ServiceMonitor":
            found.append(
                service_monitor_args(
                    document,
                    operator=operator,
                    keep_from_operator=keep_from_operator,
                    default_namespace=default_namespace,
                )
            )
    if not found:
        raise VMScrapeError([Problem(str(path), "", "holds no ServiceMonitor (kind: ServiceMonitor)")])
    return found
