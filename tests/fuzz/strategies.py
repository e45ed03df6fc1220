"""Hypothesis strategies: valid VMServiceScrape manifests across the whole model, and ways to break them.

:func:`batches` draws a :class:`Batch`: many VMServiceScrapes (in several namespaces), the Secrets and
ConfigMaps they refer to, and sometimes a VMAgent whose settings change the rendering (scrape classes,
interval limits, relabel template, API server...). Everything it draws is *valid*: the CRD and the
operator accept it, our models accept it, and the operator would render it into a config the real
vmagent accepts. Where the operator renders a valid object into something vmagent refuses, the strategy
stays clear of it, and ``KNOWN_VMAGENT_REJECTIONS.md`` next to this file says why.

:func:`mutations` takes a valid manifest and breaks one thing in it (a wrong type, an unknown key, a bad
duration/regex/label name, a missing required field...) and says which field path the error must name.

Manifests are plain dicts in the CRD's spelling, as a user writes them in YAML.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from vmscrape_component.models import API_VERSION, RELABEL_ACTIONS

# --- names ---------------------------------------------------------------------------------------------

dns_labels = st.from_regex(r"\A[a-z]([-a-z0-9]{0,10}[a-z0-9])?\Z")
object_names = st.one_of(
    dns_labels, st.from_regex(r"\A[a-z0-9]{1,6}(\.[a-z0-9]([-a-z0-9]{0,4}[a-z0-9])?){1,2}\Z")
)
_KEY_NAMES = st.from_regex(r"\A[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?\Z")
_KEY_PREFIXES = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?(\.[a-z0-9]{1,5}){0,2}\Z")
#: Kubernetes label keys: ``name`` or ``prefix/name``, with the characters Prometheus labels lack.
label_keys = st.one_of(
    st.sampled_from(["app", "app.kubernetes.io/name", "k8s-app", "team", "tier", "release", "a.b/c-d_e.f"]),
    _KEY_NAMES,
    st.builds(lambda p, n: f"{p}/{n}", _KEY_PREFIXES, _KEY_NAMES),
)
label_values = st.one_of(
    st.just(""),
    st.from_regex(r"\A[A-Za-z0-9]([-A-Za-z0-9_.]{0,12}[A-Za-z0-9])?\Z"),
    # Label values YAML 1.1 reads as something else when plain (dates, base-60, octal, floats): strings to
    # the API server and vmagent all the same.
    st.sampled_from(["2024-01-01", "2001-12-14t21", "1_000", "0o17", "1.0", "1e3", "Null", "NULL", "nil"]),
)
#: Values of a scrape's selector: the operator writes a lone one as a whole `regex`, which vmagent reads
#: as YAML null when it is `null` (see test_hostile_input).
selector_values = label_values.filter(lambda v: v not in ("null", "~"))
#: Prometheus label names.
label_names = st.one_of(
    st.sampled_from(["job", "instance", "__address__", "__name__", "__meta_kubernetes_pod_name", "env"]),
    st.from_regex(r"\A[a-zA-Z_][a-zA-Z0-9_]{0,12}\Z"),
)

# --- free text -----------------------------------------------------------------------------------------

#: Strings that YAML emitters get wrong: 1.1 booleans and nulls, numbers, indicators, quotes, escapes.
TRICKY_STRINGS = (
    "",
    " ",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "null",
    "Null",
    "~",
    "true",
    "False",
    "0",
    "-1",
    "012",
    "0o17",
    "0x1F",
    "1e3",
    "1_000",
    ".5",
    ".inf",
    "-.Inf",
    ".nan",
    "1:30",
    "2001-12-14",
    "-",
    "- a",
    "? a",
    ": a",
    "a: b",
    "a:b",
    "a #b",
    "#c",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "%YAML",
    "@at",
    "`tick",
    "|",
    ">-",
    "[a, b]",
    "{a: b}",
    ",",
    "'",
    '"',
    "\\",
    "\\n",
    "a\\b",
    "%{FOO}",
    "%{",
    "${1}",
    "$1",
    "{{ .x }}",
    "<<",
    "=",
    "---",
    "...",
    " lead",
    "trail ",
    "\ttab",
    "line\nbreak",
    "crlf\r\nx",
    "nel\x85x",
    "ls\u2028x",
    "bom\ufeffx",
    "bell\x07",
    "del\x7f",
    "é",
    "日本語",
    "emoji 🎉",
)
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",))
text = st.one_of(st.sampled_from(TRICKY_STRINGS), st.text(_CHARS, max_size=12))
#: Free text that is not empty after the operator trims trailing white space (secret values).
secret_values = text.filter(lambda s: s.rstrip() != "")
#: Values vmagent reads as a secret (``password``, ``bearer_token``, ``credentials``, ``client_secret``):
#: exactly ``null`` or ``~``, even quoted, makes it refuse the whole config (see the known list).
YAML_NULLS = ("null", "~")
secret_typed_values = secret_values.filter(lambda s: s not in YAML_NULLS)
_PATH_SEGMENTS = st.one_of(st.sampled_from(["metrics", "federate", "probe", "-", "a.b", "v1"]), text)
paths = st.one_of(
    st.sampled_from(["/metrics", "/", "/api/v1/metrics", "/metrics?x=1", "metrics"]),
    st.lists(_PATH_SEGMENTS, min_size=1, max_size=3).map(lambda segs: "/" + "/".join(segs)),
)
file_paths = st.one_of(
    st.sampled_from(["/etc/ssl/ca.crt", "/var/run/secrets/token", "relative/file", "/a b/c:d"]),
    st.builds(lambda seg: "/etc/vm/" + seg, st.from_regex(r"\A[A-Za-z0-9_.-]{1,12}\Z")),
)
_HOSTS = st.one_of(
    st.sampled_from(
        ["proxy", "proxy.example.com", "10.0.0.1", "[::1]", "xn--bcher-kva.example", "[fe80::1%25eth0]"]
    ),
    dns_labels,
)
urls = st.builds(
    lambda scheme, auth, host, port, path: f"{scheme}://{auth}{host}{port}{path}",
    st.sampled_from(["http", "https", "socks5"]),
    st.sampled_from(["", "user:pass@", "u%40x:p%3Aw@"]),
    _HOSTS,
    st.sampled_from(["", ":3128", ":8080"]),
    # Go's url.Parse (vmagent's) takes a space or an escape in the path.
    st.sampled_from(["", "/", "/token", "/oauth2/token?x=y", "/a b", "/%41"]),
)

# --- durations and sizes ---------------------------------------------------------------------------------

# Units in any case but ``M``, which vmagent refuses (it is not minutes); the models refuse it too.
_UNITS = ["ms", "s", "m", "h", "d", "w", "y", "S", "H", "D", "W", "Y", "MS", "mS"]
# No zero: vmagent silently uses its default for a zero interval, so the models refuse it.
_NUMBERS = st.one_of(st.integers(1, 120).map(str), st.sampled_from(["1.5", "0.5", "2.", "10.25"]))
durations = st.one_of(
    st.sampled_from(["30s", "1m", "1m30s", "1.5m", "500ms", "2h", "1d", "1w", "1y", "15", "0.5", "1h-5m"]),
    st.lists(st.tuples(_NUMBERS, st.sampled_from(_UNITS)), min_size=1, max_size=3).map(
        # Whole milliseconds only: vmagent counts in ms, so 0.5ms alone is zero (its default again).
        lambda parts: "".join(("1" if n == "0.5" and u.lower() == "ms" else n) + u for n, u in parts)
    ),
)
#: VMAgent-level durations: the CRD also wants its (unanchored) pattern ``[0-9]+(ms|s|m|h)`` in the value.
agent_durations = durations.filter(lambda v: re.search("[0-9]+(ms|s|m|h)", v) is not None)
byte_sizes = st.one_of(
    st.sampled_from(["16MiB", "100KB", "1048576", "1GB", "1.5MB", "2TiB", "16mib"]),
    st.builds(
        lambda n, u: f"{n}{u}",
        st.integers(0, 4096),
        st.sampled_from(["", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"]),
    ),
)

# --- regular expressions and series selectors ----------------------------------------------------------

_REGEX_ATOMS = st.one_of(
    st.sampled_from(
        [
            ".*",
            ".+",
            "(.*)",
            "(.+)",
            "([^:]+)",
            "[a-z0-9]+",
            "\\d+",
            "\\w*",
            "(foo|bar)",
            "(?P<name>[a-z]+)",
            "(?i)ab",
            "(?:x|y)?",
            "\\.",
            "\\$",
            "a{2,3}",
            "[[:alpha:]]+",
            "\\pL+",
            "\\p{Greek}",
            "(?<n>x)",
            "\\Qa.b\\E",
        ]
    ),
    st.from_regex(r"\A[A-Za-z0-9_:/-]{1,8}\Z"),
)
# A regex spelled exactly `null` or `~` is read as YAML null by vmagent (see KNOWN_VMAGENT_REJECTIONS.md).
regexes = st.builds(
    lambda start, atoms, end: start + "".join(atoms) + end,
    st.sampled_from(["", "", "^"]),
    st.lists(_REGEX_ATOMS, min_size=1, max_size=4),
    st.sampled_from(["", "", "$"]),
).filter(lambda r: r not in YAML_NULLS)
#: ``regex`` as the CRD takes it: a string or a list of strings.
regex_values = st.one_of(regexes, st.lists(regexes, min_size=1, max_size=3))


def _quoted(value: str, quote: str) -> str:
    # metricsql ends a `...` string only at a backtick after an even number of backslashes; the models
    # read `...` as raw (see KNOWN_VMAGENT_REJECTIONS.md, "model gaps").
    if quote == "`" and "`" not in value and not value.endswith("\\"):
        return f"`{value}`"
    # A raw line break inside '...' (or "...") is refused by vmagent, and not yet by the models.
    if quote == "'" and not any(c in value for c in "'\\\n"):
        return f"'{value}'"
    # Go's strconv.Unquote reads JSON escapes, but not surrogate pairs: keep other characters as they are.
    return json.dumps(value, ensure_ascii=False)


# `__name__="x"` is left out: next to a metric name it sets the name twice, which vmagent refuses and
# the models do not catch yet (see KNOWN_VMAGENT_REJECTIONS.md, "model gaps").
_SELECTOR_FILTERS = st.one_of(
    st.builds(
        lambda name, op, value, quote: f"{name}{op}{_quoted(value, quote)}",
        label_names.filter(lambda n: n != "__name__"),
        st.sampled_from(["=", "!="]),
        text,
        st.sampled_from(['"', "'", "`"]),
    ),
    st.builds(lambda value: f"__name__!={_quoted(value, chr(34))}", text),
    st.builds(
        lambda name, op, value, quote: f"{name}{op}{_quoted(value, quote)}",
        label_names,
        st.sampled_from(["=~", "!~"]),
        regexes,
        st.sampled_from(['"', "`"]),
    ),
)
_METRIC_NAMES = st.one_of(st.just(""), st.from_regex(r"\A[a-zA-Z_:][a-zA-Z0-9_:]{0,12}\Z"))


def _selector(name: str, filters: list[str], joiner: str) -> str:
    if not filters:
        return name or "{}"
    return f"{name}{{{joiner.join(filters)}}}"


series_selectors = st.one_of(
    st.sampled_from(['{__name__=~"go_.*"}', 'up{job="web"}', "metric", '{a="b" or c="d"}', "{}"]),
    st.builds(
        _selector,
        _METRIC_NAMES.filter(lambda n: n.lower() not in ("inf", "nan", "or", "by", "without", "on", "null")),
        st.lists(_SELECTOR_FILTERS, max_size=3),
        st.sampled_from([",", ", ", " or "]),
    ),
)
#: ``if`` as the CRD takes it: a selector or a list of selectors.
if_values = st.one_of(series_selectors, st.lists(series_selectors, min_size=1, max_size=3))

# --- relabeling ----------------------------------------------------------------------------------------

#: Target labels may use capture groups (``$1``, ``${1}``, ``${name}``) as parts of the name.
target_labels = st.one_of(
    label_names,
    st.sampled_from(["$1", "${1}", "prefix_$1", "${1}_suffix", "${name}", "a_${2}_b"]),
    # vmagent takes any target label, also ones that are no Prometheus label name.
    st.sampled_from(["pod-name", "1x", "a.b"]),
)
replacements = st.one_of(st.sampled_from(["$1", "${1}", "$1:$2", "${1}_x", "", "{{ __name__ }}"]), text)


def _maybe(d: dict[str, Any], draw: Callable[..., Any], key: str, strategy: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        d[key] = draw(strategy)


def _cased(draw: Callable[..., Any], action: str) -> str:
    return draw(st.sampled_from([action, action, action.upper(), action.capitalize()]))


@st.composite
def relabel_configs(draw: Callable[..., Any], action: str | None = None) -> dict[str, Any]:
    """One relabel rule of ``action`` (any of vmagent's, drawn when ``None``), with what it needs."""
    action = action or draw(st.sampled_from(RELABEL_ACTIONS))
    rc: dict[str, Any] = {}
    if action != "replace" or draw(st.booleans()):  # replace is the default action
        rc["action"] = _cased(draw, action)
    # Both spellings are accepted (sourceLabels/source_labels, targetLabel/target_label).
    source_key = draw(st.sampled_from(["sourceLabels", "sourceLabels", "source_labels"]))
    target_key = draw(st.sampled_from(["targetLabel", "targetLabel", "target_label"]))
    sources = st.lists(label_names, min_size=1, max_size=3)

    if action == "graphite":
        rc["match"] = draw(st.sampled_from(["*.*.total", "foo.*.bar", "*", "a.*.*.b"]))
        rc["labels"] = draw(
            st.dictionaries(
                label_names, st.sampled_from(["$1", "${1}", "$2_total", "x", "$0"]), min_size=1, max_size=3
            )
        )
        _maybe(rc, draw, "if", if_values)
        return rc
    if action in ("replace", "keepequal", "dropequal"):
        rc[target_key] = draw(target_labels)
    if action in ("replace_all", "hashmod", "lowercase", "uppercase", "keep_if_contains", "drop_if_contains"):
        rc[source_key] = draw(sources)
        rc[target_key] = draw(target_labels)
    elif action in ("keep_if_equal", "drop_if_equal"):
        rc[source_key] = draw(st.lists(label_names, min_size=2, max_size=3))
    elif action in ("keep", "drop"):
        if draw(st.booleans()):
            rc[source_key] = draw(sources)
        else:
            rc["if"] = draw(if_values)
    elif action in ("keep_metrics", "drop_metrics"):
        if draw(st.booleans()):
            rc["regex"] = draw(regex_values)
        else:
            rc["if"] = draw(if_values)
    elif action in (
        "replace",
        "keepequal",
        "dropequal",
        "labelmap",
        "labelmap_all",
        "labeldrop",
        "labelkeep",
    ):
        _maybe(rc, draw, source_key, sources)

    no_regex = (
        "keep_if_equal",
        "drop_if_equal",
        "keep_if_contains",
        "drop_if_contains",
        "keepequal",
        "dropequal",
    )
    if action not in no_regex and "regex" not in rc:
        _maybe(rc, draw, "regex", regex_values)
    if action == "hashmod":
        rc["modulus"] = draw(st.integers(1, 2**32))
    _maybe(rc, draw, "separator", st.one_of(st.sampled_from([";", ",", "", ":", "/"]), text))
    if action in ("replace", "replace_all", "labelmap", "labelmap_all", "hashmod"):
        _maybe(rc, draw, "replacement", replacements)
    if "if" not in rc:
        _maybe(rc, draw, "if", if_values)
    return rc


relabel_lists = st.lists(relabel_configs(), max_size=4)

# --- secrets, auth and TLS -------------------------------------------------------------------------------

SECRET = "fz-creds"
CONFIG_MAP = "fz-cm"
SECRET_KEYS = ("user", "pass", "token", "creds", "cid", "csecret", "ca", "cert", "key", "proxy-token")
#: The keys whose values end up in fields vmagent reads as secrets.
SECRET_TYPED_KEYS = ("pass", "token", "creds", "csecret", "proxy-token")
CONFIG_MAP_KEYS = ("ca", "cert", "cid")


@st.composite
def secret_refs(draw: Callable[..., Any], key: str) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": SECRET, "key": key}
    _maybe(ref, draw, "optional", st.booleans())
    return ref


@st.composite
def secret_or_config_maps(draw: Callable[..., Any], key: str) -> dict[str, Any]:
    if key in CONFIG_MAP_KEYS and draw(st.booleans()):
        ref: dict[str, Any] = {"name": CONFIG_MAP, "key": key}
        _maybe(ref, draw, "optional", st.booleans())
        return {"configMap": ref}
    return {"secret": draw(secret_refs(key))}


@st.composite
def tls_configs(draw: Callable[..., Any]) -> dict[str, Any]:
    tls: dict[str, Any] = {}
    for file_key, ref_key, asset in (("caFile", "ca", "ca"), ("certFile", "cert", "cert")):
        choice = draw(st.sampled_from(["none", "file", "ref", "empty-ref"]))
        if choice == "file":
            tls[file_key] = draw(file_paths)
        elif choice == "ref":
            tls[ref_key] = draw(secret_or_config_maps(asset))
        elif choice == "empty-ref":
            tls[ref_key] = {}
    choice = draw(st.sampled_from(["none", "file", "ref"]))
    if choice == "file":
        tls["keyFile"] = draw(file_paths)
    elif choice == "ref":
        tls["keySecret"] = draw(secret_refs("key"))
    _maybe(tls, draw, "serverName", st.one_of(dns_labels, st.just("example.com")))
    _maybe(tls, draw, "insecureSkipVerify", st.booleans())
    return tls


@st.composite
def basic_auths(draw: Callable[..., Any]) -> dict[str, Any]:
    # vmagent wants a user name: basic auth without one is only a warning today (see the known list).
    basic: dict[str, Any] = {"username": draw(secret_refs("user"))}
    choice = draw(st.sampled_from(["password", "file", "none"]))
    if choice == "password":
        basic["password"] = draw(secret_refs("pass"))
    elif choice == "file":
        basic["password_file"] = draw(file_paths)
    return basic


@st.composite
def authorizations(draw: Callable[..., Any]) -> dict[str, Any]:
    authz: dict[str, Any] = {}
    choice = draw(st.sampled_from(["credentials", "file", "both"]))
    if choice in ("credentials", "both"):
        authz["credentials"] = draw(secret_refs("creds"))
    if choice in ("file", "both"):  # with both, the operator writes only the credentials
        authz["credentialsFile"] = draw(file_paths)
    _maybe(authz, draw, "type", st.sampled_from(["Bearer", "Token", "Custom-Scheme", "ApiKey"]))
    return authz


@st.composite
def oauth2s(draw: Callable[..., Any]) -> dict[str, Any]:
    oauth: dict[str, Any] = {"client_id": draw(secret_or_config_maps("cid")), "token_url": draw(urls)}
    # vmagent needs a client secret (one way): see the known list.
    if draw(st.booleans()):
        oauth["client_secret"] = draw(secret_refs("csecret"))
    else:
        oauth["client_secret_file"] = draw(file_paths)
    _maybe(oauth, draw, "scopes", st.lists(text, max_size=3))
    _maybe(oauth, draw, "endpoint_params", st.dictionaries(text, text, max_size=3))
    _maybe(oauth, draw, "proxy_url", urls)
    _maybe(oauth, draw, "tls_config", tls_configs())
    return oauth


#: One way to authenticate: vmagent refuses two at once (see the known list).
AUTH_KINDS = ("none", "basic", "bearer-secret", "bearer-file", "bearer-both", "authorization", "oauth2")


@st.composite
def endpoint_auth(draw: Callable[..., Any], kinds: tuple[str, ...] = AUTH_KINDS) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    out: dict[str, Any] = {}
    if kind == "basic":
        out["basicAuth"] = draw(basic_auths())
    elif kind in ("bearer-secret", "bearer-both"):
        out["bearerTokenSecret"] = draw(secret_refs("token"))
    if kind in ("bearer-file", "bearer-both"):  # with both, the operator writes only the file
        out["bearerTokenFile"] = draw(file_paths)
    elif kind == "authorization":
        out["authorization"] = draw(authorizations())
    elif kind == "oauth2":
        out["oauth2"] = draw(oauth2s())
    return out


@st.composite
def proxy_client_configs(draw: Callable[..., Any]) -> dict[str, Any]:
    # authorization and oauth2 are left out: the operator nests them wrongly (see the known list).
    proxy: dict[str, Any] = {}
    choice = draw(st.sampled_from(["none", "basic", "token", "file"]))
    if choice == "basic":
        proxy["basic_auth"] = draw(basic_auths())
    elif choice == "token":
        proxy["bearer_token"] = draw(secret_refs("proxy-token"))
    elif choice == "file":
        proxy["bearer_token_file"] = draw(file_paths)
    _maybe(proxy, draw, "tls_config", tls_configs())
    return proxy


_HEADER_NAMES = st.one_of(
    st.sampled_from(["X-Scope-OrgID", "Accept", "X-Custom"]), st.from_regex(r"\A[A-Za-z][-A-Za-z0-9]{0,10}\Z")
)
headers = st.builds(
    lambda name, sep, value: f"{name}{sep}{value}", _HEADER_NAMES, st.sampled_from([":", ": ", " : "]), text
)


@st.composite
def vm_scrape_params(draw: Callable[..., Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in ("disable_compression", "disable_keep_alive", "no_stale_markers", "stream_parse"):
        _maybe(params, draw, key, st.booleans())
    _maybe(params, draw, "scrape_align_interval", durations)
    _maybe(params, draw, "scrape_offset", durations)
    _maybe(params, draw, "headers", st.lists(headers, max_size=3))
    _maybe(params, draw, "proxy_client_config", proxy_client_configs())
    return params


attach_metadatas = st.fixed_dictionaries({}, optional={"node": st.booleans(), "namespace": st.booleans()})

# --- endpoints and scrapes -------------------------------------------------------------------------------

#: Port names: the operator writes them into an anchored regex, so metacharacters that compile are fine.
port_names = st.one_of(
    st.sampled_from(["http", "metrics", "https-metrics", "8080", "web", "web|http", "Null"]), dns_labels
)
target_ports = st.one_of(st.integers(1, 65535), port_names)


@st.composite
def endpoints(draw: Callable[..., Any], auth_kinds: tuple[str, ...] = AUTH_KINDS) -> dict[str, Any]:
    ep: dict[str, Any] = {}
    ports = draw(st.sampled_from(["port", "targetPort", "both", "none"]))
    if ports in ("port", "both"):
        ep["port"] = draw(port_names)
    if ports in ("targetPort", "both"):
        ep["targetPort"] = draw(target_ports)
    _maybe(ep, draw, "path", paths)
    _maybe(ep, draw, "scheme", st.sampled_from(["http", "https", "HTTP", "HTTPS"]))
    _maybe(ep, draw, "params", st.dictionaries(text, st.lists(text, max_size=3), max_size=3))
    _maybe(ep, draw, "follow_redirects", st.booleans())
    _maybe(ep, draw, "sampleLimit", st.integers(-(2**63), 2**63 - 1))  # 0 or less: no limit
    _maybe(ep, draw, "seriesLimit", st.integers(0, 2**63 - 1))
    _maybe(ep, draw, "interval", durations)
    _maybe(ep, draw, "scrape_interval", durations)
    _maybe(ep, draw, "scrapeTimeout", durations)
    _maybe(ep, draw, "proxyURL", urls)
    _maybe(ep, draw, "honorLabels", st.booleans())
    _maybe(ep, draw, "honorTimestamps", st.booleans())
    _maybe(ep, draw, "max_scrape_size", byte_sizes)
    _maybe(ep, draw, "vm_scrape_params", vm_scrape_params())
    _maybe(ep, draw, "tlsConfig", tls_configs())
    ep.update(draw(endpoint_auth(auth_kinds)))
    _maybe(ep, draw, "relabelConfigs", relabel_lists)
    _maybe(ep, draw, "metricRelabelConfigs", relabel_lists)
    _maybe(ep, draw, "attach_metadata", attach_metadatas)
    return ep


@st.composite
def label_selectors(draw: Callable[..., Any]) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    _maybe(selector, draw, "matchLabels", st.dictionaries(label_keys, selector_values, max_size=3))
    if draw(st.booleans()):
        expressions = []
        for _ in range(draw(st.integers(0, 3))):
            op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
            expr: dict[str, Any] = {"key": draw(label_keys), "operator": op}
            if op in ("In", "NotIn"):
                expr["values"] = draw(st.lists(selector_values, min_size=1, max_size=3))
            elif draw(st.booleans()):
                expr["values"] = []
            expressions.append(expr)
        selector["matchExpressions"] = expressions
    return selector


namespace_selectors = st.one_of(
    st.just({}),
    st.just({"any": True}),
    st.just({"any": False}),
    st.builds(lambda names: {"matchNames": names}, st.lists(dns_labels, min_size=1, max_size=3)),
    st.builds(
        lambda names: {"any": False, "matchNames": names}, st.lists(dns_labels, min_size=1, max_size=3)
    ),
)

#: Scrape classes of the agents :func:`agents` draws, and the auth the endpoints using them may add.
SCRAPE_CLASS_AUTH: dict[str | None, tuple[str, ...]] = {
    None: AUTH_KINDS,
    "relabel": AUTH_KINDS,
    "tls": AUTH_KINDS,
    # The class brings a bearer token: an endpoint adding basic auth, authorization or oauth2 would be
    # refused by vmagent (two kinds of auth), exactly as written by the operator.
    "token": ("none", "bearer-secret", "bearer-file", "bearer-both"),
}


@st.composite
def spec_settings(draw: Callable[..., Any]) -> dict[str, Any]:
    """A VMServiceScrape spec without its endpoints (and without ``scrapeClass``)."""
    spec: dict[str, Any] = {}
    _maybe(
        spec,
        draw,
        "discoveryRole",
        st.sampled_from(["endpoints", "endpointslices", "endpointslice", "service"]),
    )
    _maybe(spec, draw, "jobLabel", label_keys)
    _maybe(spec, draw, "targetLabels", st.lists(label_keys, max_size=3))
    _maybe(spec, draw, "podTargetLabels", st.lists(label_keys, max_size=3))
    _maybe(spec, draw, "selector", label_selectors())
    _maybe(spec, draw, "namespaceSelector", namespace_selectors)
    _maybe(spec, draw, "sampleLimit", st.integers(-(2**63), 2**63 - 1))
    _maybe(spec, draw, "seriesLimit", st.integers(0, 2**63 - 1))
    _maybe(spec, draw, "attach_metadata", attach_metadatas)
    return spec


@st.composite
def scrape_specs(draw: Callable[..., Any], scrape_class: str | None = None) -> dict[str, Any]:
    auth_kinds = SCRAPE_CLASS_AUTH[scrape_class]
    spec: dict[str, Any] = {"endpoints": draw(st.lists(endpoints(auth_kinds), min_size=1, max_size=3))}
    spec.update(draw(spec_settings()))
    if scrape_class is not None:
        spec["scrapeClass"] = scrape_class
    return spec


@st.composite
def scrapes(
    draw: Callable[..., Any], namespaces: st.SearchStrategy[str] = dns_labels, scrape_classes: bool = False
) -> dict[str, Any]:
    """A VMServiceScrape manifest."""
    scrape_class = draw(st.sampled_from(list(SCRAPE_CLASS_AUTH))) if scrape_classes else None
    metadata: dict[str, Any] = {"name": draw(object_names), "namespace": draw(namespaces)}
    _maybe(metadata, draw, "labels", st.dictionaries(label_keys, label_values, max_size=2))
    _maybe(metadata, draw, "annotations", st.dictionaries(label_keys, text, max_size=2))
    return {
        "apiVersion": API_VERSION,
        "kind": "VMServiceScrape",
        "metadata": metadata,
        "spec": draw(scrape_specs(scrape_class)),
    }


# --- agents --------------------------------------------------------------------------------------------


@st.composite
def agents(draw: Callable[..., Any]) -> dict[str, Any]:
    """A VMAgent with what changes rendering: the scrape classes :data:`SCRAPE_CLASS_AUTH` names, interval
    limits, a relabel template, an enforced namespace label, honor overrides, API-server selectors..."""
    spec: dict[str, Any] = {
        "scrapeClasses": [
            {
                "name": "relabel",
                "relabelConfigs": draw(st.lists(relabel_configs(), min_size=1, max_size=2)),
                "metricRelabelConfigs": draw(st.lists(relabel_configs(), max_size=2)),
                "attachMetadata": draw(attach_metadatas),
            },
            {"name": "tls", "tlsConfig": draw(tls_configs())},
            {"name": "token", "bearerTokenSecret": draw(secret_refs("token"))},
        ]
    }
    _maybe(spec, draw, "minScrapeInterval", st.sampled_from(["10s", "1m", "500ms"]))
    _maybe(spec, draw, "maxScrapeInterval", st.sampled_from(["5m", "1h", "30s"]))
    _maybe(spec, draw, "scrapeInterval", agent_durations)
    _maybe(spec, draw, "scrapeTimeout", agent_durations)
    _maybe(spec, draw, "sampleLimit", st.integers(0, 10**6))
    _maybe(spec, draw, "serviceScrapeRelabelTemplate", st.lists(relabel_configs(), max_size=2))
    _maybe(spec, draw, "enforcedNamespaceLabel", st.sampled_from(["namespace", "tenant", ""]))
    _maybe(spec, draw, "overrideHonorLabels", st.booleans())
    _maybe(spec, draw, "overrideHonorTimestamps", st.booleans())
    _maybe(spec, draw, "enableKubernetesAPISelectors", st.booleans())
    _maybe(spec, draw, "externalLabels", st.dictionaries(label_names, text, max_size=2))
    _maybe(spec, draw, "externalLabelName", st.sampled_from(["prometheus", "vmagent", ""]))
    if draw(st.booleans()):
        api: dict[str, Any] = {
            "host": draw(st.sampled_from(["https://kubernetes.default.svc", "10.0.0.1:6443"]))
        }
        kind = draw(st.sampled_from(["none", "basic", "token", "file", "authorization"]))
        if kind == "basic":
            api["basicAuth"] = draw(basic_auths())
        elif kind == "token":
            api["bearerToken"] = draw(secret_typed_values)
        elif kind == "file":
            api["bearerTokenFile"] = draw(file_paths)
        elif kind == "authorization":
            api["authorization"] = draw(authorizations())
        _maybe(api, draw, "tlsConfig", tls_configs())
        spec["apiServerConfig"] = api
    return {
        "apiVersion": API_VERSION,
        "kind": "VMAgent",
        "metadata": {"name": draw(dns_labels), "namespace": draw(dns_labels)},
        "spec": spec,
    }


# --- batches -------------------------------------------------------------------------------------------


@dataclass
class Batch:
    """VMServiceScrapes to render into one config, with the objects they refer to and maybe an agent."""

    scrapes: list[dict[str, Any]]
    objects: list[dict[str, Any]] = field(default_factory=list)
    agent: dict[str, Any] | None = None


def _assets(namespaces: set[str], values: dict[str, str]) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for ns in sorted(namespaces):
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": SECRET, "namespace": ns},
                "data": {k: base64.b64encode(values[k].encode()).decode() for k in SECRET_KEYS},
            }
        )
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": CONFIG_MAP, "namespace": ns},
                "data": {k: values[k] for k in CONFIG_MAP_KEYS},
            }
        )
    return objects


