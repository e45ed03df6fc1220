"""Hostile input, second round (issue 24): the API server's verdicts, kept as data, and ``validate``'s.

Manifests are sent as the YAML text a user writes (``application/apply-patch+yaml``, server-side dry-run),
so the API server's own YAML reading (sigs.k8s.io/yaml on yaml.v2) decides what ``2024-01-01`` or
``1:30`` are; vmscrape reads the same text with its loader.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cluster import ApiRefused, apply, delete_namespace_and_wait, fresh_namespace, object_path

pytestmark = pytest.mark.kube

SCRAPE = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata:
  name: hostile
  namespace: {namespace}
{metadata}spec:
  selector: {{matchLabels: {{app: {label_value}}}}}
  endpoints:
  - port: web
{endpoint}"""

#: (what, metadata lines, label value, endpoint lines) -> does the API server store it?
CASES: dict[str, tuple[str, str, str, bool]] = {
    "a plain label value": ("", "web", "", True),
    "a date as label value (yaml.v2 keeps its text)": ("", "2024-01-01", "", True),
    "a date as metadata label value": ("  labels: {released: 2024-01-01}\n", "web", "", True),
    "a YAML 1.1 base-60 sampleLimit (a string to yaml.v2)": ("", "web", "    sampleLimit: 1:30\n", False),
    "sampleLimit 90": ("", "web", "    sampleLimit: 90\n", True),
    "a negative sampleLimit": ("", "web", "    sampleLimit: -1\n", True),
    "annotations of exactly 256 KiB": (f"  annotations: {{a: {'x' * (256 * 1024 - 1)}}}\n", "web", "", True),
    "annotations over 256 KiB": (f"  annotations: {{a: {'x' * (256 * 1024)}}}\n", "web", "", False),
    "annotations over 256 KiB in all": (
        "  annotations: {" + ", ".join(f"k{i}: {'x' * 1000}" for i in range(270)) + "}\n",
        "web",
        "",
        False,
    ),
}


def _raw_dry_run(api: Any, text: str, obj: dict[str, Any]) -> tuple[bool, str]:
    """Server-side apply of the YAML ``text`` as it is (dry-run)."""
    query = [("fieldManager", "vmscrape-tests"), ("force", "true"), ("dryRun", "All")]
    request = api.param_serialize(
        "PATCH",
        object_path(obj),
        query_params=query,
        header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
        body=text.encode(),
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*request)
    data = response.read()
    if 200 <= response.status < 300:
        return True, ""
    return False, str(json.loads(data).get("message", data))


def _validate(text: str, tmp: Path) -> bool:
    from vmscrape_component.cli.__main__ import main

    path = tmp / "manifest.yaml"
    path.write_text(text)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", str(path)])
    assert code in (0, 2)
    return code == 0


@pytest.fixture(scope="module")
def namespace(local_cluster: Any) -> Iterator[str]:
    api = local_cluster.api_client()
    ns = fresh_namespace("hostile")
    apply(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    yield ns
    # The scrapes made here are invalid on purpose; later tests predict from every object of the cluster.
    delete_namespace_and_wait(api, ns)


def test_verdicts_are_the_api_servers_and_validates(
    local_cluster: Any, namespace: str, tmp_path: Path
) -> None:
    api = local_cluster.api_client()
    obj = {"kind": "VMServiceScrape", "metadata": {"name": "hostile", "namespace": namespace}}
    theirs, ours = {}, {}
    for what, (metadata, label_value, endpoint, _) in CASES.items():
        text = SCRAPE.format(
            namespace=namespace, metadata=metadata, label_value=label_value, endpoint=endpoint
        )
        theirs[what] = _raw_dry_run(api, text, obj)[0]
        ours[what] = _validate(text, tmp_path)
    expected = {what: case[3] for what, case in CASES.items()}
    assert theirs == expected, "the API server's verdicts changed"
    assert ours == expected


#: Secret keys -> can a Secret hold them? A key no Secret can hold is refused in a key reference too
#: (the operator would also write it into a file path under the TLS mount).
SECRET_KEYS = {"ca.crt": True, "tls_key-1": True, "..": False, "../ca": False, "a/b": False, "..ca": False}


def test_secret_key_verdicts(local_cluster: Any, namespace: str, tmp_path: Path) -> None:
    api = local_cluster.api_client()
    theirs, ours = {}, {}
    for key, _ in SECRET_KEYS.items():
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "tls", "namespace": namespace},
            "stringData": {key: "x"},
        }
        try:
            apply(api, secret, dry_run=True)
            theirs[key] = True
        except ApiRefused:
            theirs[key] = False
        text = SCRAPE.format(namespace=namespace, metadata="", label_value="web", endpoint="") + (
            f"    tlsConfig: {{ca: {{secret: {{name: tls, key: {json.dumps(key)}}}}}}}\n"
        )
        ours[key] = _validate(text, tmp_path)
    assert theirs == SECRET_KEYS
    assert ours == SECRET_KEYS


#: Port names and selector values -> what the real operator's config does in vmagent: "ok" (loaded with
#: the job), "skipped" (vmagent loads the config but skips the job), "refused" (the whole config).
OPERATOR_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
    "metacharacter port": ({"port": "web.metrics"}, {}, "ok"),
    "null port": ({"port": "null"}, {}, "refused"),
    "port that is no regex": ({"port": "we(b"}, {}, "skipped"),
    "null targetPort": ({"targetPort": "~"}, {}, "refused"),
    "null matchLabels value": ({"port": "web"}, {"matchLabels": {"app": "null"}}, "refused"),
}


def test_the_operator_writes_these_into_regexes_vmagent_cannot_use(
    local_cluster: Any, namespace: str, vmagent: str, tmp_path: Path
) -> None:
    from tests.support.cluster import operator_config
    from tests.support.vmagent import dry_run

    api = local_cluster.api_client()
    outcomes, ours = {}, {}
    for i, (what, (endpoint, selector, _)) in enumerate(OPERATOR_CASES.items()):
        scrape = {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMServiceScrape",
            "metadata": {"name": f"case{i}", "namespace": namespace, "labels": {"case": str(i)}},
            "spec": {"selector": selector, "endpoints": [endpoint]},
        }
        agent = {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMAgent",
            "metadata": {"name": f"case{i}", "namespace": namespace},
            "spec": {
                "remoteWrite": [{"url": "http://127.0.0.1:8428/api/v1/write"}],
                "serviceScrapeSelector": {"matchLabels": {"case": str(i)}},
            },
        }
        apply(api, scrape)
        apply(api, agent)
        config = operator_config(api, namespace, f"case{i}")
        assert f"serviceScrape/{namespace}/case{i}/0" in config, config
        result = dry_run(config, binary=vmagent)
        skipped = any("skipping" in e for e in result.errors)
        outcomes[what] = "ok" if result.ok else "skipped" if skipped and result.returncode == 0 else "refused"
        ours[what] = _validate(json.dumps(scrape), tmp_path)
    assert outcomes == {what: case[2] for what, case in OPERATOR_CASES.items()}
    assert ours == {what: case[2] == "ok" for what, case in OPERATOR_CASES.items()}
