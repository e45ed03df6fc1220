"""The one exception type of vmscrape: :class:`VMScrapeError`, a list of :class:`Problem` s.

pydantic's own errors are translated into it by :mod:`vmscrape_component.models.errors`.

Every problem names the object, the field path in the manifest's own spelling
(``spec.endpoints[0].targetPort``), what is wrong and what is allowed. Messages never carry a secret's
content: values of secret-bearing fields are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Problem", "VMScrapeError", "one_line"]

_MAX_VALUE_CHARS = 80
#: What a terminal or a log reader could take for a line break or a command: C0/C1 controls, DEL,
#: Unicode line/paragraph separators, and lone surrogates (undecodable bytes of a file name).
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``), so that a name or a
    value from the input can never start a line of its own or drive the terminal."""
    return _UNSAFE_CHARS.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


#: Controls and separators a foreign message may hold (the engine's ANSI escapes, an API server's newlines).
_CONTROL_RUNS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def flatten(text: object) -> str:
    """A foreign message (the engine's, an API server's) on one line: whitespace and control characters
    collapsed into single spaces. Values from the input are escaped instead (:func:`one_line`)."""
    return " ".join(_CONTROL_RUNS.sub(" ", str(text)).split())


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    #: Which object, e.g. ``"VMServiceScrape apps/web"``; ``""`` if unknown.
    object: str
    #: Field path in the manifest's own spelling, e.g. ``"spec.endpoints[0].targetPort"``.
    path: str
    #: What is wrong and what is allowed.
    message: str
    #: The offending value; ``None`` when unknown or when it could be a secret.
    value: Any = None


class VMScrapeError(ValueError):
    """Invalid input: every problem found, each with its object, field path, message and value."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.problems)

    @staticmethod
    def format_problem(problem: Problem) -> str:
        """``<object>: <path>: <message> (got <value>)``, leaving out the parts that are empty; always one
        line (control characters from the input are escaped, see :func:`one_line`)."""
        parts = [p for p in (problem.object, problem.path) if p]
        text = ": ".join([*parts, problem.message])
        if problem.value is not None:
            shown = repr(problem.value)
            if len(shown) > _MAX_VALUE_CHARS:
                shown = shown[: _MAX_VALUE_CHARS - 3] + "..."
            text += f" (got {shown})"
        return one_line(text)

    def __str__(self) -> str:
        return "\n".join(self.format_problem(p) for p in self.problems)

    def within(self, object: str) -> VMScrapeError:
        """The same problems, attributed to ``object`` (put in front of the object they already name)."""
        return VMScrapeError(
            replace(p, object=f"{object} {p.object}".strip() if p.object != object else object)
            for p in self.problems
        )