@st.composite
def batches(draw: Callable[..., Any], min_size: int = 1, max_size: int = 50) -> Batch:
    """``min_size`` to ``max_size`` VMServiceScrapes with distinct ``namespace/name``, the Secrets and
    ConfigMaps they use (in every namespace involved), and sometimes a VMAgent.

    Hypothesis bounds how much one example may draw, and 50 fully drawn scrapes are beyond it. So a batch
    draws pools of parts (endpoints, spec settings, metadata) and assembles each scrape from a few of
    them: every part is checked in many combinations, and one example still fills one big config.
    """
    namespaces = draw(st.lists(dns_labels, min_size=1, max_size=4, unique=True))
    with_agent = draw(st.booleans())
    endpoint_pool = draw(st.lists(endpoints(), min_size=1, max_size=10))
    # Endpoints that add no auth but a bearer token: for the scrape class that brings one.
    token_pool = draw(st.lists(endpoints(SCRAPE_CLASS_AUTH["token"]), min_size=1, max_size=2))
    spec_pool = draw(st.lists(spec_settings(), min_size=1, max_size=6))
    metadata_pool = draw(
        st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "labels": st.dictionaries(label_keys, label_values, max_size=2),
                    "annotations": st.dictionaries(label_keys, text, max_size=2),
                },
            ),
            min_size=1,
            max_size=3,
        )
    )
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(namespaces), object_names),
            min_size=min_size,
            max_size=max_size,
            unique=True,
        )
    )
    items = []
    for namespace, name in keys:
        scrape_class = draw(st.sampled_from(list(SCRAPE_CLASS_AUTH))) if with_agent else None
        pool = token_pool if scrape_class == "token" else endpoint_pool
        spec = copy.deepcopy(draw(st.sampled_from(spec_pool)))
        spec["endpoints"] = copy.deepcopy(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
        if scrape_class is not None:
            spec["scrapeClass"] = scrape_class
        metadata = {
            "name": name,
            "namespace": namespace,
            **copy.deepcopy(draw(st.sampled_from(metadata_pool))),
        }
        items.append(
            {"apiVersion": API_VERSION, "kind": "VMServiceScrape", "metadata": metadata, "spec": spec}
        )
    agent = draw(agents()) if with_agent else None
    values = {
        key: draw(secret_typed_values if key in SECRET_TYPED_KEYS else secret_values) for key in SECRET_KEYS
    }
    used = {s["metadata"]["namespace"] for s in items}
    if agent is not None:
        used.add(agent["metadata"]["namespace"])
    return Batch(items, _assets(used, values), agent)


# --- mutations into invalid manifests --------------------------------------------------------------------


@dataclass
class Mutation:
    """A manifest broken in one place, and the field path (manifest spelling) the error must name."""

    manifest: dict[str, Any]
    path: str
    what: str


def _dotted(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _set(manifest: dict[str, Any], path: list[str | int], value: Any) -> Mutation:
    obj: Any = manifest
    for part in path[:-1]:
        obj = obj[part]
    obj[path[-1]] = copy.deepcopy(value)
    return Mutation(manifest, _dotted(path), "")


#: Values that are wrong wherever they are put, whatever the rest of the manifest holds:
#: (keys under an endpoint, value, what is wrong).
_BAD_ENDPOINT_VALUES: tuple[tuple[tuple[str, ...], Any, str], ...] = (
    (("port",), 8080, "number for port"),
    (("port",), True, "bool for port"),
    (("port",), ["http"], "list for port"),
    (("targetPort",), 0, "targetPort out of range"),
    (("targetPort",), 70000, "targetPort out of range"),
    (("targetPort",), "", "empty targetPort"),
    (("targetPort",), 1.5, "float targetPort"),
    (("interval",), "thirty seconds", "bad duration"),
    (("scrape_interval",), "5x", "bad duration unit"),
    (("scrapeTimeout",), "-5s", "negative duration"),
    (("scrapeTimeout",), 30, "number for duration"),
    (("max_scrape_size",), "16 parsecs", "bad size"),
    (("scheme",), "ftp", "unknown scheme"),
    (("path",), 1, "number for path"),
    (("sampleLimit",), "100", "string for limit"),
    (("seriesLimit",), 1.5, "float for limit"),
    (("honorLabels",), "yes", "string for bool"),
    (("follow_redirects",), 1, "number for bool"),
    (("params",), {"a": "b"}, "string instead of list in params"),
    (("params",), ["a"], "list for params"),
    (("relabelConfigs",), {"action": "keep"}, "mapping for relabelConfigs"),
    (("relabelConfigs",), [{"action": "explode"}], "unknown action"),
    (("relabelConfigs",), [{"targetLabel": "x", "regex": "(unclosed"}], "bad regex"),
    (("relabelConfigs",), [{"targetLabel": "x", "regex": ["ok", "a)"]}], "bad regex in list"),
    (("relabelConfigs",), [{"action": "keep", "if": "{a="}], "bad if"),
    (("relabelConfigs",), [{"action": "keep", "if": ""}], "empty if"),
    (("relabelConfigs",), [{"action": "keep"}], "keep without source"),
    (("relabelConfigs",), [{"action": "keep", "if": 'a{__name__="b"}'}], "metric name set twice in if"),
    (("relabelConfigs",), [{"action": "keep", "if": '{a="x\ny"}'}], "line break inside an if string"),
    (("relabelConfigs",), [{"action": "keep", "if": '{a="\\ud800"}'}], "surrogate escape in if"),
    (("sampleLimit",), 2**64, "limit beyond int64"),
    (("proxyURL",), "proxy:3128", "proxy URL without scheme"),
    (("proxyURL",), "ftp://proxy", "proxy URL with a scheme vmagent refuses"),
    (("oauth2",), {"client_id": {"secret": {"name": "s", "key": "id"}}, "token_url": ""}, "empty token_url"),
    (("relabelConfigs",), [{"action": "hashmod", "sourceLabels": ["a"], "targetLabel": "b"}], "no modulus"),
    (("relabelConfigs",), [{"action": "keep_if_equal", "sourceLabels": ["a"]}], "one source"),
    (("relabelConfigs",), [{"action": "graphite", "match": "a.*"}], "graphite without labels"),
    (("relabelConfigs",), [{"action": "drop_metrics", "sourceLabels": ["a"], "regex": "x"}], "source"),
    (("relabelConfigs",), [{"targetLabel": "x", "modulus": -1}], "negative modulus"),
    (("metricRelabelConfigs",), [{"targetLabel": "x", "bogus": 1}], "unknown relabel key"),
    (("metricRelabelConfigs",), [{"targetLabel": "x", "regex": []}], "empty regex list"),
    (("metricRelabelConfigs",), [{"targetLabel": "x", "regex": 5}], "number regex"),
    (("basicAuth",), {"username": {"name": "s"}}, "secret ref without key"),
    (("basicAuth",), {"username": "plain"}, "string for secret ref"),
    (("bearerTokenSecret",), {"name": "s", "key": "k", "extra": 1}, "unknown key in secret ref"),
    (("authorization",), {"credentials": {"name": "s", "key": 3}}, "number for key"),
    (("oauth2",), {"client_id": {"secret": {"name": "s", "key": "k"}}}, "oauth2 without token_url"),
    (("oauth2",), {"token_url": "http://t"}, "oauth2 without client_id"),
    (
        ("oauth2",),
        {"client_id": {"secret": {"key": "a"}, "configMap": {"key": "b"}}, "token_url": "http://t"},
        "client_id from both",
    ),
    (("tlsConfig",), {"caFile": "/ca", "ca": {"secret": {"name": "s", "key": "ca"}}}, "ca twice"),
    (("tlsConfig",), {"keyFile": "/k", "keySecret": {"name": "s", "key": "k"}}, "key twice"),
    (("tlsConfig",), {"insecure_skip_verify": True}, "snake_case TLS key"),
    (("tlsConfig",), {"insecureSkipVerify": "true"}, "string for bool"),
    (("vm_scrape_params",), {"headers": ["no colon"]}, "header without name"),
    (("vm_scrape_params",), {"scrape_offset": "soon"}, "bad duration"),
    (("vm_scrape_params",), {"proxy_client_config": {"bearer_token": "plain"}}, "string for secret ref"),
    (("vm_scrape_params",), {"unknown_param": True}, "unknown key"),
    (("attach_metadata",), {"node": "yes"}, "string for bool"),
    (("attach_metadata",), {"pod": True}, "unknown key"),
    (("bogusField",), 1, "unknown endpoint key"),
    # Hostile input, second round (issue 24): null spellings, regex metacharacters, Go's URL, size and
    # regexp parsers, trailing newlines, vmagent's interval range, paths leaving the TLS mount.
    (("port",), "null", "null port name"),
    (("port",), "we(b", "port name that is no regex"),
    (("port",), "a**", "port name with nested repetition"),
    (("targetPort",), "~", "null targetPort name"),
    (("proxyURL",), "http://proxy:3128\n", "control character in proxy URL"),
    (("proxyURL",), "http://pr%41xy:3128", "host %-escape in proxy URL"),
    (("proxyURL",), "http://[::1:3128", "unclosed IPv6 bracket in proxy URL"),
    (("proxyURL",), "http://proxy:port", "non-numeric proxy port"),
    (("proxyURL",), "http://a\\b:3128", "backslash in proxy host"),
    (("max_scrape_size",), "16MB\n", "size with a trailing newline"),
    (("max_scrape_size",), "\u0661\u0666MB", "size with non-ASCII digits"),
    (("interval",), "0s", "zero interval"),
    (("scrapeTimeout",), "300000y", "interval beyond vmagent's range"),
    (("relabelConfigs",), [{"targetLabel": "x", "regex": "\\p{Old_Italic}"}], "script name Go lacks"),
    (("relabelConfigs",), [{"targetLabel": "x", "regex": "(?P<\u00e9>a)"}], "non-ASCII group name"),
    (("relabelConfigs",), [{"targetLabel": "x", "regex": "(" * 1000 + "a" + ")" * 1000}], "regex too deep"),
    (
        ("relabelConfigs",),
        [{"action": "keep", "if": '{a=~"' + "(" * 1000 + "a" + ")" * 1000 + '"}'}],
        "if regex too deep",
    ),
    (("tlsConfig",), {"ca": {"secret": {"name": "s", "key": "../ca"}}}, "TLS key leaving the mount"),
    (("targetport",), 80, "misspelt key"),
)
#: The same, for keys under ``spec``.
_BAD_SPEC_VALUES: tuple[tuple[tuple[str, ...], Any, str], ...] = (
    (("endpoints",), {"port": "http"}, "mapping for endpoints"),
    (("endpoints",), ["http"], "string for endpoint"),
    (("discoveryRole",), "pod", "unknown role"),
    (("discoveryRole",), "Endpoints", "role in the wrong case"),
    (("jobLabel",), "bad key!", "bad label key"),
    (("jobLabel",), 5, "number for jobLabel"),
    (("targetLabels",), ["ok", "-bad"], "bad label key"),
    (("targetLabels",), "app", "string for list"),
    (("podTargetLabels",), ["a/b/c"], "bad label key"),
    (("selector",), {"matchLabels": {"app": "bad value!"}}, "bad label value"),
    (("selector",), {"matchLabels": {"bad key!": "x"}}, "bad label key"),
    (("selector",), {"matchLabels": {"app": 5}}, "number label value"),
    (("selector",), {"matchExpressions": [{"key": "app", "operator": "In"}]}, "In without values"),
    (("selector",), {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}, "values"),
    (("selector",), {"matchExpressions": [{"key": "app", "operator": "Like", "values": ["x"]}]}, "op"),
    (("selector",), {"matchExpressions": [{"operator": "Exists"}]}, "expression without key"),
    (("selector",), {"matchLabel": {"app": "x"}}, "misspelt key"),
    (("selector",), {"matchLabels": {"app": "null"}}, "null label value"),
    (("selector",), {"matchLabels": {"app": "x\n"}}, "label value with a trailing newline"),
    (
        ("selector",),
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["null"]}]},
        "null value",
    ),
    (("namespaceSelector",), {"any": True, "matchNames": ["a"]}, "any with matchNames"),
    (("namespaceSelector",), {"any": "true"}, "string for bool"),
    (("namespaceSelector",), {"matchNames": ["Bad_NS"]}, "bad namespace"),
    (("namespaceSelector",), {"matchNames": "default"}, "string for list"),
    (("namespaceSelector",), ["default"], "list for selector"),
    (("seriesLimit",), "10", "string for limit"),
    (("attach_metadata",), {"node": 1}, "number for bool"),
    (("attachMetadata",), {"node": True}, "camelCase spelling of attach_metadata"),
    (("scrapeClass",), 3, "number for scrapeClass"),
    (("endpoint",), [], "misspelt endpoints"),
)


