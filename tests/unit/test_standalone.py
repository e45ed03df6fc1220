"""The pure side of standalone mode: credentials as files, least-privilege RBAC, size checks."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
import yaml

from tests.support.vmagent import dry_run
from vmscrape_component.render.standalone import (
    OBJECT_SIZE_LIMIT,
    SecretFile,
    discovery_rbac,
    render_standalone,
    size_warning,
)

AGENT = {
    "apiVersion": "operator.victoriametrics.com/v1beta1",
    "kind": "VMAgent",
    "metadata": {"name": "edge", "namespace": "monitoring"},
    "spec": {"selectAllByDefault": True},
}
READ = ["get", "list", "watch"]


def _scrape(name: str, namespace: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _job(role: str, names: list[str] | None = None, **attach: bool) -> dict[str, Any]:
    sd: dict[str, Any] = {"role": role}
    if names:
        sd["namespaces"] = {"names": names}
    if attach:
        sd["attach_metadata"] = attach
    return {"job_name": "j", "kubernetes_sd_configs": [sd]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # vmagent's endpoints/endpointslice watchers also watch pods and services (api_watcher.go).
        ("endpoints", [("", ["endpoints", "pods", "services"])]),
        ("endpointslice", [("", ["pods", "services"]), ("discovery.k8s.io", ["endpointslices"])]),
        ("endpointslices", [("", ["pods", "services"]), ("discovery.k8s.io", ["endpointslices"])]),
        ("service", [("", ["services"])]),
    ],
)
def test_each_role_reads_exactly_what_vmagent_watches(
    role: str, expected: list[tuple[str, list[str]]]
) -> None:
    rbac = discovery_rbac([_job(role, ["apps"])])
    assert rbac.cluster_rules == []
    assert [r.manifest() for r in rbac.namespaced["apps"]] == [
        {"apiGroups": [group], "resources": resources, "verbs": READ} for group, resources in expected
    ]


def test_cluster_scoped_needs_go_to_a_cluster_role_and_namespaced_ones_stay_in_roles() -> None:
    rbac = discovery_rbac([_job("endpoints", ["apps"], node=True, namespace=True), _job("service", ["db"])])
    assert [r.manifest() for r in rbac.cluster_rules] == [
        {"apiGroups": [""], "resources": ["namespaces", "nodes"], "verbs": READ}
    ]
    assert set(rbac.namespaced) == {"apps", "db"}


def test_node_metadata_is_not_asked_by_the_service_role() -> None:
    assert discovery_rbac([_job("service", ["db"], node=True)]).cluster_rules == []


def test_credentials_become_files_named_like_the_operator_names_them() -> None:
    scrape = _scrape(
        "api",
        "monitoring",
        {
            "endpoints": [
                {
                    "port": "http",
                    "basicAuth": {
                        "username": {"name": "c", "key": "user"},
                        "password": {"name": "c", "key": "pw"},
                    },
                    "authorization": {"credentials": {"name": "c", "key": "tok"}},
                    "tlsConfig": {"ca": {"secret": {"name": "tls", "key": "ca.crt"}}},
                }
            ]
        },
    )
    result = render_standalone(AGENT, [scrape])
    (job,) = yaml.safe_load(result.text)["scrape_configs"]
    assert job["basic_auth"] == {
        "username_file": "/etc/vmagent-tls/certs/monitoring_c_user",
        "password_file": "/etc/vmagent-tls/certs/monitoring_c_pw",
    }
    assert job["authorization"] == {
        "credentials_file": "/etc/vmagent-tls/certs/monitoring_c_tok",
        "type": "Bearer",
    }
    assert job["tls_config"] == {"ca_file": "/etc/vmagent-tls/certs/monitoring_tls_ca.crt"}
    assert result.files == sorted(
        [SecretFile("monitoring", "c", k) for k in ("user", "pw", "tok")]
        + [SecretFile("monitoring", "tls", "ca.crt")]
    )
    assert result.inline_secrets == []


def test_sizes_and_the_object_limit_warning() -> None:
    scrapes = [_scrape(f"s{i}", "apps", {"endpoints": [{"port": "http"}]}) for i in range(3)]
    result = render_standalone(AGENT, scrapes)
    assert result.size == len(result.text.encode())
    assert result.gzip_size == len(gzip.compress(result.text.encode(), mtime=0)) < result.size
    assert size_warning(result.size) is None
    warning = size_warning(OBJECT_SIZE_LIMIT + 1)
    assert warning is not None and "1024 KiB" in warning


# -- inline credentials at the names' length limits ------------------------------------------------------

#: A namespace (DNS-1123 label, 63), a Secret name (DNS-1123 subdomain, 253) and a Secret key (253, the
#: API server's limit for a data key) at their longest: the placeholder alone is ~590 characters, far past
#: the emitter's column 80, where it folds long scalars.
LONG_NS = "n" * 63
LONG_NAME = ".".join(["s" * 63] * 4)[:253]
LONG_KEY = "k" * 120 + "-._" + "v" * 130


@pytest.mark.vmagent
@pytest.mark.parametrize(
    "value",
    [
        "client-1",
        "an id with spaces: colons, 'quotes' and \"double quotes\" # and a hash " * 3,
        "x" * 300,
    ],
)
def test_an_inline_credential_with_the_longest_names_reaches_the_config_the_agent_reads(
    value: str, vmagent: str
) -> None:
    assert len(LONG_NAME) == 253 and len(LONG_KEY) == 253
    scrape = _scrape(
        "api",
        LONG_NS,
        {
            "selector": {"matchLabels": {"app": "api"}},
            "endpoints": [
                {
                    "port": "http",
                    "oauth2": {
                        "client_id": {"secret": {"name": LONG_NAME, "key": LONG_KEY}},
                        "client_secret": {"name": LONG_NAME, "key": "secret"},
                        "token_url": "https://idp.example/token",
                    },
                }
            ],
        },
    )
    standalone = render_standalone(AGENT, [scrape])
    (ref,) = standalone.inline_secrets
    assert (ref.namespace, ref.name, ref.key) == (LONG_NS, LONG_NAME, LONG_KEY)
    text = standalone.text_with({ref: value})
    (job,) = yaml.safe_load(text)["scrape_configs"]
    assert job["oauth2"]["client_id"] == value
    assert "<secret" not in text
    result = dry_run(text, binary=vmagent)
    assert result.ok, result.output


def test_the_text_without_values_keeps_the_placeholders_and_a_missing_value_is_an_error() -> None:
    scrape = _scrape(
        "api",
        "apps",
        {
            "selector": {"matchLabels": {"app": "api"}},
            "endpoints": [
                {
                    "port": "http",
                    "oauth2": {"client_id": {"secret": {"name": "o", "key": "id"}}, "token_url": "https://t"},
                }
            ],
        },
    )
    standalone = render_standalone(AGENT, [scrape])
    assert yaml.safe_load(standalone.text)["scrape_configs"][0]["oauth2"]["client_id"] == "<secret apps/o id>"
    with pytest.raises(KeyError):
        standalone.text_with({})
