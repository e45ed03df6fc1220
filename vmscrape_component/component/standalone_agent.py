"""``StandaloneVMAgent`` — a plain vmagent (no operator) and everything it needs to scrape like one.

No operator reads VMServiceScrapes here: this component renders the whole config exactly as the operator
would, then emits what a plain vmagent (e.g. the victoria-metrics-agent Helm chart) needs — the config
(``scrape.yml``) in a ConfigMap (a Secret when a credential must be inline), a checksum to roll the agent
on, a Secret with the credential files the jobs read, least-privilege discovery RBAC and, optionally, the
vmagent Deployment itself.

No ``from __future__ import annotations``: the analyzer reads the real annotations (see ``_args``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..errors import Problem, VMScrapeError
from ..render.standalone import (
    STANDALONE_MOUNT_DIR,
    SecretFile,
    StandaloneConfig,
    render_standalone,
    size_warning,
)
from ._agents import (
    AGENT_OUTPUTS,
    FORMER_TYPE_TOKEN,
    ScrapesArg,
    agent_object,
    agent_outputs,
    output_attributes,
    split_scrapes,
)
from ._args import AgentSpecArg, OperatorArg, nested_dataclass, operator_settings, resolve_args
from ._preview import snapshot_path
from .service_scrape import VMServiceScrape

TYPE_TOKEN = "vmscrape:index:StandaloneVMAgent"
CONFIG_KEY = "scrape.yml"
CONFIG_DIR = "/etc/vmagent/config"
CHECKSUM_ANNOTATION = "vmscrape.io/config-checksum"

#: (namespace, Secret, key) -> the value a VMServiceScrape component of this program holds for it.
OwnedValues = Mapping[tuple[str, str, str], pulumi.Output[str]]


DEFAULT_IMAGE = "victoriametrics/vmagent:v1.150.0"


@dataclass
class StandaloneDeployment:
    """The vmagent Deployment of a standalone agent."""

    remote_write_url: str
    """Where vmagent sends samples, e.g. ``http://vminsert:8480/insert/0/prometheus/api/v1/write``."""
    image: str | None = DEFAULT_IMAGE
    replicas: int | None = 1
    extra_args: dict[str, str] | None = field(default_factory=dict)
    """More ``-flag=value`` arguments for vmagent."""


@dataclass(kw_only=True)
class StandaloneVMAgentArgs:
    """The arguments of a :class:`StandaloneVMAgent` component."""

    scrapes: ScrapesArg
    """The scrapes to render into the config: VMServiceScrape manifests (rendered only: no operator
    reads a custom resource here); in Python also :class:`VMServiceScrape` components (with plain
    namespace and labels; their ``secrets`` reach the agent as files), :class:`VMServiceScrapeSet`
    components and models."""
    agent: AgentSpecArg | None = None
    """A VMAgent spec standing for the agent: selectors, scrape classes, overrides, external labels..."""
    namespace: str | None = "default"
    """The agent's namespace: its ConfigMap, Secrets, ServiceAccount and Deployment live there."""
    agent_name: str | None = None
    """The agent's name (default: the component's name); prefixes every object this component makes."""
    namespace_labels: Mapping[str, Mapping[str, str]] | None = None
    """Labels of the namespaces involved, for an agent whose ``serviceScrapeNamespaceSelector`` matches
    labels."""
    operator: OperatorArg | None = None
    """Operator settings to render with, as if the operator did: its environment variables
    (``{"WATCH_NAMESPACE": "a,b"}``...); in Python also an ``OperatorSettings``."""
    deployment: StandaloneDeployment | None = None
    """Also deploy vmagent itself (else bring your own, mounting the ConfigMap and Secrets this makes)."""
    snapshot: str | None = None
    """A cluster snapshot file (default: the stack setting ``vmscrape:snapshot``) for ``targets``."""


def _plain_manifests(components: list[VMServiceScrape]) -> list[dict[str, Any]]:
    manifests = []
    for c in components:
        if c.plain_object is None:
            raise VMScrapeError(
                [
                    Problem(
                        "",
                        "scrapes",
                        "a standalone agent needs plain (not Output) namespace, labels and annotations, "
                        f"which scrape {c._name} does not have",
                    )
                ]
            )
        manifests.append(c.plain_object.manifest())
    return manifests


