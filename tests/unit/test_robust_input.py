"""Inputs that used to end in a Python traceback (exit 1): each now ends in exit 2 and one ``error:`` line
per problem naming the file, object or field, whatever command reads it (issue 12, item 3).

The property that no other input does is ``tests/fuzz/test_fuzz_no_traceback.py``.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from vmscrape_component import manifests
from vmscrape_component.cli.__main__ import main
from vmscrape_component.errors import Problem, VMScrapeError, one_line

SNAPSHOTS = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots"
SCRAPES = SNAPSHOTS / "scrapes" / "web-and-db.yaml"
SNAPSHOT = SNAPSHOTS / "web-and-db.yaml"

SCRAPE = """\
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
"""
AGENT = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMAgent
metadata: {name: main, namespace: apps}
spec: {selectAllByDefault: true}
"""


def run(argv: list[str], stdin: bytes | None = None) -> tuple[int, str, str]:
    """``vmscrape argv`` in-process, with byte streams underneath as in a real process."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    stream = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        saved, sys.stdin = sys.stdin, stream
        try:
            code = main(argv)
        finally:
            sys.stdin = saved
    out.flush()
    return code, out.buffer.getvalue().decode(), err.getvalue()  # type: ignore[attr-defined]


def errors(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith(("error: ", "note: ", "warning: ")) for line in lines), stderr
    return [line for line in lines if line.startswith("error: ")]


def refused(argv: list[str], stdin: bytes | None = None) -> list[str]:
    """The error lines of a command that must exit 2."""
    code, out, err = run(argv, stdin)
    assert code == 2, f"exit {code}\n{err}"
    assert "Traceback" not in err
    found = errors(err)
    assert found, err
    return found


# -- every command, each way it reads a file -----------------------------------------------------------------


def _commands(bad: Path, good: Path) -> dict[str, list[str]]:
    """Every command with ``bad`` in each position that reads a file (``good`` fills the others)."""
    return {
        "render": ["render", str(bad)],
        "render --reveal-secrets": ["render", "--reveal-secrets", str(bad)],
        "validate": ["validate", str(bad)],
        "select": ["select", str(bad)],
        "explain MANIFESTS": ["explain", str(bad), "--snapshot", str(SNAPSHOT)],
        "explain --snapshot": ["explain", str(SCRAPES), "--snapshot", str(bad)],
        "diff NEW": ["diff", str(good), str(bad)],
        "diff OLD": ["diff", str(bad), str(good)],
        "diff --snapshot": ["diff", str(good), str(good), "--snapshot", str(bad)],
    }


COMMANDS = list(_commands(Path("bad"), Path("good")))


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.yaml"
    path.write_text(SCRAPE)
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_utf8_names_the_byte_offset(command: str, tmp_path: Path, good: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"kind: VMServiceScrape\nmetadata: {name: caf\xe9}\n")
    (line,) = refused(_commands(bad, good)[command])
    assert line == (
        f"error: {bad}: not UTF-8 text: byte 0xe9 at offset 42 (line 2); YAML input must be UTF-8"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_a_binary_file_is_refused(command: str, tmp_path: Path, good: Path) -> None:
    bad = tmp_path / "binary.yaml"
    bad.write_bytes(bytes(range(256)) * 4)
    (line,) = refused(_commands(bad, good)[command])
    assert str(bad) in line
    # NUL and the other C0 bytes are valid UTF-8; the first invalid one is 0x80 at offset 128.
    assert "byte 0x80 at offset 128" in line


@pytest.mark.parametrize("verb", ["render", "validate", "select"])
def test_standard_input_that_is_not_utf8_is_refused(verb: str) -> None:
    (line,) = refused([verb, "-"], stdin=b"kind: Secret\nmetadata: {name: \xff}\n")
    assert line == "error: -: not UTF-8 text: byte 0xff at offset 30 (line 2); YAML input must be UTF-8"


def test_a_snapshot_on_standard_input_that_is_not_utf8_is_refused() -> None:
    (line,) = refused(["explain", str(SCRAPES), "--snapshot", "-"], stdin=b"\xfe\xff{}")
    assert "-: not UTF-8 text: byte 0xfe at offset 0" in line


def test_an_option_value_that_is_not_utf8_is_refused_by_name(good: Path) -> None:
    # The OS hands undecodable argv bytes over as lone surrogates; they used to fail the output encoder.
    (line,) = refused(["render", "--namespace", "a\udcff", str(good)])
    assert line.startswith("error: --namespace: not UTF-8 text")
    (line,) = refused(["render", "--tls-mount-dir", "\udcff", str(good)])
    assert line.startswith("error: --tls-mount-dir: not UTF-8 text")


# -- nesting -------------------------------------------------------------------------------------------------

DEEP = {
    "flow sequences": "[" * 5000 + "]" * 5000,
    "flow sequences under libyaml's own limit": "[" * 150 + "]" * 150,
    "block mappings": "".join(" " * i + f"k{i}:\n" for i in range(150)) + " " * 150 + "v\n",
    "an alias inside itself": "a: &x [*x]\n",
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("shape", list(DEEP))
def test_deeply_nested_yaml_is_refused_where_it_is_read(
    command: str, shape: str, tmp_path: Path, good: Path
) -> None:
    bad = tmp_path / "deep.yaml"
    bad.write_text(DEEP[shape])
    (line,) = refused(_commands(bad, good)[command])
    assert line.startswith(f"error: {bad}:")
    assert "nested deeper than 100 levels" in line or "exceeded maximum nesting depth" in line


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    text = "[" * manifests.MAX_DEPTH + "]" * manifests.MAX_DEPTH
    (doc,) = manifests.parse_documents("x", text)
    for _ in range(manifests.MAX_DEPTH - 1):
        (doc,) = doc
    assert doc == []


def test_an_alias_bomb_stays_cheap() -> None:
    # Nine references per level, six levels: 9**6 paths through 7 nodes. gopkg.in/yaml.v2 (kubectl, the API
    # server, vmagent) refuses it as "excessive aliasing", and so does the reader, after a bounded walk.
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 7)]
    with pytest.raises(VMScrapeError, match="excessive aliasing"):
        manifests.parse_documents("bomb", "\n".join(lines) + "\n")
    # Four levels (9**3 paths, under yaml.v2's limit; it refuses five) are read.
    (doc,) = manifests.parse_documents("bomb", "\n".join(lines[:4]) + "\n")
    assert doc["a3"][0][0][0] == ["x"]


def test_the_pure_python_parser_is_bounded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml, PyYAML's own composer recurses per level: it is stopped at the same depth."""
    monkeypatch.delattr(yaml, "CSafeLoader")
    pure = importlib.reload(manifests)
    try:
        assert pure._Loader.__mro__[1] is yaml.SafeLoader
        for text in (DEEP["flow sequences"], DEEP["block mappings"], DEEP["an alias inside itself"]):
            with pytest.raises(VMScrapeError) as caught:
                pure.parse_documents("deep.yaml", text)
            assert "nested deeper than 100 levels" in str(caught.value)
        assert pure.parse_documents("ok", "a: [b, {c: d}]") == [{"a": ["b", {"c": "d"}]}]
    finally:
        monkeypatch.undo()
        importlib.reload(manifests)


