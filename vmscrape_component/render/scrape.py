"""One VMServiceScrape → the vmagent scrape jobs the VictoriaMetrics operator generates for it.

This follows the operator's ``generateServiceScrapeConfig`` (v0.74.1) rule for rule and key for key:
the order of keys in a job and of relabeling rules is the operator's, so that the YAML we print is the
YAML the operator writes. Input is the validated model
(:class:`~vmscrape_component.models.VMServiceScrapeModel` and the agent's
:class:`~.settings.AgentSettings`); manifests are parsed into models before they get here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..grammar import DurationError, discovery_namespaces, duration_ms, sanitize_label_name
from ..models import (
    AttachMetadata,
    Authorization,
    BasicAuth,
    Endpoint,
    LabelSelector,
    NamespaceSelector,
    OAuth2,
    ProxyClientConfig,
    RelabelConfig,
    ScrapeClass,
    SecretOrConfigMap,
    TLSConfig,
    VMScrapeParams,
    VMServiceScrapeModel,
    VMServiceScrapeSpec,
)
from ..models.auth import EndpointAuth
from .assets import Assets
from .go_map import yaml_v2_sorted
from .settings import AgentSettings

__all__ = [
    "DISCOVERY_ROLES",
    "Job",
    "Rule",
    "effective_discovery_role",
    "job_name",
    "label_selector_string",
    "limited_scrape_interval",
    "render_endpoint_job",
    "render_relabel_config",
    "render_scrape_jobs",
    "resolve_namespaces",
    "scrape_class_for",
    "selector_relabelings",
]

Job = dict[str, Any]
Rule = dict[str, Any]

ROLE_ENDPOINTS = "endpoints"
ROLE_SERVICE = "service"
ROLE_ENDPOINTSLICE = "endpointslice"
#: Spelling the operator accepted before v0.67 and still accepts; passed through to vmagent as written.
ROLE_ENDPOINTSLICES_LEGACY = "endpointslices"
DISCOVERY_ROLES = (ROLE_ENDPOINTS, ROLE_SERVICE, ROLE_ENDPOINTSLICES_LEGACY, ROLE_ENDPOINTSLICE)
_SLICE_ROLES = (ROLE_ENDPOINTSLICE, ROLE_ENDPOINTSLICES_LEGACY)


def job_name(namespace: str, name: str, index: int) -> str:
    return f"serviceScrape/{namespace}/{name}/{index}"


def effective_discovery_role(spec: VMServiceScrapeSpec, agent: AgentSettings) -> str:
    """The role a scrape's jobs discover with: its own, else the operator's default."""
    if spec.discovery_role:
        return spec.discovery_role
    return ROLE_ENDPOINTSLICE if agent.operator.enforce_endpoint_slices else ROLE_ENDPOINTS


def resolve_namespaces(
    namespace_selector: NamespaceSelector | None, own_namespace: str, ignore_selectors: bool = False
) -> list[str]:
    """Namespaces a scrape discovers in, by the one namespace rule (:mod:`vmscrape_component.grammar`);
    ``[]`` (as ``kubernetes_sd_configs`` writes it) means all namespaces."""
    selector = namespace_selector or NamespaceSelector.own()
    names = discovery_namespaces(
        selector.any_, selector.match_names, own_namespace, ignore_selectors=ignore_selectors
    )
    return [] if names is None else names


# -- relabel rules --------------------------------------------------------------------------------------


def _one_or_list(value: str | list[str]) -> str | list[str]:
    # The operator's StringOrArray writes a one-item list as that item.
    if isinstance(value, str):
        return value
    return value[0] if len(value) == 1 else list(value)


def render_relabel_config(rc: RelabelConfig) -> Rule:
    """A user relabel config in vmagent's spelling, keys in the operator's order."""
    rule: Rule = {}
    if rc.source_labels:
        rule["source_labels"] = list(rc.source_labels)
    if rc.separator is not None:
        rule["separator"] = rc.separator
    if rc.target_label:
        rule["target_label"] = rc.target_label
    # The operator reads "" as the one-item list [""] and writes `regex: ""` (matches only empty
    # values; leaving it out would mean the default "(.*)"). Only an absent or empty list is omitted.
    if isinstance(rc.regex, str) or rc.regex:
        rule["regex"] = _one_or_list(rc.regex)
    if rc.modulus:
        rule["modulus"] = rc.modulus
    if rc.replacement is not None:
        rule["replacement"] = rc.replacement
    if rc.action:
        rule["action"] = rc.action
    if rc.if_:
        rule["if"] = _one_or_list(rc.if_)
    if rc.match:
        rule["match"] = rc.match
    if rc.labels:
        rule["labels"] = {k: rc.labels[k] for k in sorted(rc.labels)}
    return rule


#: How each selector operator becomes a relabel rule: (action, label family, regex or None for the values).
_EXPRESSION_RULES = {
    "In": ("keep", "label", None),
    "NotIn": ("drop", "label", None),
    "Exists": ("keep", "labelpresent", "true"),
    "DoesNotExist": ("drop", "labelpresent", "true"),
}


def selector_relabelings(role_object: str, selector: LabelSelector | None) -> list[Rule]:
    """Keep/drop rules that emulate a label selector over ``__meta_kubernetes_<object>_label_*``."""
    if selector is None:
        return []
    rules: list[Rule] = []
    match_labels = selector.match_labels or {}
    for key in sorted(match_labels):
        rules.append(
            {
                "action": "keep",
                "source_labels": [f"__meta_kubernetes_{role_object}_label_{sanitize_label_name(key)}"],
                "regex": match_labels[key],
            }
        )
    for expr in selector.match_expressions or ():
        action, family, regex = _EXPRESSION_RULES[expr.operator]
        rules.append(
            {
                "action": action,
                "source_labels": [
                    f"__meta_kubernetes_{role_object}_{family}_{sanitize_label_name(expr.key)}"
                ],
                "regex": "|".join(expr.values or ()) if regex is None else regex,
            }
        )
    return rules


def label_selector_string(selector: LabelSelector) -> str:
    """A label selector in Kubernetes' string form (``a=b,c in (d,e),!f``), requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.match_labels or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expr in selector.match_expressions or ():
        key = expr.key
        # Sorted, duplicates kept: the operator writes values ['', ''] as "(,)" (seen on the real operator).
        values = ",".join(sorted(expr.values or ()))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }[expr.operator]
        requirements.append((key, text))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)


