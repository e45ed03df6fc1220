"""``VMAgentConfig`` — one agent and the scrapes it takes: the vmagent config, with or without the operator.

``mode="operator"``: the operator will build the config; this component emits the VMServiceScrape custom
resources of the scrapes given as specs (and, with ``create_agent``, the VMAgent itself), and shows the
config the operator will generate as an output, warning about every scrape the agent will not select.

``mode="standalone"``: no operator; this component emits what a plain vmagent needs — the config
(``scrape.yml``) in a ConfigMap (a Secret when a credential must be inline), a checksum to roll the agent
on, a Secret with the credential files the jobs read, least-privilege discovery RBAC and, optionally, the
vmagent Deployment itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from ..errors import Problem, VMScrapeError
from ..models import VMAgentSpec
from ..models import VMServiceScrapeModel as ScrapeModel
from ..render import OperatorSettings, config_yaml, render_config
from ..render.standalone import (
    STANDALONE_MOUNT_DIR,
    SecretFile,
    StandaloneConfig,
    config_checksum,
    gzipped_size,
    render_standalone,
    size_warning,
)
from ..select import explain_selection
from ._preview import predicted_targets, snapshot_path
from .service_scrape import API_VERSION, VMServiceScrape

TYPE_TOKEN = "vmscrape:index:VMAgentConfig"
CONFIG_KEY = "scrape.yml"
CONFIG_DIR = "/etc/vmagent/config"
CHECKSUM_ANNOTATION = "vmscrape.io/config-checksum"
MODES = ("operator", "standalone")

ScrapeInput = VMServiceScrape | ScrapeModel | Mapping[str, Any]


@dataclass
class StandaloneDeployment:
    """The vmagent Deployment of a standalone agent."""

    remote_write_url: str
    """Where vmagent sends samples, e.g. ``http://vminsert:8480/insert/0/prometheus/api/v1/write``."""
    image: str = "victoriametrics/vmagent:v1.150.0"
    replicas: int = 1
    extra_args: dict[str, str] = field(default_factory=dict)
    """More ``-flag=value`` arguments for vmagent."""


def _problem(path: str, message: str, value: Any = None) -> VMScrapeError:
    return VMScrapeError([Problem("", path, message, value)])


def _agent_manifest(name: str, namespace: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": name, "namespace": namespace},
        "spec": dict(spec),
    }


