"""One VMServiceScrape → the vmagent scrape jobs the VictoriaMetrics operator generates for it.

This follows the operator's ``generateServiceScrapeConfig`` (v0.74.1) rule for rule and key for key:
the order of keys in a job and of relabeling rules is the operator's, so that the YAML we print is the
YAML the operator writes. Input is the scrape *manifest* (CRD spelling, as the models dump it), so what
is rendered is exactly what is applied to the cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from ..grammar import DurationError, duration_ms, resolve_namespaces, sanitize_label_name
from .assets import Assets
from .go_map import yaml_v2_sorted
from .settings import AgentSettings

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


def effective_discovery_role(spec: Mapping[str, Any], agent: AgentSettings) -> str:
    role = spec.get("discoveryRole") or ""
    if not role:
        role = ROLE_ENDPOINTSLICE if agent.operator.enforce_endpoint_slices else ROLE_ENDPOINTS
    return role


# -- relabel rules --------------------------------------------------------------------------------------


def render_relabel_config(rc: Mapping[str, Any]) -> Rule:
    """A user relabel config in vmagent's spelling, keys in the operator's order."""
    rule: Rule = {}
    source_labels = rc.get("sourceLabels") or rc.get("source_labels")
    if source_labels:
        rule["source_labels"] = list(source_labels)
    if rc.get("separator") is not None:
        rule["separator"] = rc["separator"]
    target_label = rc.get("targetLabel") or rc.get("target_label")
    if target_label:
        rule["target_label"] = target_label
    regex = rc.get("regex")
    # The operator reads "" as the one-item list [""] and writes `regex: ""` (matches only empty
    # values; leaving it out would mean the default "(.*)"). Only an absent or empty list is omitted.
    if isinstance(regex, str) or regex:
        if isinstance(regex, str):
            rule["regex"] = regex
        else:
            rule["regex"] = regex[0] if len(regex) == 1 else list(regex)
    if rc.get("modulus"):
        rule["modulus"] = rc["modulus"]
    if rc.get("replacement") is not None:
        rule["replacement"] = rc["replacement"]
    if rc.get("action"):
        rule["action"] = rc["action"]
    condition = rc.get("if")
    if condition:
        if isinstance(condition, str):
            rule["if"] = condition
        else:
            rule["if"] = condition[0] if len(condition) == 1 else list(condition)
    if rc.get("match"):
        rule["match"] = rc["match"]
    if rc.get("labels"):
        rule["labels"] = {k: rc["labels"][k] for k in sorted(rc["labels"])}
    return rule


def _target_label(rc: Mapping[str, Any]) -> str:
    return rc.get("targetLabel") or rc.get("target_label") or ""


def selector_relabelings(role_object: str, selector: Mapping[str, Any] | None) -> list[Rule]:
    """Keep/drop rules that emulate a label selector over ``__meta_kubernetes_<object>_label_*``."""
    rules: list[Rule] = []
    selector = selector or {}
    match_labels = selector.get("matchLabels") or {}
    for key in sorted(match_labels):
        rules.append(
            {
                "action": "keep",
                "source_labels": [f"__meta_kubernetes_{role_object}_label_{sanitize_label_name(key)}"],
                "regex": match_labels[key],
            }
        )
    for expr in selector.get("matchExpressions") or ():
        key, op = sanitize_label_name(expr.get("key", "")), expr.get("operator")
        values = "|".join(expr.get("values") or ())
        if op == "In":
            rules.append(
                {
                    "action": "keep",
                    "source_labels": [f"__meta_kubernetes_{role_object}_label_{key}"],
                    "regex": values,
                }
            )
        elif op == "NotIn":
            rules.append(
                {
                    "action": "drop",
                    "source_labels": [f"__meta_kubernetes_{role_object}_label_{key}"],
                    "regex": values,
                }
            )
        elif op == "Exists":
            rules.append(
                {
                    "action": "keep",
                    "source_labels": [f"__meta_kubernetes_{role_object}_labelpresent_{key}"],
                    "regex": "true",
                }
            )
        elif op == "DoesNotExist":
            rules.append(
                {
                    "action": "drop",
                    "source_labels": [f"__meta_kubernetes_{role_object}_labelpresent_{key}"],
                    "regex": "true",
                }
            )
    return rules


def label_selector_string(selector: Mapping[str, Any]) -> str:
    """A label selector in Kubernetes' string form (``a=b,c in (d,e),!f``), requirements sorted by key."""
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expr in selector.get("matchExpressions") or ():
        key, op = expr.get("key", ""), expr.get("operator")
        values = ",".join(sorted(set(expr.get("values") or ())))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(op, key)
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