def _role_relabelings(role: str) -> list[Rule]:
    # Pod and node names from the address target, then the pod's own labels.
    prefix = {
        ROLE_ENDPOINTS: "endpoint",
        ROLE_ENDPOINTSLICE: "endpointslice",
        ROLE_ENDPOINTSLICES_LEGACY: "endpointslice",
    }.get(role)
    if prefix is None:
        return []
    kind = f"__meta_kubernetes_{prefix}_address_target_kind"
    target = f"__meta_kubernetes_{prefix}_address_target_name"
    return [
        {
            "source_labels": [kind, target],
            "separator": ";",
            "regex": "Node;(.*)",
            "replacement": "${1}",
            "target_label": "node",
        },
        {
            "source_labels": [kind, target],
            "separator": ";",
            "regex": "Pod;(.*)",
            "replacement": "${1}",
            "target_label": "pod",
        },
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
    ]


_PORT_NAME_LABEL = {
    ROLE_ENDPOINTS: "__meta_kubernetes_endpoint_port_name",
    ROLE_ENDPOINTSLICE: "__meta_kubernetes_endpointslice_port_name",
    ROLE_ENDPOINTSLICES_LEGACY: "__meta_kubernetes_endpointslice_port_name",
    ROLE_SERVICE: "__meta_kubernetes_service_port_name",
}


def _target_port_text(target_port: int | str) -> str:
    # Kubernetes IntOrString.String(): a string as is, a number in decimal.
    return target_port if isinstance(target_port, str) else str(int(target_port))


# -- interval limits ------------------------------------------------------------------------------------


def limited_scrape_interval(interval: str, agent: AgentSettings) -> str:
    """The job's interval after the agent's ``minScrapeInterval``/``maxScrapeInterval`` are applied.

    The operator's ``setScrapeIntervalToWithLimit``: durations read by ``metricsql.DurationValue``
    (:func:`~vmscrape_component.grammar.duration_ms`); an unreadable one leaves the interval as it is.
    """
    lo, hi = agent.min_scrape_interval, agent.max_scrape_interval
    if not interval or (lo is None and hi is None):
        return interval
    try:
        value = duration_ms(interval)
        if lo is not None and duration_ms(lo) >= value:
            return lo
        if hi is not None and duration_ms(hi) < value:
            return hi
    except DurationError:
        return interval
    return interval


