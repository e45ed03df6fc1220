"""pydantic's validation errors, translated into vmscrape's :class:`~vmscrape_component.errors.Problem` s.

Each problem names the field path in the manifest's own spelling (``spec.endpoints[0].targetPort``), what
is wrong and what is allowed; values of secret-bearing fields are never reported.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Union

import pydantic
from pydantic_core import PydanticCustomError

from ..errors import Problem, VMScrapeError
from .credentials import is_secret_field

__all__ = ["ERROR_TYPE", "from_pydantic", "invalid"]

#: The error type of vmscrape's own validators (see :func:`invalid`).
ERROR_TYPE = "vmscrape"
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def invalid(message: str, *, field: str | None = None, value: Any = None) -> PydanticCustomError:
    """An error for a model validator to raise: ``message`` as is, about ``field`` (manifest spelling).

    ``field`` is appended to the path of the model that raised it; ``value`` is the offending value
    (leave it ``None`` for secrets).
    """
    return PydanticCustomError(ERROR_TYPE, "{message}", {"message": message, "field": field, "value": value})


# --- from pydantic -------------------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "none_required": "must be empty",
}


def from_pydantic(
    exc: pydantic.ValidationError,
    *,
    object: str = "",
    root: str = "",
    model: type[pydantic.BaseModel] | None = None,
) -> VMScrapeError:
    """Turn pydantic's errors into :class:`VMScrapeError` problems in the manifest's spelling.

    ``root`` is put in front of every path (``"spec"`` gives ``spec.endpoints[0]...``); ``model`` is the
    model that was validated: with it, Python field names become the CRD's names and unknown fields get
    the list of allowed ones. Errors of one field that several union members raised become one problem.
    """
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        problem = _problem(err, model, object, root)
        last = problems[-1] if problems else None
        if (
            last is not None
            and last.path == problem.path
            and err["type"] in _TYPE_MESSAGES
            and last.message.startswith("must be ")
        ):
            # One field, several union members failing: "must be an integer or a string".
            problems[-1] = replace(
                last, message=f"{last.message} or {problem.message.removeprefix('must be ')}"
            )
        else:
            problems.append(problem)
    return VMScrapeError(problems)


def _problem(err: Any, model: type[pydantic.BaseModel] | None, object: str, root: str) -> Problem:
    where = _walk(model, err["loc"])
    ctx = err.get("ctx") or {}
    parts = list(where.parts)
    value: Any = None if where.secret else err.get("input")
    kind = err["type"]
    suffix = ""
    if kind == ERROR_TYPE:
        message = str(ctx.get("message", err["msg"]))
        suffix = str(ctx.get("field") or "")  # already in manifest spelling, maybe "a[0].b"
        value = None if where.secret else ctx.get("value")
    elif kind == "extra_forbidden":
        # The key as the user wrote it (a Python name is unknown in a manifest, and must not be respelled).
        given = str(err["loc"][-1]) if err["loc"] else ""
        if parts:
            parts[-1] = given
        message = _unknown_field_message(given, where.owner)
        value = None
    elif kind == "missing":
        message = f"required field '{parts[-1]}' is missing" if parts else "a required value is missing"
        value = None
    elif kind == "literal_error":
        message = "must be one of: " + _allowed_literals(where.annotation, ctx)
    elif kind in _TYPE_MESSAGES:
        message = _TYPE_MESSAGES[kind]
        if isinstance(value, Mapping | list | tuple):
            value = None  # a whole object or list in the wrong place: it may hold credentials
    elif kind == "greater_than_equal":
        message = f"must be {ctx.get('ge')} or more"
    elif kind == "less_than_equal":
        message = f"must be {ctx.get('le')} or less"
    elif kind == "string_too_short" and ctx.get("min_length") == 1:
        message = "must not be empty"
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
    else:
        message = err["msg"]
    if where.dict_key is not None:
        message = f"key {where.dict_key!r}: {message}"
        value = None
    path = _format_path(root, parts)
    if suffix:
        path = f"{path}{suffix}" if suffix.startswith("[") or not path else f"{path}.{suffix}"
    return Problem(object=object, path=path, message=message, value=value)


@dataclass
class _Where:
    parts: list[str | int]
    owner: type[pydantic.BaseModel] | None  # the model holding the last field
    annotation: Any  # the type at the end of the path
    secret: bool
    dict_key: str | None


def _walk(model: type[pydantic.BaseModel] | None, loc: tuple[str | int, ...]) -> _Where:
    parts: list[str | int] = []
    owner: type[pydantic.BaseModel] | None = None
    current: Any = model
    secret = False
    dict_key: str | None = None
    for item in loc:
        if item == "[key]":  # pydantic marks errors of a dict's key so
            dict_key = str(parts[-1]) if parts else None
            continue
        current = _unwrap(current)
        members = _union_members(current)
        if len(members) > 1:
            # pydantic names the union member that failed; it is not part of the manifest path.
            current = _member_for_tag(members, item)
            continue
        if isinstance(current, type) and issubclass(current, pydantic.BaseModel) and isinstance(item, str):
            owner = current
            name, field = _field(current, item)
            if field is None:
                parts.append(item)
                current = None
                continue
            parts.append(name)
            secret = secret or is_secret_field(field)
            current = field.annotation
            continue
        origin = typing.get_origin(current)
        if origin in (list, tuple, set, frozenset) and isinstance(item, int):
            parts.append(item)
            args = typing.get_args(current)
            current = args[0] if args else None
            continue
        if origin in (dict, Mapping) and not isinstance(item, int):
            parts.append(str(item))
            args = typing.get_args(current)
            current = args[1] if len(args) == 2 else None
            continue
        parts.append(item)
        current = None
    return _Where(parts, owner, _unwrap(current), secret, dict_key)


def _field(model: type[pydantic.BaseModel], key: str) -> tuple[str, Any]:
    """The manifest spelling of ``key`` (a field name or one of its aliases) and the field."""
    for name, field in model.model_fields.items():
        choices = _validation_aliases(field)
        if key in choices:
            return key, field
        if key == name:
            return field.alias or name, field
    return key, None


def _validation_aliases(field: Any) -> set[str]:
    aliases = {field.alias} if field.alias else set()
    va = field.validation_alias
    if isinstance(va, str):
        aliases.add(va)
    elif isinstance(va, pydantic.AliasChoices):
        aliases.update(c for c in va.choices if isinstance(c, str))
    return aliases


def _unwrap(tp: Any) -> Any:
    """``Annotated[X, ...]`` → X; ``X | None`` → X."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (Union, types.UnionType):
        members = _union_members(tp)
        if len(members) == 1:
            return _unwrap(members[0])
    return tp