def _owned_values(components: list[VMServiceScrape]) -> dict[tuple[str, str, str], pulumi.Output[str]]:
    return {
        (c.plain_object.namespace or "default", secret, key): value  # type: ignore[union-attr]
        for c in components
        for secret, values in c.secret_values.items()
        for key, value in values.items()
    }


def _split_mounts(
    standalone: StandaloneConfig, owned: OwnedValues, namespace: str
) -> dict[str, list[SecretFile]]:
    """Split Secret files: values this program holds, and Secrets of the agent's own namespace.

    A plain vmagent can mount Secrets of its own namespace only: a reference to another namespace's
    Secret whose value this program does not hold cannot work, and is an error.
    """
    mounts: dict[str, list[SecretFile]] = {"owned": [], "existing": []}
    problems = []
    for ref in standalone.files + standalone.inline_secrets:
        if (ref.namespace, ref.name, ref.key) in owned:
            mounts["owned"].append(ref)
        elif ref.namespace == namespace and ref not in standalone.inline_secrets:
            mounts["existing"].append(ref)
        else:
            problems.append(
                Problem(
                    "",
                    f"secret {ref.namespace}/{ref.name} key {ref.key}",
                    f"a standalone vmagent in namespace {namespace!r} cannot read it: give "
                    "the value to the VMServiceScrape component (secrets=...) so that it is copied, "
                    f"or keep the Secret in {namespace!r} (file credentials only)",
                )
            )
    if problems:
        raise VMScrapeError(problems)
    return mounts


