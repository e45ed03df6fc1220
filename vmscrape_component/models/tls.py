"""TLS settings for connecting to scrape targets (and to OAuth2 token endpoints and proxies)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, StrictBool, StrictStr, model_validator

from ._base import VMModel
from .errors import invalid
from .secrets import SecretKeySelector, SecretOrConfigMap

__all__ = ["TLSConfig"]


class TLSConfig(VMModel):
    """How to verify the target and which client certificate to present.

    Each of the CA, the client certificate and the client key comes either from a file in the vmagent
    container or from a Secret/ConfigMap, not both.
    """

    ca_file: StrictStr | None = Field(None, alias="caFile")
    """Path of the CA certificate inside the vmagent container."""
    ca: SecretOrConfigMap | None = None
    """The CA certificate, from a Secret or ConfigMap."""
    cert_file: StrictStr | None = Field(None, alias="certFile")
    """Path of the client certificate inside the vmagent container."""
    cert: SecretOrConfigMap | None = None
    """The client certificate, from a Secret or ConfigMap."""
    key_file: StrictStr | None = Field(None, alias="keyFile")
    """Path of the client key inside the vmagent container."""
    key_secret: SecretKeySelector | None = Field(None, alias="keySecret")
    """The client key, from a Secret."""
    server_name: StrictStr | None = Field(None, alias="serverName")
    """The host name the target's certificate must be valid for."""
    insecure_skip_verify: StrictBool | None = Field(None, alias="insecureSkipVerify")
    """Skip verifying the target's certificate."""

    @model_validator(mode="after")
    def _one_source_each(self) -> Self:
        # The operator's TLSConfig.Validate: a file and a reference for the same thing conflict.
        if self.ca is not None and self.ca.is_set and self.ca_file:
            raise invalid("set either `ca` or `caFile`, not both", field="caFile")
        if self.cert is not None and self.cert.is_set and self.cert_file:
            raise invalid("set either `cert` or `certFile`, not both", field="certFile")
        if self.key_file and self.key_secret is not None:
            raise invalid("set either `keySecret` or `keyFile`, not both", field="keyFile")
        return self
