"""Run a Pulumi program (an example's ``__main__.py``) under Pulumi's mocks and record what it registers."""

from __future__ import annotations

import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi

CR_TYPE = "kubernetes:operator.victoriametrics.com/v1beta1:VMServiceScrape"


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that echo inputs as outputs and keep every registration for inspection."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.resources if r.typ == typ]


def run_program(program_dir: Path, *, project: str = "example", stack: str = "test") -> RecordingMocks:
    """Execute ``program_dir/__main__.py`` as ``pulumi up`` would, against mocks; return the recording."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)

    @pulumi.runtime.test
    def program() -> None:
        sys.path.insert(0, str(program_dir))
        try:
            runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")
        finally:
            sys.path.remove(str(program_dir))

    program()
    return mocks


def run_to_completion(program: Callable[[], pulumi.Output[Any]]) -> Any:
    """Run ``program`` under the mocks already set, to the end, and return the value of the Output it
    returns. After it returns every resource registration has reached the mocks."""
    seen: list[Any] = []

    @pulumi.runtime.test
    def run() -> Any:
        return program().apply(seen.append)

    run()
    return seen[0]


def scrape_manifests(mocks: RecordingMocks) -> list[dict[str, Any]]:
    """The VMServiceScrape custom resources a program registered, as manifests."""
    return [
        {
            "apiVersion": r.inputs["apiVersion"],
            "kind": r.inputs["kind"],
            "metadata": r.inputs["metadata"],
            "spec": r.inputs["spec"],
        }
        for r in mocks.of_type(CR_TYPE)
    ]


def inputs_of(mocks: RecordingMocks, typ: str) -> list[dict[str, Any]]:
    """The inputs of every resource of type ``typ`` the program registered, in registration order."""
    return [r.inputs for r in mocks.of_type(typ)]


#: How Pulumi marks a secret value on the wire.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def secret_value(value: Any) -> Any:
    """The value inside a Pulumi secret; fails if ``value`` was not sent as a secret."""
    assert isinstance(value, dict) and SECRET_SIG in value, f"not a secret: {value!r}"
    return value["value"]


def run_and_check(program: Callable[[], tuple[pulumi.Output[Any], Callable[[Any], None]]]) -> None:
    """Run ``program`` (returns ``(output, check)``) to the end, then ``check`` the output's value.

    Checking after the run means every resource registration has reached the mocks.
    """
    checks: list[Callable[[Any], None]] = []

    def output() -> pulumi.Output[Any]:
        value, check = program()
        checks.append(check)
        return value

    value = run_to_completion(output)
    checks[0](value)
