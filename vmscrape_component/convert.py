"""ServiceMonitor → the VMServiceScrape the VictoriaMetrics operator (v0.74.1) makes of it, and what it loses.

The rules are the operator's ``converter.ServiceMonitor`` (internal/controller/operator/factory/converter/
apis.go:103-149, endpoints :203-241, relabelings :305-334 and :513-526, prefix filters :529-549) as
the object reaches the API server: the Go structs' JSON (``omitempty`` leaves empty values out but always
writes structs, so ``selector``, ``namespaceSelector``, ``attach_metadata``, TLS ``ca``/``cert`` and basic
auth's ``username``/``password`` are there even when empty), then the VMServiceScrape CRD's defaults
(``name: ""`` in every key selector). The input is read with the ServiceMonitor CRD's defaults applied, as
the API server hands it to the operator (relabel ``action: replace``).

Writing over an existing VMServiceScrape (reconcile/vmservicescrape.go:19-60): the spec is replaced unless
the existing object carries ``operator.victoriametrics.com/ignore-prometheus-updates: enabled``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem, VMScrapeError
from .models import ServiceMonitorModel, VMServiceScrapeModel
from .models.secrets import SecretKeySelector, SecretOrConfigMap
from .models.selectors import LabelSelector
from .models.service_monitor import PROMETHEUS_API_VERSION, PromEndpoint, PromRelabelConfig, PromTLSConfig
from .settings import OperatorSettings

__all__ = [
    "IGNORE_CONVERSION_ANNOTATION",
    "MERGE_META_ANNOTATION",
    "Conversion",
    "ConversionNote",
    "convert_service_monitor",
]

#: The annotation on a VMServiceScrape that stops the operator from overwriting it with a conversion
#: (api/operator/v1beta1/vmextra_types.go:106-108; reconcile/vmservicescrape.go:42).
IGNORE_CONVERSION_ANNOTATION = "operator.victoriametrics.com/ignore-prometheus-updates"
#: How the operator merges metadata into an existing object (vmextra_types.go:114; reconcile.go:103-119).
MERGE_META_ANNOTATION = "operator.victoriametrics.com/merge-meta-strategy"

# apis.go:19-20 and api/operator/v1beta1/vmextra_types.go:118-119.
_PATH_REWRITES = (
    ("/etc/prometheus/secrets", "/etc/vm/secrets"),
    ("/etc/prometheus/configmaps", "/etc/vm/configs"),
)
_NO_FIELD = "no VMServiceScrape field"

#: ServiceMonitor spec fields the converter never reads (apis.go:111-134 reads the rest).
DROPPED_SPEC_FIELDS = (
    "selectorMechanism",
    "scrapeProtocols",
    "fallbackScrapeProtocol",
    "targetLimit",
    "labelLimit",
    "labelNameLengthLimit",
    "labelValueLengthLimit",
    "scrapeClassicHistograms",
    "scrapeNativeHistograms",
    "nativeHistogramBucketLimit",
    "nativeHistogramMinBucketFactor",
    "convertClassicHistogramsToNHCB",
    "keepDroppedTargets",
    "bodySizeLimit",
)
#: Endpoint fields convertEndpoint (apis.go:206-236) never reads.
DROPPED_ENDPOINT_FIELDS = (
    "trackTimestampsStaleness",
    "filterRunning",
    "enableHttp2",
    "noProxy",
    "proxyFromEnvironment",
    "proxyConnectHeader",
)
#: ConvertOAuth (apis.go:163-176) copies client id/secret, token URL, scopes and endpoint params only.
DROPPED_OAUTH2_FIELDS = ("proxyUrl", "noProxy", "proxyFromEnvironment", "proxyConnectHeader", "tlsConfig")
#: ConvertTLSConfig (apis.go:255-275) has no TLS version fields to copy into.
DROPPED_TLS_FIELDS = ("minVersion", "maxVersion")


@dataclass(frozen=True)
class ConversionNote:
    """One input field the conversion drops or changes."""

    object: str
    """``namespace/name`` of the ServiceMonitor."""
    path: str
    """The field, from the manifest's root (``spec.endpoints[0].enableHttp2``)."""
    change: str
    """``"dropped"`` or ``"changed"``."""
    detail: str
    """Why, or what it becomes."""

    def text(self) -> str:
        """``ns/name: path: dropped (why)``, as ``vmscrape convert`` prints it."""
        return f"{self.object}: {self.path}: {self.change} ({self.detail})"


