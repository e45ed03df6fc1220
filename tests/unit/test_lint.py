"""The refusal rules agree with the real vmagent: a job is flagged exactly when vmagent refuses it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.support.vmagent import dry_run
from vmscrape_component.lint import vmagent_refusals
from vmscrape_component.render.yaml import dump

AUTH = {
    "authorization": {"authorization": {"credentials": "t", "type": "Bearer"}},
    "basic_auth": {"basic_auth": {"username": "u", "password": "p"}},
    "bearer_token": {"bearer_token": "t"},
    "bearer_token_file": {"bearer_token_file": "{dir}/token"},
    "oauth2": {"oauth2": {"client_id": "i", "client_secret": "s", "token_url": "http://127.0.0.1:1/t"}},
    "oauth2_no_token_url": {"oauth2": {"client_id": "i", "client_secret": "s"}},
    "oauth2_no_secret": {"oauth2": {"client_id": "i", "token_url": "http://127.0.0.1:1/t"}},
}
CASES = [(a,) for a in AUTH] + list(
    itertools.combinations(["authorization", "basic_auth", "bearer_token", "bearer_token_file", "oauth2"], 2)
)


def _job(names: tuple[str, ...], directory: Path) -> dict[str, Any]:
    job: dict[str, Any] = {"job_name": "+".join(names), "static_configs": [{"targets": ["127.0.0.1:1"]}]}
    for name in names:
        for key, value in AUTH[name].items():
            job[key] = value.replace("{dir}", str(directory)) if isinstance(value, str) else value
    return job


@pytest.mark.vmagent
@pytest.mark.parametrize("names", CASES, ids=lambda n: "+".join(n))
def test_flagged_exactly_when_vmagent_refuses(names: tuple[str, ...], vmagent: str, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("t")
    job = _job(names, tmp_path)
    result = dry_run(dump({"scrape_configs": [job]}), binary=vmagent)
    flagged = vmagent_refusals(job)
    assert bool(flagged) == (not result.ok), f"lint: {flagged}\nvmagent:\n{result.output}"


def test_proxy_auth_is_checked_too() -> None:
    job = {"job_name": "j", "proxy_basic_auth": {"username": "u"}, "proxy_bearer_token": "t"}
    assert vmagent_refusals(job) == [
        "uses `proxy_basic_auth`, `proxy_bearer_token` together; vmagent accepts one"
    ]
