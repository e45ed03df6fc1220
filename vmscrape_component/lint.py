"""Jobs the operator writes but vmagent refuses: caught before rollout instead of in vmagent's log.

The operator copies what a VMServiceScrape says into the job; vmagent then checks it when it loads the
config and skips (or, with strict parsing, refuses) a job whose auth it cannot build. These are its
rules, from ``lib/promauth/config.go`` (v1.150.0): one auth method per job, and an OAuth2 block needs a
client id, a client secret and a token URL.

Pure: nothing here imports pulumi.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

_AUTH_METHODS = (
    ("authorization", ("authorization",)),
    ("basic_auth", ("basic_auth",)),
    ("bearer_token", ("bearer_token", "bearer_token_file")),
    ("oauth2", ("oauth2",)),
)


def _auth_problems(block: Mapping[str, Any], prefix: str = "") -> list[str]:
    used = [name for name, keys in _AUTH_METHODS if any(block.get(prefix + k) for k in keys)]
    problems = []
    if block.get(prefix + "bearer_token") and block.get(prefix + "bearer_token_file"):
        problems.append(f"sets both `{prefix}bearer_token` and `{prefix}bearer_token_file`")
    if len(used) > 1:
        problems.append(f"uses {', '.join(f'`{prefix}{u}`' for u in used)} together; vmagent accepts one")
    oauth = block.get(prefix + "oauth2")
    if isinstance(oauth, Mapping):
        if not oauth.get("client_id"):
            problems.append(f"`{prefix}oauth2` has no client_id")
        if not oauth.get("client_secret") and not oauth.get("client_secret_file"):
            problems.append(f"`{prefix}oauth2` has neither client_secret nor client_secret_file")
        if not oauth.get("token_url"):
            problems.append(f"`{prefix}oauth2` has no token_url")
    return problems


def vmagent_refusals(job: Mapping[str, Any]) -> list[str]:
    """Why vmagent would refuse this rendered job (``[]`` when it would not)."""
    return _auth_problems(job) + _auth_problems(job, "proxy_")


#: Every key :func:`vmagent_refusals` reads: a job with none of them has nothing to refuse.
_AUTH_KEYS = frozenset(p + k for p in ("", "proxy_") for _, keys in _AUTH_METHODS for k in keys)


def refusal_warnings(jobs: Iterable[Mapping[str, Any]]) -> list[str]:
    """One message per reason, per job vmagent would refuse: ``job <name>: vmagent will refuse it: ...``."""
    return [
        f"job {job['job_name']}: vmagent will refuse it: {why}"
        for job in jobs
        if not _AUTH_KEYS.isdisjoint(job)
        for why in vmagent_refusals(job)
    ]
