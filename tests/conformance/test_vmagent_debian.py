"""Debian's vmagent 1.79.5 still reads what we render, except the fields that came after it.

Many clusters run older vmagents. This runs the same inputs as ``test_vmagent_accepts.py`` through
Debian's ``victoria-metrics`` 1.79.5 (``scripts/install-vmagent --version debian``): a config must be
accepted unless it uses a field 1.79.5 does not know (``NEWER``), and then it must be refused *for that
field* — so the README's list of fields that need a newer vmagent stays true.

1.79.5 reads TLS files while parsing, so they are real PEM (a throwaway self-signed pair from openssl).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.support.pulumi_programs import run_program, scrape_manifests
from tests.support.reference import (
    REAL_SCRAPES,
    REJECTED_REAL_SCRAPES,
    ROOT,
    SERVICE_CASES,
    VMAGENT_REJECTS_CASE,
    case_models,
)
from tests.support.vmagent import cache_dir, dry_run
from vmscrape_component.manifests import load_manifests
from vmscrape_component.render import Assets, render_config
from vmscrape_component.render.standalone import render_standalone
from vmscrape_component.render.yaml import dump

pytestmark = pytest.mark.vmagent

#: Keys (anywhere in a job) and relabel actions 1.79.5 does not know, each with the text it refuses with.
NEWER_KEYS = ("max_scrape_size", "no_stale_markers", "username_file")
NEWER_ACTIONS = ("keepequal", "dropequal")

EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "__main__.py").exists())


@pytest.fixture(scope="module")
def old_vmagent() -> str:
    path = os.environ.get("VMAGENT_DEBIAN") or str(cache_dir() / "vmagent-1.79.5" / "usr" / "bin" / "vmagent")
    if not os.access(path, os.X_OK):
        if os.environ.get("VMSCRAPE_REQUIRE_VMAGENT"):
            pytest.fail("Debian's vmagent 1.79.5 not found: scripts/install-vmagent --version both")
        pytest.skip("Debian's vmagent 1.79.5 not installed (scripts/install-vmagent --version debian)")
    return path


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the PEM files 1.79.5 reads")
    d = tmp_path_factory.mktemp("pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(d / "key.pem"),
            "-out",
            str(d / "cert.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=vmscrape-test",
        ],
        check=True,
        capture_output=True,
    )
    (d / "secret").write_text("s3cr3t\n")
    return {"cert": str(d / "cert.pem"), "key": str(d / "key.pem"), "secret": str(d / "secret")}


def _localise(node: Any, pem: dict[str, str]) -> Any:
    """Point every file a job reads at a real local file of the right kind."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("ca_file", "cert_file"):
                out[key] = pem["cert"]
            elif key == "key_file":
                out[key] = pem["key"]
            elif key.endswith("_file") and isinstance(value, str) and key != "bearer_token_file":
                out[key] = pem["secret"]
            else:
                out[key] = _localise(value, pem)
        return out
    if isinstance(node, list):
        return [_localise(v, pem) for v in node]
    return node


def _newer_fields(config: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in NEWER_KEYS:
                    found.add(key)
                if key == "action" and isinstance(value, str) and value.lower() in NEWER_ACTIONS:
                    found.add(value.lower())
                if key == "attach_metadata" and isinstance(value, dict) and "namespace" in value:
                    found.add("attach_metadata.namespace")
                if isinstance(value, dict) and bool(value.get("cert_file")) != bool(value.get("key_file")):
                    # Not a newer field: 1.79.5 loads the client pair while parsing (v1.150.0 only when
                    # it scrapes), so half a pair -- as in operator case 13 -- is refused up front.
                    found.add("cert_file")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(config.get("scrape_configs"))
    return found


#: One endpoint per field the README says needs a newer vmagent (each must be refused by 1.79.5).
NEWER_ENDPOINTS = {
    "max_scrape_size": {"port": "http", "max_scrape_size": "16MiB"},
    "no_stale_markers": {"port": "http", "vm_scrape_params": {"no_stale_markers": True}},
    "keepequal": {
        "port": "http",
        "relabelConfigs": [
            {"action": "keepequal", "sourceLabels": ["__meta_kubernetes_pod_name"], "targetLabel": "pod"}
        ],
    },
    "attach_metadata.namespace": {"port": "http", "attach_metadata": {"namespace": True}},
}


def _inputs() -> list[Any]:
    params = [pytest.param("newer", name, id=f"newer-{name}") for name in NEWER_ENDPOINTS]
    params.append(pytest.param("standalone", "username_file", id="newer-username_file"))
    for example in EXAMPLES:
        params.append(pytest.param("example", example, id=f"example-{example.name}"))
    for path in REAL_SCRAPES:
        if path.stem not in REJECTED_REAL_SCRAPES:
            params.append(pytest.param("manifest", path, id=path.stem))
    for path in SERVICE_CASES:
        if path.stem not in VMAGENT_REJECTS_CASE:
            params.append(pytest.param("case", path, id=f"case-{path.stem}"))
    return params


def _config(kind: str, path: Any) -> dict[str, Any]:
    if kind == "newer":
        scrape = {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMServiceScrape",
            "metadata": {"name": "n", "namespace": "apps"},
            "spec": {"endpoints": [NEWER_ENDPOINTS[path]]},
        }
        return render_config([scrape]).as_dict()
    if kind == "standalone":  # a Secret-held username becomes username_file without the operator
        basic = {"username": {"name": "c", "key": "u"}, "password": {"name": "c", "key": "p"}}
        scrape = {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMServiceScrape",
            "metadata": {"name": "n", "namespace": "apps"},
            "spec": {"endpoints": [{"port": "http", "basicAuth": basic}]},
        }
        agent = {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMAgent",
            "metadata": {"name": "a", "namespace": "apps"},
            "spec": {"selectAllByDefault": True},
        }
        return yaml.safe_load(render_standalone(agent, [scrape]).text)
    if kind == "example":
        return render_config(scrape_manifests(run_program(path))).as_dict()
    if kind == "manifest":
        found = load_manifests([path])
        return render_config(found.scrapes, assets=Assets(found.assets)).as_dict()
    case = yaml.safe_load(path.read_text())
    assets = Assets(case.get("objects") or [], reveal=True)
    agent, scrape = case_models(case)
    return render_config([scrape], agent, assets=assets, preselected=True).as_dict()


@pytest.mark.parametrize(("kind", "path"), _inputs())
def test_debian_vmagent_reads_it_unless_it_uses_newer_fields(
    kind: str, path: Any, old_vmagent: str, pem: dict[str, str]
) -> None:
    config = _localise(_config(kind, path), pem)
    newer = _newer_fields(config)
    if kind in ("newer", "standalone"):
        assert newer == {path}
    result = dry_run(dump(config), binary=old_vmagent)
    if not newer:
        assert result.ok, f"1.79.5 refused a config with no newer fields:\n{result.output}"
    else:
        assert not result.ok, f"1.79.5 accepted {sorted(newer)}: the README's list is wrong"
        named = {f.split(".")[-1] for f in newer} | newer
        assert any(f in result.output for f in named), result.output
