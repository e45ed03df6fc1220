"""What every model shares: the CRD-mirroring configuration, error translation and the checked string types.

Conventions (see DESIGN.md): Python names in snake_case, the CRD's own names as aliases, both accepted as
input; unknown keys are errors; ``model_dump(by_alias=True, exclude_none=True)`` is the manifest, so every
optional field defaults to ``None`` and nothing the user did not set is ever written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, Self

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, field_validator

from .. import grammar
from ..errors import Problem, VMScrapeError
from ..grammar import API_VERSION
from . import _checks
from .errors import from_pydantic, invalid

#: vmagent reads limits into Go ints: larger values make it refuse the whole config.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
#: The API server's limit on all of an object's annotations (apimachinery TotalAnnotationSizeLimitB).
ANNOTATIONS_MAX_BYTES = 256 * 1024
#: The operator and vmagent read ``modulus`` into a Go uint64.
UINT64_MAX = 2**64 - 1


class VMModel(BaseModel):
    """Base of every model: CRD spelling as aliases, unknown keys rejected, errors as :class:`VMScrapeError`.

    Constructing a model (``Endpoint(port=8080)``) or parsing one (:meth:`parse`) raises
    :class:`VMScrapeError`, never pydantic's own error.
    """

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        use_attribute_docstrings=True,
        defer_build=True,
    )
    #: Where this model sits in its object's manifest; put in front of error paths ("spec" for specs).
    _root: ClassVar[str] = ""

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise from_pydantic(exc, root=type(self)._root, model=type(self)) from None

    # Tell pydantic this __init__ only wraps its own: nested models are still validated directly.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, data: Mapping[str, Any] | Self, *, object: str = "", root: str | None = None) -> Self:
        """Validate ``data`` (Python or CRD spelling); raise :class:`VMScrapeError` naming ``object``."""
        if isinstance(data, cls):
            return data
        try:
            return super().model_validate(data)
        except pydantic.ValidationError as exc:
            raise from_pydantic(
                exc, object=object, root=cls._root if root is None else root, model=cls
            ) from None

    @classmethod
    def model_validate(cls, obj: Any, **kwargs: Any) -> Self:
        """As pydantic's, but raising :class:`VMScrapeError`."""
        try:
            return super().model_validate(obj, **kwargs)
        except pydantic.ValidationError as exc:
            raise from_pydantic(exc, root=cls._root, model=cls) from None

    def manifest_dict(self) -> dict[str, Any]:
        """This model as it is written in a manifest (CRD spelling, unset fields left out)."""
        return self.model_dump(by_alias=True, exclude_none=True)


