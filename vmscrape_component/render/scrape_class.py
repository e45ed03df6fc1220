"""Scrape classes: which one a scrape uses, and what it adds to each endpoint (auth the endpoint leaves
empty, relabelings put first, attach_metadata it does not set) — the operator's
``mergeEndpointAuthWithScrapeClass`` and friends (v0.74.1)."""

from __future__ import annotations

from typing import Any

from ..models import AttachMetadata, Authorization, BasicAuth, Endpoint, OAuth2, ScrapeClass, TLSConfig
from ..settings import AgentSettings
from .auth import empty_ref


def scrape_class_for(name: str | None, agent: AgentSettings) -> ScrapeClass | None:
    """The scrape class a scrape uses: the one it names, else the agent's default class, else none."""
    default = None
    for scrape_class in agent.scrape_classes:
        if (name or "") == scrape_class.name:
            return scrape_class
        if scrape_class.default:
            default = scrape_class
    return default


def _merge_tls(own: TLSConfig | None, from_class: TLSConfig | None) -> TLSConfig | None:
    """The endpoint's TLS with each part it leaves empty (CA, cert, key, server name) from the class."""
    if from_class is None:
        return own
    if own is None:
        return from_class
    fill: dict[str, Any] = {}
    if not own.ca_file and empty_ref(own.ca):
        fill.update(ca_file=from_class.ca_file, ca=from_class.ca)
    if not own.cert_file and empty_ref(own.cert):
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
    if empty_ref(own.client_id):
        fill["client_id"] = from_class.client_id
    for name in ("endpoint_params", "scopes", "token_url", "proxy_url"):
        if not getattr(own, name):
            fill[name] = getattr(from_class, name)
    return own.model_copy(update=fill)


def with_scrape_class(ep: Endpoint, scrape_class: ScrapeClass) -> Endpoint:
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
        fill["attach_metadata"] = merge_attach_metadata(ep.attach_metadata, scrape_class.attach_metadata)
    return ep.model_copy(update=fill)


def merge_attach_metadata(
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
