"""References to values kept in Secrets and ConfigMaps of the scrape's own namespace.

The operator reads the referenced keys and inlines or mounts them; the manifest carries only the reference.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, StrictBool, StrictStr, model_validator

from ..errors import invalid
from ._base import VMModel

__all__ = ["ConfigMapKeySelector", "SecretKeySelector", "SecretOrConfigMap"]


class _KeySelector(VMModel):
    name: StrictStr | None = None
    """Name of the object (the CRD defaults it to ``""``; left out unless set)."""
    key: StrictStr
    """The key within the object."""
    optional: StrictBool | None = None
    """Whether the object or its key may be missing."""


class SecretKeySelector(_KeySelector):
    """A key of a Secret in the scrape's namespace."""


class ConfigMapKeySelector(_KeySelector):
    """A key of a ConfigMap in the scrape's namespace."""


class SecretOrConfigMap(VMModel):
    """A value taken from a Secret or from a ConfigMap (one of them)."""

    secret: SecretKeySelector | None = None
    """The Secret key holding the value."""
    config_map: ConfigMapKeySelector | None = Field(None, alias="configMap")
    """The ConfigMap key holding the value."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.secret is not None and self.config_map is not None:
            raise invalid("set either `secret` or `configMap`, not both")
        return self

    @property
    def is_set(self) -> bool:
        """Whether it refers to anything (``{}`` does not)."""
        return self.secret is not None or self.config_map is not None
