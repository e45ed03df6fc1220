"""The quick start: three VMServiceScrapes, the VMAgent that selects them, the config the operator builds.

The scrapes discover in their own namespace, in every namespace, and in two named namespaces. On the
local default (``vmscrape:renderDir``) nothing needs a cluster: the provider writes the manifests under
``rendered/1-manifest/``; the vmagent config is the stack output ``vmagent_config``. Set
``vmscrape:kubeContext`` to deploy to a cluster, and ``vmscrape:createNamespaces=true`` to let the stack
create (and on destroy delete) the namespaces ``apps`` and ``monitoring``. The program writes no file
itself: ``destroy`` leaves the working tree as it was before ``up``.
The repository's root project (``Pulumi.yaml`` + ``__main__.py``, what ``make up`` runs) runs this file.
"""

import pulumi

from vmscrape_component import (
    NamespaceSelector,
    OperatorVMAgent,
    OperatorVMAgentArgs,
    VMServiceScrape,
    VMServiceScrapeArgs,
)
from vmscrape_component.component import managed_namespaces, provider_options

AGENT_NAMESPACE = "monitoring"
LABEL = {"vmscrape.io/agent": "main"}

# Only with `pulumi config set --type bool vmscrape:createNamespaces true`: the stack owns these.
managed_namespaces("apps", AGENT_NAMESPACE)

web = VMServiceScrape(
    "web",
    VMServiceScrapeArgs(
        namespace="apps",
        labels=LABEL,
        spec={
            "selector": {"matchLabels": {"app": "web"}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
    ),
    opts=provider_options(),
)
sidecars = VMServiceScrape(
    "envoy-sidecars",
    VMServiceScrapeArgs(
        namespace=AGENT_NAMESPACE,
        labels=LABEL,
        spec={
            "selector": {"matchLabels": {"app.kubernetes.io/component": "envoy"}},
            "namespaceSelector": NamespaceSelector.any().manifest_dict(),
            "jobLabel": "app.kubernetes.io/name",
            "endpoints": [{"port": "admin", "path": "/stats/prometheus", "interval": "1m"}],
        },
    ),
    opts=provider_options(),
)
payments = VMServiceScrape(
    "payments",
    VMServiceScrapeArgs(
        namespace=AGENT_NAMESPACE,
        labels=LABEL,
        spec={
            "selector": {"matchLabels": {"team": "payments"}},
            "namespaceSelector": {"matchNames": ["payments-staging", "payments-prod"]},
            "discoveryRole": "endpointslices",
            "endpoints": [{"targetPort": "metrics", "interval": "30s"}],
        },
    ),
    opts=provider_options(),
)
agent = OperatorVMAgent(
    "main",
    OperatorVMAgentArgs(
        namespace=AGENT_NAMESPACE,
        create_agent=True,
        agent={
            "serviceScrapeSelector": {"matchLabels": LABEL},
            "serviceScrapeNamespaceSelector": {},
            "scrapeInterval": "30s",
            # Required by the VMAgent CRD: where the agent sends what it scrapes.
            "remoteWrite": [{"url": "http://vmsingle-main.monitoring.svc:8429/api/v1/write"}],
        },
        scrapes=[web, sidecars, payments],
    ),
    opts=provider_options(),
)

pulumi.export("job_names", agent.job_names)
pulumi.export(
    "discovery_namespaces",
    pulumi.Output.all(
        web.discovery_namespaces, sidecars.discovery_namespaces, payments.discovery_namespaces
    ).apply(lambda ns: {"apps/web": ns[0], "monitoring/envoy-sidecars": ns[1], "monitoring/payments": ns[2]}),
)
pulumi.export("not_selected", agent.not_selected)
pulumi.export("vmagent_config", agent.config_yaml)
