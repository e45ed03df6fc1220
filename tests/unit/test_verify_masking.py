"""`vmscrape verify` masks credentials in its diff on both sides, wherever they sit in a job."""

from __future__ import annotations

import json

from vmscrape_component.diff import diff_configs
from vmscrape_component.verify import mask_secrets


def _job(**fields: object) -> dict[str, object]:
    return {"job_name": "serviceScrape/apps/web/0", **fields}


def _config(*jobs: dict[str, object]) -> dict[str, object]:
    return {"global": {"scrape_interval": "30s"}, "scrape_configs": list(jobs)}


def test_a_changed_credential_is_named_with_both_values_masked() -> None:
    old = _config(_job(proxy_authorization={"authorization": {"type": "Bearer", "credentials": "tok-1"}}))
    new = _config(_job(proxy_authorization={"authorization": {"type": "Bearer", "credentials": "tok-2"}}))
    masked = mask_secrets(diff_configs(old, new))
    (change,) = masked.changed["serviceScrape/apps/web/0"]
    assert (change.path, change.old, change.new) == (
        "proxy_authorization.authorization.credentials",
        "<secret>",
        "<secret, another value>",
    )
    assert "tok-" not in masked.text() + masked.markdown() + json.dumps(masked.as_dict())


def test_credentials_inside_an_added_or_removed_block_are_masked_and_the_rest_shown() -> None:
    old = _config(_job(basic_auth={"username": "admin", "password": "pw-1"}))
    new = _config(
        _job(oauth2={"client_id": "id-1", "client_secret": "sec-1", "token_url": "https://idp/token"}),
    )
    masked = mask_secrets(diff_configs(old, new))
    by_path = {c.path: c for c in masked.changed["serviceScrape/apps/web/0"]}
    assert by_path["basic_auth"].old == {"username": "<secret>", "password": "<secret>"}
    assert by_path["oauth2"].new == {
        "client_id": "<secret>",
        "client_secret": "<secret>",
        "token_url": "https://idp/token",
    }
    text = masked.text()
    assert all(value not in text for value in ("admin", "pw-1", "id-1", "sec-1"))
    assert "https://idp/token" in text


def test_other_fields_keep_their_values() -> None:
    old = _config(_job(relabel_configs=[{"action": "keep", "regex": "web"}], bearer_token="t-1"))
    new = _config(_job(relabel_configs=[{"action": "keep", "regex": "api"}], bearer_token="t-1"))
    masked = mask_secrets(diff_configs(old, new))
    (change,) = masked.changed["serviceScrape/apps/web/0"]
    assert (change.path, change.old, change.new) == ("relabel_configs[0].regex", "web", "api")


def test_header_values_and_proxy_userinfo_are_masked_and_their_names_and_hosts_shown() -> None:
    old = _config(_job(headers=["Authorization: Bearer tok-1"], proxy_url="http://u:pw-1@proxy:3128"))
    new = _config(_job(headers=["Authorization: Bearer tok-2"], proxy_url="http://u:pw-2@proxy:3128"))
    masked = mask_secrets(diff_configs(old, new))
    printed = masked.text() + masked.markdown() + json.dumps(masked.as_dict())
    assert "tok-" not in printed and "pw-" not in printed
    by_path = {c.path: c for c in masked.changed["serviceScrape/apps/web/0"]}
    assert (by_path["headers[0]"].old, by_path["headers[0]"].new) == (
        "Authorization: <secret>",
        "Authorization: <secret, another value>",
    )
    assert (by_path["proxy_url"].old, by_path["proxy_url"].new) == (
        "http://<secret>@proxy:3128",
        "http://<secret, another value>@proxy:3128",
    )
