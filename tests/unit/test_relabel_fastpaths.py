"""The fast paths of relabeling and discovery give exactly what the reference gives.

- A regex of plain literals (``web``, ``web|api``) or a literal prefix and ``(.*)`` (``Pod;(.*)``) is
  matched by comparing strings: same answer, and same ``$1`` expansion, as RE2 on any string.
- Label sets with unique names run on a dict. The reference is the same actions run over vmagent's label
  slice (``LabelSlice``: pairs in order, names may repeat) with every regex matched by RE2, which is what
  ``apply_rules`` itself runs for repeated names: same labels in the same order, same dropping rule,
  same trace.
- Discovery reads a per-snapshot index by namespace: same objects in the same order as sorting every key
  and filtering by namespace.
"""

from __future__ import annotations

import string
from dataclasses import replace

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmscrape_component.errors import VMScrapeError
from vmscrape_component.simulate.discovery import DiscoveredTarget, Snapshot, _View, discover
from vmscrape_component.simulate.relabel import (
    ACTIONS,
    OPTIONS,
    IfExpression,
    LabelSlice,
    Rule,
    _rule_match,
    _rule_matches,
    _run,
    apply_rules,
    compile_rules,
    expand_template,
    literal_alternatives,
    literal_fullmatch,
    literal_prefix,
    parse_if_expression,
    parse_rule,
)
from vmscrape_component.simulate.targets import JobTargets, scrape_url

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that make regexes interesting: metacharacters, the separator, newline, non-ASCII.
_REGEX_CHARS = "ab;|.*+?()[]{}^$\\\n-é"
_TEXT_CHARS = "ab;|.*()\n-é_" + string.ascii_uppercase[:2]

regex_texts = st.text(alphabet=_REGEX_CHARS, max_size=8) | st.builds(
    "{}(.*)".format, st.text(alphabet="ab;|.-é\n", max_size=3)
)
texts = st.text(alphabet=_TEXT_CHARS, max_size=8) | st.text(max_size=6)


def _compile(pattern: str):
    return re2.compile(pattern, OPTIONS)


# -- regexes -------------------------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.text(alphabet="ab;-é\n ", max_size=4), min_size=1, max_size=4), texts, st.data())
def test_literal_alternatives_match_as_re2_does(alternatives: list[str], text: str, data) -> None:
    expr = "|".join(alternatives)
    literals = literal_alternatives(expr)
    assert literals == frozenset(alternatives)
    regex = _compile(f"^(?:{expr})$")
    for s in (text, data.draw(st.sampled_from(alternatives)), alternatives[0] + text, text + "\n"):
        assert literal_fullmatch(regex, literals, s) == (regex.fullmatch(s) is not None)


@SETTINGS
@given(regex_texts, texts)
def test_any_regex_read_as_literals_matches_as_re2_does(expr: str, text: str) -> None:
    literals = literal_alternatives(expr)
    try:
        regex = _compile(f"^(?:{expr})$")
    except re2.error:
        assert literals is None  # only a regex with metacharacters can be invalid
        return
    if literals is not None:
        for s in (text, *literals):
            assert literal_fullmatch(regex, literals, s) == (regex.fullmatch(s) is not None)


@SETTINGS
@given(regex_texts, texts, st.sampled_from(["$1", "${1}x", "$0", "[$1]", "$name", "$$1", "$2"]))
def test_rule_match_gives_re2_match_and_expansion(expr: str, text: str, template: str) -> None:
    try:
        rule = parse_rule({"action": "replace", "source_labels": ["a"], "target_label": "t", "regex": expr})
    except VMScrapeError:
        return
    candidates = [text]
    if rule.regex_prefix is not None:
        candidates += [rule.regex_prefix + text, rule.regex_prefix, rule.regex_prefix + "x\ny"]
    if rule.regex_literals is not None:
        candidates += sorted(rule.regex_literals)
    for s in candidates:
        fast, slow = _rule_match(rule, s), rule.regex.fullmatch(s)
        assert (fast is None) == (slow is None), s
        assert _rule_matches(rule, s) == (slow is not None)
        if slow is not None:
            assert expand_template(template, rule.regex, s, fast) == expand_template(
                template, rule.regex, s, slow
            )


