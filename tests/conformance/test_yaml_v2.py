"""vmscrape's YAML emitter against the real ``gopkg.in/yaml.v2`` (v2.4.0), the operator's marshaller.

``yaml-v2-marshal`` (scripts/yamlv2, built by ``scripts/install-kube``) writes JSON documents with
yaml.v2's ``Marshal``; the same documents through :func:`vmscrape_component.render.yaml.dump` must give
the same bytes. The only differences allowed are the ones ``render/yaml_scalar.py`` documents: a string
with a line break, and a string yaml.v2 writes plain although a YAML 1.1 or 1.2 reader would read that
plain text as something else (checked here with PyYAML and the YAML 1.2 core schema, not with our code).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest
import yaml
from hypothesis import Phase, given, settings

from tests.fuzz.session import COUNTS, fuzz_settings
from tests.fuzz.strategies import TRICKY_STRINGS, Batch, batches
from tests.support.reference import REAL_SCRAPES, REJECTED_REAL_SCRAPES
from vmscrape_component.manifests import load_manifests
from vmscrape_component.render import Assets, config_yaml, render_config
from vmscrape_component.render.yaml import dump

#: yaml-v2-marshal is built by scripts/install-kube, with the local control plane's tools.
pytestmark = pytest.mark.kube

_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")
_YAML12_NON_STRING = re.compile(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)


def yaml_v2(binary: str, docs: Sequence[Any]) -> list[str]:
    """Each document as yaml.v2 marshals it."""
    stdin = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    proc = subprocess.run([binary], input=stdin.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    out = proc.stdout.decode().split("\0")
    assert out[-1] == "" and len(out) == len(docs) + 1
    return out[:-1]


def _misread_when_plain(s: str) -> bool:
    """A YAML 1.1 reader (PyYAML) or a YAML 1.2 core-schema reader reads plain ``s`` as something else."""
    if _YAML12_NON_STRING.match(s):
        return True
    try:
        return yaml.safe_load(f"k: {s}\n") != {"k": s}
    except yaml.YAMLError:
        return True


def _strings(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = list("abcxyz019 _-.:#'\"\\{}[],&*!|>%@`?~+=/$;()^<") + [
        "\t", "\x00", "\x07", "\x7f", "é", "日", "😀", "\ufeff", "\xa0", "\u2028",
    ]  # fmt: skip
    words = ["foo", "{a='x'}", "a:b", "x #y", "'q'", '"dq"', "aa  bb", "up == 1", '{job=~"a|b"}']
    out = list(TRICKY_STRINGS)
    for _ in range(count):
        if rng.random() < 0.7:
            size = rng.choice([1, 2, 3, 5, 8, 20, 60, 90, 130, 200])
            out.append("".join(rng.choice(alphabet) for _ in range(size)))
        else:  # long values with spaces: where yaml.v2 folds lines
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(5, 40))))
    return out


def test_strings_match_yaml_v2_byte_for_byte(yaml_v2_marshal: str) -> None:
    strings = _strings(seed=13, count=3000)
    docs = [{"k": s, "list": [s], "nested": [{"relabel_configs": [{"regex": s}]}], s: 1} for s in strings]
    differ = []
    for s, doc, theirs in zip(strings, docs, yaml_v2(yaml_v2_marshal, docs), strict=True):
        ours = dump(doc)
        if ours == theirs:
            continue
        explained = _BREAKS.search(s) is not None or (f"k: {s}\n" in theirs and _misread_when_plain(s))
        if not explained:
            differ.append(f"{s!r}\n--- yaml.v2 ---\n{theirs}--- vmscrape ---\n{ours}")
        assert yaml.safe_load(ours) == doc
    assert not differ, f"{len(differ)} of {len(strings)} strings written differently:\n" + "\n".join(
        differ[:5]
    )


def _only_deliberate_quoting(theirs: str, ours: str) -> bool:
    """Every differing line is a value yaml.v2 writes plain that vmscrape quotes on purpose (see the
    module docstring), checked with PyYAML and the YAML 1.2 core schema."""
    import difflib

    diff = list(difflib.unified_diff(theirs.splitlines(), ours.splitlines(), n=0, lineterm=""))
    old = [x[1:] for x in diff if x.startswith("-") and not x.startswith("---")]
    new = [x[1:] for x in diff if x.startswith("+") and not x.startswith("+++")]
    if not new or len(old) != len(new):
        return False
    for t, o in zip(old, new, strict=True):
        # The one change allowed: a plain key or value `v` of yaml.v2's line is `"v"` in ours.
        start = len(os.path.commonprefix([t, o]))  # noqa: RUF071 (a string prefix is meant)
        end = len(os.path.commonprefix([t[start:][::-1], o[start:][::-1]]))  # noqa: RUF071
        value, quoted = t[start : len(t) - end], o[start : len(o) - end]
        if not (quoted == f'"{value}"' and _misread_when_plain(value)):
            return False
    return True


def _rendered(batch: Batch) -> dict[str, Any]:
    assets = Assets(batch.objects, reveal=True)
    return render_config(batch.scrapes, batch.agent, assets=assets, preselected=True).as_dict()


@settings(fuzz_settings(scale=0.5), phases=[Phase.explicit, Phase.generate])
@given(batches(max_size=30))
def test_rendered_configs_match_yaml_v2_byte_for_byte(yaml_v2_marshal: str, batch: Batch) -> None:
    config = _rendered(batch)
    (theirs,) = yaml_v2(yaml_v2_marshal, [config])
    COUNTS["yaml_v2_configs"] += 1
    ours = dump(config)
    if ours != theirs and not _only_deliberate_quoting(theirs, ours):
        import difflib

        shown = difflib.unified_diff(
            theirs.splitlines(), ours.splitlines(), "yaml.v2", "vmscrape", lineterm=""
        )
        pytest.fail("\n".join(list(shown)[:40]))


@pytest.mark.parametrize("path", REAL_SCRAPES, ids=lambda p: p.stem)
def test_real_manifests_render_as_yaml_v2_writes_them(yaml_v2_marshal: str, path: Any) -> None:
    if path.stem in REJECTED_REAL_SCRAPES:
        pytest.skip("the CRD refuses it (tests/support/reference.py)")
    found = load_manifests([str(path)])
    if not found.scrapes:
        pytest.skip("no VMServiceScrape the models accept")
    config = render_config(found.scrapes, assets=Assets(found.assets), preselected=True)
    (theirs,) = yaml_v2(yaml_v2_marshal, [config.as_dict()])
    assert config_yaml(config) == theirs


def test_go_map_keys_are_ordered_as_yaml_v2_orders_them(yaml_v2_marshal: str) -> None:
    """yaml.v2's key order is not transitive for some mixes of digits and letters (then the operator's
    own output depends on Go's random map order); only key sets it orders consistently are compared."""
    from vmscrape_component.render.go_map import yaml_v2_less, yaml_v2_sorted

    rng = random.Random(7)
    alphabet = list("aAbBzZ_-.0123456789·é日٣")
    key_sets = [
        sorted(
            {
                "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
                for _ in range(rng.randint(2, 8))
            }
        )
        for _ in range(2000)
    ]
    stdin = "".join(json.dumps(dict.fromkeys(keys, 0), ensure_ascii=False) + "\n" for keys in key_sets)
    proc = subprocess.run([yaml_v2_marshal, "-maps"], input=stdin.encode(), capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    compared = 0
    for keys, theirs in zip(key_sets, proc.stdout.decode().split("\0")[:-1], strict=True):
        ours = list(yaml_v2_sorted(dict.fromkeys(keys, 0)))
        if any(yaml_v2_less(later, k) for i, k in enumerate(ours) for later in ours[i + 1 :]):
            continue  # not a consistent order: yaml.v2's result depends on the map's iteration order
        compared += 1
        assert ours == list(yaml.load(theirs, Loader=yaml.BaseLoader)), keys
    assert compared > 1500
