"""vmagent without the operator: credentials as mounted files, least-privilege discovery RBAC, size checks.

The operator reads referenced Secrets itself and writes their values into the config it stores in a
Secret. A vmagent deployed without it cannot read Secrets, so here every Secret value a job needs becomes a
file: the Secret is mounted (projected) into ``mount_dir`` with the operator's own file naming,
``<namespace>_<secret>_<key>``, and the job refers to it through vmagent's ``*_file`` fields
(``password_file``, ``bearer_token_file``, ``credentials_file``, ``client_secret_file``,
``username_file``, ``ca_file``...). vmagent has no file variant of ``oauth2.client_id``: such a value stays
inline, and the config then holds a credential (see :attr:`StandaloneConfig.inline_secrets`).

Pure: nothing here imports pulumi.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..models import ConfigMapKeySelector, SecretKeySelector, VMAgentModel, VMServiceScrapeModel, credentials
from ..settings import OperatorSettings
from .agent import AgentConfig, render_agent_config
from .assets import Assets
from .scrape import Job
from .yaml import dump

#: Where the standalone agent finds mounted Secret values (the operator's TLS-assets directory).
STANDALONE_MOUNT_DIR = "/etc/vmagent-tls/certs"
#: Kubernetes refuses objects (a ConfigMap or Secret holding the config) larger than this.
OBJECT_SIZE_LIMIT = 1024 * 1024

#: Inline credential key -> the vmagent key that reads the same value from a file (the registry's).
_FILE_KEYS = {key: file_key for key, file_key in credentials.INLINE_KEYS.items() if file_key}


@dataclass(frozen=True, order=True)
class SecretFile:
    """One Secret key the agent must see as a file: ``namespace/name`` ``key`` at ``file_name``."""

    namespace: str
    name: str
    key: str

    @property
    def file_name(self) -> str:
        return f"{self.namespace}_{self.name}_{self.key}"


class _Mounted(str):
    """A value replaced by the path of a mounted file (a marker until the job is rewritten)."""

    __slots__ = ("ref",)
    ref: SecretFile


class MountedAssets(Assets):
    """Assets for a standalone agent: every Secret value becomes a file under ``mount_dir``."""

    def __init__(
        self, objects: Iterable[Mapping[str, Any]] = (), *, mount_dir: str = STANDALONE_MOUNT_DIR
    ) -> None:
        super().__init__(objects, tls_mount_dir=mount_dir)
        #: Every Secret key a job reads from a file (TLS files here; credentials once jobs are rewritten).
        self.files: set[SecretFile] = set()

    def secret_value(self, namespace: str, selector: SecretKeySelector) -> str:
        ref = SecretFile(namespace, selector.name or "", selector.key)
        marker = _Mounted(posixpath.join(self.tls_mount_dir, ref.file_name))
        marker.ref = ref
        return marker

    def tls_file(
        self, namespace: str, ref: SecretKeySelector | ConfigMapKeySelector, *, config_map: bool = False
    ) -> str:
        path = super().tls_file(namespace, ref, config_map=config_map)
        if not config_map:
            self.files.add(SecretFile(namespace, ref.name or "", ref.key))
        return path


class _Inline(str):
    """The placeholder of a credential that must stay inline (``<secret ns/name key>``), with its key."""

    __slots__ = ("ref",)
    ref: SecretFile


def _placeholder(ref: SecretFile) -> str:
    marker = _Inline(f"<secret {ref.namespace}/{ref.name} {ref.key}>")
    marker.ref = ref
    return marker


def _filled(node: Any, values: Mapping[SecretFile, str]) -> Any:
    """``node`` with every inline placeholder replaced by its value (in the tree: the emitter then quotes
    and folds the value itself, so no placeholder is ever split across lines)."""
    if isinstance(node, dict):
        return {key: _filled(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_filled(item, values) for item in node]
    if isinstance(node, _Inline):
        return values[node.ref]
    return node


def _as_files(node: Any, inline: set[SecretFile], files: set[SecretFile]) -> Any:
    """``node`` with every mounted value under a key that has a file variant moved to that key."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(value, _Mounted):
                if key in _FILE_KEYS:
                    files.add(value.ref)
                    out[_FILE_KEYS[key]] = str(value)
                else:  # e.g. oauth2.client_id: vmagent has no file for it
                    inline.add(value.ref)
                    out[key] = _placeholder(value.ref)
            else:
                out[key] = _as_files(value, inline, files)
        return out
    if isinstance(node, list):
        return [_as_files(item, inline, files) for item in node]
    return node


@dataclass
class PolicyRule:
    """One RBAC rule: ``get/list/watch`` on ``resources`` of ``api_group``."""

    api_group: str
    resources: list[str]
    verbs: list[str] = field(default_factory=lambda: ["get", "list", "watch"])

    def manifest(self) -> dict[str, Any]:
        return {"apiGroups": [self.api_group], "resources": list(self.resources), "verbs": list(self.verbs)}


@dataclass
class DiscoveryRBAC:
    """What the agent's service account needs to discover its targets, and nothing more.

    ``namespaced``: namespace -> rules for a Role there (empty when ``cluster_rules`` covers everything);
    ``cluster_rules``: rules for a ClusterRole — only when some job discovers in all namespaces, or needs
    cluster-scoped objects (``nodes`` for ``attach_metadata.node``, ``namespaces`` for
    ``attach_metadata.namespace``).
    """

    namespaced: dict[str, list[PolicyRule]]
    cluster_rules: list[PolicyRule]