def test_literal_prefix_recognises_only_literal_text_before_any_string() -> None:
    assert literal_prefix("Pod;(.*)") == "Pod;"
    assert literal_prefix("(.*)") == ""
    assert literal_prefix("a|b(.*)") is None
    assert literal_prefix("a.(.*)") is None
    assert literal_prefix("Pod;(.+)") is None
    assert literal_alternatives("web|api|") == {"web", "api", ""}
    assert literal_alternatives("we.b") is None


# -- whole rule lists: the dict path against the general path ------------------------------------------------

_NAMES = ["a", "b", "c", "ab", "__name__", "__meta_x", "__address__", "t", ""]
_VALUES = ["", "web", "api", "Pod;x", "Node;y", "a", "é", "a\nb", "up", "x|y"]
_REGEXES = [
    None,
    "web",
    "web|api",
    "",
    "a|",
    "^a$",
    "Pod;(.*)",
    "a(.*)",
    "(.*)",
    ".*",
    "w.b",
    "(a|b)(.*)",
    "(a|ax)",
    ".+",
    "(?P<n>.*)b",
    "_",
    "__meta_(.*)",
    "é",
    ["web", "api"],
]
_IFS = [
    None,
    '{a="web"}',
    '{a=~"web|api"}',
    '{b!~"x"}',
    '{__name__="up"}',
    '{__name__=""}',
    '{__name__!=""}',
    '{c=""}',
    '{c!=""}',
    '{t=~"|x"}',
    '{a=~"P.*"}',
    '{a!~"Pod;(.*)"}',
    "up",
    ["up", '{a="web"}'],
]

names = st.sampled_from(_NAMES)
label_sets = st.dictionaries(names | st.text(alphabet="abt_", max_size=3), st.sampled_from(_VALUES) | texts)


@st.composite
def raw_rules(draw) -> dict:
    action = draw(st.sampled_from(ACTIONS))
    raw: dict = {"action": action}
    if_expr = draw(st.sampled_from(_IFS))
    if if_expr is not None:
        raw["if"] = if_expr
    if action == "graphite":
        raw["match"] = draw(st.sampled_from(["*.a", "up", "*", "a.*.b"]))
        raw["labels"] = {draw(names) or "t": draw(st.sampled_from(["$1", "x", "${1}-$2"]))}
        return raw
    some_sources = st.lists(names, min_size=1, max_size=3)
    no_regex = action in (
        "keepequal",
        "dropequal",
        "keep_if_equal",
        "drop_if_equal",
        "keep_if_contains",
        "drop_if_contains",
    )
    if action in ("keep_if_equal", "drop_if_equal"):
        raw["source_labels"] = draw(st.lists(names, min_size=2, max_size=3))
    elif action not in ("labelmap", "labelmap_all", "labeldrop", "labelkeep", "keep_metrics", "drop_metrics"):
        raw["source_labels"] = draw(some_sources)
    no_target = ("keep", "drop", "keep_if_equal", "drop_if_equal", "labelmap", "labelmap_all", "labeldrop")
    if action not in (*no_target, "labelkeep", "keep_metrics", "drop_metrics"):
        raw["target_label"] = draw(st.sampled_from(["t", "a", "__name__", "$1", "t_${1}", "b"]))
    if not no_regex:
        regex = draw(st.sampled_from(_REGEXES))
        if action in ("keep_metrics", "drop_metrics") and not regex:
            regex = "up"
        if regex is not None:
            raw["regex"] = regex
    if action in ("replace", "replace_all", "labelmap", "labelmap_all"):
        replacement = draw(
            st.sampled_from([None, "$1", "${1}", "x", "${1}_y", "{{a}}", "$0", "", "b", "$n", "$2", "${1}x"])
        )
        if replacement is not None:
            raw["replacement"] = replacement
    if action == "hashmod":
        raw["modulus"] = draw(st.integers(1, 5))
    if draw(st.booleans()):
        raw["separator"] = draw(st.sampled_from(["", ";", "|"]))
    return raw


@st.composite
def rule_lists(draw):
    rules = []
    for raw in draw(st.lists(raw_rules(), max_size=6)):
        try:
            rules.append(parse_rule(raw, len(rules)))
        except VMScrapeError:
            continue
    return rules


def _re2_only(expr: IfExpression | None) -> IfExpression | None:
    """``expr`` with every regex filter matched by RE2 (no literal fast path)."""
    if expr is None:
        return None
    selectors = tuple(
        tuple(tuple(replace(f, literals=None) for f in group) for group in selector)
        for selector in expr.selectors
    )
    return replace(expr, selectors=selectors)


