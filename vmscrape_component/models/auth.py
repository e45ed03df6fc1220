"""How vmagent authenticates to targets and proxies: basic auth, Authorization header, OAuth2.

Credentials are references to Secrets (or files in the vmagent container), never values.
"""

from __future__ import annotations

from pydantic import Field, StrictStr

from ._base import ProxyURL, VMModel
from .credentials import secret_field
from .secrets import SecretKeySelector, SecretOrConfigMap
from .tls import TLSConfig

__all__ = ["Authorization", "BasicAuth", "EndpointAuth", "OAuth2", "ProxyClientConfig"]


class BasicAuth(VMModel):
    """HTTP basic authentication."""

    username: SecretKeySelector | None = None
    """The Secret key holding the user name."""
    password: SecretKeySelector | None = None
    """The Secret key holding the password."""
    password_file: StrictStr | None = None
    """Path of a file with the password, already present in the vmagent container."""


class Authorization(VMModel):
    """A generic ``Authorization`` header: ``<type> <credentials>``."""

    type: StrictStr | None = None
    """The scheme, ``Bearer`` when unset (``basic`` belongs in ``basicAuth``)."""
    credentials: SecretKeySelector | None = None
    """The Secret key holding the credentials."""
    credentials_file: StrictStr | None = Field(None, alias="credentialsFile")
    """Path of a file with the credentials, already present in the vmagent container."""


class OAuth2(VMModel):
    """OAuth2 client-credentials flow: vmagent fetches a token from ``token_url`` and sends it."""

    client_id: SecretOrConfigMap
    """The client id, from a Secret or ConfigMap."""
    client_secret: SecretKeySelector | None = None
    """The Secret key holding the client secret."""
    client_secret_file: StrictStr | None = None
    """Path of a file with the client secret, already present in the vmagent container."""
    token_url: StrictStr = Field(min_length=1)
    """The URL to fetch tokens from."""
    scopes: list[StrictStr] | None = None
    """Scopes to ask for."""
    endpoint_params: dict[StrictStr, StrictStr] | None = secret_field()
    """Extra parameters for the token URL."""
    proxy_url: ProxyURL | None = secret_field()
    """Proxy for the connection to ``token_url`` (checked like the endpoint's ``proxyURL``; its userinfo
    is a credential)."""
    tls_config: TLSConfig | None = None
    """TLS for the connection to ``token_url``."""


class ProxyClientConfig(VMModel):
    """How vmagent authenticates to the proxy it scrapes through (``proxyURL``)."""

    oauth2: OAuth2 | None = None
    """OAuth2 for the proxy."""
    basic_auth: BasicAuth | None = None
    """Basic authentication for the proxy."""
    bearer_token: SecretKeySelector | None = None
    """The Secret key holding a bearer token for the proxy."""
    bearer_token_file: StrictStr | None = None
    """Path of a file with a bearer token for the proxy, already present in the vmagent container."""
    tls_config: TLSConfig | None = None
    """TLS for the connection to the proxy."""
    authorization: Authorization | None = None
    """An ``Authorization`` header for the proxy."""


class EndpointAuth(VMModel):
    """The ways to authenticate a scrape, shared by endpoints and scrape classes (the operator's
    ``EndpointAuth``). vmagent accepts one of them per job; ``tls_config`` goes with any."""

    oauth2: OAuth2 | None = None
    """OAuth2 authentication."""
    tls_config: TLSConfig | None = Field(None, alias="tlsConfig")
    """TLS settings."""
    bearer_token_file: StrictStr | None = Field(None, alias="bearerTokenFile")
    """Path of a file with a bearer token, already present in the vmagent container."""
    bearer_token_secret: SecretKeySelector | None = Field(None, alias="bearerTokenSecret")
    """The Secret key holding a bearer token."""
    basic_auth: BasicAuth | None = Field(None, alias="basicAuth")
    """Basic authentication."""
    authorization: Authorization | None = None
    """An ``Authorization`` header."""
