"""Property: whatever the input, every command ends with exit 0, 1 or 2 and a clear message — never a
Python traceback — and every ``error:`` line is exactly one problem on one line.

The inputs are real ones (the repository's real-world manifests, the snapshot fixtures with their
scrapes, a rendered config, a manifest set with a VMAgent, Secrets and Namespaces) mutated the ways a
hostile or careless user would: bytes flipped or inserted (invalid UTF-8, NUL, escape sequences), a value
buried under deep nesting, and a wrong type or a forging string (``"x\\nerror: ..."``) at any path of any
document. Each goes through ``render``, ``render --reveal-secrets``, ``validate``, ``select``,
``explain`` (as the manifests or as the snapshot), ``diff`` (manifests, rendered configs or stack outputs
holding one, with a snapshot)
and standard input, in-process (``vmscrape_component.cli.__main__.main``), so the property runs in seconds.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import json
import pickle
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.session import COUNTS, fuzz_settings
from tests.support.reference import REAL_MANIFESTS
from vmscrape_component.cli.__main__ import main
from vmscrape_component.errors import VMScrapeError

SNAPSHOTS = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"
#: Snapshot fixtures that have scrapes written for them (``scrapes/<same name>``).
PAIRS = sorted(p.name for p in (SNAPSHOTS / "scrapes").glob("*.yaml"))

#: A manifest set that uses every kind the CLI reads: a VMAgent, a Namespace, a Secret (base64 and
#: stringData) and a ConfigMap referenced by a scrape, and a kind vmscrape ignores.
AGENT_SET = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {name: main, namespace: monitoring}
spec:
  selectAllByDefault: true
  serviceScrapeNamespaceSelector: {matchLabels: {team: a}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: a}}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: apps}
data: {user: bWV0cmljcw==}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: apps}
data: {ca.crt: "-----BEGIN CERTIFICATE-----"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps, labels: {app: web}}
---
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
    basicAuth:
      username: {name: creds, key: user}
      password: {name: creds, key: password}
    tlsConfig:
      ca: {configMap: {name: ca, key: ca.crt}}
"""

#: Values put at a random path: wrong types, edge numbers, YAML-specific types, forging strings.
ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    True,
    "",
    "x\nerror: forged line",
    "\x1b[31mred\x1b[0m",
    "\u2028",
    [],
    {},
    [1, "a"],
    {"a": {"b": [1]}},
    {1: "int key"},
    datetime.date(2001, 12, 14),
    b"\xff\x00binary",
]


def _base_inputs() -> dict[str, str]:
    """name → text of every input the mutations start from."""
    inputs = {f"real/{p.name}": p.read_text() for p in sorted(REAL_MANIFESTS.glob("*.yaml"))}
    for name in PAIRS:
        inputs[f"scrapes/{name}"] = (SNAPSHOTS / "scrapes" / name).read_text()
        inputs[f"snapshot/{name}"] = (SNAPSHOTS / name).read_text()
    inputs["agent-set.yaml"] = AGENT_SET
    return inputs


BASES = _base_inputs()


@dataclass(frozen=True)
class Case:
    """One command line over mutated input: ``files`` are written to a directory first."""

    argv: tuple[str, ...]
    files: dict[str, bytes]
    stdin: bytes = b""
    #: How the input was mutated, for the failure message.
    what: str = ""

    def __repr__(self) -> str:  # the files are long: hypothesis prints this for a failing example
        sizes = ", ".join(f"{name} ({len(data)} bytes)" for name, data in self.files.items())
        return f"vmscrape {' '.join(self.argv)} [{sizes}] <{self.what}>"