def _reference_rule(rule: Rule) -> Rule:
    return replace(rule, regex_literals=None, regex_prefix=None, if_expr=_re2_only(rule.if_expr))


def _reference(rules, pairs: list[tuple[str, str]]):
    """The reference: vmagent's label slice, RE2 for every match."""
    return _run([_reference_rule(rule) for rule in rules], LabelSlice(pairs), True)


def _outcome(result) -> tuple:
    return (
        list(result.labels.items()),
        None if result.dropped_by is None else result.dropped_by.index,
        [(rule.index, list(labels.items())) for rule, labels in result.steps],
    )


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_lists(), label_sets)
def test_dict_path_gives_what_the_reference_gives(rules, labels: dict[str, str]) -> None:
    try:
        expected = _outcome(_reference(rules, list(labels.items())))
    except Exception as exc:  # the same error either way
        try:
            apply_rules(rules, labels, trace=True)
        except type(exc):
            return
        raise AssertionError(f"the reference raised {exc!r}, the dict path did not") from None
    assert _outcome(apply_rules(rules, labels, trace=True)) == expected
    assert _outcome(apply_rules(rules, list(labels.items()), trace=True)) == expected
    assert _outcome(apply_rules(rules, labels))[:2] == expected[:2]  # without a trace too


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_lists(), label_sets)
def test_compiled_rules_give_what_the_reference_gives(rules, labels: dict[str, str]) -> None:
    # compile_rules: the job-level plan explain runs every target through (its quick steps included).
    try:
        expected = _outcome(_reference(rules, list(labels.items())))[:2]
    except Exception as exc:
        try:
            compile_rules(rules)(dict(labels))
        except type(exc):
            return
        raise AssertionError(f"the reference raised {exc!r}, the compiled rules did not") from None
    out, dropped_by = compile_rules(rules)(dict(labels))
    assert (list(out.items()), None if dropped_by is None else dropped_by.index) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"source_labels": ["a"], "target_label": "t"},
        {"source_labels": ["a", "b"], "target_label": "t", "replacement": "x"},
        {"source_labels": ["a"], "target_label": "t", "replacement": "const"},
        {"source_labels": ["a"], "regex": "Pod;(.*)", "replacement": "${1}", "target_label": "t"},
        {"source_labels": ["a"], "regex": "Pod;(.*)", "replacement": "$1", "target_label": "t"},
        {"source_labels": ["a"], "regex": "web|api", "action": "keep"},
        {"source_labels": ["a"], "regex": "web|api", "action": "drop"},
    ],
)
@pytest.mark.parametrize("value", [None, "", "web", "api", "Pod;x", "Pod;", "Pod;a\nb", "Pod;é", "é", "webx"])
def test_each_quick_step_as_the_reference(raw: dict, value: str | None) -> None:
    # Every shape compile_rules turns into a quick step, over the values its shortcuts decide on
    # (absent, empty, ASCII or not, a newline after the prefix), against RE2 on a label slice.
    rules = [parse_rule(raw), parse_rule({"target_label": "after", "replacement": "1"}, 1)]
    labels = {"b": "B", "t": "before"} | ({} if value is None else {"a": value})
    out, dropped_by = compile_rules(rules)(dict(labels))
    expected = _outcome(_reference(rules, list(labels.items())))[:2]
    assert (list(out.items()), None if dropped_by is None else dropped_by.index) == expected


@pytest.mark.slow
@SETTINGS
@given(rule_lists(), st.lists(st.tuples(names, st.sampled_from(_VALUES)), max_size=6))
def test_repeated_names_run_on_a_slice_as_the_reference(rules, pairs: list[tuple[str, str]]) -> None:
    assert _outcome(apply_rules(rules, pairs, trace=True)) == _outcome(_reference(rules, pairs))


@pytest.mark.parametrize("regex", [None, "(.*)", ".*", "^(.*)$", "Pod;(.*)", "P(.*)", "web", "web|Pod;x", ""])
@pytest.mark.parametrize("replacement", ["$1", "${1}", "${1}x", "<$1>"])
@pytest.mark.parametrize("value", ["", "web", "Pod;x", "Pod;", "Pod;a\nb", "a\nb", "Pod;é", "é"])
def test_replace_with_group_one_as_the_reference(regex, replacement: str, value: str) -> None:
    # The copy of group 1 without expanding the template (a literal prefix, or the default regex on one
    # line of text), against RE2 and Go's template expansion: a regex without groups gives "".
    raw = {"source_labels": ["a"], "target_label": "t", "replacement": replacement}
    if regex is not None:
        raw["regex"] = regex
    rules = [parse_rule(raw)]
    labels = {"a": value, "t": "before"}
    assert _outcome(apply_rules(rules, labels, trace=True)) == _outcome(
        _reference(rules, list(labels.items()))
    )