class VMAgentConfig(pulumi.ComponentResource):
    """The whole vmagent configuration of one agent, selected and shaped as the operator would.

    ``scrapes``: :class:`VMServiceScrape` components, ``vmscrape_component.models.VMServiceScrapeModel``
    objects or VMServiceScrape manifests. ``agent``: the VMAgent spec (selection fields, scrape classes,
    overrides, external labels...). ``mode``: ``"operator"`` or ``"standalone"`` (see the module doc).

    Outputs: ``config_yaml`` (for review: secret values are ``<secret ns/name key>`` placeholders),
    ``checksum`` (sha256 of the config), ``config_size`` / ``config_gzip_size`` (bytes), ``job_names``,
    ``selected`` / ``not_selected`` (``namespace/name`` -> reason), ``skipped`` (selected but left out by
    the operator, with the reason), ``targets`` (per job, the targets predicted in the cluster snapshot
    ``snapshot=`` or ``vmscrape:snapshot`` names; empty without one), and in standalone mode ``rbac``
    (what the service account may read).
    """

    config_yaml: pulumi.Output[str]
    checksum: pulumi.Output[str]
    job_names: pulumi.Output[list[str]]
    selected: pulumi.Output[dict[str, str]]
    not_selected: pulumi.Output[dict[str, str]]
    skipped: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        *,
        scrapes: Sequence[ScrapeInput],
        mode: Literal["operator", "standalone"],
        agent: VMAgentSpec | Mapping[str, Any] | None = None,
        namespace: str = "default",
        agent_name: str | None = None,
        create_agent: bool = False,
        namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
        operator: OperatorSettings | None = None,
        deployment: StandaloneDeployment | None = None,
        snapshot: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Everything is checked before anything is registered.
        try:
            if mode not in MODES:
                raise _problem("mode", f"must be one of: {', '.join(MODES)}", mode)
            if deployment is not None and mode != "standalone":
                raise _problem("deployment", "only a standalone agent is deployed by this component")
            if create_agent and mode == "standalone":
                raise _problem("create_agent", "a standalone agent has no VMAgent object")
            agent_model = agent if isinstance(agent, VMAgentSpec) else VMAgentSpec.parse(agent or {})
            components, models = self._split(scrapes)
            self.mode = mode
            self.agent_name = agent_name or name
            self.namespace = namespace
            agent_spec = agent_model.model_dump(by_alias=True, exclude_none=True)
            self.agent_manifest = _agent_manifest(self.agent_name, namespace, agent_spec)
            self._namespaces = dict(namespace_labels or {})
            self._operator = operator or OperatorSettings()
            self._snapshot = snapshot_path(snapshot)
            if mode == "standalone":
                plain = self._plain_manifests(components, models)
                owned = {
                    (c.plain_object.namespace or "default", secret, key): value  # type: ignore[union-attr]
                    for c in components
                    for secret, values in c.secret_values.items()
                    for key, value in values.items()
                }
                standalone = render_standalone(
                    self.agent_manifest, plain, namespaces=self._namespaces, operator=self._operator
                )
                mounts = self._check_mounts(standalone, owned)
        except VMScrapeError as exc:
            raise exc.within(f"VMAgentConfig {name}") from None
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        if mode == "operator":
            # Specs given as data become custom resources here; components already registered theirs.
            components = components + [
                VMServiceScrape(
                    m.name,
                    spec=m.spec,
                    namespace=m.namespace,
                    labels=m.labels,
                    annotations=m.annotations,
                    operator=operator,
                    opts=child,
                )
                for m in models
            ]
            models = []
            if create_agent:
                self.agent_resource = CustomResource(
                    self.agent_name,
                    api_version=API_VERSION,
                    kind="VMAgent",
                    metadata=self.agent_manifest["metadata"],
                    spec=agent_spec,
                    opts=child,
                )
            manifests = pulumi.Output.all(*[c.manifest for c in components])
            summary = manifests.apply(lambda ms: self._operator_summary(list(ms)))
            self._register(summary)
            return

        self._standalone_resources(standalone, owned, mounts, deployment, child)
        self._register(pulumi.Output.from_input(self._summary(standalone.config, plain, standalone)))

    # -- inputs -------------------------------------------------------------------------------------------

    @staticmethod
    def _split(scrapes: Sequence[ScrapeInput]) -> tuple[list[VMServiceScrape], list[ScrapeModel]]:
        components: list[VMServiceScrape] = []
        models: list[ScrapeModel] = []
        for i, item in enumerate(scrapes):
            if isinstance(item, VMServiceScrape):
                components.append(item)
            elif isinstance(item, ScrapeModel):
                models.append(item)
            elif isinstance(item, Mapping):
                try:
                    models.append(ScrapeModel.from_manifest(item))
                except VMScrapeError as exc:
                    raise exc.within(f"scrapes[{i}]") from None
            else:
                raise _problem(
                    f"scrapes[{i}]",
                    "must be a VMServiceScrape component, a VMServiceScrapeModel or a manifest",
                    type(item).__name__,
                )
        return components, models

    @staticmethod
    def _plain_manifests(
        components: list[VMServiceScrape], models: list[ScrapeModel]
    ) -> list[dict[str, Any]]:
        manifests = []
        for c in components:
            if c.plain_object is None:
                raise VMScrapeError(
                    [
                        Problem(
                            "",
                            "scrapes",
                            "standalone mode needs plain (not Output) namespace and labels, "
                            f"which scrape {c._name} does not have",
                        )
                    ]
                )
            manifests.append(c.plain_object.manifest())
        return manifests + [m.manifest() for m in models]

    def _check_mounts(
        self, standalone: StandaloneConfig, owned: Mapping[tuple[str, str, str], Any]
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
            elif ref.namespace == self.namespace and ref not in standalone.inline_secrets:
                mounts["existing"].append(ref)
            else:
                problems.append(
                    Problem(
                        "",
                        f"secret {ref.namespace}/{ref.name} key {ref.key}",
                        f"a standalone vmagent in namespace {self.namespace!r} cannot read it: give "
                        "the value to the VMServiceScrape component (secrets=...) so that it is copied, "
                        f"or keep the Secret in {self.namespace!r} (file credentials only)",
                    )
                )
        if problems:
            raise VMScrapeError(problems)
        return mounts

    # -- resources ----------------------------------------------------------------------------------------

    def _standalone_resources(
        self,
        standalone: StandaloneConfig,
        owned: Mapping[tuple[str, str, str], pulumi.Output[str]],
        mounts: dict[str, list[SecretFile]],
        deployment: StandaloneDeployment | None,
        child: pulumi.ResourceOptions,
    ) -> None:
        name, ns = self.agent_name, self.namespace
        annotations = {CHECKSUM_ANNOTATION: standalone.checksum}
        warning = size_warning(standalone.size)
        if warning:
            pulumi.log.warn(warning, resource=self)

        if standalone.inline_secrets:
            # A credential must be inline: the config itself is secret, and goes into a Secret.
            values = [owned[(r.namespace, r.name, r.key)] for r in standalone.inline_secrets]

            def fill(resolved: list[str]) -> str:
                text = standalone.text
                for ref, value in zip(standalone.inline_secrets, resolved, strict=True):
                    text = text.replace(f"<secret {ref.namespace}/{ref.name} {ref.key}>", json.dumps(value))
                return text

            text: pulumi.Output[str] = pulumi.Output.secret(pulumi.Output.all(*values).apply(fill))  # type: ignore[arg-type]
            self.config_object: Any = k8s.core.v1.Secret(
                f"{name}-scrape-config",
                metadata={"name": f"{name}-scrape-config", "namespace": ns, "annotations": annotations},
                string_data={CONFIG_KEY: text},
                opts=child,
            )
            config_volume: dict[str, Any] = {"secret": {"secretName": f"{name}-scrape-config"}}
        else:
            self.config_object = k8s.core.v1.ConfigMap(
                f"{name}-scrape-config",
                metadata={"name": f"{name}-scrape-config", "namespace": ns, "annotations": annotations},
                data={CONFIG_KEY: standalone.text},
                opts=child,
            )
            config_volume = {"configMap": {"name": f"{name}-scrape-config"}}

        sources: list[dict[str, Any]] = []
        owned_files = [r for r in mounts["owned"] if r in standalone.files]
        if owned_files:
            self.assets_secret = k8s.core.v1.Secret(
                f"{name}-scrape-assets",
                metadata={"name": f"{name}-scrape-assets", "namespace": ns},
                string_data={r.file_name: owned[(r.namespace, r.name, r.key)] for r in owned_files},
                opts=child,
            )
            sources.append({"secret": {"name": f"{name}-scrape-assets"}})
        existing: dict[str, list[SecretFile]] = {}
        for ref in mounts["existing"]:
            existing.setdefault(ref.name, []).append(ref)
        for secret, refs in sorted(existing.items()):
            items = [{"key": r.key, "path": r.file_name} for r in refs]
            sources.append({"secret": {"name": secret, "items": items}})

        # Discovery RBAC: exactly the kinds the roles read, where they read them.
        self.service_account = k8s.core.v1.ServiceAccount(
            name, metadata={"name": name, "namespace": ns}, opts=child
        )
        subject = [{"kind": "ServiceAccount", "name": name, "namespace": ns}]
        self.roles: list[Any] = []
        for role_ns, rules in standalone.rbac.namespaced.items():
            role = k8s.rbac.v1.Role(
                f"{name}-discovery-{role_ns}",
                metadata={"name": f"{name}-discovery", "namespace": role_ns},
                rules=[r.manifest() for r in rules],
                opts=child,
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
                opts=child,
            )
            self.roles.append(role)
        if standalone.rbac.cluster_rules:
            cluster_name = f"{ns}-{name}-discovery"
            self.roles.append(
                k8s.rbac.v1.ClusterRole(
                    f"{name}-discovery",
                    metadata={"name": cluster_name},
                    rules=[r.manifest() for r in standalone.rbac.cluster_rules],
                    opts=child,
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
                opts=child,
            )

        if deployment is not None:
            self.deployment = self._deployment(deployment, standalone, config_volume, sources, child)

    def _deployment(
        self,
        spec: StandaloneDeployment,
        standalone: StandaloneConfig,
        config_volume: dict[str, Any],
        sources: list[dict[str, Any]],
        child: pulumi.ResourceOptions,
    ) -> k8s.apps.v1.Deployment:
        name = self.agent_name
        labels = {"app.kubernetes.io/name": "vmagent", "app.kubernetes.io/instance": name}
        args = {
            "promscrape.config": f"{CONFIG_DIR}/{CONFIG_KEY}",
            "remoteWrite.url": spec.remote_write_url,
            "promscrape.config.strictParse": "true",
            **spec.extra_args,
        }
        volumes: list[dict[str, Any]] = [{"name": "config", **config_volume}]
        mounts = [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}]
        if sources:
            volumes.append({"name": "assets", "projected": {"sources": sources}})
            mounts.append({"name": "assets", "mountPath": STANDALONE_MOUNT_DIR, "readOnly": True})
        return k8s.apps.v1.Deployment(
            name,
            metadata={"name": name, "namespace": self.namespace, "labels": labels},
            spec={
                "replicas": spec.replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    # A new checksum changes the pod template: the agent rolls when its config changes.
                    "metadata": {"labels": labels, "annotations": {CHECKSUM_ANNOTATION: standalone.checksum}},
                    "spec": {
                        "serviceAccountName": name,
                        "containers": [
                            {
                                "name": "vmagent",
                                "image": spec.image,
                                "args": [f"-{k}={v}" for k, v in args.items()],
                                "ports": [{"name": "http", "containerPort": 8429}],
                                "volumeMounts": mounts,
                            }
                        ],
                        "volumes": volumes,
                    },
                },
            },
            opts=child,
        )

    # -- outputs ------------------------------------------------------------------------------------------

    def _selection(self, manifests: Sequence[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
        selected: dict[str, str] = {}
        rejected: dict[str, str] = {}
        for m in manifests:
            decision = explain_selection(self.agent_manifest, m, self._namespaces, self._operator)
            (selected if decision.selected else rejected)[decision.scrape] = decision.reason
        for key, reason in sorted(rejected.items()):
            pulumi.log.warn(
                f"VMServiceScrape {key} is not selected by VMAgent "
                f"{self.namespace}/{self.agent_name}: {reason}",
                resource=self,
            )
        return dict(sorted(selected.items())), dict(sorted(rejected.items()))

    def _summary(
        self, config: Any, manifests: Sequence[Mapping[str, Any]], standalone: StandaloneConfig | None
    ) -> dict[str, Any]:
        selected, rejected = self._selection(manifests)
        for key, reason in config.skipped.items():
            pulumi.log.warn(f"VMServiceScrape {key} is selected but left out: {reason}", resource=self)
        text = standalone.text if standalone is not None else config_yaml(config)
        summary: dict[str, Any] = {
            "config_yaml": text,
            "checksum": standalone.checksum if standalone is not None else config_checksum(text),
            "config_size": len(text.encode()),
            "config_gzip_size": standalone.gzip_size if standalone is not None else gzipped_size(text),
            "job_names": [j["job_name"] for j in config.jobs],
            "selected": selected,
            "not_selected": rejected,
            "skipped": dict(config.skipped),
        }
        if self._snapshot:
            summary["targets"] = predicted_targets(
                manifests, self._snapshot, self.agent_manifest, self._operator
            )
        if standalone is not None:
            summary["rbac"] = {
                "namespaced": {
                    ns: [r.manifest() for r in rules] for ns, rules in standalone.rbac.namespaced.items()
                },
                "cluster": [r.manifest() for r in standalone.rbac.cluster_rules],
            }
        return summary

    def _operator_summary(self, manifests: list[Mapping[str, Any]]) -> dict[str, Any]:
        config = render_config(
            manifests, self.agent_manifest, namespaces=self._namespaces, operator=self._operator
        )
        summary = self._summary(config, manifests, None)
        # The operator stores the config gzipped in a Secret: that is what must fit.
        warning = size_warning(summary["config_gzip_size"], "the gzipped config")
        if warning:
            pulumi.log.warn(warning, resource=self)
        return summary

    def _register(self, summary: pulumi.Output[dict[str, Any]]) -> None:
        self.config_yaml = summary.apply(lambda s: s["config_yaml"])
        self.checksum = summary.apply(lambda s: s["checksum"])
        self.config_size = summary.apply(lambda s: s["config_size"])
        self.config_gzip_size = summary.apply(lambda s: s["config_gzip_size"])
        self.job_names = summary.apply(lambda s: s["job_names"])
        self.selected = summary.apply(lambda s: s["selected"])
        self.not_selected = summary.apply(lambda s: s["not_selected"])
        self.skipped = summary.apply(lambda s: s["skipped"])
        self.targets = summary.apply(lambda s: s.get("targets", {}))
        outputs: dict[str, Any] = {
            "mode": self.mode,
            "config_yaml": self.config_yaml,
            "checksum": self.checksum,
            "config_size": self.config_size,
            "config_gzip_size": self.config_gzip_size,
            "job_names": self.job_names,
            "selected": self.selected,
            "not_selected": self.not_selected,
            "skipped": self.skipped,
            "targets": self.targets,
        }
        if self.mode == "standalone":
            self.rbac = summary.apply(lambda s: s["rbac"])
            outputs["rbac"] = self.rbac
        self.register_outputs(outputs)
