"""``VMServiceScrape`` — the Pulumi face of one VMServiceScrape: the custom resource plus what it will scrape.

The spec is validated when the component is constructed, before any resource is registered: bad input
raises :class:`~vmscrape_component.errors.VMScrapeError` and nothing reaches the engine. ``Output``
values (a namespace from another resource, labels) are resolved at this boundary and handed to the pure
renderer as plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource
from pydantic import BaseModel

from ..errors import Problem, VMScrapeError
from ..lint import refusal_warnings
from ..models import SecretKeySelector, VMAgentModel, VMAgentSpec, VMServiceScrapeSpec
from ..models._checks import dns_subdomain_problem
from ..render import AgentSettings, Assets, OperatorSettings, dump_yaml, render_scrape_jobs
from ..render.scrape import resolve_namespaces
from ..select import selection_report
from ._preview import predicted_targets, snapshot_path

API_VERSION = "operator.victoriametrics.com/v1beta1"
KIND = "VMServiceScrape"
TYPE_TOKEN = "vmscrape:index:VMServiceScrape"


def _spec(spec: VMServiceScrapeSpec | Mapping[str, Any]) -> VMServiceScrapeSpec:
    if isinstance(spec, VMServiceScrapeSpec):
        return spec
    return VMServiceScrapeSpec.parse(spec)


def _agent(agent: VMAgentSpec | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if agent is None:
        return {}
    if isinstance(agent, VMAgentSpec):
        return agent.model_dump(by_alias=True, exclude_none=True)
    return VMAgentSpec.parse(agent).model_dump(by_alias=True, exclude_none=True)


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def _check_secrets(secrets: Mapping[str, Mapping[str, Any]]) -> None:
    problems = []
    for secret, data in secrets.items():
        why = dns_subdomain_problem(secret) if isinstance(secret, str) else "must be a string"
        if why:
            problems.append(Problem("", f"secrets.{secret}", f"Secret name {why}", secret))
        if not isinstance(data, Mapping) or not data:
            problems.append(
                Problem("", f"secrets.{secret}", "must map keys to values (Pulumi secrets)", None)
            )
            continue
        for key in data:
            if not isinstance(key, str) or not _SECRET_KEY.fullmatch(key) or len(key) > 253:
                problems.append(
                    Problem(
                        "",
                        f"secrets.{secret}.{key}",
                        "a Secret key is [-._a-zA-Z0-9]+, up to 253 chars",
                        None,
                    )
                )
    if problems:
        raise VMScrapeError(problems)


def _agent_manifest(agent: Any, index: int) -> dict[str, Any]:
    if isinstance(agent, VMAgentModel):
        return agent.manifest()
    if isinstance(agent, Mapping):
        try:
            return VMAgentModel.from_manifest(agent).manifest()
        except VMScrapeError as exc:
            raise exc.within(f"agents[{index}]") from None
    raise VMScrapeError(
        [Problem("", f"agents[{index}]", "must be a VMAgent manifest or a VMAgentModel", None)]
    )


def _key(manifest: Mapping[str, Any]) -> str:
    meta = manifest.get("metadata") or {}
    return f"{meta.get('namespace') or 'default'}/{meta.get('name') or ''}"


def _render_dir() -> str | None:
    from . import render_dir

    return render_dir()


def _pending(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], SecretKeySelector]]:
    """Every selector built from a :class:`SecretValue`, with its path in the manifest."""
    if isinstance(node, SecretKeySelector):
        if node.pending_value is not None:
            yield path, node
        return
    if isinstance(node, BaseModel):
        for field_name, info in type(node).model_fields.items():
            yield from _pending(getattr(node, field_name), (*path, info.alias or field_name))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _pending(item, (*path, str(i)))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _pending(item, (*path, str(key)))


def _store_secret_values(
    model: BaseModel, manifest: dict[str, Any], secret: str, secrets: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Point every SecretValue's selector in ``manifest`` at ``secret``; ``secrets`` plus those values."""
    values: dict[str, Any] = {}
    problems = []
    for path, selector in _pending(model, ()):
        pending = selector.pending_value
        assert pending is not None
        key = pending.key or "-".join(path)
        if key in values:
            problems.append(
                Problem("", ".".join(path), f"Secret key {key!r} is used twice; give another key=", None)
            )
        values[key] = pending.value
        node: Any = manifest
        for part in path:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node["name"], node["key"] = secret, key
    if values and secret in secrets:
        problems.append(
            Problem("", f"secrets.{secret}", "is the Secret SecretValue fields are stored in", None)
        )
    if problems:
        raise VMScrapeError(problems)
    out = {name: dict(data) for name, data in secrets.items()}
    if values:
        out[secret] = values
    return out


