"""Every modelled field reaches the rendered config, or is listed below with the reason it does not.

The models are walked from :class:`VMServiceScrapeModel` and :class:`VMAgentModel`: every field of every model
class met on the way is one case. A case takes a rich, valid pair of agent and scrapes (``BASE``), finds
each place the field's class occurs, changes the field there (to ``None``, or to a value of its type no
fixture uses) and renders again, under the operator's default environment and under ``WATCH_NAMESPACE``.
The field is rendered when some change changes the output (the config text, or the scrapes left out).
A new model field fails here until the renderer reads it or ``NOT_RENDERED`` says why it need not.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, Union

import pydantic
import pytest

from vmscrape_component.models import API_VERSION, VMAgentModel, VMServiceScrapeModel
from vmscrape_component.render import Assets, OperatorSettings, config_yaml, render_agent_config

#: ``Class.field`` → why that field does not reach the scrape config.
NOT_RENDERED: dict[str, str] = {
    # Metadata that only labels the objects themselves.
    "VMServiceScrapeModel.annotations": "annotations of the scrape object; the operator copies none",
    "VMAgentModel.labels": "labels of the agent object; selection looks at the scrapes' labels, not these",
    "VMAgentModel.annotations": "annotations of the agent object; not part of its scrape config",
    # The operator reads these only to decide what to do when a referenced object is missing.
    "SecretKeySelector.optional": "only says whether a missing Secret key is an error; the value or its "
    "placeholder is rendered either way (strict mode treats every missing reference as the operator "
    "treats a required one)",
    "ConfigMapKeySelector.optional": "as SecretKeySelector.optional, for ConfigMaps",
    # Documented in the model: operator v0.74.1 never reads it (WATCH_NAMESPACE decides instead).
    "VMAgentSpec.ignore_namespace_selectors": "operator v0.74.1 does not read it; namespace selectors "
    "are ignored only under WATCH_NAMESPACE with the agent's own service account",
    # Sharding splits the targets among several vmagents; each gets the same config (simulate/shards.py).
    "VMAgentSpec.shard_count": "the operator gives every shard the same config and only adds "
    "-promscrape.cluster.* flags (factory/vmagent/vmagent.go:819-837 at v0.74.1)",
    "VMAgentSpec.extra_args": "vmagent command-line flags, not part of the scrape config",
}

SCRAPE_CLASS_TLS = {"caFile": "/etc/class/ca.crt", "serverName": "class.example"}


def _agent() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "agent", "namespace": "monitoring", "labels": {"team": "obs"}},
        "spec": {
            "serviceScrapeSelector": {
                "matchLabels": {"release": "prod"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}],
            },
            "serviceScrapeNamespaceSelector": {"matchLabels": {"watched": "yes"}},
            "selectAllByDefault": False,
            "ingestOnlyMode": False,
            "daemonSetMode": False,
            "scrapeClasses": [
                {
                    "name": "named",
                    "relabelConfigs": [{"targetLabel": "class", "replacement": "named"}],
                    "metricRelabelConfigs": [
                        {"action": "drop", "sourceLabels": ["__name__"], "regex": "x_.*"}
                    ],
                    "attachMetadata": {"namespace": True},
                    "tlsConfig": SCRAPE_CLASS_TLS,
                    "authorization": {"credentials": {"name": "class-auth", "key": "token"}},
                },
                {
                    "name": "fallback",
                    "default": True,
                    "bearerTokenSecret": {"name": "class-token", "key": "token"},
                    "basicAuth": {
                        "username": {"name": "class-basic", "key": "user"},
                        "password": {"name": "class-basic", "key": "pw"},
                    },
                    "oauth2": {
                        "client_id": {"secret": {"name": "class-oauth", "key": "id"}},
                        "client_secret": {"name": "class-oauth", "key": "secret"},
                        "token_url": "https://class.example/token",
                        "scopes": ["class"],
                        "endpoint_params": {"class": "yes"},
                        "proxy_url": "http://class-proxy:3128",
                    },
                },
            ],
            # Both clamp: the endpoints ask for 30s and 1m.
            "minScrapeInterval": "45s",
            "maxScrapeInterval": "50s",
            "scrapeInterval": "20s",
            "scrapeTimeout": "15s",
            "sampleLimit": 100,
            "serviceScrapeRelabelTemplate": [{"targetLabel": "cluster", "replacement": "one"}],
            "enforcedNamespaceLabel": "tenant",
            "overrideHonorLabels": False,
            "overrideHonorTimestamps": False,
            "ignoreNamespaceSelectors": False,
            "enableKubernetesAPISelectors": False,
            "apiServerConfig": {
                "host": "https://api.example:6443",
                "basicAuth": {
                    "username": {"name": "api", "key": "user"},
                    "password": {"name": "api", "key": "pw"},
                },
                "bearerToken": "api-token",
                "tlsConfig": {"ca": {"configMap": {"name": "api-ca", "key": "ca.crt"}}},
                "authorization": {"credentials": {"name": "api", "key": "token"}},
            },
            "externalLabels": {"cluster": "one"},
            "arbitraryFSAccessThroughSMs": {"deny": False},
        },
    }


def _endpoint_full() -> dict[str, Any]:
    return {
        "port": "http",
        "path": "/metrics",
        "scheme": "https",
        "params": {"format": ["prometheus"]},
        "follow_redirects": True,
        "sampleLimit": 10,
        "seriesLimit": 20,
        "interval": "30s",
        "scrapeTimeout": "5s",
        "proxyURL": "http://proxy:3128",
        "honorLabels": True,
        "honorTimestamps": True,
        "max_scrape_size": "16MiB",
        "vm_scrape_params": {
            "disable_compression": True,
            "disable_keep_alive": True,
            "no_stale_markers": True,
            "stream_parse": True,
            "scrape_align_interval": "1m",
            "scrape_offset": "5s",
            "headers": ["X-Scope: one"],
            "proxy_client_config": {
                "basic_auth": {
                    "username": {"name": "proxy", "key": "user"},
                    "password_file": "/etc/proxy/pw",
                },
                "bearer_token": {"name": "proxy", "key": "token"},
                "tls_config": {"insecureSkipVerify": True},
                "authorization": {"type": "Proxy", "credentials": {"name": "proxy", "key": "auth"}},
                "oauth2": {
                    "client_id": {"configMap": {"name": "proxy-oauth", "key": "id"}},
                    "client_secret_file": "/etc/proxy/oauth-secret",
                    "token_url": "https://proxy.example/token",
                },
            },
        },
        "relabelConfigs": [
            {
                "sourceLabels": ["__meta_kubernetes_pod_label_app"],
                "separator": ";",
                "targetLabel": "app",
                "regex": "(.+)",
                "modulus": 3,
                "replacement": "$1",
                "action": "replace",
                "if": '{__name__!=""}',
            },
            {"action": "graphite", "match": "*.requests", "labels": {"job": "$1"}},
        ],
        "metricRelabelConfigs": [{"action": "drop", "sourceLabels": ["__name__"], "regex": "go_.*"}],
        "attach_metadata": {"node": True},
        "tlsConfig": {
            "ca": {"secret": {"name": "tls", "key": "ca.crt"}},
            "cert": {"configMap": {"name": "tls-cm", "key": "tls.crt"}},
            "keySecret": {"name": "tls", "key": "tls.key"},
            "serverName": "web.example",
            "insecureSkipVerify": False,
        },
        "basicAuth": {
            "username": {"name": "basic", "key": "user"},
            "password": {"name": "basic", "key": "pw"},
        },
    }


def _endpoint_plain() -> dict[str, Any]:
    # Sets what the full endpoint must leave to others: a target port, the other interval spelling,
    # files instead of Secrets, and nothing the scrape class or the scrape would fill.
    return {
        "targetPort": 9090,
        "scrape_interval": "1m",
        "bearerTokenFile": "/etc/token",
        "oauth2": {
            "client_id": {"secret": {"name": "ep-oauth", "key": "id"}},
            "client_secret_file": "/etc/oauth/secret",
            "token_url": "https://ep.example/token",
            "tls_config": {
                "certFile": "/etc/oauth/cert",
                "keyFile": "/etc/oauth/key",
                "caFile": "/etc/oauth/ca",
            },
        },
        "authorization": {"type": "Custom", "credentialsFile": "/etc/auth"},
        "vm_scrape_params": {"proxy_client_config": {"bearer_token_file": "/etc/proxy/token"}},
    }


def _scrape(name: str, spec: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": {"name": name, "namespace": "apps", "labels": labels, "annotations": {"note": "x"}},
        "spec": spec,
    }


def _scrapes() -> list[dict[str, Any]]:
    return [
        _scrape(
            "web",
            {
                "discoveryRole": "endpointslice",
                "jobLabel": "app.kubernetes.io/name",
                "targetLabels": ["team"],
                "podTargetLabels": ["version"],
                "selector": {
                    "matchLabels": {"app": "web"},
                    "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
                },
                "namespaceSelector": {"matchNames": ["apps", "shop"]},
                "sampleLimit": 1000,
                "seriesLimit": 2000,
                "attach_metadata": {"namespace": True},
                "scrapeClass": "named",
                "endpoints": [_endpoint_full(), _endpoint_plain()],
            },
            {"release": "prod", "tier": "web"},
        ),
        _scrape(
            "api",
            {"namespaceSelector": {"any": True}, "endpoints": [{"port": "admin"}, _endpoint_plain()]},
            {"release": "prod", "tier": "web"},
        ),
    ]


NAMESPACES = {"apps": {"watched": "yes"}}


def _without_selectors(agent: dict[str, Any]) -> None:
    # selectAllByDefault only matters when the agent names neither selector.
    del agent["spec"]["serviceScrapeSelector"], agent["spec"]["serviceScrapeNamespaceSelector"]


#: Where each change is tried: the operator's environment, and a change to the base agent.
ENVIRONMENTS = [
    (OperatorSettings(), None),
    (OperatorSettings(watch_namespaces=("apps",)), None),
    (OperatorSettings(), _without_selectors),
]


def _render(
    agent: VMAgentModel, scrapes: list[VMServiceScrapeModel], operator: OperatorSettings
) -> tuple[str, Any]:
    config = render_agent_config(agent, scrapes, namespaces=NAMESPACES, assets=Assets(), operator=operator)
    return config_yaml(config), config.skipped


# -- walking the models ---------------------------------------------------------------------------------


def _unwrap(tp: Any) -> list[Any]:
    """The types a field may hold, without ``None``, ``Annotated`` and unions."""
    if typing.get_origin(tp) is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [t for a in typing.get_args(tp) if a is not type(None) for t in _unwrap(a)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _model_classes(root: type[pydantic.BaseModel], seen: dict[str, type[pydantic.BaseModel]]) -> None:
    if root.__name__ in seen:
        return
    seen[root.__name__] = root
    for field in root.model_fields.values():
        for tp in _unwrap(field.annotation):
            for inner in [tp, *typing.get_args(tp)]:
                if _is_model(inner):
                    _model_classes(inner, seen)


def _classes() -> dict[str, type[pydantic.BaseModel]]:
    seen: dict[str, type[pydantic.BaseModel]] = {}
    _model_classes(VMServiceScrapeModel, seen)
    _model_classes(VMAgentModel, seen)
    return seen


FIELDS = sorted(f"{name}.{field}" for name, cls in _classes().items() for field in cls.model_fields)


def _instances(node: Any) -> Iterator[pydantic.BaseModel]:
    """Every model inside ``node``, depth first, in field order (the same order in every copy)."""
    if isinstance(node, pydantic.BaseModel):
        yield node
        for name in type(node).model_fields:
            yield from _instances(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            yield from _instances(item)


# -- values no fixture uses -----------------------------------------------------------------------------


def _other_values(
    annotation: Any, current: Any, required: bool, samples: dict[str, list[pydantic.BaseModel]]
) -> list[Any]:
    """Values of the field's type that differ from ``current``: ``None`` first when it is set and may be
    unset; for a model, the other instances of its class in the base."""
    options: list[Any] = [None] if current is not None and not required else []
    for tp in _unwrap(annotation):
        origin = typing.get_origin(tp)
        if origin is Literal:
            options += [v for v in typing.get_args(tp) if v != current][:1]
        elif tp is bool:
            options.append(not current)
        elif tp is int:
            options.append((current or 0) + 7)
        elif tp is str:
            options.append(f"{current or ''}vmscrape-other")
        elif origin is list:
            (item,) = typing.get_args(tp)
            if _is_model(item):
                if current:
                    options.append([])
                options += [[copy.deepcopy(m)] for m in samples.get(item.__name__, ())[:1] if not current]
            else:
                options.append([*(current or ()), "vmscrape-other"])
        elif origin is dict:
            value_type = typing.get_args(tp)[1]
            value = ["vmscrape-other"] if typing.get_origin(value_type) is list else "vmscrape-other"
            options.append({} if current else {"vmscrape_other": value})
        elif _is_model(tp):
            options += [copy.deepcopy(m) for m in samples.get(tp.__name__, ()) if m != current]
            if isinstance(current, pydantic.BaseModel):
                # The same object with one of its own fields changed: the field is read if that is.
                for name, info in type(current).model_fields.items():
                    value = getattr(current, name)
                    options += [
                        current.model_copy(update={name: other})
                        for other in _other_values(info.annotation, value, info.is_required(), {})
                    ]
    return options


def _base(patch: Any = None) -> tuple[VMAgentModel, list[VMServiceScrapeModel]]:
    agent = _agent()
    if patch is not None:
        patch(agent)
    return VMAgentModel.from_manifest(agent), [VMServiceScrapeModel.from_manifest(s) for s in _scrapes()]


def _changes_output(cls_name: str, field: str) -> bool:
    for operator, patch in ENVIRONMENTS:
        agent, scrapes = _base(patch)
        samples: dict[str, list[pydantic.BaseModel]] = {}
        for model in _instances([agent, *scrapes]):
            samples.setdefault(type(model).__name__, []).append(model)
        before = _render(agent, scrapes, operator)
        for position, model in enumerate(_instances([agent, *scrapes])):
            if type(model).__name__ != cls_name:
                continue
            info = type(model).model_fields[field]
            for value in _other_values(info.annotation, getattr(model, field), info.is_required(), samples):
                changed_agent, changed_scrapes = _base(patch)
                target = list(_instances([changed_agent, *changed_scrapes]))[position]
                setattr(target, field, value)
                if _render(changed_agent, changed_scrapes, operator) != before:
                    return True
    return False


def test_the_base_holds_every_model_class() -> None:
    agent, scrapes = _base()
    present = {type(m).__name__ for m in _instances([agent, *scrapes])}
    assert set(_classes()) <= present, "give BASE an instance of each"


def test_the_not_rendered_list_names_real_fields() -> None:
    assert set(NOT_RENDERED) <= set(FIELDS)


@pytest.mark.parametrize("field", [f for f in FIELDS if f not in NOT_RENDERED])
def test_a_modelled_field_changes_the_rendered_config(field: str) -> None:
    cls_name, name = field.split(".")
    assert _changes_output(cls_name, name), f"{field} never changes the rendered config"


@pytest.mark.parametrize("field", sorted(NOT_RENDERED))
def test_a_field_listed_as_not_rendered_really_is_not(field: str) -> None:
    # Keeps the list honest: a field that starts being rendered must leave it.
    cls_name, name = field.split(".")
    assert not _changes_output(cls_name, name), f"{field} is rendered now: take it off NOT_RENDERED"
