"""Pure rendering: manifests in, vmagent scrape configuration out. Nothing here imports pulumi."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._gc import gc_paused
from .agent import AgentConfig, render_agent_config
from .assets import OPERATOR_TLS_MOUNT_DIR, Assets, MissingReference
from .scrape import render_endpoint_job, render_scrape_jobs
from .settings import AgentSettings, OperatorSettings
from .yaml import dump as dump_yaml

__all__ = [
    "OPERATOR_TLS_MOUNT_DIR",
    "AgentConfig",
    "AgentSettings",
    "Assets",
    "MissingReference",
    "OperatorSettings",
    "config_yaml",
    "dump_yaml",
    "render_agent_config",
    "render_config",
    "render_endpoint_job",
    "render_scrape_jobs",
]

#: Stands in for "no VMAgent given": default settings, no external label, every scrape used.
_ANONYMOUS_AGENT: Mapping[str, Any] = {"metadata": {"name": ""}, "spec": {"externalLabelName": ""}}


def _manifest(obj: Any) -> Mapping[str, Any]:
    return obj.manifest() if hasattr(obj, "manifest") else obj


def render_config(
    scrapes: Iterable[Any],
    agent: Any | None = None,
    *,
    assets: Assets | None = None,
    operator: OperatorSettings | None = None,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    preselected: bool = False,
) -> AgentConfig:
    """The whole vmagent config for ``scrapes`` (models or manifests).

    With ``agent`` (a VMAgent model or manifest), the agent's selectors pick the scrapes and its settings
    apply, as in the operator. Without one, every scrape is rendered with default agent settings and the
    ``global`` section carries no external label. ``preselected``: use every scrape even with an agent
    (skip its selectors, keep its settings).
    """
    with gc_paused():
        manifests = [_manifest(s) for s in scrapes]
    if agent is None:
        return render_agent_config(
            _ANONYMOUS_AGENT, manifests, assets=assets, operator=operator, preselected=True
        )
    return render_agent_config(
        _manifest(agent),
        manifests,
        namespaces=namespaces,
        assets=assets,
        operator=operator,
        preselected=preselected,
    )


def config_yaml(config: AgentConfig) -> str:
    """The config as vmagent reads it: ``global:`` then ``scrape_configs:``, deterministic block YAML."""
    return dump_yaml(config.as_dict())