# -- mutations -----------------------------------------------------------------------------------------------


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in a parsed document (the root too)."""
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*at, index))
    return out


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _replace(node[path[0]], path[1:], value)
    return node


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _parsed(text: str) -> bytes:
    """The documents of ``text``, pickled (parsing the snapshots for every example would dominate)."""
    return pickle.dumps(list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))))


@st.composite
def typed_mutation(draw: st.DrawFn, text: str) -> tuple[bytes, str]:
    """A wrong type (or a deep nest, or an odd key) at one path of one document."""
    docs = pickle.loads(_parsed(text))  # a fresh copy to mutate
    index = draw(st.integers(0, len(docs) - 1))
    paths = _paths(docs[index])
    path = draw(st.sampled_from(paths))
    kind = draw(st.sampled_from(["value", "value", "nest", "key"]))
    if kind == "value":
        value = draw(st.sampled_from(ODD_VALUES))
        docs[index] = _replace(docs[index], path, value)
        what = f"{value!r} at {path}"
    elif kind == "nest":
        depth = draw(st.sampled_from([5, 99, 101, 500]))
        value: Any = "x"
        for level in range(depth):
            value = [value] if level % 2 else {"n": value}
        docs[index] = _replace(docs[index], path, value)
        what = f"{depth} levels of nesting at {path}"
    else:
        key = draw(st.sampled_from(["a\nerror: forged", "\x1b[2J", "", "spec", "metadata"]))
        parent = path[:-1] if path and isinstance(path[-1], str) else path
        target = docs[index]
        for part in parent:
            target = target[part]
        if isinstance(target, dict):
            target[key] = draw(st.sampled_from(ODD_VALUES))
        what = f"key {key!r} added at {parent}"
    dumped = yaml.dump_all(docs, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    return dumped.encode(), what


@st.composite
def byte_mutation(draw: st.DrawFn, text: str) -> tuple[bytes, str]:
    """Bytes flipped or inserted: invalid UTF-8, NUL, an escape sequence, a stray bracket."""
    data = bytearray(text.encode())
    edits = draw(st.integers(1, 3))
    for _ in range(edits):
        at = draw(st.integers(0, len(data)))
        chunk = draw(
            st.sampled_from(
                [b"\xff", b"\xc3", b"\x00", b"\x1b[31m", b"\xe2\x80\xa8", b"[", b"{", b"\t", b"&a *a"]
            )
        )
        if draw(st.booleans()) and at < len(data):
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = chunk
    return bytes(data), f"{edits} byte edit(s)"


def mutated(text: str) -> st.SearchStrategy[tuple[bytes, str]]:
    return st.one_of(typed_mutation(text), typed_mutation(text), byte_mutation(text))


# -- command lines -------------------------------------------------------------------------------------------


def _rendered(text: str) -> str:
    """The config ``vmscrape render`` prints for ``text`` (an input of ``diff``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.yaml"
        path.write_text(text)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["render", str(path)]) == 0
    return out.getvalue()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    command = draw(
        st.sampled_from(
            [
                "render",
                "reveal",
                "validate",
                "select",
                "convert",
                "explain-manifests",
                "explain-snapshot",
                "diff",
                "stdin",
            ]
        )
    )
    if command.startswith("explain") or (command == "diff" and draw(st.booleans())):
        pair = draw(st.sampled_from(PAIRS))
        scrapes, snapshot = BASES[f"scrapes/{pair}"], BASES[f"snapshot/{pair}"]
        if command == "explain-snapshot":
            as_json = draw(st.booleans())
            base = json.dumps(yaml.safe_load(snapshot)) if as_json else snapshot
            data, what = draw(mutated(base))
            files = {"scrapes.yaml": scrapes.encode(), "snapshot.yaml": data}
        elif command == "explain-manifests":
            data, what = draw(mutated(scrapes))
            files = {"scrapes.yaml": data, "snapshot.yaml": snapshot.encode()}
        else:  # diff of a rendered config against a mutated one, simulated over the snapshot
            config = _rendered_config(pair)
            if draw(st.booleans()):  # as `pulumi stack output --json` saves it
                config = json.dumps({"job_names": ["a"], "vmagent_config": config})
            data, what = draw(mutated(config))
            files = {"old.yaml": _rendered_config(pair).encode(), "new.yaml": data}
            files["snapshot.yaml"] = snapshot.encode()
            return Case(("diff", "old.yaml", "new.yaml", "--snapshot", "snapshot.yaml"), files, what=what)
        argv = (
            "explain",
            "scrapes.yaml",
            "--snapshot",
            "snapshot.yaml",
            "-o",
            draw(st.sampled_from(["text", "json"])),
        )
        return Case(argv, files, what=what)
    name = draw(st.sampled_from(sorted(n for n in BASES if not n.startswith("snapshot/"))))
    data, what = draw(mutated(BASES[name]))
    what = f"{name}: {what}"
    if command == "stdin":
        verb = draw(st.sampled_from(["render", "validate", "select"]))
        return Case((verb, "-"), {}, stdin=data, what=what)
    if command == "reveal":
        return Case(("render", "--reveal-secrets", "in.yaml"), {"in.yaml": data}, what=what)
    if command == "diff":
        return Case(
            ("diff", "old.yaml", "in.yaml", "-o", "json"),
            {"old.yaml": BASES[name].encode(), "in.yaml": data},
            what=what,
        )
    return Case((command, "in.yaml"), {"in.yaml": data}, what=what)


