"""ServiceMonitor → VMServiceScrape, one rule per test, each as the operator v0.74.1 writes it.

Expected objects are written from the operator's code (internal/controller/operator/factory/converter/
apis.go), the Go structs' JSON tags (api/operator/v1beta1) and the VMServiceScrape CRD's defaults; the
cluster tests (tests/cluster/test_service_monitors.py) compare the same conversions with the live operator.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.reference import REAL_MONITORS
from vmscrape_component.convert import convert_service_monitor
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.manifests import load_manifests
from vmscrape_component.models import ServiceMonitorModel
from vmscrape_component.settings import OperatorSettings


def monitor(
    spec_extra: dict[str, Any] | None = None, endpoint: dict[str, Any] | None = None, **meta: Any
) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "web", "namespace": "apps", **meta},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": [endpoint or {"port": "http"}]}
        | (spec_extra or {}),
    }


def spec_of(doc: dict, operator: OperatorSettings | None = None) -> dict:
    return convert_service_monitor(doc, operator).manifest["spec"]


def endpoint_of(endpoint: dict) -> dict:
    return spec_of(monitor(endpoint=endpoint))["endpoints"][0]


def notes_of(doc: dict, operator: OperatorSettings | None = None) -> list[str]:
    return [n.text() for n in convert_service_monitor(doc, operator).notes]


def test_a_minimal_monitor_gets_the_structs_go_always_writes() -> None:
    converted = convert_service_monitor(monitor())
    assert converted.manifest == {
        "apiVersion": "operator.victoriametrics.com/v1beta1",
        "kind": "VMServiceScrape",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "namespaceSelector": {},
            "attach_metadata": {},
            "endpoints": [{"port": "http", "attach_metadata": {}}],
        },
    }
    assert converted.notes == ()
    assert converted.scrape.key == "apps/web"


def test_copied_spec_fields() -> None:
    spec = spec_of(
        monitor(
            {
                "jobLabel": "app.kubernetes.io/name",
                "targetLabels": ["team"],
                "podTargetLabels": ["version"],
                "namespaceSelector": {"matchNames": ["a", "b"]},
                "scrapeClass": "tls",
                "sampleLimit": 1000,
                "attachMetadata": {"node": True},
            }
        )
    )
    assert spec["jobLabel"] == "app.kubernetes.io/name"
    assert spec["targetLabels"] == ["team"]
    assert spec["podTargetLabels"] == ["version"]
    assert spec["namespaceSelector"] == {"matchNames": ["a", "b"]}
    assert spec["scrapeClass"] == "tls"
    assert spec["sampleLimit"] == 1000
    assert spec["attach_metadata"] == {"node": True}


def test_sample_limit_zero_is_left_out_as_go_omits_it() -> None:
    assert "sampleLimit" not in spec_of(monitor({"sampleLimit": 0}))


@pytest.mark.parametrize(
    ("role", "expected"), [("Endpoints", "endpoints"), ("EndpointSlice", "endpointslice")]
)
def test_service_discovery_role_is_lowercased_into_discovery_role(role: str, expected: str) -> None:
    doc = monitor({"serviceDiscoveryRole": role})
    assert spec_of(doc)["discoveryRole"] == expected
    assert notes_of(doc) == [
        f"apps/web: spec.serviceDiscoveryRole: changed (lowercased into discoveryRole: {expected})"
    ]


def test_copied_and_renamed_endpoint_fields() -> None:
    ep = endpoint_of(
        {
            "port": "http",
            "targetPort": 8080,
            "path": "/m",
            "params": {"format": ["prometheus"]},
            "interval": "30s",
            "scrapeTimeout": "10s",
            "honorLabels": True,
            "honorTimestamps": False,
            "proxyUrl": "http://proxy:3128",
            "followRedirects": False,
        }
    )
    assert ep == {
        "port": "http",
        "targetPort": 8080,
        "path": "/m",
        "params": {"format": ["prometheus"]},
        "interval": "30s",
        "scrapeTimeout": "10s",
        "honorLabels": True,
        "honorTimestamps": False,
        "proxyURL": "http://proxy:3128",
        "follow_redirects": False,
        "attach_metadata": {},
    }


def test_false_and_empty_values_go_omits_are_left_out() -> None:
    ep = endpoint_of({"port": "http", "honorLabels": False, "interval": "", "path": ""})
    assert ep == {"port": "http", "attach_metadata": {}}


def test_scheme_is_lowercased() -> None:
    doc = monitor(endpoint={"port": "http", "scheme": "HTTPS"})
    assert spec_of(doc)["endpoints"][0]["scheme"] == "https"
    assert notes_of(doc) == ["apps/web: spec.endpoints[0].scheme: changed (lowercased: https)"]
    assert notes_of(monitor(endpoint={"port": "http", "scheme": "https"})) == []


def test_relabelings_are_renamed_and_get_the_crds_default_action() -> None:
    ep = endpoint_of(
        {
            "port": "http",
            "relabelings": [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node"}],
            "metricRelabelings": [{"action": "labeldrop", "regex": "tmp_.*"}],
        }
    )
    assert ep["relabelConfigs"] == [
        {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node", "action": "replace"}
    ]
    assert ep["metricRelabelConfigs"] == [{"regex": "tmp_.*", "action": "labeldrop"}]
    assert "relabelings" not in ep


def test_relabel_modulus_separator_and_replacement() -> None:
    ep = endpoint_of(
        {
            "port": "http",
            "relabelings": [
                {
                    "action": "hashmod",
                    "sourceLabels": ["a"],
                    "targetLabel": "t",
                    "modulus": 4,
                    "separator": "",
                },
                {"sourceLabels": ["a"], "targetLabel": "t", "replacement": "", "modulus": 0},
            ],
        }
    )
    assert ep["relabelConfigs"] == [
        {"action": "hashmod", "sourceLabels": ["a"], "targetLabel": "t", "modulus": 4, "separator": ""},
        {"sourceLabels": ["a"], "targetLabel": "t", "replacement": "", "action": "replace"},
    ]


@pytest.mark.parametrize("action", ["keep", "drop", "hashmod"])
def test_keep_drop_hashmod_without_source_labels_are_removed(action: str) -> None:
    rules = [
        {"action": action, "regex": "x", "targetLabel": "t", "modulus": 2},
        {"action": "labeldrop", "regex": "y"},
    ]
    doc = monitor(endpoint={"port": "http", "relabelings": rules})
    assert spec_of(doc)["endpoints"][0]["relabelConfigs"] == [{"regex": "y", "action": "labeldrop"}]
    assert notes_of(doc) == [
        f"apps/web: spec.endpoints[0].relabelings[0]: dropped "
        f"(action {action} without sourceLabels: the operator removes the rule)"
    ]


def test_the_removal_is_case_sensitive() -> None:
    # `Drop` stays (apis.go:516 compares exactly); vmagent then refuses a drop rule with nothing to match,
    # so vmscrape refuses the conversion, naming the ServiceMonitor's own field.
    doc = monitor(endpoint={"port": "http", "metricRelabelings": [{"action": "Drop", "regex": "x"}]})
    with pytest.raises(VMScrapeError) as info:
        convert_service_monitor(doc)
    assert [p.path for p in info.value.problems] == ["spec.endpoints[0].metricRelabelings[0].sourceLabels"]
    kept = endpoint_of(
        {"port": "http", "metricRelabelings": [{"action": "Drop", "regex": "x", "sourceLabels": ["a"]}]}
    )
    assert kept["metricRelabelConfigs"] == [{"action": "Drop", "regex": "x", "sourceLabels": ["a"]}]


def test_an_endpoint_whose_rules_are_all_removed_has_no_relabel_configs() -> None:
    ep = endpoint_of({"port": "http", "relabelings": [{"action": "keep", "regex": "x"}]})
    assert "relabelConfigs" not in ep


def test_prometheus_secret_and_configmap_paths_are_rewritten() -> None:
    doc = monitor(
        endpoint={
            "port": "https",
            "bearerTokenFile": "/etc/prometheus/secrets/tok/token",
            "tlsConfig": {
                "caFile": "/etc/prometheus/configmaps/ca/ca.crt",
                "certFile": "/var/run/cert.pem",
                "keyFile": "/etc/prometheus/secrets/k/tls.key",
            },
        }
    )
    ep = spec_of(doc)["endpoints"][0]
    assert ep["bearerTokenFile"] == "/etc/vm/secrets/tok/token"
    assert ep["tlsConfig"] == {
        "ca": {},
        "cert": {},
        "caFile": "/etc/vm/configs/ca/ca.crt",
        "certFile": "/var/run/cert.pem",
        "keyFile": "/etc/vm/secrets/k/tls.key",
    }
    assert [n.path for n in convert_service_monitor(doc).notes] == [
        "spec.endpoints[0].tlsConfig.caFile",
        "spec.endpoints[0].tlsConfig.keyFile",
        "spec.endpoints[0].bearerTokenFile",
    ]


def test_tls_references_server_name_and_skip_verify() -> None:
    ep = endpoint_of(
        {
            "port": "https",
            "tlsConfig": {
                "ca": {"configMap": {"name": "ca", "key": "ca.crt"}},
                "cert": {"secret": {"name": "c", "key": "tls.crt"}},
                "keySecret": {"name": "c", "key": "tls.key", "optional": True},
                "serverName": "web.apps.svc",
                "insecureSkipVerify": False,
            },
        }
    )
    assert ep["tlsConfig"] == {
        "ca": {"configMap": {"name": "ca", "key": "ca.crt"}},
        "cert": {"secret": {"name": "c", "key": "tls.crt"}},
        "keySecret": {"name": "c", "key": "tls.key", "optional": True},
        "serverName": "web.apps.svc",
    }


def test_basic_auth_always_has_both_selectors() -> None:
    ep = endpoint_of({"port": "http", "basicAuth": {"password": {"name": "creds", "key": "pw"}}})
    assert ep["basicAuth"] == {
        "username": {"key": "", "name": ""},
        "password": {"name": "creds", "key": "pw"},
    }


def test_bearer_token_secret_without_key_and_name_is_left_out() -> None:
    doc = monitor(endpoint={"port": "http", "bearerTokenSecret": {"key": ""}})
    assert "bearerTokenSecret" not in spec_of(doc)["endpoints"][0]
    assert notes_of(doc) == [
        "apps/web: spec.endpoints[0].bearerTokenSecret: dropped "
        "(empty key and name: the operator leaves it out)"
    ]
    kept = endpoint_of({"port": "http", "bearerTokenSecret": {"name": "tok", "key": "token"}})
    assert kept["bearerTokenSecret"] == {"name": "tok", "key": "token"}


def test_authorization_is_copied() -> None:
    ep = endpoint_of(
        {"port": "http", "authorization": {"type": "Bearer", "credentials": {"name": "a", "key": "t"}}}
    )
    assert ep["authorization"] == {"type": "Bearer", "credentials": {"name": "a", "key": "t"}}


def test_oauth2_fields_are_renamed_and_its_proxy_and_tls_dropped() -> None:
    doc = monitor(
        endpoint={
            "port": "http",
            "oauth2": {
                "clientId": {"secret": {"name": "o", "key": "id"}},
                "clientSecret": {"name": "o", "key": "secret"},
                "tokenUrl": "https://auth/token",
                "scopes": ["read"],
                "endpointParams": {"aud": "x"},
                "proxyUrl": "http://proxy:1",
                "tlsConfig": {"insecureSkipVerify": True},
            },
        }
    )
    assert spec_of(doc)["endpoints"][0]["oauth2"] == {
        "client_id": {"secret": {"name": "o", "key": "id"}},
        "client_secret": {"name": "o", "key": "secret"},
        "token_url": "https://auth/token",
        "scopes": ["read"],
        "endpoint_params": {"aud": "x"},
    }
    assert notes_of(doc) == [
        "apps/web: spec.endpoints[0].oauth2.proxyUrl: dropped (no VMServiceScrape field)",
        "apps/web: spec.endpoints[0].oauth2.tlsConfig: dropped (no VMServiceScrape field)",
    ]


def test_every_field_without_a_vmservicescrape_counterpart_is_named() -> None:
    doc = monitor(
        {
            "selectorMechanism": "RoleSelector",
            "scrapeProtocols": ["PrometheusProto"],
            "fallbackScrapeProtocol": "PrometheusText0.0.4",
            "targetLimit": 1,
            "labelLimit": 1,
            "labelNameLengthLimit": 1,
            "labelValueLengthLimit": 1,
            "keepDroppedTargets": 1,
            "bodySizeLimit": "10MB",
            "scrapeClassicHistograms": True,
            "scrapeNativeHistograms": True,
            "nativeHistogramBucketLimit": 1,
            "nativeHistogramMinBucketFactor": "1.1",
            "convertClassicHistogramsToNHCB": True,
        },
        endpoint={
            "port": "http",
            "enableHttp2": True,
            "trackTimestampsStaleness": True,
            "filterRunning": False,
            "noProxy": "x",
            "proxyFromEnvironment": True,
            "proxyConnectHeader": {"X": [{"name": "h", "key": "v"}]},
            "tlsConfig": {"minVersion": "TLS12", "maxVersion": "TLS13"},
        },
    )
    converted = convert_service_monitor(doc)
    assert sorted(n.path for n in converted.dropped) == sorted(
        [f"spec.{f}" for f in doc["spec"] if f not in ("selector", "endpoints")]
        + [f"spec.endpoints[0].{f}" for f in doc["spec"]["endpoints"][0] if f not in ("port", "tlsConfig")]
        + ["spec.endpoints[0].tlsConfig.minVersion", "spec.endpoints[0].tlsConfig.maxVersion"]
    )
    assert all(n.detail == "no VMServiceScrape field" for n in converted.dropped)
    assert converted.manifest["spec"]["endpoints"][0] == {
        "port": "http",
        "tlsConfig": {"ca": {}, "cert": {}},
        "attach_metadata": {},
    }


def test_labels_and_annotations_are_copied_minus_filtered_prefixes() -> None:
    doc = monitor(
        labels={"app": "web", "helm.sh/chart": "web-1"},
        annotations={"meta.helm.sh/release-name": "web", "team": "a"},
    )
    assert convert_service_monitor(doc).manifest["metadata"] == {
        "name": "web",
        "namespace": "apps",
        "labels": {"app": "web", "helm.sh/chart": "web-1"},
        "annotations": {"meta.helm.sh/release-name": "web", "team": "a"},
    }
    operator = OperatorSettings.from_env(
        {
            "VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES": "helm.sh,app",
            "VM_FILTERPROMETHEUSCONVERTERANNOTATIONPREFIXES": "meta.helm.sh",
        }
    )
    converted = convert_service_monitor(doc, operator)
    assert converted.manifest["metadata"] == {
        "name": "web",
        "namespace": "apps",
        "annotations": {"team": "a"},
    }
    assert [n.path for n in converted.dropped] == [
        "metadata.labels.app",
        "metadata.labels.helm.sh/chart",
        "metadata.annotations.meta.helm.sh/release-name",
    ]


def test_argocd_annotations_and_owner_references_when_enabled() -> None:
    doc = monitor(uid="1234")
    operator = OperatorSettings.from_env(
        {
            "VM_PROMETHEUSCONVERTERADDARGOCDIGNOREANNOTATIONS": "true",
            "VM_ENABLEDPROMETHEUSCONVERTEROWNERREFERENCES": "1",
        }
    )
    metadata = convert_service_monitor(doc, operator).manifest["metadata"]
    assert metadata["annotations"] == {
        "argocd.argoproj.io/compare-options": "IgnoreExtraneous",
        "argocd.argoproj.io/sync-options": "Prune=false",
    }
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "ServiceMonitor",
            "name": "web",
            "uid": "1234",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]


def test_converter_settings_are_read_as_go_reads_them() -> None:
    assert OperatorSettings().convert_service_monitors is True
    assert (
        OperatorSettings.from_env(
            {"VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE": "F"}
        ).convert_service_monitors
        is False
    )
    with pytest.raises(VMScrapeError, match=r"VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE.*Go boolean"):
        OperatorSettings.from_env({"VM_ENABLEDPROMETHEUSCONVERTER_SERVICESCRAPE": "yes"})
    split = OperatorSettings.from_env({"VM_FILTERPROMETHEUSCONVERTERLABELPREFIXES": "a, b"})
    assert split.converter_label_prefixes == ("a", " b")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"spec": {"endpoints": [], "selector": {}, "enableHttp2": True}}, "spec.enableHttp2"),
        ({"spec": {"endpoints": [{"scheme": "ftp"}], "selector": {}}}, "spec.endpoints[0].scheme"),
        ({"spec": {"endpoints": [{"interval": "30 s"}], "selector": {}}}, "spec.endpoints[0].interval"),
        (
            {"spec": {"endpoints": [{"relabelings": [{"action": "replace_all"}]}], "selector": {}}},
            "spec.endpoints[0].relabelings[0].action",
        ),
        ({"spec": {"endpoints": []}}, "spec.selector"),
        (
            {"spec": {"endpoints": [], "selector": {}, "serviceDiscoveryRole": "endpoints"}},
            "spec.serviceDiscoveryRole",
        ),
        ({"spec": {"endpoints": [{"proxyUrl": "ftp://x"}], "selector": {}}}, "spec.endpoints[0].proxyUrl"),
    ],
)
def test_invalid_monitors_are_refused_with_the_path(change: dict, path: str) -> None:
    doc = monitor() | change
    with pytest.raises(VMScrapeError) as info:
        ServiceMonitorModel.from_manifest(doc)
    assert [p.path for p in info.value.problems] == [path]
    assert info.value.problems[0].object == "ServiceMonitor apps/web"


def test_a_conversion_vmscrape_refuses_names_the_monitors_own_path() -> None:
    # The regex is the ServiceMonitor's; after the removed rule [0], rule [1] is the converted [0].
    doc = monitor(
        endpoint={
            "port": "http",
            "relabelings": [{"action": "keep"}, {"sourceLabels": ["a"], "targetLabel": "b", "regex": "("}],
        }
    )
    with pytest.raises(VMScrapeError) as info:
        convert_service_monitor(doc)
    (problem,) = info.value.problems
    assert problem.object == "ServiceMonitor apps/web"
    assert problem.path == "spec.endpoints[0].relabelings[1].regex"


@pytest.mark.parametrize("path", REAL_MONITORS, ids=lambda p: p.stem)
def test_every_real_monitor_converts_into_a_valid_scrape(path: Any) -> None:
    found = load_manifests([path])
    assert len(found.conversions) == 1
    assert found.scrapes == [found.conversions[0].scrape]


def test_empty_label_and_annotation_maps_are_left_out() -> None:
    metadata = convert_service_monitor(monitor(labels={}, annotations={})).manifest["metadata"]
    assert metadata == {"name": "web", "namespace": "apps"}
