"""The one credential registry (``models/credentials.py``) covers every credential the models can carry.

A scrape and an agent set every credential-bearing field the models have, each to its own marker value
(``S3CRET-<n>``); the config rendered with the values revealed holds every marker (so each field really
reaches the config), and the registry's masking leaves none of them. A walk over the models fails when a
new credential field appears that this fixture does not set.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from typing import Any, Union

import pydantic
import pytest
import yaml

from vmscrape_component.diff import diff_configs
from vmscrape_component.models import (
    API_VERSION,
    SecretKeySelector,
    SecretOrConfigMap,
    TLSConfig,
    VMAgentModel,
    VMServiceScrapeModel,
    credentials,
)
from vmscrape_component.render import Assets, config_yaml, render_config

#: Every model field that holds a credential or a reference to one (TLS references become files, not
#: values, and are not listed). The walk below must find exactly these.
CREDENTIAL_FIELDS = {
    "APIServerConfig.bearer_token",
    "Authorization.credentials",
    "BasicAuth.password",
    "BasicAuth.username",
    "EndpointAuth.bearer_token_secret",
    "Endpoint.proxy_url",
    "OAuth2.client_id",
    "OAuth2.client_secret",
    "OAuth2.endpoint_params",
    "OAuth2.proxy_url",
    "ProxyClientConfig.bearer_token",
    "VMScrapeParams.headers",
}


def _members(tp: Any) -> Iterator[Any]:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (Union, types.UnionType, list, dict):
        for arg in typing.get_args(tp):
            yield from _members(arg)
    elif tp is not None:
        yield tp


def _credential_fields() -> set[str]:
    found: set[str] = set()
    seen: set[type] = set()
    todo: list[type] = [VMServiceScrapeModel, VMAgentModel]
    while todo:
        cls = todo.pop()
        if cls in seen or cls in (TLSConfig, SecretOrConfigMap):  # files; the holder is listed
            continue
        seen.add(cls)
        for name, field in cls.model_fields.items():
            # Where a field is declared (EndpointAuth's fields are inherited by Endpoint and ScrapeClass).
            owner = next(c for c in cls.__mro__ if name in getattr(c, "__annotations__", {}))
            members = list(_members(field.annotation))
            if credentials.is_secret_field(field) or any(
                m in (SecretKeySelector, SecretOrConfigMap) for m in members
            ):
                found.add(f"{owner.__name__}.{name}")
            todo += [m for m in members if isinstance(m, type) and issubclass(m, pydantic.BaseModel)]
    return found


def test_the_fixture_sets_every_credential_field_the_models_have() -> None:
    assert _credential_fields() == CREDENTIAL_FIELDS


def _secret(name: str, key: str) -> dict[str, str]:
    return {"name": name, "key": key}


def _oauth2(prefix: str) -> dict[str, Any]:
    return {
        "client_id": {"secret": _secret(f"{prefix}-oauth", "id")},
        "client_secret": _secret(f"{prefix}-oauth", "secret"),
        "token_url": "https://idp.example/token",
        "endpoint_params": {"audience": f"S3CRET-{prefix}-param"},
        "proxy_url": f"http://user:S3CRET-{prefix}-oauth-proxy@proxy.example:3128",
    }


def _objects() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    agent = {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": "agent", "namespace": "apps"},
        "spec": {
            "selectAllByDefault": True,
            "apiServerConfig": {"host": "https://api.example:6443", "bearerToken": "S3CRET-api-token"},
        },
    }
    endpoints = [
        {
            "port": "basic",
            "basicAuth": {"username": _secret("basic", "u"), "password": _secret("basic", "p")},
        },
        {"port": "bearer", "bearerTokenSecret": _secret("bearer", "t")},
        {"port": "oauth", "oauth2": _oauth2("ep")},
        {"port": "authz", "authorization": {"type": "Bearer", "credentials": _secret("authz", "c")}},
        {
            "port": "proxied",
            "proxyURL": "http://user:S3CRET-proxy-url@proxy.example:3128",
            "vm_scrape_params": {
                "headers": ["Authorization: Bearer S3CRET-header", "X-Api-Key: S3CRET-api-key"],
                "proxy_client_config": {
                    "basic_auth": {"username": _secret("pbasic", "u"), "password": _secret("pbasic", "p")},
                    "bearer_token": _secret("ptoken", "t"),
                },
            },
        },
        {
            "port": "proxied-oauth",
            "vm_scrape_params": {
                "proxy_client_config": {
                    "oauth2": _oauth2("proxy"),
                    "authorization": {"credentials": _secret("pauthz", "c")},
                }
            },
        },
    ]
    scrape = {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "endpoints": endpoints},
    }
    names = {"basic", "bearer", "ep-oauth", "authz", "pbasic", "ptoken", "proxy-oauth", "pauthz"}
    secrets = [
        {
            "kind": "Secret",
            "metadata": {"name": name, "namespace": "apps"},
            "stringData": {k: f"S3CRET-{name}-{k}" for k in ("u", "p", "t", "c", "id", "secret")},
        }
        for name in sorted(names)
    ]
    return agent, [scrape, *secrets]


def _revealed_config() -> dict[str, Any]:
    agent, objects = _objects()
    config = render_config(objects[:1], agent, assets=Assets(objects[1:], reveal=True, strict=True))
    return yaml.safe_load(config_yaml(config))


def test_every_credential_reaches_the_config_and_the_registry_masks_every_one() -> None:
    config = _revealed_config()
    text = json.dumps(config)
    expected = [
        "S3CRET-api-token",
        "S3CRET-basic-u",
        "S3CRET-basic-p",
        "S3CRET-bearer-t",
        "S3CRET-ep-oauth-id",
        "S3CRET-ep-oauth-secret",
        "S3CRET-ep-param",
        "S3CRET-ep-oauth-proxy",
        "S3CRET-authz-c",
        "S3CRET-proxy-url",
        "S3CRET-header",
        "S3CRET-api-key",
        "S3CRET-pbasic-u",
        "S3CRET-pbasic-p",
        "S3CRET-ptoken-t",
        "S3CRET-proxy-oauth-id",
        "S3CRET-proxy-oauth-secret",
        "S3CRET-proxy-param",
        "S3CRET-proxy-oauth-proxy",
        "S3CRET-pauthz-c",
    ]
    assert [m for m in expected if m not in text] == []
    masked = json.dumps(credentials.mask_config(config))
    assert "S3CRET" not in masked
    # What is not a credential stays readable: header names, proxy hosts, the token URL.
    for shown in (
        "Authorization: <secret>",
        "http://<secret>@proxy.example:3128",
        "https://idp.example/token",
    ):
        assert shown in masked


def test_a_diff_between_two_configs_masks_every_credential_in_every_format() -> None:
    new = _revealed_config()
    old = json.loads(json.dumps(new).replace("S3CRET", "OLDVALUE"))
    masked = diff_configs(old, new).masked()
    for printed in (masked.text(), masked.markdown(), json.dumps(masked.as_dict())):
        assert "S3CRET" not in printed and "OLDVALUE" not in printed
    assert "<secret, another value>" in masked.text()


@pytest.mark.parametrize(
    ("path", "old", "new", "shown_old", "shown_new"),
    [
        (
            "headers[0]",
            "Authorization: Bearer a",
            "Authorization: Bearer b",
            "Authorization: <secret>",
            "Authorization: <secret, another value>",
        ),
        (
            "proxy_url",
            "http://u:a@p:1",
            "http://u:b@p:1",
            "http://<secret>@p:1",
            "http://<secret, another value>@p:1",
        ),
        ("proxy_url", "http://u:a@p:1", "http://u:a@q:1", "http://<secret>@p:1", "http://<secret>@q:1"),
        ("oauth2.endpoint_params.audience", "a", "b", "<secret>", "<secret, another value>"),
        ("basic_auth.password", "a", "b", "<secret>", "<secret, another value>"),
    ],
)
def test_a_changed_credential_names_the_field_and_hides_both_values(
    path: str, old: str, new: str, shown_old: str, shown_new: str
) -> None:
    from vmscrape_component.diff import Change

    change = Change(path, "changed", old=old, new=new).masked()
    assert (change.old, change.new) == (shown_old, shown_new)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("http://user:pw@proxy:3128", "http://<secret>@proxy:3128"),
        ("http://user@proxy", "http://<secret>@proxy"),
        ("socks5://a:b@c@host:1/path?q=x@y", "socks5://<secret>@host:1/path?q=x@y"),
        ("https://proxy:3128/p@th", "https://proxy:3128/p@th"),
        ("http://proxy", "http://proxy"),
    ],
)
def test_url_userinfo_is_masked_and_nothing_else(url: str, masked: str) -> None:
    assert credentials.mask_url(url) == masked


def _endpoint_problems(**endpoint: Any) -> list[str]:
    from vmscrape_component.errors import VMScrapeError

    manifest = {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {"endpoints": [{"port": "http", **endpoint}]},
    }
    try:
        VMServiceScrapeModel.from_manifest(manifest)
    except VMScrapeError as exc:
        return [exc.format_problem(p) for p in exc.problems]
    return []


def _oauth2_with_proxy(url: str) -> dict[str, Any]:
    return {"client_id": {"secret": _secret("o", "id")}, "token_url": "https://t/token", "proxy_url": url}


@pytest.mark.parametrize(
    "url",
    [
        "http://proxy:3128",
        "https://user:pw@proxy:3128",
        "socks5://proxy:1080",
        "ftp://proxy:21",
        "proxy:3128",
        "http://a b/",
        "http://pro\nxy:3128",
        "http://%zz@proxy",
    ],
)
def test_oauth2_proxy_url_is_checked_like_the_endpoint_proxy_url_and_never_echoed(url: str) -> None:
    endpoint = _endpoint_problems(proxyURL=url)
    oauth = _endpoint_problems(oauth2=_oauth2_with_proxy(url))
    assert bool(endpoint) == bool(oauth)
    assert all(url not in p for p in oauth)  # a credential field: its value is never in a message


@pytest.mark.vmagent
def test_a_proxy_url_vmagent_cannot_parse_in_oauth2_is_refused(vmagent: str) -> None:
    from tests.support.vmagent import dry_run

    url = "http://a b/"  # vmagent: `cannot parse proxy_url`, the job is skipped
    job = {
        "job_name": "j",
        "static_configs": [{"targets": ["a:1"]}],
        "oauth2": {"client_id": "x", "client_secret": "y", "token_url": "https://t/token", "proxy_url": url},
    }
    result = dry_run(yaml.safe_dump({"scrape_configs": [job]}), binary=vmagent)
    assert not result.ok and "cannot parse proxy_url" in result.output
    assert _endpoint_problems(oauth2=_oauth2_with_proxy(url)) != []


RENDERED = """\
apiVersion: operator.victoriametrics.com/v1beta1
kind: VMServiceScrape
metadata: {name: web, namespace: apps}
spec:
  selector: {matchLabels: {app: web}}
  endpoints:
  - port: http
    proxyURL: http://user:S3CRET-proxy@proxy.example:3128
    vm_scrape_params:
      headers: ["Authorization: Bearer S3CRET-header"]
    oauth2:
      client_id: {secret: {name: o, key: id}}
      client_secret: {name: o, key: secret}
      token_url: https://idp.example/token
      endpoint_params: {audience: S3CRET-param}
      proxy_url: socks5://u:S3CRET-oauth-proxy@proxy.example:1080
