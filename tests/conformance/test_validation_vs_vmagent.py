"""`if` selectors and proxy URLs: our validation accepts exactly what the real vmagent accepts (it
refuses the whole config on a bad one, so one scrape would block every other scrape of its agent)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.vmagent import DryRunResult, dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import Endpoint, RelabelConfig
from vmscrape_component.render.yaml import dump

pytestmark = pytest.mark.vmagent

SELECTORS = [
    'up{job="a"}',
    '{a=~"b|c", d!=""}',
    '{__name__="a" or __name__="b"}',
    'a{b="1" or c="2"}',
    'a{__name__="a"}',
    '{"metric.name", a="1"}',
    "{a=`raw\\d`}",
    'a{__name__="b"}',
    '{"a", __name__="b"}',
    'a{"b"}',
    '{a="x\ny"}',
    '{a="\\ud800"}',
    "{a=`x\\`}",
    "rate(x[5m])",
    '{a=~"[x"}',
    "inf",
]


def _we_accept(parse: Callable[[], object]) -> bool:
    try:
        parse()
    except VMScrapeError:
        return False
    return True


def _vmagent_loads(vmagent: str, **fields: object) -> DryRunResult:
    """vmagent -dryRun on one static job carrying ``fields``."""
    job = {"job_name": "j", "static_configs": [{"targets": ["127.0.0.1:1"]}], **fields}
    return dry_run(dump({"scrape_configs": [job]}), binary=vmagent)


@pytest.mark.parametrize("selector", SELECTORS)
def test_accepted_exactly_when_vmagent_accepts(selector: str, vmagent: str) -> None:
    ours = _we_accept(lambda: RelabelConfig.parse({"action": "drop", "if": selector}))
    result = _vmagent_loads(vmagent, relabel_configs=[{"action": "drop", "if": selector}])
    assert ours == result.ok, result.output


PROXIES = [
    "http://proxy:3128",
    "HTTPS://p:443",
    "socks5://127.0.0.1:1080",
    "tls+socks5://p:1",
    "proxy:3128",
    "ftp://p",
    "http://",
    "",
    "http://a b",
]


#: Proxy URLs vmagent loads but cannot use; we refuse them before rollout.
STRICTER = {"http://"}


@pytest.mark.parametrize("proxy", PROXIES)
def test_proxy_urls_accepted_exactly_when_vmagent_accepts(proxy: str, vmagent: str) -> None:
    ours = _we_accept(lambda: Endpoint.parse({"port": "http", "proxyURL": proxy}))
    result = _vmagent_loads(vmagent, proxy_url=proxy)
    if proxy in STRICTER:
        # Deliberately stricter: vmagent loads it, then every scrape through it fails.
        assert result.ok and not ours
    else:
        assert ours == result.ok, result.output
