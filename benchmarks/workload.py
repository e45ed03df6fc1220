"""The render-scale workload of issue 9: N VMServiceScrapes shaped like a large cluster's.

Scrape *i* is ``svc-i`` in namespace ``ns-(i mod 50)``, selects ``{app: svc-i, tier: web}``, uses
``jobLabel: app`` and ``targetLabels: [team]``, and has two endpoints: ``http`` (``/metrics``, 30s, one
metric relabeling dropping ``go_.*``) and ``admin`` (``/admin/metrics``); default discovery role.
"""

from __future__ import annotations

from typing import Any


def scrape_manifest(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": f"svc-{i}", "namespace": f"ns-{i % 50}"},
        "spec": {
            "selector": {"matchLabels": {"app": f"svc-{i}", "tier": "web"}},
            "jobLabel": "app",
            "targetLabels": ["team"],
            "endpoints": [
                {
                    "port": "http",
                    "path": "/metrics",
                    "interval": "30s",
                    "metricRelabelConfigs": [
                        {"action": "drop", "sourceLabels": ["__name__"], "regex": "go_.*"}
                    ],
                },
                {"port": "admin", "path": "/admin/metrics"},
            ],
        },
    }


def manifests(n: int) -> list[dict[str, Any]]:
    return [scrape_manifest(i) for i in range(n)]