_CONFIGS: dict[str, str] = {}


def _rendered_config(pair: str) -> str:
    if pair not in _CONFIGS:
        _CONFIGS[pair] = _rendered(BASES[f"scrapes/{pair}"])
    return _CONFIGS[pair]


# -- running -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    problems_printed: int


def run_case(case: Case) -> Outcome:
    """Run ``case`` in-process as ``vmscrape`` would run it; an escaping exception becomes the traceback
    Python would print (exit 1), as in a real process."""
    printed = 0
    original = VMScrapeError.format_problem

    def counting(problem: Any) -> str:
        nonlocal printed
        printed += 1
        return original(problem)

    with tempfile.TemporaryDirectory(prefix="vmscrape-robust-") as tmp:
        for name, data in case.files.items():
            (Path(tmp) / name).write_bytes(data)
        # Streams with a byte buffer underneath, as a process has (commands write bytes to stdout).
        out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
        stdin = io.TextIOWrapper(io.BytesIO(case.stdin), encoding="utf-8")
        with (
            contextlib.chdir(tmp),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            mock.patch.object(sys, "stdin", stdin),
            mock.patch.object(VMScrapeError, "format_problem", staticmethod(counting)),
        ):
            try:
                code = main(list(case.argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                err.write(traceback.format_exc())
                code = 1
        out.flush()
        stdout = out.buffer.getvalue().decode("utf-8", "replace")  # type: ignore[attr-defined]
    return Outcome(code, stdout, err.getvalue(), printed)


def assert_clean(case: Case, outcome: Outcome) -> None:
    where = f"`vmscrape {' '.join(case.argv)}` on {case.what}"
    assert "Traceback" not in outcome.stderr, f"{where}: traceback\n{outcome.stderr}"
    assert outcome.code in (0, 1, 2), f"{where}: exit {outcome.code}\n{outcome.stderr}"
    lines = outcome.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    # One problem, one line: a forged or wrapped message would add lines that no problem printed.
    assert len(errors) == outcome.problems_printed, f"{where}: error lines ≠ problems\n{outcome.stderr}"
    for line in lines:
        assert line.isprintable(), f"{where}: a control character reached stderr: {line!r}"
    if outcome.code == 2:
        assert errors, f"{where}: exit 2 without an error line\n{outcome.stderr}"


@pytest.mark.slow
@fuzz_settings(scale=4)
@given(case=cases())
def test_no_input_ends_in_a_traceback(case: Case) -> None:
    outcome = run_case(case)
    assert_clean(case, outcome)
    COUNTS["robust_cases"] += 1
    COUNTS[f"robust_exit_{outcome.code}"] += 1