def _rules(kinds: set[tuple[str, str]]) -> list[PolicyRule]:
    groups: dict[str, list[str]] = {}
    for group, resource in sorted(kinds):
        groups.setdefault(group, []).append(resource)
    return [PolicyRule(group, resources) for group, resources in groups.items()]


#: The objects vmagent watches for each role (lib/promscrape/discovery/kubernetes/api_watcher.go,
#: startWatchersForRole: endpoints and endpointslice also watch pods and services).
_ROLE_KINDS = {
    "endpoints": {("", "endpoints"), ("", "services"), ("", "pods")},
    "endpointslice": {("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")},
    "endpointslices": {("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")},
    "service": {("", "services")},
    "pod": {("", "pods")},
}


def discovery_rbac(jobs: Iterable[Job]) -> DiscoveryRBAC:
    """The least-privilege RBAC for the ``kubernetes_sd_configs`` of ``jobs``."""
    namespaced: dict[str, set[tuple[str, str]]] = {}
    cluster: set[tuple[str, str]] = set()
    for job in jobs:
        for sd in job.get("kubernetes_sd_configs") or ():
            kinds = set(_ROLE_KINDS.get(sd.get("role", ""), ()))
            meta = sd.get("attach_metadata") or {}
            if meta.get("node") and sd.get("role") != "service":
                cluster.add(("", "nodes"))
            if meta.get("namespace"):
                cluster.add(("", "namespaces"))
            names = (sd.get("namespaces") or {}).get("names")
            if not names:
                cluster |= kinds
                continue
            for ns in names:
                namespaced.setdefault(ns, set()).update(kinds)
    roles = {ns: _rules(kinds - cluster) for ns, kinds in sorted(namespaced.items())}
    return DiscoveryRBAC({ns: rules for ns, rules in roles.items() if rules}, _rules(cluster))


@dataclass
class StandaloneConfig:
    """A whole vmagent config for an agent without the operator, and what deploying it needs."""

    config: AgentConfig
    #: The config text (credentials that must stay inline appear as ``<secret ns/name key>``).
    text: str
    #: Secret keys to mount as files, sorted.
    files: list[SecretFile]
    #: Secret keys whose *value* must be written into the config (no file variant in vmagent).
    inline_secrets: list[SecretFile]
    rbac: DiscoveryRBAC

    def text_with(self, values: Mapping[SecretFile, str]) -> str:
        """The config text with the value of every :attr:`inline_secrets` key written in (``values`` must
        hold each of them): what the agent reads. Substituted in the tree, then emitted."""
        missing = [ref for ref in self.inline_secrets if ref not in values]
        if missing:
            raise KeyError(f"no value for the inline secret(s) {', '.join(map(_placeholder, missing))}")
        if not self.inline_secrets:
            return self.text
        return dump(_filled(self.config.as_dict(), values))

    @functools.cached_property
    def holds_credentials(self) -> bool:
        """Whether the config text itself holds a credential (a header value or proxy userinfo written in a
        CR; an inline Secret value once :meth:`text_with` fills it in): it then belongs in a Secret."""
        return bool(self.inline_secrets) or self.config.holds_credentials()

    @functools.cached_property
    def checksum(self) -> str:
        """sha256 of the config text: changes exactly when the config does (roll the agent on it)."""
        return config_checksum(self.text)

    @functools.cached_property
    def size(self) -> int:
        return len(self.text.encode())

    @functools.cached_property
    def gzip_size(self) -> int:
        return gzipped_size(self.text)


def config_checksum(text: str) -> str:
    """sha256 (hex) of a config text."""
    return hashlib.sha256(text.encode()).hexdigest()


def gzipped_size(text: str) -> int:
    """Bytes of a config text gzipped (as the operator stores it), deterministic (no timestamp)."""
    return len(gzip.compress(text.encode(), mtime=0))


def render_standalone(
    agent: VMAgentModel | Mapping[str, Any],
    scrapes: Iterable[VMServiceScrapeModel | Mapping[str, Any]],
    *,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    operator: OperatorSettings | None = None,
    mount_dir: str = STANDALONE_MOUNT_DIR,
    objects: Iterable[Mapping[str, Any]] = (),
) -> StandaloneConfig:
    """The config ``agent`` would get from the operator, rewritten to run without it (models or manifests,
    which are validated first)."""
    assets = MountedAssets(objects, mount_dir=mount_dir)
    config = render_agent_config(
        VMAgentModel.from_manifest(agent),
        [VMServiceScrapeModel.from_manifest(s) for s in scrapes],
        namespaces=namespaces,
        assets=assets,
        operator=operator,
    )
    inline: set[SecretFile] = set()
    config.jobs = [_as_files(job, inline, assets.files) for job in config.jobs]
    text = dump(config.as_dict())
    return StandaloneConfig(
        config=config,
        text=text,
        files=sorted(assets.files),
        inline_secrets=sorted(inline),
        rbac=discovery_rbac(config.jobs),
    )


def size_warning(size: int, what: str = "the vmagent config") -> str | None:
    """A warning when ``size`` bytes would not fit a Kubernetes object (1 MiB), else ``None``."""
    if size <= OBJECT_SIZE_LIMIT * 0.9:
        return None
    return (
        f"{what} is {size / 1024:.0f} KiB; a ConfigMap or Secret holding it must stay under "
        f"{OBJECT_SIZE_LIMIT // 1024} KiB (Kubernetes' object size limit)"
    )
