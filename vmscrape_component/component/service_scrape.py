"""``VMServiceScrape`` — the Pulumi face of one VMServiceScrape: the custom resource plus what it will scrape.

The arguments (:class:`VMServiceScrapeArgs`) are validated when the component is constructed, before any
resource is registered: bad input raises :class:`~vmscrape_component.errors.VMScrapeError` and nothing
reaches the engine. ``Output`` values (a namespace from another resource, labels) are resolved at this
boundary into one :class:`~vmscrape_component.models.VMServiceScrapeModel`, the single source of the
custom resource's metadata, the ``manifest`` output and what the pure renderer reads.

No ``from __future__ import annotations`` here: the analyzer that serves the component to other
languages reads the real annotations of :class:`VMServiceScrapeArgs` and of the outputs (see ``_args``).
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource
from pydantic import BaseModel

from ..errors import Problem, VMScrapeError
from ..grammar import API_VERSION, dns_subdomain_problem, object_key
from ..lint import refusal_warnings
from ..models import (
    NamespaceSelector,
    SecretKeySelector,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
    credentials,
)
from ..render import AgentSettings, Assets, dump_yaml, render_scrape_jobs
from ..select import selection_report
from ._args import (
    AgentsArg,
    AgentSpecArg,
    OperatorArg,
    SpecArg,
    agent_manifest,
    agent_spec_manifest,
    operator_settings,
    resolve_args,
)
from ._preview import predicted_targets, snapshot_path

KIND = "VMServiceScrape"
TYPE_TOKEN = "vmscrape:index:VMServiceScrape"


def _spec(spec: VMServiceScrapeSpec | Mapping[str, Any]) -> VMServiceScrapeSpec:
    if isinstance(spec, VMServiceScrapeSpec):
        return spec
    return VMServiceScrapeSpec.parse(spec)


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
    spec: VMServiceScrapeSpec, secret: str, secrets: Mapping[str, Mapping[str, Any]]
) -> tuple[VMServiceScrapeSpec, dict[str, dict[str, Any]]]:
    """``spec`` with every SecretValue's selector pointing at ``secret``; ``secrets`` plus those values."""
    values: dict[str, Any] = {}
    problems = []
    manifest = spec.manifest_dict()
    for path, selector in _pending(spec, ()):
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
    if not values:
        return spec, out
    out[secret] = values
    # Read back from the rewritten manifest: a new model, the caller's spec (maybe shared) stays as given.
    return VMServiceScrapeSpec.parse(manifest), out


def _is_plain(value: Any) -> bool:
    """Whether ``value`` (a namespace, labels, annotations) is known now: no Output anywhere in it."""
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return value is None or isinstance(value, str)


@dataclass(kw_only=True)
class VMServiceScrapeArgs:
    """The arguments of a :class:`VMServiceScrape` component."""

    spec: SpecArg
    """What to scrape: the VMServiceScrape's spec as a mapping, in the CRD's (camelCase) or Python
    (snake_case) spelling; in Python also a :class:`~vmscrape_component.models.VMServiceScrapeSpec`."""
    namespace: pulumi.Input[str] | None = None
    """The scrape's namespace (``default`` when unset); also where the operator looks up its Secrets."""
    labels: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """``metadata.labels``: what VMAgents' ``serviceScrapeSelector`` match."""
    annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    """``metadata.annotations``."""
    resource_name: str | None = None
    """``metadata.name``, when it differs from the Pulumi resource name."""
    agent: AgentSpecArg | None = None
    """The spec of the VMAgent that will pick the scrape up: its scrape classes, interval limits, relabel
    template and overrides shape the rendered jobs. Not created."""
    operator: OperatorArg | None = None
    """The operator's own settings that change its output: its environment variables
    (``{"WATCH_NAMESPACE": "a,b"}``, ``VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES``); in Python also an
    ``OperatorSettings``."""
    secrets: Mapping[str, Mapping[str, pulumi.Input[str]]] | None = None
    """``{secret name: {key: value}}``: Secrets this component owns, in the scrape's namespace, values kept
    as Pulumi secrets; refer to them from the spec with ``{"name": ..., "key": ...}`` selectors."""
    agents: AgentsArg | None = None
    """VMAgents (manifests or models) that may pick this scrape up: output ``selection`` says which do
    and why; a warning is logged when none or several do."""
    snapshot: str | None = None
    """A cluster snapshot file (default: the stack setting ``vmscrape:snapshot``) for the ``targets``
    output."""