# -- scrape classes ------------------------------------------------------------------------------------


def scrape_class_for(name: str | None, agent: AgentSettings) -> ScrapeClass | None:
    """The scrape class a scrape uses: the one it names, else the agent's default class, else none."""
    default = None
    for scrape_class in agent.scrape_classes:
        if (name or "") == scrape_class.name:
            return scrape_class
        if scrape_class.default:
            default = scrape_class
    return default


def _empty_ref(ref: SecretOrConfigMap | None) -> bool:
    return ref is None or not ref.is_set


def _merge_tls(own: TLSConfig | None, from_class: TLSConfig | None) -> TLSConfig | None:
    """The endpoint's TLS with each part it leaves empty (CA, cert, key, server name) from the class."""
    if from_class is None:
        return own
    if own is None:
        return from_class
    fill: dict[str, Any] = {}
    if not own.ca_file and _empty_ref(own.ca):
        fill.update(ca_file=from_class.ca_file, ca=from_class.ca)
    if not own.cert_file and _empty_ref(own.cert):
        fill.update(cert_file=from_class.cert_file, cert=from_class.cert)
    if not own.key_file and own.key_secret is None:
        fill.update(key_file=from_class.key_file, key_secret=from_class.key_secret)
    if not own.server_name:
        fill["server_name"] = from_class.server_name
    return own.model_copy(update=fill)


def _merge_authorization(own: Authorization | None, from_class: Authorization) -> Authorization:
    if own is None:
        return from_class
    if own.credentials is not None:
        return own
    fill: dict[str, Any] = {"credentials": from_class.credentials}
    if from_class.credentials is None and not own.credentials_file:
        fill["credentials_file"] = from_class.credentials_file
    return own.model_copy(update=fill)


def _merge_basic_auth(own: BasicAuth | None, from_class: BasicAuth) -> BasicAuth:
    if own is None:
        return from_class
    fill: dict[str, Any] = {}
    if own.username is None or not own.username.name:
        fill["username"] = from_class.username
    if (own.password is None or not own.password.name) and not own.password_file:
        fill.update(password=from_class.password, password_file=from_class.password_file)
    return own.model_copy(update=fill)


def _merge_oauth2(own: OAuth2 | None, from_class: OAuth2) -> OAuth2:
    if own is None:
        return from_class
    fill: dict[str, Any] = {"tls_config": _merge_tls(own.tls_config, from_class.tls_config)}
    if own.client_secret is None and not own.client_secret_file:
        fill.update(client_secret=from_class.client_secret, client_secret_file=from_class.client_secret_file)
    if _empty_ref(own.client_id):
        fill["client_id"] = from_class.client_id
    for name in ("endpoint_params", "scopes", "token_url", "proxy_url"):
        if not getattr(own, name):
            fill[name] = getattr(from_class, name)
    return own.model_copy(update=fill)


def _with_scrape_class(ep: Endpoint, scrape_class: ScrapeClass) -> Endpoint:
    """The endpoint with what its scrape class adds: auth it leaves empty, relabelings put first and
    attach_metadata it does not set (the operator's ``mergeEndpointAuthWithScrapeClass`` and friends)."""
    fill: dict[str, Any] = {}
    if scrape_class.authorization is not None:
        fill["authorization"] = _merge_authorization(ep.authorization, scrape_class.authorization)
    if scrape_class.basic_auth is not None:
        fill["basic_auth"] = _merge_basic_auth(ep.basic_auth, scrape_class.basic_auth)
    fill["tls_config"] = _merge_tls(ep.tls_config, scrape_class.tls_config)
    if scrape_class.oauth2 is not None:
        fill["oauth2"] = _merge_oauth2(ep.oauth2, scrape_class.oauth2)
    if not ep.bearer_token_file:
        fill["bearer_token_file"] = scrape_class.bearer_token_file
    if ep.bearer_token_secret is None:
        fill["bearer_token_secret"] = scrape_class.bearer_token_secret
    fill["relabel_configs"] = [*(scrape_class.relabel_configs or ()), *(ep.relabel_configs or ())]
    fill["metric_relabel_configs"] = [
        *(scrape_class.metric_relabel_configs or ()),
        *(ep.metric_relabel_configs or ()),
    ]
    if scrape_class.attach_metadata is not None:
        fill["attach_metadata"] = _merge_attach_metadata(ep.attach_metadata, scrape_class.attach_metadata)
    return ep.model_copy(update=fill)