def test_a_deeply_nested_json_snapshot_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "snapshot.json"
    bad.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    (line,) = refused(["explain", str(SCRAPES), "--snapshot", str(bad)])
    assert line.startswith(f"error: {bad}: nested too deep to read")


# -- plain objects of the wrong shape ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "kind: Secret\nmetadata: {name: creds, namespace: apps}\ndata: 5\n",
            "x.yaml#0 Secret apps/creds: data: must be a mapping",
        ),
        (
            "kind: Secret\nmetadata: {name: creds, namespace: apps}\ndata: {user: null}\n",
            "x.yaml#0 Secret apps/creds: data.user: must not be null",
        ),
        (
            "kind: Secret\nmetadata: {name: creds, namespace: apps}\ndata: {user: 12}\n",
            "x.yaml#0 Secret apps/creds: data.user: must be a string",
        ),
        (
            "kind: Secret\nmetadata: {name: creds, namespace: apps}\nstringData: [a]\n",
            "x.yaml#0 Secret apps/creds: stringData: must be a mapping",
        ),
        ("kind: ConfigMap\nmetadata: [a, b]\n", "x.yaml#0 ConfigMap ?: metadata: must be a mapping"),
        (
            "kind: Deployment\nmetadata: {name: web, namespace: {a: 1}}\n",
            "x.yaml#0 Deployment web: metadata.namespace: must be a string",
        ),
        (
            "kind: Namespace\nmetadata: {name: apps, labels: {team: [a]}}\n",
            "x.yaml#0 Namespace apps: metadata.labels.team: must be a string",
        ),
        (
            "kind: Namespace\nmetadata: {name: apps, labels: {1: a}}\n",
            "x.yaml#0 Namespace apps: metadata.labels: keys must be strings, not 1",
        ),
    ],
)
def test_a_plain_object_of_the_wrong_shape_names_the_field(
    document: str, expected: str, tmp_path: Path, good: Path
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(document)
    for command in ("render", "validate", "diff NEW", "explain MANIFESTS"):
        (line,) = refused(_commands(path, good)[command])
        assert line == f"error: {tmp_path}/{expected}"


def test_a_secret_value_of_the_wrong_type_is_never_shown(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("kind: Secret\nmetadata: {name: creds}\ndata: {password: 123456789}\n")
    (line,) = refused(["validate", str(path)])
    assert "123456789" not in line
    assert line.endswith("data.password: must be a string")


def test_null_metadata_and_data_read_as_absent(tmp_path: Path) -> None:
    # Kubernetes reads a null field as an absent one; these used to fail with AttributeError.
    path = tmp_path / "x.yaml"
    path.write_text(
        SCRAPE + "---\nkind: Secret\nmetadata: null\ndata: null\n---\nkind: ConfigMap\nmetadata:\n"
    )
    code, out, err = run(["validate", str(path)])
    assert (code, errors(err)) == (0, [])


# -- snapshots -----------------------------------------------------------------------------------------------

#: (kind, path to a field explain reads, a value of the wrong type, the message).
SNAPSHOT_FIELDS: list[tuple[str, str, Any, str]] = [
    ("Endpoints", "subsets", 3, "must be a list"),
    ("Endpoints", "subsets[0]", "a", "must be a mapping"),
    ("Endpoints", "subsets[0].addresses", {"ip": "1.2.3.4"}, "must be a list"),
    ("Endpoints", "subsets[0].addresses[0].ip", 1234, "must be a string"),
    ("Endpoints", "subsets[0].addresses[0].targetRef", "pod", "must be a mapping"),
    ("Endpoints", "subsets[0].ports[0].port", "8080", "must be an integer"),
    ("Endpoints", "subsets[0].ports[0].port", True, "must be an integer"),
    ("Endpoints", "subsets[0].ports[0].name", None, None),  # null: absent, accepted
    ("Endpoints", "metadata.labels", ["a"], "must be a mapping"),
    ("Endpoints", "metadata.name", {"a": 1}, "must be a string"),
    ("Service", "spec", [], "must be a mapping"),
    ("Service", "spec.ports", 80, "must be a list"),
    ("Service", "spec.ports[0].port", 1.5, "must be an integer"),
    ("Service", "spec.clusterIP", ["a"], "must be a string"),
    ("Service", "metadata.annotations", "a=b", "must be a mapping"),
    ("Pod", "spec.containers", {"name": "x"}, "must be a list"),
    ("Pod", "spec.containers[0].ports[0].containerPort", "http", "must be an integer"),
    ("Pod", "status.podIP", 10, "must be a string"),
    ("Pod", "status.conditions", "Ready", "must be a list"),
    ("Pod", "metadata.ownerReferences[0].controller", "yes", "must be true or false"),
    ("EndpointSlice", "endpoints", {"addresses": ["1.2.3.4"]}, "must be a list"),
    ("EndpointSlice", "endpoints[0].addresses[0]", 10, "must be a string"),
    ("EndpointSlice", "endpoints[0].conditions", True, "must be a mapping"),
    ("EndpointSlice", "endpoints[0].conditions.ready", "true", "must be true or false"),
    ("EndpointSlice", "endpoints[0].targetRef.name", ["a"], "must be a string"),
    ("EndpointSlice", "endpoints[0].topology", "zone-a", "must be a mapping"),
    ("EndpointSlice", "ports[0].port", "8080", "must be an integer"),
    ("EndpointSlice", "addressType", 4, "must be a string"),
    ("Pod", "spec.initContainers", "sidecar", "must be a list"),
    ("Pod", "status.containerStatuses", {"name": "app"}, "must be a list"),
    ("Namespace", "metadata.labels.team", 7, "must be a string"),
    ("Namespace", "metadata.namespace", {"a": 1}, "must be a string"),
]


def _set(obj: Any, path: str, value: Any) -> None:
    parts = [int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")]
    for part in parts[:-1]:
        obj = obj[part]
    obj[parts[-1]] = value


def _first(items: list[dict[str, Any]], kind: str, path: str) -> dict[str, Any]:
    """The first object of ``kind`` in which every step of ``path`` but the last exists."""
    for item in items:
        if item["kind"] != kind:
            continue
        try:
            _set(json.loads(json.dumps(item)), path, None)
        except (KeyError, IndexError, TypeError):
            continue
        return item
    raise AssertionError(f"no {kind} with {path} in the fixture")


@pytest.mark.parametrize(("kind", "path", "value", "message"), SNAPSHOT_FIELDS)
@pytest.mark.parametrize("form", ["yaml", "json"])
def test_explain_names_the_object_and_field_of_a_malformed_snapshot(
    kind: str, path: str, value: Any, message: str | None, form: str, tmp_path: Path
) -> None:
    snapshot = yaml.safe_load(SNAPSHOT.read_text())
    index = snapshot["items"].index(_first(snapshot["items"], kind, path))
    obj = snapshot["items"][index]
    _set(obj, path, value)
    bad = tmp_path / f"snapshot.{form}"
    bad.write_text(json.dumps(snapshot) if form == "json" else yaml.safe_dump(snapshot))
    argv = ["explain", str(SCRAPES), "--snapshot", str(bad), "-o", "json"]
    if message is None:
        code, out, err = run(argv)
        assert code == 0, err
        return
    meta = obj["metadata"]
    name = meta["name"] if isinstance(meta.get("name"), str) else "?"
    ns = f"{meta['namespace']}/" if isinstance(meta.get("namespace"), str) else ""
    (line,) = refused(argv)
    assert line.startswith(f"error: {bad}#0.items[{index}] {kind} {ns}{name}: {path}: {message}")
    # The same with the diff's target simulation, which reads the same snapshot.
    assert refused(["diff", str(SCRAPES), str(SCRAPES), "--snapshot", str(bad)]) == [line]


def test_explain_names_a_node_of_the_wrong_shape(tmp_path: Path) -> None:
    """Nodes are read for attach_metadata.node (the sidecars fixture's scrape asks for it)."""
    snapshot = yaml.safe_load((SNAPSHOTS / "sidecars.yaml").read_text())
    index, node = next((i, o) for i, o in enumerate(snapshot["items"]) if o["kind"] == "Node")
    node["metadata"]["labels"] = ["zone-a"]
    bad = tmp_path / "snapshot.yaml"
    bad.write_text(yaml.safe_dump(snapshot))
    (line,) = refused(["explain", str(SNAPSHOTS / "scrapes" / "sidecars.yaml"), "--snapshot", str(bad)])
    name = node["metadata"]["name"]
    assert line == f"error: {bad}#0.items[{index}] Node {name}: metadata.labels: must be a mapping"


def test_a_snapshot_item_that_is_null_is_skipped_but_a_null_address_is_refused(tmp_path: Path) -> None:
    snapshot = yaml.safe_load(SNAPSHOT.read_text())
    snapshot["items"].append(None)
    endpoints = _first(snapshot["items"], "Endpoints", "subsets[0].addresses[0]")
    endpoints["subsets"][0]["addresses"].append(None)
    bad = tmp_path / "snapshot.yaml"
    bad.write_text(yaml.safe_dump(snapshot))
    (line,) = refused(["explain", str(SCRAPES), "--snapshot", str(bad)])
    assert line.endswith("must not be null")
    assert ": subsets[0].addresses[" in line


# -- rendered configs given to diff --------------------------------------------------------------------------


def _rendered(tmp_path: Path) -> dict[str, Any]:
    code, out, err = run(["render", str(SCRAPES)])
    assert code == 0, err
    return yaml.safe_load(out)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("scrape_configs", {"job_name": "x"}, "must be a list"),
        ("scrape_configs[0]", None, "must not be null"),
        ("scrape_configs[0].kubernetes_sd_configs[0]", None, "must not be null"),
        ("scrape_configs[0].kubernetes_sd_configs[0].namespaces", "all", "must be a mapping"),
        ("scrape_configs[0].relabel_configs[0].source_labels", 5, "must be a list"),
        ("scrape_configs[0].relabel_configs[0].modulus", "abc", "must be an integer"),
        ("scrape_configs[0].relabel_configs[0].if", 5, "must be a string or a list of strings"),
        ("scrape_configs[0].params", ["a"], "must be a mapping"),
        ("scrape_configs[0].scrape_interval", "2001-12-14", None),  # a string: parsed later
        ("global", "x", "must be a mapping"),
    ],
)
def test_diff_names_the_field_of_a_malformed_rendered_config(
    path: str, value: Any, message: str | None, tmp_path: Path
) -> None:
    config = _rendered(tmp_path)
    _set(config, path, value)
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(_rendered(tmp_path)))
    new.write_text(yaml.safe_dump(config))
    argv = ["diff", str(old), str(new), "--snapshot", str(SNAPSHOT)]
    if message is None:
        code, out, err = run(argv)
        assert code == 2 and "Traceback" not in err  # refused by the duration parser, by name
        assert errors(err) and "scrape_interval" in err
        return
    (line,) = refused(argv)
    assert line.startswith(f"error: {new}: {path}: {message}")