def _without(path: list[str | int], what: str) -> Callable[[dict[str, Any], int], Mutation]:
    def apply(manifest: dict[str, Any], index: int) -> Mutation:
        obj: Any = manifest
        for part in path[:-1]:
            obj = obj[part]
        del obj[path[-1]]
        return Mutation(manifest, _dotted(path), what)

    return apply


def _endpoint_value(
    keys: tuple[str, ...], value: Any, what: str
) -> Callable[[dict[str, Any], int], Mutation]:
    def apply(manifest: dict[str, Any], index: int) -> Mutation:
        endpoint = manifest["spec"]["endpoints"][index]
        if keys[0] in ("bearerTokenSecret", "basicAuth", "authorization", "oauth2"):
            # Keep the one kind of auth being broken, so that only it is wrong.
            for key in ("bearerTokenSecret", "bearerTokenFile", "basicAuth", "authorization", "oauth2"):
                endpoint.pop(key, None)
        mutation = _set(manifest, ["spec", "endpoints", index, *keys], value)
        return Mutation(mutation.manifest, mutation.path, what)

    return apply


def _spec_value(keys: tuple[str, ...], value: Any, what: str) -> Callable[[dict[str, Any], int], Mutation]:
    def apply(manifest: dict[str, Any], index: int) -> Mutation:
        mutation = _set(manifest, ["spec", *keys], value)
        return Mutation(mutation.manifest, mutation.path, what)

    return apply