def _merge_attach_metadata(
    own: AttachMetadata | None, fallback: AttachMetadata | None
) -> AttachMetadata | None:
    """``own``, with each flag it leaves unset taken from ``fallback``."""
    if fallback is None:
        return own
    if own is None:
        return fallback
    return AttachMetadata(
        node=fallback.node if own.node is None else own.node,
        namespace=fallback.namespace if own.namespace is None else own.namespace,
    )


# -- auth and TLS ---------------------------------------------------------------------------------------


def render_tls(namespace: str, tls: TLSConfig | None, assets: Assets) -> dict[str, Any]:
    if tls is None:
        return {}
    out: dict[str, Any] = {}
    if tls.insecure_skip_verify:
        out["insecure_skip_verify"] = True
    ca_file = tls.ca_file or _tls_ref_file(namespace, tls.ca, assets)
    if ca_file:
        out["ca_file"] = ca_file
    cert_file = tls.cert_file or _tls_ref_file(namespace, tls.cert, assets)
    if cert_file:
        out["cert_file"] = cert_file
    key_file = tls.key_file
    if not key_file and tls.key_secret is not None:
        key_file = assets.tls_file(namespace, tls.key_secret)
    if key_file:
        out["key_file"] = key_file
    if tls.server_name:
        out["server_name"] = tls.server_name
    return out


def _tls_ref_file(namespace: str, ref: SecretOrConfigMap | None, assets: Assets) -> str:
    if ref is None:
        return ""
    if ref.secret is not None and ref.secret.name:
        return assets.tls_file(namespace, ref.secret)
    if ref.config_map is not None:
        return assets.tls_file(namespace, ref.config_map, config_map=True)
    return ""


def render_basic_auth(namespace: str, basic: BasicAuth, assets: Assets) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if basic.username is not None and basic.username.name:
        value = assets.secret_value(namespace, basic.username)
        if value:
            out["username"] = value
    if basic.password is not None and basic.password.name:
        value = assets.secret_value(namespace, basic.password)
        if value:
            out["password"] = value
    if basic.password_file:
        out["password_file"] = basic.password_file
    return out


def render_authorization(namespace: str, authz: Authorization | None, assets: Assets) -> dict[str, Any]:
    """``{"authorization": {...}}`` or ``{}`` when neither credentials nor a credentials file is set."""
    if authz is None or (authz.credentials is None and not authz.credentials_file):
        return {}
    out: dict[str, Any] = {}
    if authz.credentials is not None:
        value = assets.secret_value(namespace, authz.credentials)
        if value:
            out["credentials"] = value
    elif authz.credentials_file:
        out["credentials_file"] = authz.credentials_file
    out["type"] = authz.type or "Bearer"
    return {"authorization": out}


def render_oauth2(namespace: str, oauth: OAuth2 | None, assets: Assets) -> dict[str, Any]:
    """``{"oauth2": {...}}`` or ``{}``."""
    if oauth is None:
        return {}
    out: dict[str, Any] = {}
    client_secret = ""
    if oauth.client_secret is not None:
        client_secret = assets.secret_value(namespace, oauth.client_secret)
    if not _empty_ref(oauth.client_id):
        client_id = assets.secret_or_config_map_value(namespace, oauth.client_id)
        if client_id:
            out["client_id"] = client_id
    if oauth.client_secret is not None:
        out["client_secret"] = client_secret
    elif oauth.client_secret_file:
        out["client_secret_file"] = oauth.client_secret_file
    if oauth.scopes:
        out["scopes"] = list(oauth.scopes)
    if oauth.endpoint_params:
        params = oauth.endpoint_params
        # The one Go map the operator hands to yaml.v2 unsorted (it sorts the others with sort.Strings).
        out["endpoint_params"] = yaml_v2_sorted(params)
    if oauth.token_url:
        out["token_url"] = oauth.token_url
    if oauth.proxy_url:
        out["proxy_url"] = oauth.proxy_url
    if oauth.tls_config is not None:
        tls = render_tls(namespace, oauth.tls_config, assets)
        if tls:
            out["tls_config"] = tls
    return {"oauth2": out} if out else {}


