"""How every component takes its arguments: an ``…Args`` object, or the same fields as keywords."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, TypeVar

from ..errors import Problem, VMScrapeError

ArgsT = TypeVar("ArgsT")


def resolve_args(args_type: type[ArgsT], args: ArgsT | None, keywords: dict[str, Any]) -> ArgsT:
    """``args`` itself, or an ``args_type`` built from ``keywords`` (``VMServiceScrape("web", spec=...)``).

    Giving both, something else than an ``args_type`` as ``args``, or a keyword that is not one of its
    fields is a :class:`VMScrapeError` naming what is allowed.
    """
    allowed = ", ".join(f.name for f in fields(args_type))  # type: ignore[arg-type]
    kind = args_type.__name__
    if args is not None:
        if not isinstance(args, args_type):
            raise VMScrapeError(
                [Problem("", "args", f"must be a {kind} (or pass its fields as keywords: {allowed})", None)]
            )
        if keywords:
            raise VMScrapeError(
                [Problem("", ", ".join(sorted(keywords)), f"give either a {kind} or keywords, not both")]
            )
        return args
    declared = fields(args_type)  # type: ignore[arg-type]
    problems = [
        Problem("", name, f"unknown argument; allowed: {allowed}")
        for name in sorted(set(keywords) - {f.name for f in declared})
    ]
    problems += [
        Problem("", f.name, "is required")
        for f in declared
        if f.name not in keywords and f.default is MISSING and f.default_factory is MISSING
    ]
    if problems:
        raise VMScrapeError(problems)
    return args_type(**keywords)
