"""Our validation accepts exactly what the real vmagent accepts: `if` selectors, regexes, durations,
limits and proxy URLs (vmagent refuses the whole config on most bad ones, so one scrape would block every
other scrape of its agent; a bad regex makes it skip the job silently). Each list says where a value came
from; the few deliberate differences are named, with the reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.vmagent import DryRunResult, dry_run
from vmscrape_component.errors import VMScrapeError
from vmscrape_component.models import Endpoint, RelabelConfig, VMServiceScrapeSpec
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
    # issue 12: quoting inside selectors, YAML null spellings, RE2-only escapes, the unary plus
    "{a='\\\"'}",
    '{a="it\\\'s"}',
    "{a='it\\'s'}",
    '{a="\\400"}',
    '{a="\\377"}',
    "null",
    "~",
    "Null",
    "NULL",
    '{a=~"a\\\\Cb"}',
    "+up",
    "(up)",
    '+(+{a="b"})',
    "-up",
    "up or down",
    "{}",
    # escapes in names (metricsql's scanIdent / decodeEscapeSequence)
    "a\\-b",
    'a\\x41b{c="d"}',
    "\\u00e9t\\u00e9",
    '{a\\-b="x"}',
    "a\\xZZ",
    "a\\",
    "a\u0663",
    "1a",
]

#: Selectors vmagent loads that we refuse: metricsql's WITH templates, which vmscrape does not expand.
SELECTORS_STRICTER = {"WITH (x = up) x"}


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


@pytest.mark.parametrize("selector", [*SELECTORS, *sorted(SELECTORS_STRICTER)])
def test_accepted_exactly_when_vmagent_accepts(selector: str, vmagent: str) -> None:
    ours = _we_accept(lambda: RelabelConfig.parse({"action": "drop", "if": selector}))
    result = _vmagent_loads(vmagent, relabel_configs=[{"action": "drop", "if": selector}])
    if selector in SELECTORS_STRICTER:
        assert result.ok and not ours
    else:
        assert ours == result.ok, result.output


REGEXES = [
    "a|b",
    "",
    "null",
    "~",
    "Null",
    "NULL",
    "nil",
    "(null)",
    "a\\Cb",
    "[\\C]",
    "\\\\C",
    "\\Q\\C\\E",
    "(?P<n>a)(?P<n>b)",
    "\\pL+",
    "(?=a)",
    "\\X",
]


@pytest.mark.parametrize("regex", REGEXES)
def test_regexes_accepted_exactly_when_vmagent_accepts(regex: str, vmagent: str) -> None:
    rule = {"action": "keep", "source_labels": ["a"], "regex": regex}
    ours = _we_accept(lambda: RelabelConfig.parse(rule))
    result = _vmagent_loads(vmagent, relabel_configs=[rule])
    assert ours == result.ok, result.output


@pytest.mark.parametrize("regex", ["null", "~"])
def test_a_one_item_regex_list_is_written_as_the_item(regex: str, vmagent: str) -> None:
    # The operator writes `regex: [x]` as `regex: x`, so the null spellings matter there too.
    assert not _we_accept(
        lambda: RelabelConfig.parse({"action": "keep", "sourceLabels": ["a"], "regex": [regex]})
    )
    assert _we_accept(
        lambda: RelabelConfig.parse({"action": "keep", "sourceLabels": ["a"], "regex": ["a", regex]})
    )
    assert not _vmagent_loads(
        vmagent, relabel_configs=[{"action": "keep", "source_labels": ["a"], "regex": regex}]
    ).ok
    two = {"action": "keep", "source_labels": ["a"], "regex": ["a", regex]}
    assert _vmagent_loads(vmagent, relabel_configs=[two]).ok


INT64_MAX = 2**63 - 1


@pytest.mark.parametrize("value", [0, INT64_MAX, INT64_MAX + 1, 2**64 - 1, 2**64, 2**70])
@pytest.mark.parametrize(("field", "key"), [("sampleLimit", "sample_limit"), ("seriesLimit", "series_limit")])
def test_limits_accepted_exactly_when_vmagent_accepts(field: str, key: str, value: int, vmagent: str) -> None:
    spec_level = _we_accept(lambda: VMServiceScrapeSpec.parse({field: value, "endpoints": [{"port": "a"}]}))
    endpoint_level = _we_accept(lambda: Endpoint.parse({"port": "a", field: value}))
    result = _vmagent_loads(vmagent, **{key: value})
    assert spec_level == endpoint_level == result.ok, result.output


#: Moduli vmagent loads that we refuse: yaml.v2 reads them as a float that rounds down to 2^64, but the
#: operator decodes `modulus` into a Go uint64 and cannot read the object at all.
MODULI_STRICTER = {2**64, 2**64 + 2048}


@pytest.mark.parametrize("modulus", [1, 2**63, 2**64 - 1, 2**64, 2**64 + 2048, 2**64 + 4096, 2**70])
def test_hashmod_moduli_accepted_exactly_when_vmagent_accepts(modulus: int, vmagent: str) -> None:
    rule = {"action": "hashmod", "source_labels": ["a"], "target_label": "b", "modulus": modulus}
    ours = _we_accept(lambda: RelabelConfig.parse(rule))
    result = _vmagent_loads(vmagent, relabel_configs=[rule])
    if modulus in MODULI_STRICTER:
        assert result.ok and not ours
    else:
        assert ours == result.ok, result.output


DURATIONS = ["30s", "1m30s", "1e3", "1h-5m", "1h-5m10s", "0x1p3", "1_000", "5.", ".5", "1.s", "5Ms"]
DURATIONS += ["soon", "5M", "5mi", ".5s", "inf", "1e400", "1h5", " 5s", "null"]
#: Durations vmagent loads but then ignores (a total of 0 or less means "use the default"): we refuse them.
DURATIONS_STRICTER = {"-5s", "1h-2h", "5i", "$__interval", "1e300", "0", "0s", "0.5ms"}


@pytest.mark.parametrize("duration", [*DURATIONS, *sorted(DURATIONS_STRICTER)])
def test_durations_accepted_exactly_when_vmagent_accepts(duration: str, vmagent: str) -> None:
    ours = _we_accept(lambda: Endpoint.parse({"port": "a", "interval": duration}))
    result = _vmagent_loads(vmagent, scrape_interval=duration)
    if duration in DURATIONS_STRICTER:
        assert result.ok and not ours
    else:
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