def _union_members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [a for a in typing.get_args(tp) if a is not type(None)]
    return [tp] if tp is not None else []


def _member_for_tag(members: list[Any], tag: str | int) -> Any:
    base = str(tag).split("[", 1)[0]
    for member in members:
        plain = _unwrap(member)
        name = getattr(plain, "__name__", None) or getattr(typing.get_origin(plain), "__name__", "")
        if name == base:
            return member
    return None


def _unknown_field_message(key: str, owner: type[pydantic.BaseModel] | None) -> str:
    if owner is None:
        return f"unknown field {key!r}"
    spelled: dict[str, str] = {}  # any accepted spelling → the manifest spelling
    for name, field in owner.model_fields.items():
        manifest_name = field.alias or name
        spelled[name] = manifest_name
        for alias in _validation_aliases(field):
            spelled[alias] = alias
    allowed = sorted(set(spelled.values()), key=str.lower)
    message = f"unknown field {key!r}"
    close = difflib.get_close_matches(key, list(spelled), n=1, cutoff=0.6)
    if not close:
        lowered = {s.lower().replace("_", ""): s for s in spelled}
        hit = lowered.get(key.lower().replace("_", "").replace("-", ""))
        close = [hit] if hit else []
    if close:
        return message + f"; did you mean {spelled[close[0]]!r}? allowed: {', '.join(allowed)}"
    return message + f"; allowed: {', '.join(allowed)}"


def _allowed_literals(annotation: Any, ctx: Mapping[str, Any]) -> str:
    if typing.get_origin(annotation) is Literal:
        return ", ".join(str(a) for a in typing.get_args(annotation))
    return str(ctx.get("expected", "")).replace("'", "")


def _format_path(root: str, parts: list[str | int]) -> str:
    out = root
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out
