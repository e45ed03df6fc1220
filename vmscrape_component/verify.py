"""Drift between the vmagent config the operator wrote and the one vmscrape predicts, per VMAgent.

The operator keeps each VMAgent's config in the Secret ``vmagent-<name>`` (key ``vmagent.yaml.gz``, gzip)
in the agent's namespace. vmscrape predicts the same config from the cluster's own objects (the VMAgent,
every VMServiceScrape, the Namespaces' labels, the Secrets and ConfigMaps the scrapes refer to) exactly as
``vmscrape render`` does, and the two are compared with the semantic diff of :mod:`vmscrape_component.diff`:
``global`` and every ``serviceScrape/…`` job. Jobs of the scrape kinds vmscrape does not model
(``podScrape/``, ``probe/``, ``nodeScrape/``, ``staticScrape/``, ``scrapeConfig/``) are counted, not compared.
ServiceMonitors are compared with the VMServiceScrapes the operator converted them into
(:func:`check_conversions`), and converted VMServiceScrapes whose ServiceMonitor is gone are reported.

Secret values: the prediction holds the real values read from the cluster (so a changed password is
drift too), and every credential field is masked in the result on both sides: the output says *which*
field differs, never its value.

:func:`compare_agent` is pure; :func:`verify_cluster` reads a live cluster through
:mod:`vmscrape_component.kubeclient` (read-only) and calls it for each agent.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .convert import IGNORE_CONVERSION_ANNOTATION as IGNORE_ANNOTATION
from .convert import MERGE_META_ANNOTATION, convert_service_monitor
from .diff import ConfigDiff, diff_configs
from .errors import Problem, VMScrapeError
from .grammar import API_VERSION
from .models import VMAgentModel as VMAgent
from .models import VMServiceScrapeModel as VMServiceScrape
from .models import credentials
from .render import Assets, OperatorSettings, config_yaml, render_config, render_secret_layout
from .render.secrets import EXTRA_CONFIG_KEY, MAIN_CONFIG_KEY, SecretLayout

__all__ = [
    "CONFIG_KEY",
    "AgentVerification",
    "ClusterObjects",
    "ConversionCheck",
    "check_conversions",
    "compare_agent",
    "config_secret_name",
    "mask_secrets",
    "verify_cluster",
    "verify_conversions",
]

#: The key of the operator's Secret that holds the gzipped config.
CONFIG_KEY = MAIN_CONFIG_KEY
#: The job-name prefix of the jobs vmscrape predicts (one per VMServiceScrape endpoint).
SERVICE_SCRAPE_PREFIX = "serviceScrape/"
#: What a masked value reads as (the registry's, :mod:`vmscrape_component.models.credentials`).
MASK = credentials.MASK
#: A masked value that is not the one vmscrape predicts.
MASK_DIFFERS = credentials.MASK_DIFFERS

_API = API_VERSION
_GROUP, _, _VERSION = API_VERSION.partition("/")


def config_secret_name(agent_name: str) -> str:
    """The Secret in which the operator stores the config of VMAgent ``agent_name``."""
    return f"vmagent-{agent_name}"


@dataclass
class ClusterObjects:
    """What a prediction is made from: a cluster's objects, validated like ``vmscrape render``'s input."""

    agents: list[VMAgent] = field(default_factory=list)
    scrapes: list[VMServiceScrape] = field(default_factory=list)
    #: ``{namespace: labels}`` of every Namespace.
    namespaces: dict[str, Mapping[str, str]] = field(default_factory=dict)
    #: Secret and ConfigMap objects the scrapes refer to (as the API returns them, ``data`` base64).
    assets: list[dict[str, Any]] = field(default_factory=list)
    #: ``namespace/name`` of a VMAgent → its ``status`` as the API returns it.
    statuses: dict[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class WrittenSecrets:
    """What the operator wrote for one agent: the main config and each overflow Secret's jobs."""

    #: The main Secret's config (parsed YAML).
    main: Mapping[str, Any]
    #: ``(Secret name, its jobs)`` of each ``<prefix>-sc-<i>`` found, i = 1, 2, ... in order.
    extra: list[tuple[str, list[Any]]] = field(default_factory=list)


