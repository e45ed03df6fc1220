"""A scrape with basic auth, a bearer token and TLS, whose credentials come from Pulumi secrets.

The credentials live in a Kubernetes Secret in the scrape's namespace (the operator reads them there);
the VMServiceScrape only refers to the Secret's keys. Set them with:

    pulumi config set --secret username metrics
    pulumi config set --secret password 's3cr3t'
    pulumi config set --secret caCert "$(cat ca.pem)"
"""

import pulumi
import pulumi_kubernetes as k8s

from vmscrape_component import Endpoint, VMServiceScrape, VMServiceScrapeArgs, VMServiceScrapeSpec
from vmscrape_component.component import provider_options

config = pulumi.Config()
namespace = "billing"

credentials = k8s.core.v1.Secret(
    "billing-scrape-credentials",
    metadata={"name": "billing-scrape-credentials", "namespace": namespace},
    string_data={
        "username": config.get_secret("username") or pulumi.Output.secret("metrics"),
        "password": config.get_secret("password") or pulumi.Output.secret("change-me"),
        "ca.crt": config.get_secret("caCert") or pulumi.Output.secret("-----BEGIN CERTIFICATE-----\n"),
    },
    opts=provider_options(),
)

billing = VMServiceScrape(
    "billing",
    VMServiceScrapeArgs(
        namespace=namespace,
        spec=VMServiceScrapeSpec(
            selector={"match_labels": {"app": "billing"}},
            endpoints=[
                Endpoint(
                    port="https-metrics",
                    scheme="https",
                    basic_auth={
                        "username": {"name": "billing-scrape-credentials", "key": "username"},
                        "password": {"name": "billing-scrape-credentials", "key": "password"},
                    },
                    tls_config={
                        "ca": {"secret": {"name": "billing-scrape-credentials", "key": "ca.crt"}},
                        "server_name": "billing.billing.svc",
                    },
                ),
            ],
        ),
    ),
    opts=provider_options(depends_on=[credentials]),
)

pulumi.export("job_names", billing.job_names)
# Secret values never appear here: the config shows placeholders such as <secret billing/... password>.
pulumi.export("scrape_config_yaml", billing.scrape_config_yaml)