def render_proxy_client_config(
    namespace: str, proxy: ProxyClientConfig | None, assets: Assets
) -> dict[str, Any]:
    if proxy is None:
        return {}
    out: dict[str, Any] = {}
    if proxy.basic_auth is not None:
        basic = render_basic_auth(namespace, proxy.basic_auth, assets)
        if basic:
            out["proxy_basic_auth"] = basic
    if proxy.tls_config is not None:
        tls = render_tls(namespace, proxy.tls_config, assets)
        if tls:
            out["proxy_tls_config"] = tls
    # The operator nests these one level deeper than vmagent expects ({"authorization": {...}}); kept
    # as it does, see README "Operator quirks".
    if proxy.authorization is not None:
        authz = render_authorization(namespace, proxy.authorization, assets)
        if authz:
            out["proxy_authorization"] = authz
    if proxy.oauth2 is not None:
        oauth = render_oauth2(namespace, proxy.oauth2, assets)
        if oauth:
            out["proxy_oauth2"] = oauth
    if proxy.bearer_token is not None:
        token = assets.secret_value(namespace, proxy.bearer_token)
        if token:
            out["proxy_bearer_token"] = token
    elif proxy.bearer_token_file:
        out["proxy_bearer_token_file"] = proxy.bearer_token_file
    return out


def _has_auth(ep: EndpointAuth) -> bool:
    return not (
        ep.tls_config is None
        and ep.bearer_token_file is None
        and ep.bearer_token_secret is None
        and ep.basic_auth is None
        and ep.oauth2 is None
        and ep.authorization is None
    )


def render_endpoint_auth(namespace: str, ep: EndpointAuth, assets: Assets) -> dict[str, Any]:
    """The job's TLS and credentials: ``tls_config``, then one of bearer token, basic auth, OAuth2, header."""
    out: dict[str, Any] = {}
    tls = render_tls(namespace, ep.tls_config, assets)
    if tls:
        out["tls_config"] = tls
    if ep.bearer_token_file:
        out["bearer_token_file"] = ep.bearer_token_file
    elif ep.bearer_token_secret is not None and ep.bearer_token_secret.name:
        out["bearer_token"] = assets.secret_value(namespace, ep.bearer_token_secret)
    if ep.basic_auth is not None:
        basic = render_basic_auth(namespace, ep.basic_auth, assets)
        if basic:
            out["basic_auth"] = basic
    out.update(render_oauth2(namespace, ep.oauth2, assets))
    out.update(render_authorization(namespace, ep.authorization, assets))
    return out


def _vm_scrape_params(namespace: str, params: VMScrapeParams, assets: Assets) -> dict[str, Any]:
    """The VictoriaMetrics-only scrape settings, under vmagent's keys and in the operator's order."""
    out: dict[str, Any] = {}
    for key, value in (
        ("scrape_align_interval", params.scrape_align_interval),
        ("stream_parse", params.stream_parse),
        ("disable_compression", params.disable_compression),
        ("scrape_offset", params.scrape_offset),
        ("no_stale_markers", params.no_stale_markers),
        ("disable_keepalive", params.disable_keep_alive),
    ):
        if value is not None:
            out[key] = value
    if params.headers:
        out["headers"] = list(params.headers)
    out.update(render_proxy_client_config(namespace, params.proxy_client_config, assets))
    return out


# -- kubernetes_sd_configs --------------------------------------------------------------------------------