@dataclass
class AgentVerification:
    """The comparison of one VMAgent's config: ``diff`` goes from vmscrape's prediction (old) to the
    operator's config (new), credentials masked."""

    #: ``namespace/name`` of the VMAgent.
    agent: str
    #: ``namespace/name`` of the Secret the operator's config was read from.
    secret: str
    diff: ConfigDiff
    #: How many ``serviceScrape/`` jobs the two configs hold together (each counted once).
    compared_jobs: int
    #: ``{kind: count}`` of the operator's jobs of other scrape kinds (``podScrape``, ``probe``...).
    not_compared: dict[str, int]
    #: ``namespace/name`` → why the operator leaves that selected scrape out (as vmscrape predicts it).
    skipped: dict[str, str]
    #: Where the Secret layout differs from the prediction (bucket count, a bucket's jobs, stale
    #: overflow Secrets): drift, each in words.
    layout: list[str] = field(default_factory=list)
    #: Facts about the layout that are not drift (the buckets seen; why a layout was not compared).
    layout_notes: list[str] = field(default_factory=list)
    #: The operator's last reconcile of the agent failed: its reason (``status.reason``), else ``""``.
    reconcile_error: str = ""
    #: Every Secret the config was read from, main first (``namespace/name``).
    secrets: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return self.diff.empty and not self.layout and not self.reconcile_error

    def as_dict(self) -> dict[str, Any]:
        """Stable JSON: ``agent``, ``secret``, ``identical``, ``compared_jobs``, ``not_compared``
        (``{kind: count}``, sorted), ``skipped`` (``[{"scrape", "reason"}]``, sorted) and ``diff``
        (:meth:`ConfigDiff.as_dict`, old = predicted, new = the operator's)."""
        return {
            "agent": self.agent,
            "secret": self.secret,
            "identical": self.identical,
            "compared_jobs": self.compared_jobs,
            "not_compared": {k: self.not_compared[k] for k in sorted(self.not_compared)},
            "skipped": [{"scrape": k, "reason": self.skipped[k]} for k in sorted(self.skipped)],
            "diff": self.diff.as_dict(),
            "secrets": list(self.secrets),
            "layout": list(self.layout),
            "layout_notes": list(self.layout_notes),
            "reconcile_error": self.reconcile_error,
        }

    def not_compared_text(self) -> str:
        """``2 job(s) of other scrape kinds not compared (podScrape 1, probe 1)`` or ``""``."""
        if not self.not_compared:
            return ""
        kinds = ", ".join(f"{k} {self.not_compared[k]}" for k in sorted(self.not_compared))
        return f"{sum(self.not_compared.values())} job(s) of other scrape kinds not compared ({kinds})"


# -- comparing -----------------------------------------------------------------------------------------------