def _target_port_text(target_port: Any) -> str:
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


def scrape_class_for(name: str | None, agent: AgentSettings) -> Mapping[str, Any] | None:
    """The scrape class a scrape uses: the one it names, else the agent's default class, else none."""
    default = None
    for scrape_class in agent.scrape_classes:
        if (name or "") == scrape_class.get("name"):
            return scrape_class
        if scrape_class.get("default"):
            default = scrape_class
    return default


def _empty_ref(ref: Mapping[str, Any] | None) -> bool:
    return not ref or (ref.get("secret") is None and ref.get("configMap") is None)


def _merge_tls(left: dict[str, Any] | None, right: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if right is None:
        return left
    if left is None:
        return dict(right)
    if not left.get("caFile") and _empty_ref(left.get("ca")):
        left["caFile"], left["ca"] = right.get("caFile"), right.get("ca")
    if not left.get("certFile") and _empty_ref(left.get("cert")):
        left["certFile"], left["cert"] = right.get("certFile"), right.get("cert")
    if not left.get("keyFile") and left.get("keySecret") is None:
        left["keyFile"], left["keySecret"] = right.get("keyFile"), right.get("keySecret")
    if not left.get("serverName"):
        left["serverName"] = right.get("serverName")
    return left


def _merge_scrape_class(ep: dict[str, Any], scrape_class: Mapping[str, Any]) -> None:
    """Fill an endpoint's auth, relabelings and attach_metadata from its scrape class (operator rules)."""
    sc_authz = scrape_class.get("authorization")
    if sc_authz is not None:
        authz = ep.get("authorization")
        if authz is None:
            ep["authorization"] = dict(sc_authz)
        elif authz.get("credentials") is None:
            authz["credentials"] = sc_authz.get("credentials")
            if authz["credentials"] is None and not authz.get("credentialsFile"):
                authz["credentialsFile"] = sc_authz.get("credentialsFile")

    sc_basic = scrape_class.get("basicAuth")
    if sc_basic is not None:
        basic = ep.get("basicAuth")
        if basic is None:
            ep["basicAuth"] = dict(sc_basic)
        else:
            if not (basic.get("username") or {}).get("name"):
                basic["username"] = sc_basic.get("username")
            if not (basic.get("password") or {}).get("name") and not basic.get("password_file"):
                basic["password"] = sc_basic.get("password")
                basic["password_file"] = sc_basic.get("password_file")

    ep["tlsConfig"] = _merge_tls(ep.get("tlsConfig"), scrape_class.get("tlsConfig"))

    sc_oauth = scrape_class.get("oauth2")
    if sc_oauth is not None:
        oauth = ep.get("oauth2")
        if oauth is None:
            ep["oauth2"] = dict(sc_oauth)
        else:
            oauth["tls_config"] = _merge_tls(oauth.get("tls_config"), sc_oauth.get("tls_config"))
            if oauth.get("client_secret") is None and not oauth.get("client_secret_file"):
                oauth["client_secret"] = sc_oauth.get("client_secret")
                oauth["client_secret_file"] = sc_oauth.get("client_secret_file")
            if _empty_ref(oauth.get("client_id")):
                oauth["client_id"] = sc_oauth.get("client_id")
            for key in ("endpoint_params", "scopes", "token_url", "proxy_url"):
                if not oauth.get(key):
                    oauth[key] = sc_oauth.get(key)

    if not ep.get("bearerTokenFile"):
        ep["bearerTokenFile"] = scrape_class.get("bearerTokenFile")
    if ep.get("bearerTokenSecret") is None:
        ep["bearerTokenSecret"] = scrape_class.get("bearerTokenSecret")

    ep["relabelConfigs"] = [*(scrape_class.get("relabelConfigs") or ()), *(ep.get("relabelConfigs") or ())]
    ep["metricRelabelConfigs"] = [
        *(scrape_class.get("metricRelabelConfigs") or ()),
        *(ep.get("metricRelabelConfigs") or ()),
    ]
    sc_meta = scrape_class.get("attachMetadata")
    if sc_meta is not None:
        meta = dict(ep.get("attach_metadata") or {})
        for key in ("node", "namespace"):
            if meta.get(key) is None:
                meta[key] = sc_meta.get(key)
        ep["attach_metadata"] = meta


# -- auth and TLS ---------------------------------------------------------------------------------------


def render_tls(namespace: str, tls: Mapping[str, Any] | None, assets: Assets) -> dict[str, Any]:
    if tls is None:
        return {}
    out: dict[str, Any] = {}
    if tls.get("insecureSkipVerify"):
        out["insecure_skip_verify"] = True
    ca_file = tls.get("caFile") or _tls_ref_file(namespace, tls.get("ca"), assets)
    if ca_file:
        out["ca_file"] = ca_file
    cert_file = tls.get("certFile") or _tls_ref_file(namespace, tls.get("cert"), assets)
    if cert_file:
        out["cert_file"] = cert_file
    key_file = tls.get("keyFile")
    if not key_file and tls.get("keySecret") is not None:
        key_file = assets.tls_file(namespace, tls["keySecret"])
    if key_file:
        out["key_file"] = key_file
    if tls.get("serverName"):
        out["server_name"] = tls["serverName"]
    return out


def _tls_ref_file(namespace: str, ref: Mapping[str, Any] | None, assets: Assets) -> str:
    if not ref:
        return ""
    if ref.get("secret") is not None and ref["secret"].get("name"):
        return assets.tls_file(namespace, ref["secret"])
    if ref.get("configMap") is not None:
        return assets.tls_file(namespace, ref["configMap"], config_map=True)
    return ""


def render_basic_auth(namespace: str, basic: Mapping[str, Any], assets: Assets) -> dict[str, Any]:
    out: dict[str, Any] = {}
    username = basic.get("username") or {}
    if username.get("name"):
        value = assets.secret_value(namespace, username)
        if value:
            out["username"] = value
    password = basic.get("password") or {}
    if password.get("name"):
        value = assets.secret_value(namespace, password)
        if value:
            out["password"] = value
    if basic.get("password_file"):
        out["password_file"] = basic["password_file"]
    return out


def render_authorization(namespace: str, authz: Mapping[str, Any] | None, assets: Assets) -> dict[str, Any]:
    """``{"authorization": {...}}`` or ``{}`` when neither credentials nor a credentials file is set."""
    if authz is None or (authz.get("credentials") is None and not authz.get("credentialsFile")):
        return {}
    out: dict[str, Any] = {}
    if authz.get("credentials") is not None:
        value = assets.secret_value(namespace, authz["credentials"])
        if value:
            out["credentials"] = value
    elif authz.get("credentialsFile"):
        out["credentials_file"] = authz["credentialsFile"]
    out["type"] = authz.get("type") or "Bearer"
    return {"authorization": out}


def render_oauth2(namespace: str, oauth: Mapping[str, Any] | None, assets: Assets) -> dict[str, Any]:
    """``{"oauth2": {...}}`` or ``{}``."""
    if oauth is None:
        return {}
    out: dict[str, Any] = {}
    client_secret = ""
    if oauth.get("client_secret") is not None:
        client_secret = assets.secret_value(namespace, oauth["client_secret"])
    client_id_ref = oauth.get("client_id") or {}
    if not _empty_ref(client_id_ref):
        client_id = assets.secret_or_config_map_value(namespace, client_id_ref)
        if client_id:
            out["client_id"] = client_id
    if oauth.get("client_secret") is not None:
        out["client_secret"] = client_secret
    elif oauth.get("client_secret_file"):
        out["client_secret_file"] = oauth["client_secret_file"]
    if oauth.get("scopes"):
        out["scopes"] = list(oauth["scopes"])
    if oauth.get("endpoint_params"):
        params = oauth["endpoint_params"]
        # The one Go map the operator hands to yaml.v2 unsorted (it sorts the others with sort.Strings).
        out["endpoint_params"] = yaml_v2_sorted(params)
    if oauth.get("token_url"):
        out["token_url"] = oauth["token_url"]
    if oauth.get("proxy_url"):
        out["proxy_url"] = oauth["proxy_url"]
    if oauth.get("tls_config") is not None:
        tls = render_tls(namespace, oauth["tls_config"], assets)
        if tls:
            out["tls_config"] = tls
    return {"oauth2": out} if out else {}


def render_proxy_client_config(
    namespace: str, proxy: Mapping[str, Any] | None, assets: Assets
) -> dict[str, Any]:
    if proxy is None:
        return {}
    out: dict[str, Any] = {}
    if proxy.get("basic_auth") is not None:
        basic = render_basic_auth(namespace, proxy["basic_auth"], assets)
        if basic:
            out["proxy_basic_auth"] = basic
    if proxy.get("tls_config") is not None:
        tls = render_tls(namespace, proxy["tls_config"], assets)
        if tls:
            out["proxy_tls_config"] = tls
    # The operator nests these one level deeper than vmagent expects ({"authorization": {...}}); kept
    # as it does, see README "Operator quirks".
    if proxy.get("authorization") is not None:
        authz = render_authorization(namespace, proxy["authorization"], assets)
        if authz:
            out["proxy_authorization"] = authz
    if proxy.get("oauth2") is not None:
        oauth = render_oauth2(namespace, proxy["oauth2"], assets)
        if oauth:
            out["proxy_oauth2"] = oauth
    if proxy.get("bearer_token") is not None:
        token = assets.secret_value(namespace, proxy["bearer_token"])
        if token:
            out["proxy_bearer_token"] = token
    elif proxy.get("bearer_token_file"):
        out["proxy_bearer_token_file"] = proxy["bearer_token_file"]
    return out


def render_endpoint_auth(namespace: str, ep: Mapping[str, Any], assets: Assets) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tls = render_tls(namespace, ep.get("tlsConfig"), assets)
    if tls:
        out["tls_config"] = tls
    if ep.get("bearerTokenFile"):
        out["bearer_token_file"] = ep["bearerTokenFile"]
    elif ep.get("bearerTokenSecret") is not None and ep["bearerTokenSecret"].get("name"):
        out["bearer_token"] = assets.secret_value(namespace, ep["bearerTokenSecret"])
    if ep.get("basicAuth") is not None:
        basic = render_basic_auth(namespace, ep["basicAuth"], assets)
        if basic:
            out["basic_auth"] = basic
    out.update(render_oauth2(namespace, ep.get("oauth2"), assets))
    out.update(render_authorization(namespace, ep.get("authorization"), assets))
    return out


def _vm_scrape_params(namespace: str, params: Mapping[str, Any] | None, assets: Assets) -> dict[str, Any]:
    if params is None:
        return {}
    out: dict[str, Any] = {}
    for src, dst in (
        ("scrape_align_interval", "scrape_align_interval"),
        ("stream_parse", "stream_parse"),
        ("disable_compression", "disable_compression"),
        ("scrape_offset", "scrape_offset"),
        ("no_stale_markers", "no_stale_markers"),
        ("disable_keep_alive", "disable_keepalive"),
    ):
        if params.get(src) is not None:
            out[dst] = params[src]
    if params.get("headers"):
        out["headers"] = list(params["headers"])
    out.update(render_proxy_client_config(namespace, params.get("proxy_client_config"), assets))
    return out


# -- kubernetes_sd_configs --------------------------------------------------------------------------------


def _attach_metadata(meta: Mapping[str, Any], role: str) -> dict[str, bool]:
    out: dict[str, bool] = {}
    if meta.get("node") and role != ROLE_SERVICE:
        out["node"] = True
    if meta.get("namespace"):
        out["namespace"] = True
    return out


def _sd_config(
    role: str,
    namespaces: list[str],
    attach_metadata: Mapping[str, Any],
    selector: Mapping[str, Any] | None,
    scrape_namespace: str,
    agent: AgentSettings,
    assets: Assets,
) -> dict[str, Any]:
    sd: dict[str, Any] = {"role": role}
    meta = _attach_metadata(attach_metadata, role)
    if meta:
        sd["attach_metadata"] = meta
    if namespaces:
        sd["namespaces"] = {"names": list(namespaces)}
    api = agent.api_server_config
    if api is not None:
        # The operator resolves the API server's credentials in the *scrape's* namespace.
        sd["api_server"] = api.get("host", "")
        if api.get("basicAuth") is not None:
            basic = render_basic_auth(scrape_namespace, api["basicAuth"], assets)
            if basic:
                sd["basic_auth"] = basic
        if api.get("bearerTokenFile"):
            sd["bearer_token_file"] = api["bearerTokenFile"]
        elif api.get("bearerToken"):
            sd["bearer_token"] = api["bearerToken"]
        sd.update(render_authorization(scrape_namespace, api.get("authorization"), assets))
        if api.get("tlsConfig") is not None:
            tls = render_tls(scrape_namespace, api["tlsConfig"], assets)
            if tls:
                sd["tls_config"] = tls
    selector = selector or {}
    if agent.enable_kubernetes_api_selectors and (
        selector.get("matchLabels") or selector.get("matchExpressions")
    ):
        label = label_selector_string(selector)
        selectors = [{"role": role, "label": label}]
        if role != ROLE_SERVICE:
            # Endpoints roles also watch pods and services: filter those watches too.
            selectors += [{"role": "pod", "label": label}, {"role": "service", "label": label}]
        sd["selectors"] = selectors
    return sd


# -- the job --------------------------------------------------------------------------------------------

#: Rules and blocks that many jobs have in common (the same relabel rule, the same discovery block), built
#: once per render and then shared by every job that has them: see :func:`render_scrape_jobs`.
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


#: Endpoint fields :func:`render_endpoint_auth` reads; an endpoint with none of them has no auth.
_AUTH_FIELDS = frozenset(
    ["tlsConfig", "bearerTokenFile", "bearerTokenSecret", "basicAuth", "oauth2", "authorization"]
)


class _ScrapeJobs:
    """The jobs of one VMServiceScrape manifest: what its endpoints have in common is worked out once."""

    __slots__ = (
        *("agent", "assets", "shared", "namespace", "name", "spec"),
        *("scrape_class", "role", "namespaces", "selector", "head", "middle"),
    )

    def __init__(self, scrape: Mapping[str, Any], agent: AgentSettings, assets: Assets, shared: Shared):
        self.agent, self.assets, self.shared = agent, assets, shared
        meta = scrape.get("metadata") or {}
        self.namespace: str = meta.get("namespace") or "default"
        self.name: str = meta.get("name") or ""
        self.spec: Mapping[str, Any] = scrape.get("spec") or {}
        spec = self.spec
        self.scrape_class = scrape_class_for(spec.get("scrapeClass"), agent)
        self.role = effective_discovery_role(spec, agent)
        #: ``[]`` in a job's ``kubernetes_sd_configs`` means every namespace.
        self.namespaces = (
            resolve_namespaces(
                spec.get("namespaceSelector"), self.namespace, agent.ignore_namespace_selectors
            )
            or []
        )
        self.selector: Mapping[str, Any] = spec.get("selector") or {}
        #: Relabel rules before the port filter: the Service selector (unless the API server filters).
        self.head: list[Rule] = []
        if not agent.enable_kubernetes_api_selectors:
            self.head = [
                _keep_rule(shared, r["action"], r["source_labels"][0], r["regex"])
                for r in selector_relabelings("service", self.selector)
            ]
        #: Relabel rules between the port filter and the endpoint label: the same for every endpoint.
        self.middle: list[Rule] = self._middle()

    def _middle(self) -> list[Rule]:
        spec, role, shared = self.spec, self.role, self.shared
        target_labels = tuple(spec.get("targetLabels") or ())
        pod_labels = tuple(spec.get("podTargetLabels") or ()) if role != ROLE_SERVICE else ()
        job_label = spec.get("jobLabel") or ""
        key = ("middle", role, target_labels, pod_labels, job_label)
        rules = shared.get(key)
        if rules is not None:
            return rules  # type: ignore[no-any-return]
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
        agent, assets, spec, namespace = self.agent, self.assets, self.spec, self.namespace
        ep: dict[str, Any] = dict(spec["endpoints"][index])
        if self.scrape_class is not None:
            # Merging mutates nested auth objects: work on a private copy of this endpoint.
            ep = copy.deepcopy(ep)
            _merge_scrape_class(ep, self.scrape_class)

        job: Job = {"job_name": job_name(namespace, self.name, index)}
        job["kubernetes_sd_configs"] = [self._sd_config(ep)]

        # Common scrape parameters.
        job["honor_labels"] = bool(ep.get("honorLabels")) and not agent.override_honor_labels
        honor_timestamps = ep.get("honorTimestamps")
        if honor_timestamps is not None or agent.override_honor_timestamps:
            job["honor_timestamps"] = bool(honor_timestamps) and not agent.override_honor_timestamps
        interval = limited_scrape_interval(ep.get("scrape_interval") or ep.get("interval") or "", agent)
        if interval:
            job["scrape_interval"] = interval
        if ep.get("scrapeTimeout"):
            job["scrape_timeout"] = ep["scrapeTimeout"]
        if ep.get("path"):
            job["metrics_path"] = ep["path"]
        if ep.get("proxyURL") is not None:
            job["proxy_url"] = ep["proxyURL"]
        if ep.get("follow_redirects") is not None:
            job["follow_redirects"] = ep["follow_redirects"]
        if ep.get("params"):
            params = ep["params"]
            job["params"] = {k: list(params[k]) for k in sorted(params)}
        if ep.get("scheme"):
            job["scheme"] = ep["scheme"].lower()
        if ep.get("max_scrape_size"):
            job["max_scrape_size"] = ep["max_scrape_size"]
        sample_limit = ep.get("sampleLimit") or spec.get("sampleLimit") or 0
        if sample_limit > 0:
            job["sample_limit"] = sample_limit
        series_limit = ep.get("seriesLimit") or spec.get("seriesLimit") or 0
        if series_limit > 0:
            job["series_limit"] = series_limit

        job["relabel_configs"] = self._relabel_configs(ep)

        metric_configs = ep.get("metricRelabelConfigs")
        if metric_configs:
            enforced = agent.enforced_namespace_label
            metric_rules = [
                render_relabel_config(rc)
                for rc in metric_configs
                if not (enforced and _target_label(rc) == enforced)
            ]
            if metric_rules:
                job["metric_relabel_configs"] = metric_rules
        if ep.get("vm_scrape_params") is not None:
            job.update(_vm_scrape_params(namespace, ep["vm_scrape_params"], assets))
        if not _AUTH_FIELDS.isdisjoint(ep):
            job.update(render_endpoint_auth(namespace, ep, assets))
        return job

    def _sd_config(self, ep: Mapping[str, Any]) -> dict[str, Any]:
        attach = dict(ep.get("attach_metadata") or {})
        spec_attach = self.spec.get("attach_metadata") or {}
        for key in ("node", "namespace"):
            if attach.get(key) is None and spec_attach.get(key) is not None:
                attach[key] = spec_attach[key]
        agent = self.agent
        if agent.api_server_config is not None or agent.enable_kubernetes_api_selectors:
            # Per scrape: credentials resolved in the scrape's namespace, selectors from its selector.
            return _sd_config(
                self.role, self.namespaces, attach, self.selector, self.namespace, agent, self.assets
            )
        sd_key = (
            "sd",
            self.role,
            tuple(self.namespaces),
            bool(attach.get("node")),
            bool(attach.get("namespace")),
        )
        sd = self.shared.get(sd_key)
        if sd is None:
            sd = self.shared[sd_key] = _sd_config(
                self.role, self.namespaces, attach, self.selector, self.namespace, agent, self.assets
            )
        return sd  # type: ignore[no-any-return]

    def _relabel_configs(self, ep: Mapping[str, Any]) -> list[Rule]:
        role, agent, shared = self.role, self.agent, self.shared
        rules: list[Rule] = list(self.head)

        port = ep.get("port") or ""
        target_port = ep.get("targetPort")
        if port:
            label = _PORT_NAME_LABEL.get(role)
            if label:
                rules.append(_keep_rule(shared, "keep", label, port))
        elif target_port is not None and role != ROLE_SERVICE:
            # targetPort only filters pod-backed roles; the service role has no container ports.
            if isinstance(target_port, str) and target_port:
                rules.append(
                    _keep_rule(shared, "keep", "__meta_kubernetes_pod_container_port_name", target_port)
                )
            elif not isinstance(target_port, str) and target_port != 0:
                rules.append(
                    _keep_rule(
                        shared,
                        "keep",
                        "__meta_kubernetes_pod_container_port_number",
                        _target_port_text(target_port),
                    )
                )

        rules += self.middle

        if port:
            rules.append(_endpoint_rule(shared, port))
        elif target_port is not None and role != ROLE_SERVICE and _target_port_text(target_port) != "":
            rules.append(_endpoint_rule(shared, _target_port_text(target_port)))

        if ep.get("relabelConfigs"):
            rules += [render_relabel_config(rc) for rc in ep["relabelConfigs"]]
        if agent.relabel_template:
            rules += [render_relabel_config(rc) for rc in agent.relabel_template]
        if agent.enforced_namespace_label:
            # Last, so that no user rule can override the namespace of origin.
            rules.append({"target_label": agent.enforced_namespace_label, "replacement": self.namespace})
        return rules


def render_endpoint_job(
    scrape: Mapping[str, Any],
    index: int,
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
) -> Job:
    """The job for endpoint ``index`` of a VMServiceScrape manifest, as the operator builds it.

    Raises :class:`~vmscrape_component.render.assets.MissingReference` when ``assets`` is strict and a
    referenced Secret/ConfigMap is unknown (the operator then skips the whole scrape).
    """
    return _ScrapeJobs(scrape, agent or AgentSettings(), assets or Assets(), {}).job(index)


def render_scrape_jobs(
    scrape: Mapping[str, Any],
    agent: AgentSettings | None = None,
    assets: Assets | None = None,
    *,
    shared: Shared | None = None,
) -> list[Job]:
    """Every job of one VMServiceScrape manifest: one per endpoint, in endpoint order.

    Jobs are plain data, but parts that are the same in several jobs (a relabel rule, a discovery block)
    may be one shared object: copy a job (``copy.deepcopy``) before changing it in place. ``shared``
    extends that sharing to every call given the same dict (a whole config uses one); it holds only
    values derived from the manifests, never from ``assets``.
    """
    endpoints: Sequence[Any] = (scrape.get("spec") or {}).get("endpoints") or ()
    if not endpoints:
        return []
    jobs = _ScrapeJobs(scrape, agent or AgentSettings(), assets or Assets(), {} if shared is None else shared)
    return [jobs.job(i) for i in range(len(endpoints))]