def _checked(check: Callable[[str], str | None]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        problem = check(value)
        if problem:
            raise invalid(problem, value=value)
        return value

    return validate


#: A VictoriaMetrics duration: ``30s``, ``1m30s``, ``1.5m``, ``500ms``, ``2d``...
Duration = Annotated[StrictStr, AfterValidator(_checked(grammar.duration_problem))]
#: The pattern the VMAgent CRD puts on its own durations (``scrapeInterval``, ``scrapeTimeout``). The API
#: server searches for it anywhere in the value (OpenAPI patterns are not anchored).
_AGENT_DURATION_PATTERN = re.compile(r"[0-9]+(ms|s|m|h)")


def _agent_duration_problem(value: str) -> str | None:
    if not _AGENT_DURATION_PATTERN.search(value):
        return (
            "the VMAgent CRD requires a duration in ms, s, m or h (pattern [0-9]+(ms|s|m|h)), "
            "e.g. 30s, 1m or 2h"
        )
    return grammar.interval_problem(value)


#: A VMAgent-level duration: a :data:`Duration` that also matches the CRD's pattern (so not ``1d``, ``15``).
AgentDuration = Annotated[StrictStr, AfterValidator(_checked(_agent_duration_problem))]
#: A scrape interval or timeout (a :data:`Duration` other than zero), or ``""`` for a field the operator
#: reads ``""`` as unset (Helm templates often write it).
DurationOrUnset = Annotated[
    StrictStr, AfterValidator(_checked(lambda v: None if v == "" else grammar.interval_problem(v)))
]
#: A size in bytes: ``16MiB``, ``100KB``, ``1048576``.
ByteSize = Annotated[StrictStr, AfterValidator(_checked(_checks.byte_size_problem))]
#: A size, or ``""`` (unset for the operator).
ByteSizeOrUnset = Annotated[
    StrictStr, AfterValidator(_checked(lambda v: None if v == "" else _checks.byte_size_problem(v)))
]
#: A proxy URL vmagent accepts: ``http://``, ``https://``, ``socks5://`` or ``tls+socks5://``.
ProxyURL = Annotated[StrictStr, AfterValidator(_checked(_checks.proxy_url_problem))]
#: A Prometheus label name: ``[a-zA-Z_][a-zA-Z0-9_]*``.
LabelName = Annotated[StrictStr, AfterValidator(_checked(grammar.label_name_problem))]
#: A Kubernetes label key: ``name`` or ``prefix/name`` (``app.kubernetes.io/name``).
LabelKey = Annotated[StrictStr, AfterValidator(_checked(grammar.label_key_problem))]
#: A label key, or ``""`` where the operator reads ``""`` as unset (``jobLabel``).
LabelKeyOrUnset = Annotated[
    StrictStr, AfterValidator(_checked(lambda v: None if v == "" else grammar.label_key_problem(v)))
]
#: A Kubernetes label value.
LabelValue = Annotated[StrictStr, AfterValidator(_checked(grammar.label_value_problem))]
#: A namespace name (DNS-1123 label).
NamespaceName = Annotated[StrictStr, AfterValidator(_checked(grammar.dns_label_problem))]
#: An object name (DNS-1123 subdomain).
ObjectName = Annotated[StrictStr, AfterValidator(_checked(grammar.dns_subdomain_problem))]


class KubernetesObject(VMModel):
    """Base of the object models: ``metadata`` (name, namespace, labels, annotations) plus ``spec``.

    Subclasses set ``_kind`` and declare ``spec``.
    """

    _kind: ClassVar[str] = ""
    #: The ``apiVersion`` of the kind (the VictoriaMetrics operator's group, unless a subclass says else).
    _api_version: ClassVar[str] = API_VERSION
    _metadata_fields: ClassVar[tuple[str, ...]] = ("name", "namespace", "labels", "annotations")

    name: ObjectName
    """``metadata.name``."""
    namespace: NamespaceName | None = None
    """``metadata.namespace``; ``from_manifest`` fills in its ``default_namespace`` when absent."""
    labels: dict[LabelKey, LabelValue] | None = None
    """``metadata.labels``."""
    annotations: dict[LabelKey, StrictStr] | None = None
    """``metadata.annotations``."""

    @field_validator("annotations")
    @classmethod
    def _annotations_fit(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        # apimachinery ValidateAnnotationsSize: keys and values together, in bytes.
        total = sum(len(k.encode()) + len(v.encode()) for k, v in (value or {}).items())
        if total > ANNOTATIONS_MAX_BYTES:
            raise invalid(
                f"annotations hold {total} bytes; the API server allows at most {ANNOTATIONS_MAX_BYTES} "
                "(256 KiB, keys and values together)"
            )
        return value

    @property
    def key(self) -> str:
        """``namespace/name``, as the operator names objects."""
        return f"{self.namespace or ''}/{self.name}"

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any] | Self, *, default_namespace: str = "default") -> Self:
        """Read a Kubernetes manifest (a mapping as YAML gives it) and validate it whole; a model of this
        class is already valid and is returned as it is.

        Checks ``apiVersion`` and ``kind``, reads ``metadata.name``/``namespace``/``labels``/``annotations``
        (other metadata the API server sets, such as ``uid`` or ``managedFields``, is ignored) and
        ``spec``; ``status`` is ignored. Raises :class:`VMScrapeError` with every problem, named
        ``"<Kind> <namespace>/<name>"`` with paths from the manifest's root (``spec.…``, ``metadata.…``).
        """
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise VMScrapeError(
                [
                    Problem(
                        object=cls._kind,
                        path="",
                        value=type(obj).__name__,
                        message="expected a mapping (a Kubernetes object)",
                    )
                ]
            )
        metadata = obj.get("metadata")
        meta = metadata if isinstance(metadata, Mapping) else {}
        namespace = meta.get("namespace") or default_namespace
        where = f"{cls._kind} {namespace}/{meta.get('name', '?')}"
        problems: list[Problem] = []
        if obj.get("apiVersion") != cls._api_version:
            problems.append(
                Problem(where, "apiVersion", f"must be {cls._api_version}", obj.get("apiVersion"))
            )
        if obj.get("kind") != cls._kind:
            problems.append(Problem(where, "kind", f"must be {cls._kind}", obj.get("kind")))
        for key in obj:
            if key not in ("apiVersion", "kind", "metadata", "spec", "status"):
                problems.append(
                    Problem(
                        where,
                        str(key),
                        f"unknown field {key!r}; allowed: apiVersion, kind, "
                        "metadata, spec (and status, which is ignored)",
                    )
                )
        if not isinstance(metadata, Mapping):
            problems.append(Problem(where, "metadata", "must be a mapping with at least a name", None))
        data: dict[str, Any] = {key: meta[key] for key in cls._metadata_fields if key in meta}
        data["namespace"] = namespace
        if "spec" in obj:
            data["spec"] = obj["spec"]
        try:
            # Manifests use the CRD spelling only, as the API server and the operator read them.
            model = super(VMModel, cls).model_validate(data, by_alias=True, by_name=False)
        except pydantic.ValidationError as exc:
            for p in from_pydantic(exc, object=where, model=cls).problems:
                first = p.path.split(".", 1)[0].split("[", 1)[0]
                path = f"metadata.{p.path}" if first in cls._metadata_fields else p.path
                problems.append(Problem(where, path, p.message, p.value))
        if problems:
            raise VMScrapeError(problems)
        return model

    def manifest(self) -> dict[str, Any]:
        """The whole object as a manifest: ``apiVersion``, ``kind``, ``metadata`` and ``spec``."""
        metadata: dict[str, Any] = {"name": self.name}
        if self.namespace is not None:
            metadata["namespace"] = self.namespace
        if self.labels is not None:
            metadata["labels"] = dict(self.labels)
        if self.annotations is not None:
            metadata["annotations"] = dict(self.annotations)
        spec = self.spec  # type: ignore[attr-defined]
        return {
            "apiVersion": self._api_version,
            "kind": self._kind,
            "metadata": metadata,
            "spec": spec.model_dump(by_alias=True, exclude_none=True),
        }
