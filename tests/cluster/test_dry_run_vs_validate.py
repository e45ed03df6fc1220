"""``vmscrape validate`` and the real API server (server-side dry-run, ``dryRun=All``) give one verdict.

Valid manifests (fuzzed batches) must be accepted by both; every mutation of ``strategies.MUTATIONS``
must be refused by both. Where the verdicts differ by design the case is listed below with its reason
(vmscrape also refuses what the CRD lets through but the operator or vmagent would refuse later);
any other difference fails, and a listed case that no longer differs fails too (the list stays true).
"""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import Phase, given, settings

from tests.cluster.prediction import TALLY
from tests.fuzz.session import fuzz_settings
from tests.fuzz.strategies import MUTATIONS, Batch, batches
from tests.support.cluster import ApiRefused, apply, fresh_namespace

pytestmark = pytest.mark.kube

#: A valid manifest the mutations break (the one tests/fuzz/test_fuzz_invalid.py uses, in its own namespace).
BASE: dict[str, Any] = {
    "apiVersion": "operator.victoriametrics.com/v1beta1",
    "kind": "VMServiceScrape",
    "metadata": {"name": "web", "namespace": "NAMESPACE", "labels": {"team": "a"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "namespaceSelector": {"matchNames": ["apps"]},
        "endpoints": [
            {
                "port": "http",
                "interval": "30s",
                "bearerTokenSecret": {"name": "creds", "key": "token"},
                "tlsConfig": {"insecureSkipVerify": True},
            }
        ],
    },
}

#: Mutations ``vmscrape validate`` refuses although the API server stores them, and why that is right:
#: the CRD types these fields as plain strings/integers without patterns or ranges, and the operator or
#: vmagent refuses (or silently mis-renders) the object later, after rollout.
_VMAGENT = "vmagent refuses the job (the CRD types the field as a plain string)"
_RELABEL = "vmagent refuses the relabel rule (the CRD checks no relabel semantics)"
_SELECTOR = (
    "the operator's label-selector conversion refuses it at reconcile time (the CRD has no label syntax)"
)
_OPERATOR = "the operator refuses the endpoint when it builds the job (the CRD allows both fields)"
_NULL = "the operator writes it as a whole `regex`; vmagent reads `null`/`~` as YAML null, refuses the config"
_PORT_REGEX = "the operator writes the port name into an anchored regex; vmagent skips the job"
VALIDATE_ONLY: dict[str, str] = {
    "endpoint targetPort: targetPort out of range": "no range on int-or-string: no port can match",
    "endpoint targetPort: empty targetPort": "the operator renders a port filter that matches nothing",
    "endpoint interval: bad duration": _VMAGENT,
    "endpoint scrape_interval: bad duration unit": _VMAGENT,
    "endpoint scrapeTimeout: negative duration": _VMAGENT,
    "endpoint max_scrape_size: bad size": _VMAGENT,
    "endpoint relabelConfigs: unknown action": _RELABEL,
    "endpoint relabelConfigs: bad regex": _RELABEL,
    "endpoint relabelConfigs: bad regex in list": _RELABEL,
    "endpoint relabelConfigs: bad if": _RELABEL,
    "endpoint relabelConfigs: empty if": _RELABEL,
    "endpoint relabelConfigs: keep without source": _RELABEL,
    "endpoint relabelConfigs: metric name set twice in if": _RELABEL,
    "endpoint relabelConfigs: line break inside an if string": _RELABEL,
    "endpoint relabelConfigs: surrogate escape in if": _RELABEL,
    "endpoint relabelConfigs: no modulus": _RELABEL,
    "endpoint relabelConfigs: one source": _RELABEL,
    "endpoint relabelConfigs: graphite without labels": _RELABEL,
    "endpoint relabelConfigs: source": _RELABEL,
    "endpoint relabelConfigs: negative modulus": _RELABEL,
    "endpoint metricRelabelConfigs: empty regex list": _RELABEL,
    "endpoint metricRelabelConfigs: number regex": _RELABEL,
    "endpoint proxyURL: proxy URL without scheme": _VMAGENT,
    "endpoint proxyURL: proxy URL with a scheme vmagent refuses": _VMAGENT,
    "endpoint oauth2: client_id from both": _OPERATOR,
    "endpoint tlsConfig: ca twice": _OPERATOR,
    "endpoint tlsConfig: key twice": _OPERATOR,
    "endpoint vm_scrape_params: header without name": _VMAGENT,
    "endpoint vm_scrape_params: bad duration": _VMAGENT,
    "spec jobLabel: bad label key": _SELECTOR,
    "spec targetLabels: bad label key": _SELECTOR,
    "spec podTargetLabels: bad label key": _SELECTOR,
    "spec selector: bad label value": _SELECTOR,
    "spec selector: bad label key": _SELECTOR,
    "spec selector: In without values": _SELECTOR,
    "spec selector: values": _SELECTOR,
    "spec selector: op": _SELECTOR,
    "spec namespaceSelector: any with matchNames": "the operator silently uses `any` and drops `matchNames`",
    "spec namespaceSelector: bad namespace": "no namespace has that name: matches nothing",
    "spec selector: null label value": _NULL,
    "spec selector: label value with a trailing newline": _SELECTOR,
    "spec selector: null value": _NULL,
    "endpoint port: null port name": _NULL,
    "endpoint targetPort: null targetPort name": _NULL,
    "endpoint port: port name that is no regex": _PORT_REGEX,
    "endpoint port: port name with nested repetition": _PORT_REGEX,
    "endpoint proxyURL: control character in proxy URL": _VMAGENT,
    "endpoint proxyURL: host %-escape in proxy URL": _VMAGENT,
    "endpoint proxyURL: unclosed IPv6 bracket in proxy URL": _VMAGENT,
    "endpoint proxyURL: non-numeric proxy port": _VMAGENT,
    "endpoint proxyURL: backslash in proxy host": _VMAGENT,
    "endpoint max_scrape_size: size with a trailing newline": _VMAGENT,
    "endpoint max_scrape_size: size with non-ASCII digits": _VMAGENT,
    "endpoint interval: zero interval": "vmagent silently uses its default interval for 0s",
    "endpoint scrapeTimeout: interval beyond vmagent's range": "vmagent's int64 nanoseconds wrap around",
    "endpoint relabelConfigs: script name Go lacks": _RELABEL,
    "endpoint relabelConfigs: non-ASCII group name": _RELABEL,
    "endpoint relabelConfigs: regex too deep": _RELABEL,
    "endpoint relabelConfigs: if regex too deep": _RELABEL,
    "endpoint tlsConfig: TLS key leaving the mount": "no Secret can hold this (the API server refuses it)",
}
#: Mutations the API server refuses although ``vmscrape validate`` accepts them: bugs to fix (the model
#: owner's), listed with what the API server says until they are.
API_ONLY: dict[str, str] = {}


def validate_verdict(manifest: dict[str, Any], tmp: Path) -> tuple[bool, str]:
    from vmscrape_component.cli.__main__ import main

    path = tmp / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    assert code in (0, 2), f"validate exited {code}:\n{err.getvalue()}"
    return code == 0, err.getvalue().strip()


def api_verdict(api: Any, manifest: dict[str, Any]) -> tuple[bool, str]:
    try:
        apply(api, manifest, dry_run=True)
    except ApiRefused as exc:
        # Server-side apply answers a value of the wrong type with a 500 ("failed to create typed patch
        # object"): the object is refused all the same.
        if exc.status >= 500 and "failed to create typed patch object" not in exc.message:
            raise
        return False, exc.message
    return True, ""


@pytest.fixture(scope="module")
def namespace(local_cluster: Any) -> str:
    ns = fresh_namespace("dry")
    apply(local_cluster.api_client(), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    return ns


def test_every_mutation_gets_the_same_verdict(local_cluster: Any, namespace: str, tmp_path: Path) -> None:
    api = local_cluster.api_client()
    unexpected, stale = [], []
    for name, mutate in MUTATIONS:
        base = copy.deepcopy(BASE)
        base["metadata"]["namespace"] = namespace
        manifest = mutate(base, 0).manifest
        ours, why_not = validate_verdict(manifest, tmp_path)
        theirs, refusal = api_verdict(api, manifest)
        TALLY["dry_run"] += 1
        known = VALIDATE_ONLY.get(name) if not ours and theirs else API_ONLY.get(name) if ours else None
        if ours != theirs:
            TALLY["dry_run_mismatch"] += 1
            if known:
                TALLY["dry_run_known"] += 1
                continue
            side = (
                "validate accepts, the API server refuses"
                if ours
                else "validate refuses, the API server accepts"
            )
            unexpected.append(f"{name}: {side}: {refusal or why_not}")
        elif name in VALIDATE_ONLY or name in API_ONLY:
            stale.append(name)
    assert not unexpected, f"{len(unexpected)} verdicts differ:\n" + "\n".join(unexpected)
    assert not stale, f"listed as differing but no longer do: {stale}"


@settings(fuzz_settings(scale=0.1), phases=[Phase.explicit, Phase.generate])
@given(batch=batches(min_size=10, max_size=30))
def test_valid_scrapes_are_accepted_by_the_api_server(
    local_cluster: Any, namespace: str, tmp_path_factory: Any, batch: Batch
) -> None:
    api = local_cluster.api_client()
    tmp = tmp_path_factory.mktemp("dry")
    refused = []
    for scrape in batch.scrapes:
        manifest = copy.deepcopy(scrape)
        manifest["metadata"]["namespace"] = namespace
        ours, why_not = validate_verdict(manifest, tmp)
        assert ours, f"validate refuses a manifest the strategy built as valid: {why_not}"
        theirs, refusal = api_verdict(api, manifest)
        TALLY["dry_run"] += 1
        if not theirs:
            TALLY["dry_run_mismatch"] += 1
            refused.append(f"{refusal}\n{yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)}")
    assert not refused, f"{len(refused)} valid manifests refused by the API server:\n" + "\n---\n".join(
        refused[:3]
    )


# The VMAgent CRD's own duration pattern [0-9]+(ms|s|m|h), searched anywhere in the value (found by the
# fuzz run on the cluster): `1h-5m` matches it, `1d` and `15` do not.
@pytest.mark.parametrize(
    ("value", "accepted"),
    [("80W", False), ("1d", False), ("1w", False), ("15", False), ("0.5", False)]
    + [("30s", True), ("1m30s", True), ("1h-5m", True)],
)
def test_vmagent_scrape_interval_verdicts_agree(
    local_cluster: Any, namespace: str, tmp_path: Path, value: str, accepted: bool
) -> None:
    agent = {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMAgent",
        "metadata": {"name": "durations", "namespace": namespace},
        "spec": {"remoteWrite": [{"url": "http://127.0.0.1:8428/api/v1/write"}], "scrapeInterval": value},
    }
    theirs, refusal = api_verdict(local_cluster.api_client(), agent)
    assert theirs == accepted, f"the API server's verdict on scrapeInterval {value!r} changed: {refusal}"
    ours, _ = validate_verdict(agent, tmp_path)
    assert ours == theirs, f"validate and the API server disagree on scrapeInterval {value!r}: {refusal}"