def _top_value(path: list[str | int], value: Any, what: str) -> Callable[[dict[str, Any], int], Mutation]:
    def apply(manifest: dict[str, Any], index: int) -> Mutation:
        mutation = _set(manifest, path, value)
        return Mutation(mutation.manifest, mutation.path, what)

    return apply


#: Every way :func:`mutations` breaks a manifest: ``apply(manifest, endpoint_index) -> Mutation``.
MUTATIONS: tuple[tuple[str, Callable[[dict[str, Any], int], Mutation]], ...] = (
    *((f"endpoint {'.'.join(k)}: {w}", _endpoint_value(k, v, w)) for k, v, w in _BAD_ENDPOINT_VALUES),
    *((f"spec {'.'.join(k)}: {w}", _spec_value(k, v, w)) for k, v, w in _BAD_SPEC_VALUES),
    ("missing metadata.name", _without(["metadata", "name"], "missing name")),
    ("missing spec", _without(["spec"], "missing spec")),
    ("missing secret key", _endpoint_value(("bearerTokenSecret",), {"name": SECRET}, "missing key")),
    (
        "missing token_url",
        _endpoint_value(("oauth2",), {"client_id": {"secret": {"key": "cid"}}}, "no token_url"),
    ),
    ("missing client_id", _endpoint_value(("oauth2",), {"token_url": "http://t"}, "missing client_id")),
    ("metadata.name Bad_Name", _top_value(["metadata", "name"], "Bad_Name", "uppercase name")),
    ("metadata.name empty", _top_value(["metadata", "name"], "", "empty name")),
    ("metadata.name -x", _top_value(["metadata", "name"], "-x", "leading dash")),
    ("metadata.name 5", _top_value(["metadata", "name"], 5, "number for name")),
    ("metadata.namespace Bad.NS", _top_value(["metadata", "namespace"], "Bad.NS", "bad namespace")),
    ("metadata.labels bad key", _top_value(["metadata", "labels"], {"bad key!": "x"}, "bad label key")),
    ("metadata.name newline", _top_value(["metadata", "name"], "web\n", "trailing newline")),
    ("metadata.namespace newline", _top_value(["metadata", "namespace"], "apps\n", "trailing newline")),
    ("metadata.labels newline", _top_value(["metadata", "labels"], {"team": "a\n"}, "trailing newline")),
    ("metadata.labels key newline", _top_value(["metadata", "labels"], {"team\n": "a"}, "trailing newline")),
    (
        "metadata.annotations over 256 KiB",
        _top_value(["metadata", "annotations"], {"a": "x" * (256 * 1024)}, "annotations too large"),
    ),
    ("apiVersion", _top_value(["apiVersion"], "monitoring.coreos.com/v1", "wrong apiVersion")),
    ("spec list", _top_value(["spec"], ["not", "a", "mapping"], "list for spec")),
    ("unknown top-level key", _top_value(["specs"], {}, "unknown top-level key")),
)


@st.composite
def mutations(draw: Callable[..., Any]) -> Mutation:
    """A valid VMServiceScrape manifest broken in one place (see :class:`Mutation` and :data:`MUTATIONS`)."""
    manifest = copy.deepcopy(draw(scrapes()))
    _, apply = draw(st.sampled_from(MUTATIONS))
    index = draw(st.integers(0, len(manifest["spec"]["endpoints"]) - 1))
    return apply(manifest, index)