def predict(
    agent: VMAgent, objects: ClusterObjects, operator: OperatorSettings | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The config the operator should write for ``agent`` (as vmagent parses it, secret values
    inlined) and the selected scrapes it leaves out, with why."""
    predicted, skipped, _ = _predict(agent, objects, operator or OperatorSettings())
    return predicted, skipped


def _predict(
    agent: VMAgent, objects: ClusterObjects, operator: OperatorSettings
) -> tuple[dict[str, Any], dict[str, str], SecretLayout | VMScrapeError]:
    # The whole config, the scrapes left out, and its Secret layout (or why the operator cannot pack it).
    assets = Assets(objects.assets, reveal=True, strict=True)
    config = render_config(
        objects.scrapes, agent, assets=assets, operator=operator, namespaces=objects.namespaces
    )
    layout: SecretLayout | VMScrapeError
    try:
        layout = render_secret_layout(config, agent, budget=operator.config_data_budget_bytes)
    except VMScrapeError as exc:
        layout = exc
    # Through the YAML text, as vmagent reads it: both sides are then plain parsed YAML.
    return yaml.safe_load(config_yaml(config)), dict(config.skipped), layout


def compare_agent(
    agent: VMAgent,
    objects: ClusterObjects,
    operator_config: Mapping[str, Any] | WrittenSecrets,
    *,
    operator: OperatorSettings | None = None,
) -> AgentVerification:
    """Compare the config the operator wrote for ``agent`` (the main config as parsed YAML, or every
    Secret it wrote) with vmscrape's prediction: the jobs of all buckets together, then the layout."""
    written_secrets = (
        operator_config if isinstance(operator_config, WrittenSecrets) else WrittenSecrets(operator_config)
    )
    operator_config = written_secrets.main
    predicted, skipped, layout = _predict(agent, objects, operator or OperatorSettings())
    split_live = bool(operator_config.get("scrape_config_files"))
    buckets: list[list[Any]] = [list(operator_config.get("scrape_configs") or ())]
    if split_live:
        buckets += [list(jobs) for _, jobs in written_secrets.extra]
    jobs = [j for bucket in buckets for j in bucket if isinstance(j, Mapping)]
    own = [j for j in jobs if str(j.get("job_name", "")).startswith(SERVICE_SCRAPE_PREFIX)]
    others = Counter(
        str(j.get("job_name", "")).split("/", 1)[0]
        for j in jobs
        if not str(j.get("job_name", "")).startswith(SERVICE_SCRAPE_PREFIX)
    )
    written = {"global": operator_config.get("global") or {}, "scrape_configs": own}
    result = mask_secrets(diff_configs(predicted, written))
    names = {j.get("job_name") for j in predicted.get("scrape_configs") or ()} | {
        j.get("job_name") for j in own
    }
    main_name = config_secret_name(agent.name)
    drift, notes = _compare_layout(layout, buckets, written_secrets, split_live, bool(others))
    status = objects.statuses.get(agent.key) or {}
    failed = str(status.get("updateStatus") or "") == "failed"
    reason = (str(status.get("reason") or "") or "status.updateStatus is failed") if failed else ""
    reconcile_error = ""
    if failed and isinstance(layout, VMScrapeError):
        notes.append(f"vmscrape predicted this failure: {layout}")
    if failed and (drift or not result.empty):
        reconcile_error = reason
    elif failed:
        # Live, the status stays failed after the scrapes are fixed and the Secrets rewritten (a scrape's
        # reconcile writes them; only the agent's own reconcile resets its status): not drift then.
        notes.append(f"status says the last reconcile failed ({reason}), but the Secrets are as predicted")
    return AgentVerification(
        agent=agent.key,
        secret=f"{agent.namespace}/{main_name}",
        diff=result,
        compared_jobs=len(names),
        not_compared=dict(others),
        skipped=skipped,
        layout=drift,
        layout_notes=notes,
        reconcile_error=reconcile_error,
        secrets=[f"{agent.namespace}/{main_name}"]
        + [f"{agent.namespace}/{name}" for name, _ in written_secrets.extra],
    )


def _job_names(jobs: Sequence[Any]) -> list[str]:
    return [str(j.get("job_name", "")) for j in jobs if isinstance(j, Mapping)]


def _compare_layout(
    layout: SecretLayout | VMScrapeError,
    buckets: list[list[Any]],
    written: WrittenSecrets,
    split_live: bool,
    other_kinds: bool,
) -> tuple[list[str], list[str]]:
    """Drift and notes about the Secret layout: bucket count, each bucket's jobs, stale Secrets."""
    drift: list[str] = []
    notes: list[str] = []
    if not split_live and written.extra:
        names = ", ".join(name for name, _ in written.extra)
        drift.append(f"stale overflow Secret(s) {names}: the main config names no scrape_config_files")
    if isinstance(layout, VMScrapeError):
        drift.append(f"the operator cannot write this config: {layout}")
        return drift, notes
    live = [_job_names(b) for b in buckets]
    notes.append(
        f"{len(live)} Secret(s) written, {len(layout.buckets)} predicted (budget "
        f"{layout.budget} gzipped bytes, {'exact' if layout.exact else 'estimated'} sizes)"
    )
    if other_kinds:
        notes.append("bucket layout not compared: the operator also packs job kinds vmscrape does not model")
        return drift, notes
    predicted = [list(b.job_names) for b in layout.buckets]
    if predicted == live:
        return drift, notes
    found: list[str] = []
    if len(predicted) != len(live):
        found.append(
            f"{len(live)} bucket(s) written, {len(predicted)} predicted with a budget of {layout.budget} "
            f"(if the operator runs with another VM_CONFIG_DATA_BUDGET_BYTES, pass it as --operator-env)"
        )
        for index in range(len(predicted), len(live)):
            found.append(f"{layout.secret_name(index)} is not predicted (stale, or a different split)")
    for index, (want, got) in enumerate(zip(predicted, live, strict=False)):
        if want != got:
            found.append(
                f"bucket {index} ({layout.secret_name(index)}): {len(got)} job(s) "
                f"{_span(got)} written, {len(want)} {_span(want)} predicted"
            )
    if layout.exact:
        drift.extend(found)
    else:
        notes.extend(f"{line} (sizes are zlib's estimate: not counted as drift)" for line in found)
    return drift, notes


def _span(names: Sequence[str]) -> str:
    if not names:
        return "(none)"
    return f"({names[0]} .. {names[-1]})" if len(names) > 1 else f"({names[0]})"


def mask_secrets(result: ConfigDiff) -> ConfigDiff:
    """``result`` with every credential value masked on both sides of each change (the one registry,
    :mod:`vmscrape_component.models.credentials`: Secret values, header values, URL userinfo, OAuth2)."""
    return result.masked()


# -- the operator's Secret -----------------------------------------------------------------------------------


def read_config_secret(secret: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The config in the operator's Secret object (``data`` base64 of gzip of YAML); :class:`VMScrapeError`
    naming ``where`` (``Secret ns/name``) when it is not there or not readable."""
    config = _read_gzip_yaml(secret, where, CONFIG_KEY)
    if not isinstance(config, dict):
        raise VMScrapeError(
            [
                Problem(
                    object=where,
                    path=f"data[{CONFIG_KEY!r}]",
                    message=f"unreadable: not a vmagent config (a YAML {type(config).__name__})",
                )
            ]
        )
    return config


def read_extra_secret(secret: Mapping[str, Any], where: str) -> list[Any]:
    """The jobs in an overflow Secret (key ``jobs.yaml``: base64 of gzip of a YAML list)."""
    jobs = _read_gzip_yaml(secret, where, EXTRA_CONFIG_KEY)
    if not isinstance(jobs, list):
        raise VMScrapeError(
            [
                Problem(
                    object=where,
                    path=f"data[{EXTRA_CONFIG_KEY!r}]",
                    message=f"unreadable: not a list of scrape jobs (a YAML {type(jobs).__name__})",
                )
            ]
        )
    return jobs


def _read_gzip_yaml(secret: Mapping[str, Any], where: str, key: str) -> Any:
    def fail(message: str) -> VMScrapeError:
        return VMScrapeError([Problem(object=where, path=f"data[{key!r}]", message=message)])

    encoded = (secret.get("data") or {}).get(key)
    if not encoded:
        raise fail("missing: the operator has not written this agent's config (yet)")
    try:
        text = gzip.decompress(base64.b64decode(encoded, validate=True)).decode("utf-8")
    except (binascii.Error, OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise fail(f"unreadable: not base64 of gzipped UTF-8 text ({exc})") from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise fail(f"unreadable: not YAML ({' '.join(str(exc).split())})") from None
    return config


# -- reading a cluster ---------------------------------------------------------------------------------------


def verify_cluster(
    context: str | None = None,
    kubeconfig: str | None = None,
    *,
    agent: str | None = None,
    operator: OperatorSettings | None = None,
) -> list[AgentVerification]:
    """Compare, for each VMAgent of the cluster (or only ``agent``, ``namespace/name``), the config the
    operator wrote with vmscrape's prediction. Read-only. Raises :class:`VMScrapeError` (one line) when the
    cluster cannot be read, there is no such agent, or an agent's config Secret is missing or unreadable."""
    from .kubeclient import connect

    operator = operator or OperatorSettings()
    with connect(context, kubeconfig) as cluster:
        objects = _read_objects(cluster)
        agents = _choose(objects.agents, agent, cluster.where)
        _read_assets(cluster, objects, agents, operator)
        results = []
        for chosen in agents:
            name = config_secret_name(chosen.name)
            where = f"Secret {chosen.namespace}/{name}"
            secret = cluster.get(where, cluster.core.read_namespaced_secret, name, chosen.namespace)
            if secret is None:
                raise VMScrapeError(
                    [
                        Problem(
                            object=where,
                            path="",
                            message=f"not found: the operator has not written the config of VMAgent "
                            f"{chosen.key} (yet), or does not run",
                        )
                    ]
                )
            written = WrittenSecrets(read_config_secret(secret, where), _read_extra(cluster, chosen, name))
            results.append(compare_agent(chosen, objects, written, operator=operator))
    return results


def _read_extra(cluster: Any, agent: VMAgent, prefix: str) -> list[tuple[str, list[Any]]]:
    """The overflow Secrets ``<prefix>-sc-1``, ``-sc-2``, ... up to the first missing one, read by name
    (the operator writes them numbered from 1 and deletes those above its bucket count; reading by name
    needs no list of the namespace's Secrets)."""
    found: list[tuple[str, list[Any]]] = []
    index = 1
    while True:
        name = f"{prefix}-sc-{index}"
        where = f"Secret {agent.namespace}/{name}"
        secret = cluster.get(where, cluster.core.read_namespaced_secret, name, agent.namespace)
        if secret is None:
            return found
        found.append((name, read_extra_secret(secret, where)))
        index += 1


def _read_objects(cluster: Any) -> ClusterObjects:
    def custom(plural: str) -> list[dict[str, Any]]:
        items = cluster.list_all(
            f"{plural} ({_GROUP}/{_VERSION})",
            cluster.custom.list_cluster_custom_object,
            group=_GROUP,
            version=_VERSION,
            plural=plural,
        )
        return list(items)

    objects = ClusterObjects()
    problems: list[Problem] = []
    # A list's items name no kind: it is filled in, and the model checks the rest.
    for item in custom("vmagents"):
        try:
            objects.agents.append(VMAgent.from_manifest({**item, "apiVersion": _API, "kind": "VMAgent"}))
            meta = item.get("metadata") or {}
            key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
            objects.statuses[key] = item.get("status") or {}
        except VMScrapeError as exc:
            problems.extend(exc.problems)
    for item in custom("vmservicescrapes"):
        try:
            objects.scrapes.append(
                VMServiceScrape.from_manifest({**item, "apiVersion": _API, "kind": "VMServiceScrape"})
            )
        except VMScrapeError as exc:
            problems.extend(exc.problems)
    if problems:
        raise VMScrapeError(problems)
    for ns in cluster.list_all("Namespace objects", cluster.core.list_namespace):
        meta = ns.get("metadata") or {}
        objects.namespaces[meta.get("name", "")] = dict(meta.get("labels") or {})
    return objects


def _choose(agents: Sequence[VMAgent], wanted: str | None, where: str) -> list[VMAgent]:
    if wanted:
        chosen = [a for a in agents if a.key == wanted]
        if not chosen:
            known = ", ".join(sorted(a.key for a in agents)) or "none"
            raise VMScrapeError(
                [
                    Problem(
                        "--agent",
                        "",
                        f"no VMAgent with that namespace/name in the {where}; found: {known}",
                        wanted,
                    )
                ]
            )
        return chosen
    if not agents:
        raise VMScrapeError([Problem(where, "", "holds no VMAgent: nothing to verify")])
    return sorted(agents, key=lambda a: a.key)


def _read_assets(
    cluster: Any, objects: ClusterObjects, agents: Sequence[VMAgent], operator: OperatorSettings
) -> None:
    """Fetch every Secret/ConfigMap the agents' scrapes refer to (a render with no values says which)."""
    wanted: set[tuple[str, str, str]] = set()
    for agent in agents:
        probe = Assets()
        render_config(objects.scrapes, agent, assets=probe, operator=operator, namespaces=objects.namespaces)
        wanted |= probe.requested
    for kind, namespace, name in sorted(wanted):
        read = (
            cluster.core.read_namespaced_secret
            if kind == "Secret"
            else cluster.core.read_namespaced_config_map
        )
        found = cluster.get(f"{kind} {namespace}/{name}", read, name, namespace)
        if found is not None:
            objects.assets.append({**found, "kind": kind})


# -- ServiceMonitors and the VMServiceScrapes the operator converts them into --------------------------------

_PROM_GROUP, _PROM_VERSION = "monitoring.coreos.com", "v1"


@dataclass
class ConversionCheck:
    """The cluster's ServiceMonitors against the VMServiceScrapes the operator made of them.

    ``drifted``: ``namespace/name`` → the differences (``path: predicted → in the cluster``) between the
    conversion vmscrape predicts and the VMServiceScrape the cluster holds; ``missing``: ServiceMonitors
    with no VMServiceScrape (the operator has not converted them: it does not run, or it started before the
    ServiceMonitor CRD existed, or its converter is off); ``orphaned``: VMServiceScrapes the conversion
    made whose ServiceMonitor is gone (the operator does not delete them unless owner references are on);
    ``kept``: VMServiceScrapes that opt out with ``ignore-prometheus-updates: enabled``.
    """

    compared: int = 0
    drifted: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not (self.drifted or self.missing or self.orphaned or self.invalid)

    def as_dict(self) -> dict[str, Any]:
        """Stable JSON: ``identical``, ``compared``, ``drifted`` (``{key: [lines]}``), ``missing``,
        ``orphaned``, ``kept`` (sorted lists) and ``invalid`` (``{key: problem}``)."""
        return {
            "identical": self.identical,
            "compared": self.compared,
            "drifted": {k: self.drifted[k] for k in sorted(self.drifted)},
            "missing": sorted(self.missing),
            "orphaned": sorted(self.orphaned),
            "kept": sorted(self.kept),
            "invalid": {k: self.invalid[k] for k in sorted(self.invalid)},
        }

    def lines(self) -> list[str]:
        """The result as lines of text (empty when there is nothing to say)."""
        if not (self.compared or self.orphaned or self.invalid):
            return []
        verdict = "as predicted" if self.identical else "DRIFT"
        out = [f"ServiceMonitors: {self.compared} compared with their VMServiceScrapes: {verdict}"]
        for key in sorted(self.drifted):
            out.append(f"  VMServiceScrape {key} differs from the conversion of ServiceMonitor {key}:")
            out += [f"    {line}" for line in self.drifted[key]]
        out += [
            f"  ServiceMonitor {k}: no VMServiceScrape {k} (not converted by the operator)"
            for k in sorted(self.missing)
        ]
        out += [
            f"  VMServiceScrape {k}: left behind, its ServiceMonitor is gone (the operator still scrapes it)"
            for k in sorted(self.orphaned)
        ]
        out += [f"  ServiceMonitor {k}: cannot be converted: {self.invalid[k]}" for k in sorted(self.invalid)]
        out += [
            f"  VMServiceScrape {k}: kept as it is ({IGNORE_ANNOTATION}: enabled)" for k in sorted(self.kept)
        ]
        return out


def _paths_differ(old: Any, new: Any, path: str) -> list[str]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(f"{sub}: {old[key]!r} → (absent)")
            elif key not in old:
                out.append(f"{sub}: (absent) → {new[key]!r}")
            else:
                out += _paths_differ(old[key], new[key], sub)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            line
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for line in _paths_differ(a, b, f"{path}[{i}]")
        ]
    return [] if old == new else [f"{path}: {old!r} → {new!r}"]


def _made_by_conversion(item: Mapping[str, Any], operator_managers: set[str]) -> bool:
    meta = item.get("metadata") or {}
    owners = meta.get("ownerReferences") or []
    if any(o.get("kind") == "ServiceMonitor" for o in owners):
        return True
    managers = {m.get("manager") for m in meta.get("managedFields") or ()}
    # Without owner references, an object only the operator ever wrote: the operator's other
    # VMServiceScrapes (self-scrapes of its CRs) always name their owner.
    return not owners and bool(managers) and managers <= operator_managers


def check_conversions(
    monitors: Sequence[Mapping[str, Any]],
    scrapes: Sequence[Mapping[str, Any]],
    operator: OperatorSettings | None = None,
    *,
    operator_managers: set[str] | None = None,
) -> ConversionCheck:
    """Compare each ServiceMonitor's predicted conversion with the VMServiceScrape of the same name
    (``scrapes``: the cluster's objects as the API returns them), and find converted VMServiceScrapes
    whose ServiceMonitor is gone. ``operator_managers``: the field managers the operator writes with
    (read from its config Secrets), to recognise its conversions when owner references are off."""
    operator = operator or OperatorSettings()
    by_key = {
        f"{(s.get('metadata') or {}).get('namespace')}/{(s.get('metadata') or {}).get('name')}": s
        for s in scrapes
    }
    result = ConversionCheck()
    monitor_keys = set()
    for item in monitors:
        meta = item.get("metadata") or {}
        key = f"{meta.get('namespace')}/{meta.get('name')}"
        monitor_keys.add(key)
        if not operator.convert_service_monitors:
            continue
        existing = by_key.get(key)
        if existing is None:
            result.missing.append(key)
            continue
        if ((existing.get("metadata") or {}).get("annotations") or {}).get(IGNORE_ANNOTATION) == "enabled":
            result.kept.append(key)
            continue
        try:
            predicted = convert_service_monitor(
                {**item, "apiVersion": f"{_PROM_GROUP}/{_PROM_VERSION}", "kind": "ServiceMonitor"}, operator
            ).manifest
        except VMScrapeError as exc:
            result.invalid[key] = "; ".join(exc.format_problem(p) for p in exc.problems)
            continue
        result.compared += 1
        lines = _paths_differ(predicted["spec"], existing.get("spec") or {}, "spec")
        ex_meta = existing.get("metadata") or {}
        for part in ("labels", "annotations"):
            # The default merge strategy for conversions replaces both maps (reconcile.go:114-115).
            if (ex_meta.get("annotations") or {}).get(MERGE_META_ANNOTATION):
                break
            lines += _paths_differ(
                predicted["metadata"].get(part) or {}, ex_meta.get(part) or {}, f"metadata.{part}"
            )
        if lines:
            result.drifted[key] = lines
    for key, item in by_key.items():
        if key not in monitor_keys and _made_by_conversion(item, operator_managers or set()):
            result.orphaned.append(key)
    return result


def verify_conversions(
    context: str | None = None, kubeconfig: str | None = None, *, operator: OperatorSettings | None = None
) -> ConversionCheck:
    """:func:`check_conversions` on a live cluster (read-only: lists ServiceMonitors, VMServiceScrapes and
    VMAgents, reads the agents' config Secrets for the operator's field manager). A cluster that does not
    serve ServiceMonitors has none."""
    from .kubeclient import connect

    with connect(context, kubeconfig) as cluster:
        listed = cluster.get(
            "ServiceMonitor objects",
            cluster.custom.list_cluster_custom_object,
            _PROM_GROUP,
            _PROM_VERSION,
            "servicemonitors",
        )
        monitors = list((listed or {}).get("items") or ())
        scrapes = list(
            cluster.list_all(
                f"vmservicescrapes ({_API})",
                cluster.custom.list_cluster_custom_object,
                group=_GROUP,
                version=_VERSION,
                plural="vmservicescrapes",
            )
        )
        managers: set[str] = set()
        agents = cluster.list_all(
            f"vmagents ({_API})",
            cluster.custom.list_cluster_custom_object,
            group=_GROUP,
            version=_VERSION,
            plural="vmagents",
        )
        for agent in agents:
            meta = agent.get("metadata") or {}
            name = config_secret_name(str(meta.get("name")))
            secret = cluster.get(
                f"Secret {meta.get('namespace')}/{name}",
                cluster.core.read_namespaced_secret,
                name,
                meta.get("namespace"),
            )
            for entry in ((secret or {}).get("metadata") or {}).get("managedFields") or ():
                if entry.get("manager"):
                    managers.add(entry["manager"])
    return check_conversions(monitors, scrapes, operator, operator_managers=managers)