def test_diff_refuses_yaml_types_json_has_not(tmp_path: Path) -> None:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(yaml.safe_dump(_rendered(tmp_path)))
    # A plain 2001-12-14 is the string yaml.v2 (the API server's and vmagent's reader) reads; an explicit
    # tag makes it a date.
    new.write_text("global: {scrape_interval: 30s, at: !!timestamp 2001-12-14}\nscrape_configs: []\n")
    (line,) = refused(["diff", str(old), str(new)])
    assert line == f"error: {new}: global.at: must be a string, number, boolean, list or mapping, not date"


# -- secrets -------------------------------------------------------------------------------------------------


def _secret(data: dict[str, str]) -> str:
    return yaml.safe_dump(
        {"kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"}, "data": data}
    )


def test_a_secret_value_that_is_not_base64_is_refused_naming_secret_and_key(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(SCRAPE + "---\n" + _secret({"user": "metrics", "password": "aHVudGVyMg=="}))
    for argv in (["render", "--reveal-secrets", str(path)], ["render", str(path)], ["validate", str(path)]):
        code, out, err = run(argv)
        assert (code, out) == (2, ""), err
        assert errors(err) == [
            "error: Secret apps/creds: data.user: is not base64; put plain text under stringData instead"
        ]
        assert "metrics" not in err


def test_a_secret_value_that_is_binary_is_not_inlined(tmp_path: Path) -> None:
    binary = base64.b64encode(b"\xff\xfe keystore").decode()
    path = tmp_path / "x.yaml"
    path.write_text(SCRAPE + "---\n" + _secret({"user": binary, "password": "aHVudGVyMg=="}))
    (line,) = refused(["render", "--reveal-secrets", str(path)])
    assert line == (
        "error: Secret apps/creds: data.user: is not UTF-8 text once decoded, so it cannot be inlined "
        "into the config"
    )
    code, out, err = run(["render", str(path)])  # placeholders: the value is never needed
    assert code == 0, err
    assert "<secret apps/creds user>" in out


def test_revealed_secrets_are_decoded(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(SCRAPE + "---\n" + _secret({"user": "bWV0cmljcw==", "password": "aHVudGVyMgo="}))
    code, out, err = run(["render", "--reveal-secrets", str(path)])
    assert code == 0, err
    auth = yaml.safe_load(out)["scrape_configs"][0]["basic_auth"]
    assert auth == {"username": "metrics", "password": "hunter2"}


# -- one problem, one line -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["web\nerror: forged", "web\r\nerror: forged", "\x1b[2K\x1b[1Gerror: forged", "web\u2028error: forged"],
)
def test_a_name_with_control_characters_cannot_forge_error_lines(name: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump({"kind": "Secret", "metadata": {"name": name}, "data": 5}))
    code, out, err = run(["validate", str(path)])
    assert code == 2
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.isprintable() or err[:-1].isprintable()
    assert "data: must be a mapping" in err


def test_notes_cannot_forge_error_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        SCRAPE + "---\n" + yaml.safe_dump({"kind": "Job\nerror: forged", "metadata": {"name": "a"}})
    )
    code, out, err = run(["render", str(path)])
    assert code == 0
    assert errors(err) == []
    assert err.count("\n") == 1


