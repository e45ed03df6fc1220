"""Options several commands share, each spelled once (name, default, help)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..errors import Problem, VMScrapeError


def add_files(p: argparse.ArgumentParser, *, metavar: str = "FILE") -> None:
    """The manifest files a command reads."""
    p.add_argument("files", nargs="+", metavar=metavar, help="YAML files ('-' for standard input)")


def add_namespace(p: argparse.ArgumentParser) -> None:
    """``--namespace``/``-n``: the namespace of objects that name none."""
    p.add_argument(
        "--namespace",
        "-n",
        default="default",
        help="namespace for objects that name none (default: %(default)s)",
    )


def add_output(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """``-o``/``--output``: one of ``formats``, ``text`` by default."""
    p.add_argument("-o", "--output", choices=tuple(formats), default="text", help="default: %(default)s")


def env_pairs(pairs: Sequence[str], *, option: str) -> dict[str, str]:
    """``NAME=VALUE`` arguments of a repeatable ``option`` as a mapping; a pair without ``=`` or a name
    is one problem naming the option and its index."""
    env: dict[str, str] = {}
    problems = []
    for index, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name:
            problems.append(Problem("", f"{option}[{index}]", "expected NAME=VALUE", pair))
        else:
            env[name] = value
    if problems:
        raise VMScrapeError(problems)
    return env