def _sd_config(
    role: str,
    namespaces: list[str],
    attach_metadata: AttachMetadata | None,
    selector: LabelSelector | None,
    scrape_namespace: str,
    agent: AgentSettings,
    assets: Assets,
) -> dict[str, Any]:
    sd: dict[str, Any] = {"role": role}
    meta: dict[str, bool] = {}
    if attach_metadata is not None:
        # Only pod-backed roles have nodes.
        if attach_metadata.node and role != ROLE_SERVICE:
            meta["node"] = True
        if attach_metadata.namespace:
            meta["namespace"] = True
    if meta:
        sd["attach_metadata"] = meta
    if namespaces:
        sd["namespaces"] = {"names": list(namespaces)}
    api = agent.api_server_config
    if api is not None:
        # The operator resolves the API server's credentials in the *scrape's* namespace.
        sd["api_server"] = api.host
        if api.basic_auth is not None:
            basic = render_basic_auth(scrape_namespace, api.basic_auth, assets)
            if basic:
                sd["basic_auth"] = basic
        if api.bearer_token_file:
            sd["bearer_token_file"] = api.bearer_token_file
        elif api.bearer_token:
            sd["bearer_token"] = api.bearer_token
        sd.update(render_authorization(scrape_namespace, api.authorization, assets))
        if api.tls_config is not None:
            tls = render_tls(scrape_namespace, api.tls_config, assets)
            if tls:
                sd["tls_config"] = tls
    if agent.enable_kubernetes_api_selectors and selector is not None and not selector.is_empty:
        label = label_selector_string(selector)
        selectors = [{"role": role, "label": label}]
        if role != ROLE_SERVICE:
            # Endpoints roles also watch pods and services: filter those watches too.
            selectors += [{"role": "pod", "label": label}, {"role": "service", "label": label}]
        sd["selectors"] = selectors
    return sd


# -- the job --------------------------------------------------------------------------------------------

#: Rules and blocks that many jobs have in common (the same relabel rule, the same discovery block), built
#: once per render and then shared by the jobs that have them, so that the emitter writes each once. Only
#: ever handed out through :func:`unshared` copies: see :func:`render_scrape_jobs`.
Shared = dict[tuple[Any, ...], Any]


def _keep_rule(shared: Shared, action: str, source_label: str, regex: str) -> Rule:
    key = ("filter", action, source_label, regex)
    rule = shared.get(key)
    if rule is None:
        rule = shared[key] = {"action": action, "source_labels": [source_label], "regex": regex}
    return rule


def _copy_label_rule(shared: Shared, role_object: str, label: str) -> Rule:
    # A Service or Pod label copied onto the target when it has a value.
    key = ("copy", role_object, label)
    rule = shared.get(key)
    if rule is None:
        clean = sanitize_label_name(label)
        rule = shared[key] = {
            "source_labels": [f"__meta_kubernetes_{role_object}_label_{clean}"],
            "target_label": clean,
            "regex": "(.+)",
            "replacement": "${1}",
        }
    return rule


def _endpoint_rule(shared: Shared, port: str) -> Rule:
    key = ("endpoint", port)
    rule = shared.get(key)
    if rule is None:
        rule = shared[key] = {"target_label": "endpoint", "replacement": port}
    return rule