def _is_plain_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())


class VMServiceScrape(pulumi.ComponentResource):
    """A VictoriaMetrics ``VMServiceScrape`` and the vmagent jobs the operator will generate for it.

    ``name`` is both the Pulumi resource name and ``metadata.name`` of the custom resource (no random
    suffix); pass ``resource_name`` to use a different ``metadata.name``. ``spec`` is a
    :class:`VMServiceScrapeSpec` or a mapping in Python or CRD (camelCase) spelling. ``agent``, optional,
    is the VMAgent spec whose settings (scrape classes, interval limits, relabel template, overrides)
    shape the rendered jobs; it is not created. ``secrets``: ``{secret name: {key: value}}`` — Secrets
    this component owns, created in the scrape's namespace with the values as Pulumi secrets; refer to them
    from the spec with ``{"name": <secret name>, "key": <key>}`` selectors. Or put a
    :class:`~vmscrape_component.models.SecretValue` (``SecretValue(config.require_secret("token"))``)
    where the spec wants a Secret key: the value goes into the Secret ``<name>-credentials`` this
    component owns, and the CR gets the selector. ``agents``: VMAgent manifests
    (or models) that may pick this scrape up: output ``selection`` says which do and why, and a warning is
    logged when none or several do. ``snapshot``: a cluster snapshot file (default: the stack setting
    ``vmscrape:snapshot``): output ``targets`` predicts, per job, the targets kept and dropped.

    Outputs: ``manifest`` (the custom resource as applied), ``scrape_config_yaml`` (the jobs as vmagent
    YAML, secret values replaced by placeholders), ``job_names``, ``discovery_namespaces`` (the namespaces
    the jobs discover in; ``["*"]`` for all), ``namespace_mode`` (``own``, ``any`` or ``names``) and
    ``custom_resource`` (the child resource).
    """

    manifest: pulumi.Output[dict[str, Any]]
    scrape_config_yaml: pulumi.Output[str]
    job_names: pulumi.Output[list[str]]
    discovery_namespaces: pulumi.Output[list[str]]
    namespace_mode: str

    def __init__(
        self,
        name: str,
        spec: VMServiceScrapeSpec | Mapping[str, Any],
        *,
        namespace: pulumi.Input[str] | None = None,
        labels: pulumi.Input[Mapping[str, str]] | None = None,
        annotations: pulumi.Input[Mapping[str, str]] | None = None,
        resource_name: str | None = None,
        agent: VMAgentSpec | Mapping[str, Any] | None = None,
        operator: OperatorSettings | None = None,
        secrets: Mapping[str, Mapping[str, pulumi.Input[str]]] | None = None,
        agents: Sequence[VMAgentModel | Mapping[str, Any]] | None = None,
        snapshot: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Validate everything before registering anything: a bad spec must never half-apply.
        metadata_name = resource_name or name
        try:
            model = _spec(spec)
            agent_spec = _agent(agent)
            spec_manifest = model.model_dump(by_alias=True, exclude_none=True)
            # Values given as SecretValue go into one Secret this component owns.
            secrets = _store_secret_values(
                model, spec_manifest, f"{metadata_name}-credentials", secrets or {}
            )
            _check_secrets(secrets)
            agent_manifests = [_agent_manifest(a, i) for i, a in enumerate(agents or ())]
        except VMScrapeError as exc:
            raise exc.within(f"VMServiceScrape {name}") from None
        super().__init__(TYPE_TOKEN, name, None, opts)

        self.namespace_mode = model.namespace_selector_mode
        namespace_out = pulumi.Output.from_input(namespace or "default")
        metadata: dict[str, Any] = {"name": metadata_name, "namespace": namespace_out}
        if labels is not None:
            metadata["labels"] = labels
        if annotations is not None:
            metadata["annotations"] = annotations

        #: Secret name -> key -> value (a Pulumi secret), for the Secrets this component owns.
        self.secret_values: dict[str, dict[str, pulumi.Output[str]]] = {
            secret: {key: pulumi.Output.secret(value) for key, value in data.items()}
            for secret, data in (secrets or {}).items()
        }
        if self.secret_values and _render_dir():
            pulumi.log.warn(
                f"render mode (vmscrape:renderDir={_render_dir()}): the Secret manifests written there hold "
                "the secret values (base64); keep that directory out of version control",
                resource=self,
            )
        #: The owned Secrets, in the scrape's namespace (where the operator looks them up).
        self.secrets = [
            k8s.core.v1.Secret(
                f"{name}-{secret}",
                metadata={"name": secret, "namespace": namespace_out},
                type="Opaque",
                string_data=values,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for secret, values in self.secret_values.items()
        ]
        self.custom_resource = CustomResource(
            name,
            api_version=API_VERSION,
            kind=KIND,
            metadata=metadata,
            spec=spec_manifest,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.secrets)),
        )
        #: The manifest as plain data when namespace and labels were plain values (else ``None``): lets
        #: :class:`VMAgentConfig` render synchronously.
        self.plain_manifest: dict[str, Any] | None = None
        if isinstance(namespace or "default", str) and (labels is None or _is_plain_mapping(labels)):
            plain_meta: dict[str, Any] = {"name": metadata_name, "namespace": namespace or "default"}
            if labels:
                plain_meta["labels"] = dict(labels)  # type: ignore[arg-type]
            self.plain_manifest = {
                "apiVersion": API_VERSION,
                "kind": KIND,
                "metadata": plain_meta,
                "spec": spec_manifest,
            }
        self.spec = model

        settings_operator = operator or OperatorSettings()

        def _render(args: list[Any]) -> dict[str, Any]:
            ns, resolved_labels = args
            meta: dict[str, Any] = {"name": metadata_name, "namespace": ns}
            if resolved_labels:
                meta["labels"] = dict(resolved_labels)
            scrape = {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": spec_manifest}
            settings = AgentSettings.from_spec(agent_spec, namespace=ns, operator=settings_operator)
            jobs = render_scrape_jobs(scrape, settings, Assets())
            resolved = resolve_namespaces(
                spec_manifest.get("namespaceSelector"), ns, settings.ignore_namespace_selectors
            )
            for warning in refusal_warnings(jobs):
                pulumi.log.warn(warning, resource=self)
            preview: dict[str, Any] = {}
            if agent_manifests:
                report = selection_report(agent_manifests, [scrape], None, settings_operator)
                if report.unselected:
                    pulumi.log.warn(
                        f"VMServiceScrape {ns}/{metadata_name} is selected by none of the given "
                        "VMAgents: it will not be scraped",
                        resource=self,
                    )
                for agents in report.duplicated.values():
                    pulumi.log.warn(
                        f"VMServiceScrape {ns}/{metadata_name} is selected by {len(agents)} VMAgents "
                        f"({', '.join(agents)}): its targets are scraped once per agent",
                        resource=self,
                    )
                preview["selection"] = {
                    p.agent: {"selected": p.selected, "reason": p.reason} for p in report.pairs
                }
            path = snapshot_path(snapshot)
            if path:
                # With the first selecting agent's settings, as that agent would scrape it.
                decided = preview.get("selection", {})
                first = next((a for a in agent_manifests if decided[_key(a)]["selected"]), None)
                preview["targets"] = predicted_targets([scrape], path, first, settings_operator)
            return {
                **preview,
                "manifest": scrape,
                "yaml": dump_yaml(jobs),
                "job_names": [j["job_name"] for j in jobs],
                "namespaces": resolved or ["*"],
            }

        rendered = pulumi.Output.all(namespace_out, labels or {}).apply(_render)
        self.manifest = rendered.apply(lambda r: r["manifest"])
        self.scrape_config_yaml = rendered.apply(lambda r: r["yaml"])
        self.job_names = rendered.apply(lambda r: r["job_names"])
        self.discovery_namespaces = rendered.apply(lambda r: r["namespaces"])
        #: Per given agent: ``{"selected": bool, "reason": str}`` (only with ``agents=``).
        self.selection = rendered.apply(lambda r: r.get("selection", {}))
        #: Per job, the targets predicted in the snapshot (only with ``snapshot=`` / ``vmscrape:snapshot``).
        self.targets = rendered.apply(lambda r: r.get("targets", {}))
        self.register_outputs(
            {
                "selection": self.selection,
                "targets": self.targets,
                "manifest": self.manifest,
                "scrape_config_yaml": self.scrape_config_yaml,
                "job_names": self.job_names,
                "discovery_namespaces": self.discovery_namespaces,
                "namespace_mode": self.namespace_mode,
            }
        )
