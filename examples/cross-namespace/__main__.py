"""One scrape object, services in other namespaces: `any` (all namespaces) and `matchNames` (a list).

An *empty* namespaceSelector means the scrape's own namespace in the operator's code — not "all".
"""

import pulumi

from vmscrape_component import (
    Endpoint,
    NamespaceSelector,
    VMServiceScrape,
    VMServiceScrapeArgs,
    VMServiceScrapeSpec,
)
from vmscrape_component.component import provider_options

# Every namespace: e.g. a sidecar that every team runs.
envoy = VMServiceScrape(
    "envoy-sidecars",
    VMServiceScrapeArgs(
        namespace="monitoring",
        spec=VMServiceScrapeSpec(
            selector={"match_labels": {"app.kubernetes.io/component": "envoy"}},
            namespace_selector=NamespaceSelector.any(),
            job_label="app.kubernetes.io/name",
            endpoints=[Endpoint(port="admin", path="/stats/prometheus", interval="1m")],
        ),
    ),
    opts=provider_options(),
)

# Two named namespaces: the payment services of staging and production.
payments = VMServiceScrape(
    "payments",
    VMServiceScrapeArgs(
        namespace="monitoring",
        spec=VMServiceScrapeSpec(
            selector={
                "match_labels": {"team": "payments"},
                "match_expressions": [{"key": "tier", "operator": "In", "values": ["api", "worker"]}],
            },
            namespace_selector=NamespaceSelector.names("payments-staging", "payments-prod"),
            target_labels=["team"],
            endpoints=[Endpoint(port="metrics", interval="30s", scrape_timeout="10s")],
        ),
    ),
    opts=provider_options(),
)

pulumi.export("envoy_namespaces", envoy.discovery_namespaces)
pulumi.export("payments_namespaces", payments.discovery_namespaces)
pulumi.export(
    "job_names", pulumi.Output.all(envoy.job_names, payments.job_names).apply(lambda js: js[0] + js[1])
)
