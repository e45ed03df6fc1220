"""References to values kept in Secrets and ConfigMaps of the scrape's own namespace.

The operator reads the referenced keys and inlines or mounts them; the manifest carries only the reference.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, PrivateAttr, StrictBool, StrictStr, field_validator, model_validator

from .. import grammar
from ._base import VMModel
from .errors import invalid

__all__ = ["ConfigMapKeySelector", "SecretKeySelector", "SecretOrConfigMap", "SecretValue"]

#: The name a selector built from a :class:`SecretValue` has until the component names its Secret.
PENDING_SECRET = "pending-secret-value"


class SecretValue:
    """A credential given as a value (typically a Pulumi secret) where a Secret key is expected.

    Put it where the CRD has a ``SecretKeySelector`` (``basic_auth={"password": SecretValue(pw)}``,
    ``bearer_token_secret=SecretValue(token)``...). The ``VMServiceScrape`` component stores every such
    value in one Secret it owns, in the scrape's namespace, and writes the selector into the CR; the
    value itself never reaches the manifest, the rendered config or the component's outputs.
    ``key`` names the Secret key (default: derived from where the value sits).
    """

    __slots__ = ("key", "value")

    def __init__(self, value: Any, *, key: str | None = None) -> None:
        self.value = value
        self.key = key

    def __repr__(self) -> str:
        return "SecretValue(<hidden>)"


class _KeySelector(VMModel):
    name: StrictStr | None = None
    """Name of the object (the CRD defaults it to ``""``; left out unless set)."""
    key: StrictStr
    """The key within the object."""
    optional: StrictBool | None = None
    """Whether the object or its key may be missing."""

    @field_validator("key")
    @classmethod
    def _key_can_exist(cls, value: str) -> str:
        problem = grammar.secret_key_problem(value)
        if problem:
            raise invalid(problem, value=value)
        return value


class SecretKeySelector(_KeySelector):
    """A key of a Secret in the scrape's namespace (or a :class:`SecretValue` to store in one)."""

    _value: SecretValue | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _from_value(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, SecretValue):
            selector = handler({"name": PENDING_SECRET, "key": data.key or "value"})
            selector._value = data
            return selector
        return handler(data)

    @property
    def pending_value(self) -> SecretValue | None:
        """The value this selector was built from, until the component has stored it."""
        return self._value


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
