"""Drift between the vmagent config the operator wrote and the one vmscrape predicts, per VMAgent.

The operator keeps each VMAgent's config in the Secret ``vmagent-<name>`` (key ``vmagent.yaml.gz``, gzip)
in the agent's namespace. vmscrape predicts the same config from the cluster's own objects (the VMAgent,
every VMServiceScrape, the Namespaces' labels, the Secrets and ConfigMaps the scrapes refer to) exactly as
``vmscrape render`` does, and the two are compared with the semantic diff of :mod:`vmscrape_component.diff`:
``global`` and every ``serviceScrape/…`` job. Jobs of the scrape kinds vmscrape does not model
(``podScrape/``, ``probe/``, ``nodeScrape/``, ``staticScrape/``, ``scrapeConfig/``) are counted, not compared.

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

from .diff import Change, ConfigDiff, diff_configs
from .errors import Problem, VMScrapeError
from .grammar import API_VERSION
from .models import VMAgentModel as VMAgent
from .models import VMServiceScrapeModel as VMServiceScrape
from .render import Assets, OperatorSettings, config_yaml, render_config

__all__ = [
    "CONFIG_KEY",
    "AgentVerification",
    "ClusterObjects",
    "compare_agent",
    "config_secret_name",
    "mask_secrets",
    "verify_cluster",
]

#: The key of the operator's Secret that holds the gzipped config.
CONFIG_KEY = "vmagent.yaml.gz"
#: The job-name prefix of the jobs vmscrape predicts (one per VMServiceScrape endpoint).
SERVICE_SCRAPE_PREFIX = "serviceScrape/"
#: vmagent config keys whose values the operator copies from a Secret (or, for ``client_id``, maybe a
#: ConfigMap): masked wherever they appear in a verification's result.
SECRET_KEYS = frozenset(
    {
        "username",
        "password",
        "bearer_token",
        "proxy_bearer_token",
        "credentials",
        "client_secret",
        "client_id",
    }
)
#: What a masked value reads as.
MASK = "<secret>"
#: A masked value that is not the one vmscrape predicts.
MASK_DIFFERS = "<secret, another value>"

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

    @property
    def identical(self) -> bool:
        return self.diff.empty

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
    assets = Assets(objects.assets, reveal=True, strict=True)
    config = render_config(
        objects.scrapes,
        agent,
        assets=assets,
        operator=operator or OperatorSettings(),
        namespaces=objects.namespaces,
    )
    # Through the YAML text, as vmagent reads it: both sides are then plain parsed YAML.
    return yaml.safe_load(config_yaml(config)), dict(config.skipped)


def compare_agent(
    agent: VMAgent,
    objects: ClusterObjects,
    operator_config: Mapping[str, Any],
    *,
    operator: OperatorSettings | None = None,
) -> AgentVerification:
    """Compare the config the operator wrote for ``agent`` (parsed YAML) with vmscrape's prediction."""
    predicted, skipped = predict(agent, objects, operator)
    jobs = [j for j in operator_config.get("scrape_configs") or () if isinstance(j, Mapping)]
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
    return AgentVerification(
        agent=agent.key,
        secret=f"{agent.namespace}/{config_secret_name(agent.name)}",
        diff=result,
        compared_jobs=len(names),
        not_compared=dict(others),
        skipped=skipped,
    )


def mask_secrets(result: ConfigDiff) -> ConfigDiff:
    """``result`` with every credential value (:data:`SECRET_KEYS`) masked on both sides of each change."""
    return ConfigDiff(
        added=list(result.added),
        removed=list(result.removed),
        changed={job: [_mask_change(c) for c in changes] for job, changes in result.changed.items()},
        global_changes=[_mask_change(c) for c in result.global_changes],
        targets=list(result.targets),
    )


def _mask_change(change: Change) -> Change:
    last = change.path.rsplit(".", 1)[-1].split("[", 1)[0]
    if last in SECRET_KEYS:
        return Change(
            change.path, change.kind, old=MASK, new=MASK_DIFFERS if change.kind == "changed" else MASK
        )
    return Change(change.path, change.kind, old=_masked(change.old), new=_masked(change.new))


def _masked(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: MASK if k in SECRET_KEYS and v is not None else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


# -- the operator's Secret -----------------------------------------------------------------------------------


def read_config_secret(secret: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The config in the operator's Secret object (``data`` base64 of gzip of YAML); :class:`VMScrapeError`
    naming ``where`` (``Secret ns/name``) when it is not there or not readable."""

    def fail(message: str) -> VMScrapeError:
        return VMScrapeError([Problem(object=where, path=f"data[{CONFIG_KEY!r}]", message=message)])

    encoded = (secret.get("data") or {}).get(CONFIG_KEY)
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
    if not isinstance(config, dict):
        raise fail(f"unreadable: not a vmagent config (a YAML {type(config).__name__})")
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
            config = read_config_secret(secret, where)
            results.append(compare_agent(chosen, objects, config, operator=operator))
    return results


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
