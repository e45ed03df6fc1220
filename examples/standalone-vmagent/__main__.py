"""vmagent without the operator: three scrapes in two namespaces, one agent, config + RBAC + Deployment.

The whole config is rendered here, exactly as the operator would build it, then rewritten for a plain
vmagent: Secret values become mounted files, discovery RBAC is the minimum the roles need.
Set the image or the remote-write URL with ``pulumi config set image ...`` / ``remoteWriteUrl ...``.
"""

import pulumi

from vmscrape_component import (
    StandaloneDeployment,
    StandaloneVMAgent,
    StandaloneVMAgentArgs,
    VMServiceScrape,
    VMServiceScrapeArgs,
    VMServiceScrapeModel,
)
from vmscrape_component.component import provider_options

config = pulumi.Config()

# A component: owns the Secret with its bearer token (a Pulumi secret), in its own namespace.
checkout = VMServiceScrape(
    "checkout",
    VMServiceScrapeArgs(
        namespace="shop",
        labels={"vmagent": "edge"},
        secrets={"checkout-metrics-token": {"token": config.get_secret("checkoutToken") or "change-me"}},
        spec={
            "selector": {"matchLabels": {"app": "checkout"}},
            "endpoints": [
                {"port": "http", "bearerTokenSecret": {"name": "checkout-metrics-token", "key": "token"}}
            ],
        },
    ),
    opts=provider_options(),
)

# Plain specs: rendered into the agent's config, no custom resource (there is no operator to read it).
cart = VMServiceScrapeModel.from_manifest(
    {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "cart", "namespace": "shop", "labels": {"vmagent": "edge"}},
        "spec": {
            "selector": {"matchLabels": {"app": "cart"}},
            "discoveryRole": "endpointslices",
            "endpoints": [{"targetPort": "metrics", "interval": "15s"}],
        },
    }
)
postgres = VMServiceScrapeModel.from_manifest(
    {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "postgres", "namespace": "data", "labels": {"vmagent": "edge"}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": "postgres-exporter"}},
            "discoveryRole": "service",
            "endpoints": [{"port": "metrics", "interval": "1m"}],
        },
    }
)

edge = StandaloneVMAgent(
    "edge",
    StandaloneVMAgentArgs(
        namespace="monitoring",
        agent={
            "serviceScrapeSelector": {"matchLabels": {"vmagent": "edge"}},
            "serviceScrapeNamespaceSelector": {},
        },
        scrapes=[checkout, cart, postgres],
        deployment=StandaloneDeployment(
            remote_write_url=config.get("remoteWriteUrl")
            or "http://vminsert.monitoring:8480/insert/0/prometheus/api/v1/write",
            image=config.get("image") or "victoriametrics/vmagent:v1.150.0",
        ),
    ),
    opts=provider_options(),
)

pulumi.export("job_names", edge.job_names)
pulumi.export("config_checksum", edge.checksum)
pulumi.export("config_size", edge.config_size)
pulumi.export("rbac", edge.rbac)
pulumi.export("scrape_config_yaml", edge.config_yaml)
