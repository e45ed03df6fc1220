"""The quick start that ``pulumi up`` runs at the repository root (``Pulumi.yaml`` + ``__main__.py``).

Three VMServiceScrapes (own namespace, every namespace, two named namespaces), the VMAgent that selects
them, and the vmagent config the operator will generate for that agent. On the local default
(``vmscrape:renderDir``, ``rendered`` unless set) nothing needs a cluster: the provider writes the
manifests under ``rendered/1-manifest/`` and the program writes the config to
``rendered/vmagent/<namespace>_<agent>.yaml``. Set ``vmscrape:kubeContext`` to deploy to a cluster.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from ..component import OperatorVMAgent, VMServiceScrape, provider_options, render_dir
from ..models import NamespaceSelector

AGENT_NAMESPACE = "monitoring"


def config_path(directory: str, namespace: str, agent: str) -> Path:
    """Where the quick start writes an agent's config in render mode."""
    return Path(directory) / "vmagent" / f"{namespace}_{agent}.yaml"


def program() -> None:
    """Declare the quick-start resources (call inside a Pulumi program)."""
    opts = provider_options
    label = {"vmscrape.io/agent": "main"}
    web = VMServiceScrape(
        "web",
        namespace="apps",
        labels=label,
        spec={
            "selector": {"matchLabels": {"app": "web"}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        },
        opts=opts(),
    )
    sidecars = VMServiceScrape(
        "envoy-sidecars",
        namespace=AGENT_NAMESPACE,
        labels=label,
        spec={
            "selector": {"matchLabels": {"app.kubernetes.io/component": "envoy"}},
            "namespaceSelector": NamespaceSelector.any().manifest_dict(),
            "jobLabel": "app.kubernetes.io/name",
            "endpoints": [{"port": "admin", "path": "/stats/prometheus", "interval": "1m"}],
        },
        opts=opts(),
    )
    payments = VMServiceScrape(
        "payments",
        namespace=AGENT_NAMESPACE,
        labels=label,
        spec={
            "selector": {"matchLabels": {"team": "payments"}},
            "namespaceSelector": {"matchNames": ["payments-staging", "payments-prod"]},
            "discoveryRole": "endpointslices",
            "endpoints": [{"targetPort": "metrics", "interval": "30s"}],
        },
        opts=opts(),
    )
    agent = OperatorVMAgent(
        "main",
        namespace=AGENT_NAMESPACE,
        create_agent=True,
        agent={
            "serviceScrapeSelector": {"matchLabels": label},
            "serviceScrapeNamespaceSelector": {},
            "scrapeInterval": "30s",
        },
        scrapes=[web, sidecars, payments],
        opts=opts(),
    )

    directory = render_dir()
    if directory:
        path = config_path(directory, AGENT_NAMESPACE, "main")

        def write(text: str) -> str:
            if not pulumi.runtime.is_dry_run():  # a preview changes nothing on disk
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            return str(path)

        pulumi.export("vmagent_config_file", agent.config_yaml.apply(write))

    pulumi.export("job_names", agent.job_names)
    pulumi.export(
        "discovery_namespaces",
        pulumi.Output.all(
            web.discovery_namespaces, sidecars.discovery_namespaces, payments.discovery_namespaces
        ).apply(
            lambda ns: {"apps/web": ns[0], "monitoring/envoy-sidecars": ns[1], "monitoring/payments": ns[2]}
        ),
    )
    pulumi.export("not_selected", agent.not_selected)
    pulumi.export("vmagent_config", agent.config_yaml)
