"""Discover through EndpointSlices (role `endpointslice`), filtering by container port and relabeling."""

import pulumi

from vmscrape_component import (
    Endpoint,
    RelabelConfig,
    VMServiceScrape,
    VMServiceScrapeArgs,
    VMServiceScrapeSpec,
)
from vmscrape_component.component import provider_options

api = VMServiceScrape(
    "api",
    VMServiceScrapeArgs(
        namespace="shop",
        spec=VMServiceScrapeSpec(
            selector={"match_labels": {"app": "api"}},
            discovery_role="endpointslices",
            pod_target_labels=["version"],
            endpoints=[
                # targetPort picks the *container* port by name: no Service port name needed.
                Endpoint(
                    target_port="metrics",
                    path="/metrics",
                    interval="15s",
                    relabel_configs=[
                        RelabelConfig(
                            action="replace",
                            source_labels=["__meta_kubernetes_pod_node_name"],
                            target_label="node",
                        )
                    ],
                    metric_relabel_configs=[
                        RelabelConfig(action="drop", source_labels=["__name__"], regex="go_gc_.*"),
                    ],
                ),
                Endpoint(target_port=9090, path="/debug/metrics", interval="1m"),
            ],
        ),
    ),
    opts=provider_options(),
)

pulumi.export("job_names", api.job_names)
pulumi.export("scrape_config_yaml", api.scrape_config_yaml)
