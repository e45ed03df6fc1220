"""TLS, credentials and proxy settings of a job, as the operator writes them (its ``buildVMScrapeParams``,
``addTLStoYaml`` and the auth builders in ``build/``, v0.74.1). Secret values come from
:class:`~.assets.Assets` (placeholders unless revealed), TLS material as mounted file paths."""

from __future__ import annotations

from typing import Any

from ..models import (
    Authorization,
    BasicAuth,
    OAuth2,
    ProxyClientConfig,
    SecretOrConfigMap,
    TLSConfig,
    VMScrapeParams,
)
from ..models.auth import EndpointAuth
from .assets import Assets
from .go_map import yaml_v2_sorted


def empty_ref(ref: SecretOrConfigMap | None) -> bool:
    """A Secret-or-ConfigMap reference that names nothing (the operator treats it as absent)."""
    return ref is None or not ref.is_set


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
    if not empty_ref(oauth.client_id):
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


def has_auth(ep: EndpointAuth) -> bool:
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


def render_vm_scrape_params(namespace: str, params: VMScrapeParams, assets: Assets) -> dict[str, Any]:
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