class VMServiceScrape(pulumi.ComponentResource):
    """A VictoriaMetrics ``VMServiceScrape`` and the vmagent jobs the operator will generate for it.

    ``VMServiceScrape(name, VMServiceScrapeArgs(spec=..., namespace=...), opts)``, or the same fields as
    keywords: ``VMServiceScrape(name, spec=..., namespace=..., opts=opts)``. ``name`` is both the Pulumi
    resource name and ``metadata.name`` of the custom resource (no random suffix) unless
    ``resource_name`` is given. Put a :class:`~vmscrape_component.models.SecretValue`
    (``SecretValue(config.require_secret("token"))``) where the spec wants a Secret key: the value goes
    into the Secret ``<metadata.name>-credentials`` this component owns, and the CR gets the selector.

    Outputs: ``manifest`` (the custom resource as applied: metadata with labels and annotations, spec),
    ``scrape_config_yaml`` (the jobs as vmagent YAML, secret values replaced by placeholders),
    ``job_names``, ``discovery_namespaces`` (the namespaces the jobs discover in; ``["*"]`` for all),
    ``namespace_mode`` (``own``, ``any`` or ``names``), ``selection`` (with ``agents``), ``targets``
    (with a snapshot) and ``custom_resource`` (the child resource).
    """

    manifest: pulumi.Output[dict[str, Any]]
    scrape_config_yaml: pulumi.Output[str]
    job_names: pulumi.Output[list[str]]
    discovery_namespaces: pulumi.Output[list[str]]
    namespace_mode: str
    selection: pulumi.Output[dict[str, dict[str, Any]]]
    targets: pulumi.Output[dict[str, dict[str, Any]]]

    def __init__(
        self,
        name: str,
        # The analyzer reads this annotation as the inputs: the Args type itself (None: keywords instead).
        args: VMServiceScrapeArgs = None,  # type: ignore[assignment]
        opts: pulumi.ResourceOptions | None = None,
        **keywords: Any,
    ) -> None:
        # Validate everything before registering anything: a bad spec must never half-apply.
        try:
            args = resolve_args(VMServiceScrapeArgs, args, keywords)
            metadata_name = args.resource_name or name
            # Values given as SecretValue go into one Secret this component owns.
            spec, secrets = _store_secret_values(
                _spec(args.spec), f"{metadata_name}-credentials", args.secrets or {}
            )
            _check_secrets(secrets)
            agent_spec = agent_spec_manifest(args.agent)
            settings_operator = operator_settings(args.operator)
            agent_manifests = [agent_manifest(a, i) for i, a in enumerate(args.agents or ())]
            namespace = args.namespace or "default"

            def scrape_object(ns: str, labels: Any, annotations: Any) -> VMServiceScrapeModel:
                """The one place the whole object is built: CR metadata, ``manifest`` and render read it."""
                return VMServiceScrapeModel(
                    name=metadata_name,
                    namespace=ns,
                    labels=None if labels is None else dict(labels),
                    annotations=None if annotations is None else dict(annotations),
                    spec=spec,
                )

            #: The object as plain data when namespace, labels and annotations are plain values (else
            #: ``None``): lets an agent component render synchronously, before registering anything.
            self.plain_object: VMServiceScrapeModel | None = None
            if all(_is_plain(v) for v in (namespace, args.labels, args.annotations)):
                self.plain_object = scrape_object(namespace, args.labels, args.annotations)  # type: ignore[arg-type]
        except VMScrapeError as exc:
            raise exc.within(f"VMServiceScrape {name}") from None
        super().__init__(TYPE_TOKEN, name, None, opts)

        # One namespace rule for both outputs: under WATCH_NAMESPACE the operator may ignore the selector.
        ignore_selectors = AgentSettings.from_spec(
            agent_spec, operator=settings_operator
        ).ignore_namespace_selectors
        selector = spec.namespace_selector or NamespaceSelector.own()
        self.spec = spec
        self.namespace_mode = selector.effective_mode(ignore_selectors=ignore_selectors)
        namespace_out = pulumi.Output.from_input(namespace)
        #: Secret name -> key -> value (a Pulumi secret), for the Secrets this component owns.
        self.secret_values: dict[str, dict[str, pulumi.Output[str]]] = {
            secret: {key: pulumi.Output.secret(value) for key, value in data.items()}
            for secret, data in secrets.items()
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

        #: The object (the model) and its manifest, once namespace, labels and annotations are known.
        scrape_out: pulumi.Output[tuple[VMServiceScrapeModel, dict[str, Any]]]
        if self.plain_object is not None:
            # Known now: one dump serves the resource's inputs and the output, and a preview shows them.
            plain_object, plain = self.plain_object, self.plain_object.manifest()
            scrape_out = namespace_out.apply(lambda _: (plain_object, plain))
            metadata: Any = plain["metadata"]
            spec_manifest = plain["spec"]
        else:

            def resolve(values: list[Any]) -> tuple[VMServiceScrapeModel, dict[str, Any]]:
                scrape = scrape_object(*values)
                return scrape, scrape.manifest()

            scrape_out = pulumi.Output.all(namespace_out, args.labels, args.annotations).apply(resolve)
            metadata = scrape_out.apply(lambda pair: pair[1]["metadata"])
            spec_manifest = spec.manifest_dict()
        self.manifest = scrape_out.apply(lambda pair: pair[1])
        self.custom_resource = CustomResource(
            name,
            api_version=API_VERSION,
            kind=KIND,
            metadata=metadata,
            spec=spec_manifest,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.secrets)),
        )

        snapshot = args.snapshot

        def _render(pair: tuple[VMServiceScrapeModel, dict[str, Any]]) -> dict[str, Any]:
            scrape, manifest = pair
            ns = scrape.namespace or "default"
            settings = AgentSettings.from_spec(agent_spec, namespace=ns, operator=settings_operator)
            jobs = render_scrape_jobs(scrape, settings, Assets())
            resolved = selector.resolve(ns, ignore_selectors=ignore_selectors)
            for warning in refusal_warnings(jobs):
                pulumi.log.warn(warning, resource=self)
            preview: dict[str, Any] = {}
            if agent_manifests:
                report = selection_report(agent_manifests, [scrape], None, settings_operator)
                for warning in report.warnings():
                    pulumi.log.warn(warning, resource=self)
                preview["selection"] = {
                    p.agent: {"selected": p.selected, "reason": p.reason} for p in report.pairs
                }
            path = snapshot_path(snapshot)
            if path:
                # With the first selecting agent's settings, as that agent would scrape it.
                decided = preview.get("selection", {})
                first = next((a for a in agent_manifests if decided[object_key(a)]["selected"]), None)
                preview["targets"] = predicted_targets([manifest], path, first, settings_operator)
            return {
                **preview,
                "yaml": dump_yaml(jobs),
                # Header values or proxy userinfo written in the CR itself: the text is a Pulumi secret.
                "holds_credentials": credentials.holds_credentials(jobs),
                "job_names": [j["job_name"] for j in jobs],
                # The output's documented spelling of "every namespace" (None inside the package).
                "namespaces": ["*"] if resolved is None else resolved,
            }

        rendered = scrape_out.apply(_render)
        self.scrape_config_yaml = rendered.apply(
            lambda r: pulumi.Output.secret(r["yaml"]) if r["holds_credentials"] else r["yaml"]
        )
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
