"""Discovery: the role and namespaces a scrape's jobs discover with, the ``kubernetes_sd_configs`` block,
and the relabel rules each role brings (pod/node from the address target, the port-name label)."""

from __future__ import annotations

from typing import Any

from ..models import AttachMetadata, LabelSelector, VMServiceScrapeSpec
from ..settings import AgentSettings
from .assets import Assets
from .auth import render_authorization, render_basic_auth, render_tls
from .relabel import Rule, label_selector_string

ROLE_ENDPOINTS = "endpoints"
ROLE_SERVICE = "service"
ROLE_ENDPOINTSLICE = "endpointslice"
#: Spelling the operator accepted before v0.67 and still accepts; passed through to vmagent as written.
ROLE_ENDPOINTSLICES_LEGACY = "endpointslices"
DISCOVERY_ROLES = (ROLE_ENDPOINTS, ROLE_SERVICE, ROLE_ENDPOINTSLICES_LEGACY, ROLE_ENDPOINTSLICE)
_SLICE_ROLES = (ROLE_ENDPOINTSLICE, ROLE_ENDPOINTSLICES_LEGACY)


def effective_discovery_role(spec: VMServiceScrapeSpec, agent: AgentSettings) -> str:
    """The role a scrape's jobs discover with: its own, else the operator's default."""
    if spec.discovery_role:
        return spec.discovery_role
    return ROLE_ENDPOINTSLICE if agent.operator.enforce_endpoint_slices else ROLE_ENDPOINTS


def role_relabelings(role: str) -> list[Rule]:
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


PORT_NAME_LABEL = {
    ROLE_ENDPOINTS: "__meta_kubernetes_endpoint_port_name",
    ROLE_ENDPOINTSLICE: "__meta_kubernetes_endpointslice_port_name",
    ROLE_ENDPOINTSLICES_LEGACY: "__meta_kubernetes_endpointslice_port_name",
    ROLE_SERVICE: "__meta_kubernetes_service_port_name",
}


def sd_config(
    role: str,
    namespaces: list[str] | None,
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
    if namespaces is not None:  # None: every namespace, written as no `namespaces` at all
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