def test_one_line_escapes_what_could_start_a_line_or_drive_a_terminal() -> None:
    assert one_line("a\nb\r\x1b[31m\x00\x7f\x85\u2028\u2029\udcff\té ok") == (
        "a\\nb\\r\\x1b[31m\\x00\\x7f\\x85\\u2028\\u2029\\udcff\\té ok"
    )
    problem = Problem("Secret a\nb", "metadata.name", "bad\nvalue", "x\ny")
    assert VMScrapeError.format_problem(problem) == "Secret a\\nb: metadata.name: bad\\nvalue (got 'x\\ny')"
    assert str(VMScrapeError([problem, problem])).count("\n") == 1


def test_the_agent_set_renders(tmp_path: Path) -> None:
    """The inputs above are refused for what they are, not because the base itself was wrong."""
    path = tmp_path / "x.yaml"
    secret = _secret({"user": "bWV0cmljcw==", "password": "aHVudGVyMg=="})
    path.write_text(AGENT + "---\n" + SCRAPE + "---\n" + secret)
    for argv in (["render", str(path)], ["validate", str(path)], ["select", str(path)]):
        code, out, err = run(argv)
        assert code == 0, err


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (b"name: caf\xe9\nruntime: python\n", "not UTF-8 text: byte 0xe9 at offset 9 (line 1)"),
        (b"name: [a\n", "not valid YAML"),
        (b"runtime: python\n", "name: a Pulumi project needs a name (a string)"),
        (b"- a\n", "name: a Pulumi project needs a name (a string)"),
        (b"[" * 200 + b"]" * 200, "nested deeper than 100 levels"),
    ],
)
@pytest.mark.parametrize("action", ["up", "preview", "destroy"])
def test_a_broken_pulumi_yaml_is_refused_before_the_engine_starts(
    action: str, settings: bytes, expected: str, tmp_path: Path
) -> None:
    (tmp_path / "Pulumi.yaml").write_bytes(settings)
    (tmp_path / "__main__.py").write_text("")
    (line,) = refused([action, "--program", str(tmp_path), "--state-dir", str(tmp_path / "state")])
    assert line.startswith(f"error: {tmp_path / 'Pulumi.yaml'}")
    assert expected in line
    assert not (tmp_path / "state").exists()
