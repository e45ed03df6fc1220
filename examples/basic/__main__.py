"""Scrape the `http` port of every Service labelled `app: web` in the `apps` namespace."""

import pulumi

from vmscrape_component import Endpoint, VMServiceScrape, VMServiceScrapeArgs, VMServiceScrapeSpec
from vmscrape_component.component import provider_options

web = VMServiceScrape(
    "web",
    VMServiceScrapeArgs(
        namespace="apps",
        spec=VMServiceScrapeSpec(
            selector={"match_labels": {"app": "web"}},
            endpoints=[Endpoint(port="http", path="/metrics", interval="30s")],
        ),
    ),
    opts=provider_options(),
)

pulumi.export("job_names", web.job_names)
pulumi.export("discovery_namespaces", web.discovery_namespaces)
pulumi.export("scrape_config_yaml", web.scrape_config_yaml)