class _ScrapeJobs:
    """The jobs of one VMServiceScrape: what its endpoints have in common is worked out once, in
    ``__init__``; :meth:`job` then builds one endpoint's job top to bottom in the operator's order."""

    __slots__ = (
        *("agent", "assets", "shared", "namespace", "name", "spec"),
        *("scrape_class", "role", "namespaces", "service_filter", "target_rules"),
    )

    def __init__(self, scrape: VMServiceScrapeModel, agent: AgentSettings, assets: Assets, shared: Shared):
        self.agent, self.assets, self.shared = agent, assets, shared
        self.namespace: str = scrape.namespace or "default"
        self.name: str = scrape.name
        self.spec = spec = scrape.spec
        self.scrape_class = scrape_class_for(spec.scrape_class, agent)
        self.role = effective_discovery_role(spec, agent)
        self.namespaces = resolve_namespaces(
            spec.namespace_selector, self.namespace, agent.ignore_namespace_selectors
        )
        #: The Service selector as keep/drop rules, unless the API server filters by it.
        self.service_filter: list[Rule] = []
        if not agent.enable_kubernetes_api_selectors:
            self.service_filter = [
                _keep_rule(shared, r["action"], r["source_labels"][0], r["regex"])
                for r in selector_relabelings("service", spec.selector)
            ]
        #: The target labels every endpoint gets: node/pod/container, namespace, service, copied labels, job.
        self.target_rules: list[Rule] = self._target_rules()

    def _target_rules(self) -> list[Rule]:
        spec, role, shared = self.spec, self.role, self.shared
        target_labels = tuple(spec.target_labels or ())
        pod_labels = tuple(spec.pod_target_labels or ()) if role != ROLE_SERVICE else ()
        job_label = spec.job_label or ""
        key = ("middle", role, target_labels, pod_labels, job_label)
        rules: list[Rule] | None = shared.get(key)
        if rules is not None:
            return rules
        rules = _role_relabelings(role)
        rules.append({"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"})
        rules.append({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"})
        rules += [_copy_label_rule(shared, "service", label) for label in target_labels]
        rules += [_copy_label_rule(shared, "pod", label) for label in pod_labels]
        # The job label defaults to the service name; jobLabel (a *label key* of the Service) overrides it
        # when the Service carries that label.
        rules.append(
            {
                "source_labels": ["__meta_kubernetes_service_name"],
                "target_label": "job",
                "replacement": "${1}",
            }
        )
        if job_label:
            rules.append(
                {
                    "source_labels": [f"__meta_kubernetes_service_label_{sanitize_label_name(job_label)}"],
                    "target_label": "job",
                    "regex": "(.+)",
                    "replacement": "${1}",
                }
            )
        shared[key] = rules
        return rules

    def job(self, index: int) -> Job:
        """Endpoint ``index``'s job, key by key in the operator's order: name, discovery, scrape
        parameters, target relabeling, sample relabeling, VictoriaMetrics parameters, auth and TLS."""
        agent, spec, namespace = self.agent, self.spec, self.namespace
        ep = spec.endpoints[index]
        if self.scrape_class is not None:
            ep = _with_scrape_class(ep, self.scrape_class)

        job: Job = {"job_name": job_name(namespace, self.name, index)}
        job["kubernetes_sd_configs"] = [self._sd_config(ep)]

        # Common scrape parameters; the agent's overrides and interval limits win.
        job["honor_labels"] = bool(ep.honor_labels) and not agent.override_honor_labels
        if ep.honor_timestamps is not None or agent.override_honor_timestamps:
            job["honor_timestamps"] = bool(ep.honor_timestamps) and not agent.override_honor_timestamps
        interval = limited_scrape_interval(ep.scrape_interval or ep.interval or "", agent)
        if interval:
            job["scrape_interval"] = interval
        if ep.scrape_timeout:
            job["scrape_timeout"] = ep.scrape_timeout
        if ep.path:
            job["metrics_path"] = ep.path
        if ep.proxy_url is not None:
            job["proxy_url"] = ep.proxy_url
        if ep.follow_redirects is not None:
            job["follow_redirects"] = ep.follow_redirects
        if ep.params:
            job["params"] = {k: list(ep.params[k]) for k in sorted(ep.params)}
        if ep.scheme:
            job["scheme"] = ep.scheme.lower()
        if ep.max_scrape_size:
            job["max_scrape_size"] = ep.max_scrape_size
        # An endpoint's limit wins over the scrape's.
        sample_limit = ep.sample_limit or spec.sample_limit or 0
        if sample_limit > 0:
            job["sample_limit"] = sample_limit
        series_limit = ep.series_limit or spec.series_limit or 0
        if series_limit > 0:
            job["series_limit"] = series_limit

        job["relabel_configs"] = self._relabel_configs(ep)

        enforced = agent.enforced_namespace_label
        # A sample rule writing the enforced namespace label is dropped: the namespace must stay true.
        metric_rules = [
            render_relabel_config(rc)
            for rc in ep.metric_relabel_configs or ()
            if not (enforced and rc.target_label == enforced)
        ]
        if metric_rules:
            job["metric_relabel_configs"] = metric_rules
        if ep.vm_scrape_params is not None:
            job.update(_vm_scrape_params(namespace, ep.vm_scrape_params, self.assets))
        if _has_auth(ep):
            job.update(render_endpoint_auth(namespace, ep, self.assets))
        return job

    def _sd_config(self, ep: Endpoint) -> dict[str, Any]:
        # The endpoint's attach_metadata wins over the scrape's, flag by flag.
        attach = _merge_attach_metadata(ep.attach_metadata, self.spec.attach_metadata)
        agent = self.agent
        if agent.api_server_config is not None or agent.enable_kubernetes_api_selectors:
            # Per scrape: credentials resolved in the scrape's namespace, selectors from its selector.
            return _sd_config(
                self.role, self.namespaces, attach, self.spec.selector, self.namespace, agent, self.assets
            )
        sd_key = (
            "sd",
            self.role,
            tuple(self.namespaces),
            bool(attach is not None and attach.node),
            bool(attach is not None and attach.namespace),
        )
        sd: dict[str, Any] | None = self.shared.get(sd_key)
        if sd is None:
            sd = self.shared[sd_key] = _sd_config(
                self.role, self.namespaces, attach, self.spec.selector, self.namespace, agent, self.assets
            )
        return sd

    def _relabel_configs(self, ep: Endpoint) -> list[Rule]:
        """Target relabeling in the operator's order: Service filter, port filter, target labels,
        ``endpoint`` label, the endpoint's own rules, the agent's template, the enforced namespace."""
        role, agent, shared = self.role, self.agent, self.shared
        rules: list[Rule] = list(self.service_filter)

        port = ep.port or ""
        target_port = ep.target_port
        # targetPort only filters pod-backed roles; the service role has no container ports.
        by_target_port = not port and target_port is not None and role != ROLE_SERVICE
        if port:
            label = _PORT_NAME_LABEL.get(role)
            if label:
                rules.append(_keep_rule(shared, "keep", label, port))
        elif by_target_port and isinstance(target_port, str) and target_port:
            rules.append(_keep_rule(shared, "keep", "__meta_kubernetes_pod_container_port_name", target_port))
        elif by_target_port and isinstance(target_port, int) and target_port != 0:
            rules.append(
                _keep_rule(
                    shared,
                    "keep",
                    "__meta_kubernetes_pod_container_port_number",
                    _target_port_text(target_port),
                )
            )

        rules += self.target_rules

        if port:
            rules.append(_endpoint_rule(shared, port))
        elif by_target_port and target_port is not None and _target_port_text(target_port) != "":
            rules.append(_endpoint_rule(shared, _target_port_text(target_port)))

        rules += [render_relabel_config(rc) for rc in ep.relabel_configs or ()]
        rules += [render_relabel_config(rc) for rc in agent.relabel_template]
        if agent.enforced_namespace_label:
            # Last, so that no user rule can override the namespace of origin.
            rules.append({"target_label": agent.enforced_namespace_label, "replacement": self.namespace})
        return rules


def unshared(value: Any) -> Any:
    """A copy of rendered data (dicts, lists, scalars) that shares no dict or list with anything."""
    kind = type(value)
    if kind is dict:
        # Scalars are immutable: only containers are copied (this runs once per rule of every job).
        return {k: unshared(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [unshared(v) if type(v) in _CONTAINERS else v for v in value]
    return value


_CONTAINERS = (dict, list)


def render_endpoint_job(
    scrape: VMServiceScrapeModel,
    index: int,
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
) -> Job:
    """The job for endpoint ``index`` of a VMServiceScrape, as the operator builds it.

    The job is the caller's: nothing in it is shared with another job or a later render. Raises
    :class:`~vmscrape_component.render.assets.MissingReference` when ``assets`` is strict and a referenced
    Secret/ConfigMap is unknown (the operator then skips the whole scrape).
    """
    job = _ScrapeJobs(scrape, agent or AgentSettings(), assets or Assets(), {}).job(index)
    return unshared(job)  # type: ignore[no-any-return]


def render_scrape_jobs(
    scrape: VMServiceScrapeModel,
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
) -> list[Job]:
    """Every job of one VMServiceScrape: one per endpoint, in endpoint order.

    The jobs are the caller's to change: no part of one is shared with another job or a later render.
    """
    return unshared(_build_scrape_jobs(scrape, agent or AgentSettings(), assets or Assets(), {}))  # type: ignore[no-any-return]


def _build_scrape_jobs(
    scrape: VMServiceScrapeModel, agent: AgentSettings, assets: Assets, shared: Shared
) -> Sequence[Job]:
    """The jobs of one scrape, sharing rules and blocks through ``shared`` with every other call given the
    same dict (a whole config uses one). For the renderer's own use: hand jobs out only as
    :func:`unshared` copies. ``shared`` holds only values derived from the models, never from ``assets``."""
    if not scrape.spec.endpoints:
        return []
    jobs = _ScrapeJobs(scrape, agent, assets, shared)
    return [jobs.job(i) for i in range(len(scrape.spec.endpoints))]