"""


def _render(tmp_path: Any, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    from vmscrape_component.cli.__main__ import main

    path = tmp_path / "web.yaml"
    path.write_text(RENDERED)
    assert main(["render", str(path), *argv]) == 0
    return capsys.readouterr().out


def test_render_masks_credentials_written_in_the_cr_unless_revealed(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    masked = _render(tmp_path, capsys)
    assert "S3CRET" not in masked
    (job,) = yaml.safe_load(masked)["scrape_configs"]
    assert job["proxy_url"] == "http://%3Csecret%3E@proxy.example:3128"
    assert job["headers"] == ["Authorization: <secret>"]
    assert job["oauth2"]["proxy_url"] == "socks5://%3Csecret%3E@proxy.example:1080"
    assert job["oauth2"]["client_secret"] == "<secret apps/o secret>"  # a placeholder, as before
    revealed = _render(tmp_path, capsys, "--reveal-secrets")
    for value in ("S3CRET-proxy", "S3CRET-header", "S3CRET-param", "S3CRET-oauth-proxy"):
        assert value in revealed


@pytest.mark.vmagent
def test_the_masked_render_is_a_config_vmagent_reads(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], vmagent: str
) -> None:
    from tests.support.vmagent import dry_run

    result = dry_run(_render(tmp_path, capsys), binary=vmagent)
    assert result.ok, result.output
    # With a raw "<" in the userinfo vmagent refuses the whole config: why the mask is %-escaped.
    raw = _render(tmp_path, capsys).replace("%3Csecret%3E", "<secret>")
    assert not dry_run(raw, binary=vmagent).ok


def test_diff_names_a_changed_secret_value_without_printing_either(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from vmscrape_component.cli.__main__ import main

    scrape = RENDERED.split("    proxyURL")[0] + "    basicAuth:\n      password: {name: creds, key: pw}\n"
    secret = (
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: apps}\nstringData: {pw: %s}\n"
    )
    (tmp_path / "old.yaml").write_text(scrape + secret % "S3CRET-old")
    (tmp_path / "new.yaml").write_text(scrape + secret % "S3CRET-new")
    assert main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")]) == 0
    out = capsys.readouterr().out
    assert "basic_auth.password: <secret> → <secret, another value>" in out and "S3CRET" not in out
    assert main(["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), "--reveal-secrets"]) == 0
    assert "S3CRET-old → S3CRET-new" in capsys.readouterr().out


def test_label_names_in_relabeling_rules_are_not_config_keys_and_stay_readable() -> None:
    rule = {"action": "graphite", "match": "*.x", "labels": {"password": "$1", "job": "j"}}
    config = {"scrape_configs": [{"job_name": "j", "metric_relabel_configs": [rule]}]}
    assert credentials.mask_config(config) == config
    assert not credentials.holds_credentials(config)
    changed = json.loads(json.dumps(config).replace('"$1"', '"$2"'))
    (change,) = diff_configs(config, changed).masked().changed["j"]
    assert (change.path, change.old, change.new) == ("metric_relabel_configs[0].labels.password", "$1", "$2")