def test_labelmap_all_that_makes_two_names_equal_continues_on_a_slice() -> None:
    rules = [
        parse_rule({"action": "labelmap_all", "regex": "^[xy]_", "replacement": ""}, 0),
        parse_rule({"action": "replace", "source_labels": ["n"], "target_label": "m"}, 1),
    ]
    labels = {"x_n": "", "y_n": "2", "a": "b"}
    result = apply_rules(rules, labels, trace=True)
    assert _outcome(result) == _outcome(_reference(rules, list(labels.items())))
    # vmagent keeps both labels named n; the first is read, the empty one is removed at the end
    assert result.steps[0][1] == {"n": "", "a": "b"}
    assert result.labels == {"n": "2", "a": "b"}


def test_labelmap_reads_a_label_it_already_overwrote() -> None:
    # vmagent walks the label slice as it is: `ax` was set from `a` before `ax` itself is mapped.
    rules = [parse_rule({"action": "labelmap", "regex": "(a|ax)", "replacement": "${1}x"})]
    labels = {"a": "1", "ax": "2"}
    result = apply_rules(rules, labels, trace=True)
    assert _outcome(result) == _outcome(_reference(rules, list(labels.items())))
    assert result.labels == {"a": "1", "ax": "1", "axx": "1"}


def test_input_is_not_changed() -> None:
    labels = {"a": "web"}
    apply_rules([parse_rule({"source_labels": ["a"], "target_label": "t"})], labels)
    assert labels == {"a": "web"}


@pytest.mark.slow
@SETTINGS
@given(st.sampled_from(_IFS[1:]), label_sets)
def test_if_on_a_dict_matches_as_the_reference(text: str, labels: dict[str, str]) -> None:
    expr = parse_if_expression(text)
    assert expr.matches(labels) == _re2_only(expr).matches(LabelSlice(labels.items()))


def test_if_on_repeated_names_matches_any_label_of_the_name() -> None:
    # lib/promrelabel/if_expression.go: a filter walks every label; any label with the name may match
    pairs = LabelSlice([("a", "y"), ("a", "x")])
    assert parse_if_expression('{a="x"}').matches(pairs)
    assert not parse_if_expression('{a!="x"}').matches(pairs)
    assert parse_if_expression('{a=~"y"}').matches(pairs)
    assert not parse_if_expression('{a!~"y"}').matches(pairs)
    assert parse_if_expression('{b=""}').matches(pairs)


# -- discovery: the namespace index ------------------------------------------------------------------------

_NS = ["a", "a-b", "a.b", "ab", "b", ""]


def _object(namespace: str, name: str) -> dict:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": "Service", "metadata": meta, "spec": {"ports": [{"port": 80}]}}


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(_NS), st.sampled_from(["x", "x-1", "x.1", "y", "Y"])), max_size=12),
    st.lists(st.sampled_from(_NS), max_size=3),
)
def test_view_objects_and_lookups_as_a_full_scan(objects, watched: list[str]) -> None:
    snapshot = Snapshot()
    for namespace, name in objects:
        snapshot.services[f"{namespace}/{name}"] = _object(namespace, name)
    sd = {"role": "service", "namespaces": {"names": watched}}
    view = _View(snapshot, sd, [])
    expected = [
        snapshot.services[key]
        for key in sorted(snapshot.services)
        if not watched or (snapshot.services[key]["metadata"].get("namespace") or "") in watched
    ]
    assert view.objects("service") == expected
    for namespace, name in objects:
        found = [o for o in expected if o["metadata"]["name"] == name]
        found = [o for o in found if (o["metadata"].get("namespace") or "") == namespace]
        assert view.get("service", namespace, name) is (found[0] if found else None)
    # a second view of the same snapshot reuses the index; a changed snapshot is indexed again
    assert [t.source for t in discover(snapshot, sd).targets] == [
        f"Service {o['metadata'].get('namespace')}/{o['metadata']['name']}" for o in expected
    ]
    snapshot.services["zz/new"] = _object("zz", "new")
    assert _View(snapshot, {"role": "service"}, []).objects("service")[-1]["metadata"]["name"] == "new"