class StandaloneVMAgent(pulumi.ComponentResource):
    """A vmagent without the operator: its config, credential files, discovery RBAC and (optionally) itself.

    ``StandaloneVMAgent(name, StandaloneVMAgentArgs(scrapes=[...], agent={...}), opts)``, or the same
    fields as keywords. The scrapes are selected and rendered exactly as the operator would, then the
    config is rewritten for a plain vmagent: Secret values become files in the Secret
    ``<agent>-scrape-assets`` projected at ``/etc/vmagent-tls/certs/<ns>_<secret>_<key>`` (the
    operator's naming); only ``oauth2.client_id`` has no file form, and then the config itself is kept in
    a Secret instead of a ConfigMap. RBAC is the least the discovery roles need: a ServiceAccount, a Role
    per discovered namespace, a ClusterRole only for all namespaces or node/namespace metadata.

    Outputs: those of :class:`~vmscrape_component.component.OperatorVMAgent` (``config_yaml`` with
    placeholders for secret values, ``checksum``, ``config_size``, ``config_gzip_size``, ``job_names``,
    ``selected``, ``not_selected``, ``skipped``, ``targets``; ``shards`` is always empty here) and
    ``rbac`` (what the service account may read); attributes ``config_object`` (the ConfigMap or
    Secret), ``service_account``, ``roles``, ``assets_secret`` and ``deployment`` (when made).
    """

    config_yaml: pulumi.Output[str]
    checksum: pulumi.Output[str]
    config_size: pulumi.Output[int]
    config_gzip_size: pulumi.Output[int]
    job_names: pulumi.Output[list[str]]
    selected: pulumi.Output[dict[str, str]]
    not_selected: pulumi.Output[dict[str, str]]
    skipped: pulumi.Output[dict[str, str]]
    targets: pulumi.Output[dict[str, dict[str, Any]]]
    shards: pulumi.Output[dict[str, Any]]
    rbac: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        # The analyzer reads this annotation as the inputs: the Args type itself (None: keywords instead).
        args: StandaloneVMAgentArgs = None,  # type: ignore[assignment]
        opts: pulumi.ResourceOptions | None = None,
        **keywords: Any,
    ) -> None:
        # Everything is checked, and the config rendered, before anything is registered.
        try:
            args = resolve_args(StandaloneVMAgentArgs, args, keywords)
            agent = agent_object(args.agent_name or name, args.namespace or "default", args.agent)
            operator = operator_settings(args.operator)
            components, models, in_sets, converted = split_scrapes(args.scrapes, operator)
            # ServiceMonitors are scraped as the operator would convert them (no operator runs here).
            manifests = _plain_manifests(components) + [m.manifest() for m in [*models, *in_sets, *converted]]
            owned = _owned_values(components)
            deployment = nested_dataclass(StandaloneDeployment, args.deployment, "deployment")
            namespaces = dict(args.namespace_labels or {})
            agent_manifest = agent.manifest()
            standalone = render_standalone(
                agent_manifest, manifests, namespaces=namespaces, operator=operator
            )
            mounts = _split_mounts(standalone, owned, args.namespace or "default")
        except VMScrapeError as exc:
            raise exc.within(f"StandaloneVMAgent {name}") from None
        aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=FORMER_TYPE_TOKEN)])
        super().__init__(TYPE_TOKEN, name, None, pulumi.ResourceOptions.merge(opts, aliases))
        self.agent = agent
        self._child = pulumi.ResourceOptions(parent=self)

        warning = size_warning(standalone.size)
        if warning:
            pulumi.log.warn(warning, resource=self)
        config_volume = self._config_object(standalone, owned)
        sources = self._credential_sources(standalone, owned, mounts)
        self._discovery_rbac(standalone)
        if deployment is not None:
            self.deployment = self._deployment(deployment, standalone, config_volume, sources)

        values = agent_outputs(
            self,
            agent_manifest,
            standalone.config,
            standalone.text,
            manifests,
            namespaces=namespaces,
            operator=operator,
            snapshot=snapshot_path(args.snapshot),
        )
        values["rbac"] = {
            "namespaced": {
                ns: [r.manifest() for r in rules] for ns, rules in standalone.rbac.namespaced.items()
            },
            "cluster": [r.manifest() for r in standalone.rbac.cluster_rules],
        }
        attributes = output_attributes(pulumi.Output.from_input(values), (*AGENT_OUTPUTS, "rbac"))
        for output_name, output in attributes.items():
            setattr(self, output_name, output)
        self.register_outputs(attributes)

    @property
    def _objects(self) -> tuple[str, str]:
        """The agent's name and namespace: every object this component makes is named after them."""
        return self.agent.name, self.agent.namespace or "default"

    def _config_object(self, standalone: StandaloneConfig, owned: OwnedValues) -> dict[str, Any]:
        """The ConfigMap (or Secret) holding ``scrape.yml``; returns the pod volume that mounts it."""
        name, ns = self._objects
        metadata = {
            "name": f"{name}-scrape-config",
            "namespace": ns,
            "annotations": {CHECKSUM_ANNOTATION: standalone.checksum},
        }
        if standalone.holds_credentials:
            # A credential is inline (a Secret value, a header value, proxy userinfo): the config itself is
            # secret, and goes into a Secret.
            values = [owned[(r.namespace, r.name, r.key)] for r in standalone.inline_secrets]

            def fill(resolved: list[str]) -> str:
                return standalone.text_with(dict(zip(standalone.inline_secrets, resolved, strict=True)))

            text: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(*values).apply(fill))
            self.config_object: Any = k8s.core.v1.Secret(
                f"{name}-scrape-config", metadata=metadata, string_data={CONFIG_KEY: text}, opts=self._child
            )
            return {"secret": {"secretName": f"{name}-scrape-config"}}
        self.config_object = k8s.core.v1.ConfigMap(
            f"{name}-scrape-config", metadata=metadata, data={CONFIG_KEY: standalone.text}, opts=self._child
        )
        return {"configMap": {"name": f"{name}-scrape-config"}}

    def _credential_sources(
        self, standalone: StandaloneConfig, owned: OwnedValues, mounts: dict[str, list[SecretFile]]
    ) -> list[dict[str, Any]]:
        """The Secret this program fills with the values it holds; the projected-volume sources of all."""
        name, ns = self._objects
        sources: list[dict[str, Any]] = []
        owned_files = [r for r in mounts["owned"] if r in standalone.files]
        if owned_files:
            self.assets_secret = k8s.core.v1.Secret(
                f"{name}-scrape-assets",
                metadata={"name": f"{name}-scrape-assets", "namespace": ns},
                string_data={r.file_name: owned[(r.namespace, r.name, r.key)] for r in owned_files},
                opts=self._child,
            )
            sources.append({"secret": {"name": f"{name}-scrape-assets"}})
        existing: dict[str, list[SecretFile]] = {}
        for ref in mounts["existing"]:
            existing.setdefault(ref.name, []).append(ref)
        for secret, refs in sorted(existing.items()):
            items = [{"key": r.key, "path": r.file_name} for r in refs]
            sources.append({"secret": {"name": secret, "items": items}})
        return sources

    def _discovery_rbac(self, standalone: StandaloneConfig) -> None:
        """Exactly the kinds the discovery roles read, where they read them."""
        name, ns = self._objects
        self.service_account = k8s.core.v1.ServiceAccount(
            name, metadata={"name": name, "namespace": ns}, opts=self._child
        )
        subject = [{"kind": "ServiceAccount", "name": name, "namespace": ns}]
        self.roles: list[Any] = []
        for role_ns, rules in standalone.rbac.namespaced.items():
            role = k8s.rbac.v1.Role(
                f"{name}-discovery-{role_ns}",
                metadata={"name": f"{name}-discovery", "namespace": role_ns},
                rules=[r.manifest() for r in rules],
                opts=self._child,
            )
            k8s.rbac.v1.RoleBinding(
                f"{name}-discovery-{role_ns}",
                metadata={"name": f"{name}-discovery", "namespace": role_ns},
                role_ref={
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": f"{name}-discovery",
                },
                subjects=subject,
                opts=self._child,
            )
            self.roles.append(role)
        if standalone.rbac.cluster_rules:
            cluster_name = f"{ns}-{name}-discovery"
            self.roles.append(
                k8s.rbac.v1.ClusterRole(
                    f"{name}-discovery",
                    metadata={"name": cluster_name},
                    rules=[r.manifest() for r in standalone.rbac.cluster_rules],
                    opts=self._child,
                )
            )
            k8s.rbac.v1.ClusterRoleBinding(
                f"{name}-discovery",
                metadata={"name": cluster_name},
                role_ref={
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": cluster_name,
                },
                subjects=subject,
                opts=self._child,
            )

    def _deployment(
        self,
        spec: StandaloneDeployment,
        standalone: StandaloneConfig,
        config_volume: dict[str, Any],
        sources: list[dict[str, Any]],
    ) -> k8s.apps.v1.Deployment:
        name, ns = self._objects
        labels = {"app.kubernetes.io/name": "vmagent", "app.kubernetes.io/instance": name}
        args = {
            "promscrape.config": f"{CONFIG_DIR}/{CONFIG_KEY}",
            "remoteWrite.url": spec.remote_write_url,
            "promscrape.config.strictParse": "true",
            **(spec.extra_args or {}),
        }
        volumes: list[dict[str, Any]] = [{"name": "config", **config_volume}]
        mounts = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
        if sources:
            volumes.append({"name": "assets", "projected": {"sources": sources}})
            mounts.append({"name": "assets", "mountPath": STANDALONE_MOUNT_DIR, "readOnly": True})
        return k8s.apps.v1.Deployment(
            name,
            metadata={"name": name, "namespace": ns, "labels": labels},
            spec={
                "replicas": 1 if spec.replicas is None else spec.replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    # A new checksum changes the pod template: the agent rolls when its config changes.
                    "metadata": {"labels": labels, "annotations": {CHECKSUM_ANNOTATION: standalone.checksum}},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [
                            {
                                "name": "vmagent",
                                "image": spec.image or DEFAULT_IMAGE,
                                "args": [f"-{k}={v}" for k, v in args.items()],
                                "ports": [{"name": "http", "containerPort": 8429}],
                                "volumeMounts": mounts,
                            }
                        ],
                        "volumes": volumes,
                    },
                },
            },
            opts=self._child,
        )