@dataclass(frozen=True)
class Conversion:
    """A ServiceMonitor and the VMServiceScrape the operator makes of it."""

    source: ServiceMonitorModel
    """The ServiceMonitor, validated."""
    manifest: dict[str, Any]
    """The VMServiceScrape as the operator creates it: ``apiVersion``, ``kind``, ``metadata``, ``spec``."""
    scrape: VMServiceScrapeModel
    """:attr:`manifest` as a model, for render/select/explain."""
    notes: tuple[ConversionNote, ...] = field(default_factory=tuple)
    """Every input field dropped or changed, in input order."""

    @property
    def key(self) -> str:
        """``namespace/name`` (the same for both objects)."""
        return self.scrape.key

    @property
    def dropped(self) -> tuple[ConversionNote, ...]:
        """The notes about fields that are lost."""
        return tuple(n for n in self.notes if n.change == "dropped")


class _Notes:
    def __init__(self, key: str) -> None:
        self.key = key
        self.items: list[ConversionNote] = []

    def drop(self, path: str, why: str = _NO_FIELD) -> None:
        self.items.append(ConversionNote(self.key, path, "dropped", why))

    def change(self, path: str, what: str) -> None:
        self.items.append(ConversionNote(self.key, path, "changed", what))


def convert_service_monitor(
    monitor: ServiceMonitorModel | Mapping[str, Any],
    operator: OperatorSettings | None = None,
    *,
    default_namespace: str = "default",
) -> Conversion:
    """The VMServiceScrape the operator creates from ``monitor`` (a model or a manifest), with every field
    it drops or changes. Raises :class:`VMScrapeError` when the ServiceMonitor is invalid, or when its
    conversion is a VMServiceScrape vmscrape refuses (paths are the ServiceMonitor's)."""
    operator = operator or OperatorSettings()
    uid = None
    if isinstance(monitor, Mapping):
        meta = monitor.get("metadata")
        uid = meta.get("uid") if isinstance(meta, Mapping) else None
    sm = ServiceMonitorModel.from_manifest(monitor, default_namespace=default_namespace)
    notes = _Notes(sm.key)
    metadata: dict[str, Any] = {"name": sm.name, "namespace": sm.namespace}
    labels = _filter_prefixes(sm.labels, operator.converter_label_prefixes, "metadata.labels", notes)
    annotations = _filter_prefixes(
        sm.annotations, operator.converter_annotation_prefixes, "metadata.annotations", notes
    )
    if operator.converter_argocd_annotations:  # apis.go:88-100
        annotations = dict(annotations or {})
        annotations["argocd.argoproj.io/compare-options"] = "IgnoreExtraneous"
        annotations["argocd.argoproj.io/sync-options"] = "Prune=false"
    if labels:  # an empty map is left out (omitempty)
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    if operator.converter_owner_references:  # apis.go:135-146
        owner: dict[str, Any] = {
            "apiVersion": PROMETHEUS_API_VERSION,
            "kind": "ServiceMonitor",
            "name": sm.name,
        }
        if isinstance(uid, str):
            owner["uid"] = uid
        metadata["ownerReferences"] = [owner | {"controller": True, "blockOwnerDeletion": True}]
    spec_in = sm.spec
    spec: dict[str, Any] = {}
    if spec_in.job_label:
        spec["jobLabel"] = spec_in.job_label
    if spec_in.target_labels:
        spec["targetLabels"] = list(spec_in.target_labels)
    if spec_in.pod_target_labels:
        spec["podTargetLabels"] = list(spec_in.pod_target_labels)
    spec["selector"] = _label_selector(spec_in.selector)
    relabel_origins: list[tuple[list[int], list[int]]] = []
    spec["endpoints"] = [
        _endpoint(ep, f"spec.endpoints[{i}]", notes, relabel_origins)
        for i, ep in enumerate(spec_in.endpoints)
    ]
    ns_sel = spec_in.namespace_selector
    spec["namespaceSelector"] = {}
    if ns_sel is not None and ns_sel.any_:
        spec["namespaceSelector"]["any"] = True
    if ns_sel is not None and ns_sel.match_names:
        spec["namespaceSelector"]["matchNames"] = list(ns_sel.match_names)
    if spec_in.scrape_class is not None:
        spec["scrapeClass"] = spec_in.scrape_class
    if spec_in.service_discovery_role is not None:  # apis.go:124-126
        role = spec_in.service_discovery_role.lower()
        spec["discoveryRole"] = role
        notes.change("spec.serviceDiscoveryRole", f"lowercased into discoveryRole: {role}")
    if spec_in.sample_limit:  # apis.go:127-129: every int64 fits a 64-bit int; 0 is left out (omitempty)
        spec["sampleLimit"] = spec_in.sample_limit
    attach: dict[str, Any] = {}
    if spec_in.attach_metadata is not None and spec_in.attach_metadata.node is not None:
        attach["node"] = spec_in.attach_metadata.node
    spec["attach_metadata"] = attach
    given = spec_in.model_dump(by_alias=True, exclude_none=True)
    for name in DROPPED_SPEC_FIELDS:
        if name in given:
            notes.drop(f"spec.{name}")
    manifest = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": metadata,
        "spec": spec,
    }
    scrape = _as_model(manifest, sm, relabel_origins)
    return Conversion(source=sm, manifest=manifest, scrape=scrape, notes=tuple(_sorted(notes.items)))