# -- a job's targets: JobTargets' shortcuts against vmagent's steps written out plainly ----------------------

_META_NAMES = ["__meta_x", "__meta_kubernetes_pod_name", "__meta_a", "__meta_"]


def _reference_target(job: dict, global_: dict, discovered: DiscoveredTarget) -> tuple:
    """vmagent's target steps (the order of lib/promscrape/config.go) with the plain functions only: the
    job's labels, then `__address__`, then the discovered ones, sorted; both rule lists through
    apply_rules; `__meta_*` removed; the URL; `__` labels removed and `instance` set."""
    plain = JobTargets(job, global_)
    merged = {**plain.base, "__address__": discovered.address, **discovered.labels}
    labels = {name: merged[name] for name in sorted(merged)}
    if plain.global_rules:
        result = apply_rules(plain.global_rules, labels)
        scope = "global"
        if not result.dropped:
            result = apply_rules(plain.job_rules, result.labels)
            scope = "job"
    else:
        result, scope = apply_rules(plain.job_rules, labels), "job"
    if result.dropped:  # by a rule, or (dropped_by None) no label left with a name and a value
        rule = result.dropped_by
        return (
            (labels, "relabeling", None, None) if rule is None else (labels, "relabeling", rule.index, scope)
        )
    final = {k: v for k, v in result.labels.items() if not k.startswith("__meta_")}
    if not final:
        return (labels, "relabeling", None, None)
    shard = tuple(final.items())
    url, instance = scrape_url(final, plain.params)
    if not url:
        return (labels, "missing scrape URL", None, None)
    final = {k: v for k, v in final.items() if not k.startswith("__")}
    if not final.get("instance"):
        final["instance"] = instance
    return (labels, {k: final[k] for k in sorted(final)}, url, instance, shard)


def _outcome_of(target) -> tuple:
    if target.kept:
        return (
            target.discovered_labels,
            target.labels,
            target.scrape_url,
            target.address,
            target.shard_labels,
        )
    index = None if target.dropped_by is None else target.dropped_by.index
    return (target.discovered_labels, target.dropped, index, target.dropped_by_scope)


@st.composite
def discovered_targets(draw) -> DiscoveredTarget:
    labels = draw(
        st.dictionaries(st.sampled_from(_META_NAMES + _NAMES), st.sampled_from(_VALUES), max_size=5)
    )
    if draw(st.booleans()):
        labels["__address__"] = draw(st.sampled_from(["10.0.0.1:80", "h", "https://h/p", ""]))
    ordered = draw(st.booleans())
    if ordered:
        labels = {name: labels[name] for name in sorted(labels)}
    names = list(labels)
    # what discovery marks: `__address__`, then `__meta_*` labels only, sorted
    really = ordered and names[:1] == ["__address__"] and all(n.startswith("__meta_") for n in names[1:])
    return DiscoveredTarget(labels, "test", really)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(raw_rules(), max_size=2),
    st.lists(raw_rules(), max_size=5),
    st.lists(
        st.fixed_dictionaries(
            {
                "action": st.sampled_from(["keep", "drop"]),
                "source_labels": st.lists(names, min_size=1, max_size=2),
            },
            optional={"regex": st.sampled_from(_REGEXES)},
        ),
        max_size=3,
    ),
    discovered_targets(),
    st.sampled_from([{}, {"metrics_path": "/m", "params": {"a": ["1", "2"]}, "scheme": "https"}]),
)
def test_job_targets_give_what_the_plain_steps_give(global_raw, job_raw, leading, discovered, extra) -> None:
    # Leading keep/drop rules (decided before the label set is built), the merge without a sort for
    # ordered targets, compiled rules and `__meta_*` removal by name: none may change a target.
    job = {"job_name": "j", **extra, "relabel_configs": [*leading, *job_raw]}
    global_ = {"relabel_configs": global_raw} if global_raw else {}
    try:
        expected = _reference_target(job, global_, discovered)
    except Exception as exc:
        try:
            JobTargets(job, global_).target(discovered)
        except type(exc):
            return
        raise AssertionError(f"the reference raised {exc!r}, JobTargets did not") from None
    assert _outcome_of(JobTargets(job, global_).target(discovered)) == expected
