"""Kubernetes discovery over a hand-written snapshot (tests/fixtures/snapshots/web-and-db.yaml).

Expectations come from VictoriaMetrics v1.150.0 ``lib/promscrape/discovery/kubernetes``:
``endpoints.go`` (getTargetLabels, getEndpointLabelsForAddressAndPort, getEndpointLabels),
``endpointslice.go`` (getTargetLabels, getEndpointSliceLabels), ``service.go``, ``pod.go``
(appendCommonLabels, appendContainerLabels, appendEndpointLabels), ``common_types.go``
(registerLabelsAndAnnotations) and ``api_watcher.go`` (namespaces, selectors, attach_metadata).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.simulate.discovery import (
    DiscoveredTarget,
    discover,
    label_selector_matches,
    load_snapshot,
    snapshot_from_objects,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "snapshots" / "web-and-db.yaml"


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot(FIXTURE)


def by_address(targets: list[DiscoveredTarget], source_prefix: str) -> dict[str, DiscoveredTarget]:
    found = [t for t in targets if t.source.startswith(source_prefix)]
    return {t.address: t for t in found}


def test_snapshot_sorts_objects_by_kind(snapshot) -> None:
    assert sorted(snapshot.services) == ["apps/web", "apps/web-headless", "other/db"]
    assert sorted(snapshot.pods) == ["apps/web-1", "apps/web-2", "other/db-0"]
    assert sorted(snapshot.endpointslices) == ["apps/web-7xk2p", "other/db-q8w4z"]
    assert snapshot.namespace_labels()["other"]["team"] == "data"


def test_endpoints_not_ready_address_labels_in_full(snapshot) -> None:
    # notReadyAddresses give endpoint_ready "false"; the pod's Ready condition "False" is lowercased;
    # the container whose port equals the endpoint port (8080 -> app) adds container labels; the
    # Service of the same name adds its labels, sanitized (app.kubernetes.io/name -> app_kubernetes_io_name).
    targets = discover(snapshot, {"role": "endpoints", "namespaces": {"names": ["apps"]}}).targets
    target = by_address([t for t in targets if t.source == "Endpoints apps/web"], "")["127.0.0.12:8080"]
    assert target.source == "Endpoints apps/web"
    assert target.labels == {
        "__address__": "127.0.0.12:8080",
        "__meta_kubernetes_endpoint_address_target_kind": "Pod",
        "__meta_kubernetes_endpoint_address_target_name": "web-2",
        "__meta_kubernetes_endpoint_node_name": "node-b",
        "__meta_kubernetes_endpoint_port_name": "http",
        "__meta_kubernetes_endpoint_port_protocol": "TCP",
        "__meta_kubernetes_endpoint_ready": "false",
        "__meta_kubernetes_endpoints_label_app": "web",
        "__meta_kubernetes_endpoints_labelpresent_app": "true",
        "__meta_kubernetes_endpoints_name": "web",
        "__meta_kubernetes_namespace": "apps",
        "__meta_kubernetes_pod_container_image": "example/web:1.0",
        "__meta_kubernetes_pod_container_init": "false",
        "__meta_kubernetes_pod_container_name": "app",
        "__meta_kubernetes_pod_container_port_name": "http",
        "__meta_kubernetes_pod_container_port_number": "8080",
        "__meta_kubernetes_pod_container_port_protocol": "TCP",
        "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
        "__meta_kubernetes_pod_controller_name": "web-5d9c",
        "__meta_kubernetes_pod_host_ip": "127.0.2.2",
        "__meta_kubernetes_pod_ip": "127.0.0.12",
        "__meta_kubernetes_pod_label_app": "web",
        "__meta_kubernetes_pod_label_pod_template_hash": "5d9c",
        "__meta_kubernetes_pod_labelpresent_app": "true",
        "__meta_kubernetes_pod_labelpresent_pod_template_hash": "true",
        "__meta_kubernetes_pod_name": "web-2",
        "__meta_kubernetes_pod_node_name": "node-b",
        "__meta_kubernetes_pod_phase": "Running",
        "__meta_kubernetes_pod_ready": "false",
        "__meta_kubernetes_pod_uid": "22222222-2222-2222-2222-222222222222",
        "__meta_kubernetes_service_cluster_ip": "127.0.1.10",
        "__meta_kubernetes_service_label_app": "web",
        "__meta_kubernetes_service_label_app_kubernetes_io_name": "web",
        "__meta_kubernetes_service_labelpresent_app": "true",
        "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name": "true",
        "__meta_kubernetes_service_name": "web",
        "__meta_kubernetes_service_type": "ClusterIP",
    }


def test_endpoints_one_target_per_port_and_address_plus_unmatched_container_ports(snapshot) -> None:
    # Endpoints apps/web: 2 ports x (1 ready + 1 not-ready address) = 4; each referenced pod's container
    # port that no endpoint port matched (exporter's admin 9901) becomes one more target.
    targets = by_address(
        discover(snapshot, {"role": "endpoints", "namespaces": {"names": ["apps"]}}).targets,
        "Endpoints apps/web ",
    )
    extra = targets["127.0.0.11:9901"]
    assert extra.source == "Endpoints apps/web (pod apps/web-1 port not in it)"
    assert extra.labels["__meta_kubernetes_pod_container_port_name"] == "admin"
    assert extra.labels["__meta_kubernetes_endpoints_name"] == "web"
    assert extra.labels["__meta_kubernetes_endpoint_address_target_name"] == "web-1"
    # appendEndpointLabels sets no port name and no ready flag on these extra targets.
    assert "__meta_kubernetes_endpoint_port_name" not in extra.labels
    assert "__meta_kubernetes_endpoint_ready" not in extra.labels
    all_web = [
        t
        for t in discover(snapshot, {"role": "endpoints"}).targets
        if t.source.startswith("Endpoints apps/web")
    ]
    assert sum(t.source == "Endpoints apps/web" for t in all_web) == 4


def test_headless_service_endpoints_turn_other_ports_into_extra_targets(snapshot) -> None:
    # web-headless publishes only port 8080, so the same pods' 9100 and 9901 come out as extra targets:
    # 2 addresses + 2 pods x 2 unmatched ports.
    targets = [
        t for t in discover(snapshot, {"role": "endpoints"}).targets if "apps/web-headless" in t.source
    ]
    assert sorted(t.address for t in targets) == [
        "127.0.0.11:8080",
        "127.0.0.11:9100",
        "127.0.0.11:9901",
        "127.0.0.12:8080",
        "127.0.0.12:9100",
        "127.0.0.12:9901",
    ]
    hostname = by_address(targets, "Endpoints apps/web-headless")["127.0.0.11:8080"]
    assert hostname.labels["__meta_kubernetes_endpoint_hostname"] == "web-1"
    assert hostname.labels["__meta_kubernetes_service_cluster_ip"] == "None"


def test_endpoints_native_sidecar_matches_but_plain_init_container_does_not(snapshot) -> None:
    # Role endpoints matches init containers only with restartPolicy Always (native sidecars), both for the
    # endpoint port and for extra targets: migrate's 7000 never shows up, postgres' 5432 is an extra target.
    targets = by_address(
        discover(snapshot, {"role": "endpoints", "namespaces": {"names": ["other"]}}).targets, ""
    )
    assert sorted(targets) == ["127.0.0.21:5432", "127.0.0.21:9187"]
    sidecar = targets["127.0.0.21:9187"].labels
    assert sidecar["__meta_kubernetes_pod_container_name"] == "exporter"
    assert sidecar["__meta_kubernetes_pod_container_init"] == "true"
    assert sidecar["__meta_kubernetes_pod_controller_kind"] == "StatefulSet"


def test_endpointslice_conditions_and_app_protocol(snapshot) -> None:
    # getEndpointSliceLabels: conditions are Go bools (absent -> "false"); appProtocol only when set;
    # the Service comes from the kubernetes.io/service-name label.
    targets = discover(snapshot, {"role": "endpointslices", "namespaces": {"names": ["other"]}})
    assert targets.role == "endpointslice"
    found = by_address(targets.targets, "EndpointSlice other/db-q8w4z")
    labels = found["127.0.0.21:9187"].labels
    assert labels["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] == "true"
    assert labels["__meta_kubernetes_endpointslice_endpoint_conditions_serving"] == "false"
    assert labels["__meta_kubernetes_endpointslice_endpoint_conditions_terminating"] == "false"
    assert labels["__meta_kubernetes_endpointslice_port"] == "9187"
    assert labels["__meta_kubernetes_endpointslice_port_app_protocol"] == "http"
    assert labels["__meta_kubernetes_endpointslice_address_type"] == "IPv4"
    assert labels["__meta_kubernetes_service_name"] == "db"
    assert sorted(found) == ["127.0.0.21:5432", "127.0.0.21:9187"]


def test_endpointslice_not_ready_endpoint_is_still_a_target(snapshot) -> None:
    targets = by_address(
        discover(snapshot, {"role": "endpointslice"}).targets, "EndpointSlice apps/web-7xk2p"
    )
    labels = targets["127.0.0.12:9100"].labels
    assert labels["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] == "false"
    assert labels["__meta_kubernetes_endpointslice_endpoint_node_name"] == "node-b"
    assert labels["__meta_kubernetes_pod_container_name"] == "exporter"
    # 2 ports x 2 endpoints + one unmatched port (admin 9901) per pod
    assert len(targets) == 6


def test_service_role_one_target_per_service_port(snapshot) -> None:
    # service.go: __address__ is <name>.<namespace>.svc:<port>.
    targets = discover(snapshot, {"role": "service", "namespaces": {"names": ["apps"]}}).targets
    assert [t.address for t in targets] == [
        "web.apps.svc:80",
        "web.apps.svc:9100",
        "web-headless.apps.svc:8080",
    ]
    assert targets[0].labels["__meta_kubernetes_service_port_name"] == "http"
    assert targets[0].labels["__meta_kubernetes_service_port_number"] == "80"
    assert not any(k.startswith("__meta_kubernetes_pod") for k in targets[0].labels)


def test_namespaces_restrict_every_watched_object(snapshot) -> None:
    # Absent namespaces.names: every namespace.
    assert {
        t.labels["__meta_kubernetes_namespace"] for t in discover(snapshot, {"role": "service"}).targets
    } == {
        "apps",
        "other",
    }
    # Pods outside the watched namespaces are not seen, so no pod labels even for a matching address.
    cross = snapshot_from_objects(
        [
            {
                "kind": "Endpoints",
                "metadata": {"name": "e", "namespace": "a"},
                "subsets": [
                    {
                        "addresses": [
                            {"ip": "127.0.0.9", "targetRef": {"kind": "Pod", "name": "p", "namespace": "b"}}
                        ],
                        "ports": [{"port": 1}],
                    }
                ],
            },
            {"kind": "Pod", "metadata": {"name": "p", "namespace": "b"}, "status": {"podIP": "127.0.0.9"}},
        ]
    )
    (target,) = discover(cross, {"role": "endpoints", "namespaces": {"names": ["a"]}}).targets
    assert "__meta_kubernetes_pod_name" not in target.labels
    both = discover(cross, {"role": "endpoints"}).targets
    assert both[0].labels["__meta_kubernetes_pod_name"] == "p"


def test_attach_metadata_namespace_and_node(snapshot) -> None:
    # pod.appendCommonLabels: node_name even without a Node object; namespace labels and annotations.
    sd = {
        "role": "endpoints",
        "namespaces": {"names": ["other"]},
        "attach_metadata": {"node": True, "namespace": True},
    }
    labels = by_address(discover(snapshot, sd).targets, "")["127.0.0.21:9187"].labels
    assert labels["__meta_kubernetes_node_name"] == "node-a"
    assert labels["__meta_kubernetes_namespace_label_team"] == "data"
    assert labels["__meta_kubernetes_namespace_annotation_owner"] == "data-team"
    assert labels["__meta_kubernetes_namespace_annotationpresent_owner"] == "true"
    plain = by_address(discover(snapshot, {"role": "endpoints"}).targets, "")["127.0.0.21:9187"].labels
    assert (
        "__meta_kubernetes_node_name" not in plain and "__meta_kubernetes_namespace_label_team" not in plain
    )


def test_selectors_filter_the_role_objects(snapshot) -> None:
    sd = {"role": "service", "selectors": [{"role": "service", "label": "app=web,variant notin (headless)"}]}
    assert [t.address for t in discover(snapshot, sd).targets] == ["web.apps.svc:80", "web.apps.svc:9100"]


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("a=b", {"a": "b"}, True),
        ("a==b,c!=d", {"a": "b", "c": "e"}, True),
        ("a in (x, y)", {"a": "y"}, True),
        ("a notin (x)", {}, True),
        ("a", {}, False),
        ("!a", {"b": "1"}, True),
    ],
)
def test_label_selector_strings(selector: str, labels: dict, matches: bool) -> None:
    assert label_selector_matches(selector, labels) is matches


def test_bad_snapshots_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: List\nitems: [\n")
    with pytest.raises(VMScrapeError, match="not valid YAML"):
        load_snapshot(bad)
    with pytest.raises(VMScrapeError, match="cannot read"):
        load_snapshot(tmp_path / "missing.yaml")
    with pytest.raises(VMScrapeError, match=r"metadata\.name"):
        snapshot_from_objects([{"kind": "List", "items": [{"kind": "Pod", "metadata": {}}]}])


def test_jobs_with_the_same_sd_config_share_one_discovery_and_keep_their_own_labels(
    snapshot, monkeypatch
) -> None:
    import importlib

    explain_module = importlib.import_module("vmscrape_component.simulate.explain")

    calls: list[dict] = []
    real = explain_module.discover

    def counting(snap, sd):
        calls.append(sd)
        return real(snap, sd)

    monkeypatch.setattr(explain_module, "discover", counting)
    sd = {"role": "endpoints", "namespaces": {"names": ["apps"]}}
    config = {
        "scrape_configs": [
            {"job_name": "a", "kubernetes_sd_configs": [dict(sd)]},
            {"job_name": "b", "metrics_path": "/b", "kubernetes_sd_configs": [{**sd, "role": "endpoints"}]},
            {"job_name": "c", "kubernetes_sd_configs": [{"role": "endpoints"}]},
            {"job_name": "d", "kubernetes_sd_configs": [dict(sd)]},
        ]
    }
    jobs = explain_module.explain_jobs(config, snapshot)
    assert calls == [sd, {"role": "endpoints"}]  # a, b and d: equal entries, one discovery
    a, b, c, d = jobs
    assert [t.address for t in a.targets] == [t.address for t in b.targets] == [t.address for t in d.targets]
    assert {t.labels["job"] for t in a.active} == {"a"} and {t.labels["job"] for t in b.active} == {"b"}
    assert {t.scrape_url.split("/", 3)[3] for t in b.active} == {"b"}
    assert len(c.targets) > len(a.targets)  # every namespace: db in "other" too
    # the shared result is the one a job alone gets
    alone = explain_module.explain_jobs({"scrape_configs": [config["scrape_configs"][1]]}, snapshot)[0]
    assert [(t.labels, t.dropped) for t in alone.targets] == [(t.labels, t.dropped) for t in b.targets]