def _sorted(items: list[ConversionNote]) -> list[ConversionNote]:
    # Metadata first, then the spec in the order the converter walks it.
    return sorted(items, key=lambda n: not n.path.startswith("metadata"))


def _filter_prefixes(
    src: Mapping[str, str] | None, prefixes: tuple[str, ...], where: str, notes: _Notes
) -> dict[str, str] | None:
    # apis.go:529-549: unchanged when there is nothing to filter; None when everything is filtered out.
    if not src or not prefixes:
        return dict(src) if src is not None else None
    kept = {}
    for key, value in src.items():
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is None:
            kept[key] = value
        else:
            notes.drop(f"{where}.{key}", f"prefix {prefix!r} is filtered by the operator's settings")
    return kept or None


def _key_ref(selector: SecretKeySelector | None) -> dict[str, Any]:
    """A Secret/ConfigMap key selector as stored: Go drops an empty ``name``, the VMServiceScrape CRD
    defaults it back to ``""``."""
    out: dict[str, Any] = {
        "key": selector.key if selector else "",
        "name": (selector.name or "") if selector else "",
    }
    if selector is not None and selector.optional is not None:
        out["optional"] = selector.optional
    return out


def _secret_or_config_map(value: SecretOrConfigMap | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value is not None and value.secret is not None:
        out["secret"] = _key_ref(value.secret)
    if value is not None and value.config_map is not None:
        out["configMap"] = _key_ref(value.config_map)  # type: ignore[arg-type]
    return out


def _label_selector(selector: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
            for r in selector.match_expressions
        ]
    return out


def _rewrite_path(path: str | None, where: str, notes: _Notes) -> str | None:
    # apis.go:152-160: the first matching prefix, replaced once.
    if not path:
        return None
    for prom, vm in _PATH_REWRITES:
        if path.startswith(prom):
            new = vm + path[len(prom) :]
            notes.change(where, f"path rewritten: {path} → {new}")
            return new
    return path


def _tls(tls: PromTLSConfig, where: str, notes: _Notes) -> dict[str, Any]:
    out: dict[str, Any] = {"ca": _secret_or_config_map(tls.ca), "cert": _secret_or_config_map(tls.cert)}
    for name, value in (("caFile", tls.ca_file), ("certFile", tls.cert_file), ("keyFile", tls.key_file)):
        new = _rewrite_path(value, f"{where}.{name}", notes)
        if new:
            out[name] = new
    if tls.key_secret is not None:
        out["keySecret"] = _key_ref(tls.key_secret)
    if tls.server_name:
        out["serverName"] = tls.server_name
    if tls.insecure_skip_verify:
        out["insecureSkipVerify"] = True
    given = tls.model_dump(by_alias=True, exclude_none=True)
    for name in DROPPED_TLS_FIELDS:
        if name in given:
            notes.drop(f"{where}.{name}")
    return out


def _relabelings(
    rules: list[PromRelabelConfig] | None, where: str, notes: _Notes
) -> tuple[list[dict[str, Any]], list[int]]:
    out: list[dict[str, Any]] = []
    kept: list[int] = []
    for index, rule in enumerate(rules or ()):
        action = rule.action or "replace"  # the ServiceMonitor CRD's default
        if (
            action in ("keep", "hashmod", "drop") and not rule.source_labels
        ):  # apis.go:513-526, case-sensitive
            notes.drop(
                f"{where}[{index}]", f"action {action} without sourceLabels: the operator removes the rule"
            )
            continue
        rc: dict[str, Any] = {}
        if rule.source_labels:
            rc["sourceLabels"] = list(rule.source_labels)
        if rule.separator is not None:
            rc["separator"] = rule.separator
        if rule.target_label:
            rc["targetLabel"] = rule.target_label
        if rule.regex:
            rc["regex"] = rule.regex
        if rule.modulus:
            rc["modulus"] = rule.modulus
        if rule.replacement is not None:
            rc["replacement"] = rule.replacement
        rc["action"] = action
        out.append(rc)
        kept.append(index)
    return out, kept


def _endpoint(
    ep: PromEndpoint, where: str, notes: _Notes, relabel_origins: list[tuple[list[int], list[int]]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ep.port:
        out["port"] = ep.port
    if ep.target_port is not None:
        out["targetPort"] = ep.target_port
    if ep.path:
        out["path"] = ep.path
    if ep.scheme:
        out["scheme"] = ep.scheme.lower()  # Scheme.String() lowercases (prometheus-operator v1/types.go:958)
        if ep.scheme != ep.scheme.lower():
            notes.change(f"{where}.scheme", f"lowercased: {ep.scheme.lower()}")
    if ep.params:
        out["params"] = {k: list(v) for k, v in ep.params.items()}
    if ep.follow_redirects is not None:
        out["follow_redirects"] = ep.follow_redirects
    if ep.interval:
        out["interval"] = ep.interval
    if ep.scrape_timeout:
        out["scrapeTimeout"] = ep.scrape_timeout
    if ep.proxy_url is not None:
        out["proxyURL"] = ep.proxy_url
    if ep.honor_labels:
        out["honorLabels"] = True
    if ep.honor_timestamps is not None:
        out["honorTimestamps"] = ep.honor_timestamps
    if ep.basic_auth is not None:
        out["basicAuth"] = {
            "username": _key_ref(ep.basic_auth.username),
            "password": _key_ref(ep.basic_auth.password),
        }
    if ep.tls_config is not None:
        out["tlsConfig"] = _tls(ep.tls_config, f"{where}.tlsConfig", notes)
    if ep.oauth2 is not None:
        o = ep.oauth2
        oauth: dict[str, Any] = {
            "client_id": _secret_or_config_map(o.client_id),
            "client_secret": _key_ref(o.client_secret),
            "token_url": o.token_url,
        }
        if o.scopes:
            oauth["scopes"] = list(o.scopes)
        if o.endpoint_params:
            oauth["endpoint_params"] = dict(o.endpoint_params)
        out["oauth2"] = oauth
        given = o.model_dump(by_alias=True, exclude_none=True)
        for name in DROPPED_OAUTH2_FIELDS:
            if name in given:
                notes.drop(f"{where}.oauth2.{name}")
    if ep.authorization is not None:
        auth: dict[str, Any] = {}
        if ep.authorization.type:
            auth["type"] = ep.authorization.type
        if ep.authorization.credentials is not None:
            auth["credentials"] = _key_ref(ep.authorization.credentials)
        out["authorization"] = auth
    token_file = _rewrite_path(ep.bearer_token_file, f"{where}.bearerTokenFile", notes)
    if token_file:
        out["bearerTokenFile"] = token_file
    token = ep.bearer_token_secret
    if token is not None:
        if not token.key and not token.name:  # apis.go:196-201
            notes.drop(f"{where}.bearerTokenSecret", "empty key and name: the operator leaves it out")
        else:
            out["bearerTokenSecret"] = _key_ref(token)
    metric, metric_kept = _relabelings(ep.metric_relabelings, f"{where}.metricRelabelings", notes)
    target, target_kept = _relabelings(ep.relabelings, f"{where}.relabelings", notes)
    relabel_origins.append((target_kept, metric_kept))
    if metric:
        out["metricRelabelConfigs"] = metric
    if target:
        out["relabelConfigs"] = target
    out["attach_metadata"] = {}
    given = ep.model_dump(by_alias=True, exclude_none=True)
    for name in DROPPED_ENDPOINT_FIELDS:
        if name in given:
            notes.drop(f"{where}.{name}")
    return out


#: Converted field names back to the ServiceMonitor's, for error paths.
_BACK = {
    "relabelConfigs": "relabelings",
    "metricRelabelConfigs": "metricRelabelings",
    "proxyURL": "proxyUrl",
    "follow_redirects": "followRedirects",
    "client_id": "clientId",
    "client_secret": "clientSecret",
    "token_url": "tokenUrl",
    "endpoint_params": "endpointParams",
    "discoveryRole": "serviceDiscoveryRole",
    "attach_metadata": "attachMetadata",
}


def _source_path(path: str, relabel_origins: list[tuple[list[int], list[int]]]) -> str:
    """A path of the converted object as the ServiceMonitor's (names and relabel indexes)."""
    match = re.match(r"spec\.endpoints\[(\d+)\]\.(relabelConfigs|metricRelabelConfigs)\[(\d+)\](.*)", path)
    if match and int(match[1]) < len(relabel_origins):
        target, metric = relabel_origins[int(match[1])]
        kept = target if match[2] == "relabelConfigs" else metric
        if int(match[3]) < len(kept):
            path = f"spec.endpoints[{match[1]}].{match[2]}[{kept[int(match[3])]}]{match[4]}"
    return ".".join(re.sub(r"^[^\[]+", lambda m: _BACK.get(m[0], m[0]), part) for part in path.split("."))


def _as_model(
    manifest: dict[str, Any], sm: ServiceMonitorModel, relabel_origins: list[tuple[list[int], list[int]]]
) -> VMServiceScrapeModel:
    try:
        return VMServiceScrapeModel.from_manifest(manifest)
    except VMScrapeError as exc:
        where = f"ServiceMonitor {sm.key}"
        raise VMScrapeError(
            [
                Problem(
                    where,
                    _source_path(p.path, relabel_origins),
                    f"{p.message} (in its VMServiceScrape)",
                    p.value,
                )
                for p in exc.problems
            ]
        ) from None
