"""Pure rendering: validated models in (manifests are validated on the way in), vmagent scrape configuration
out. Nothing here imports pulumi."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..bulk import gc_paused
from ..models import VMAgentModel, VMServiceScrapeModel
from ..settings import AgentSettings, OperatorSettings
from .agent import AgentConfig, render_agent_config
from .assets import OPERATOR_TLS_MOUNT_DIR, Assets, MissingReference
from .scrape import render_endpoint_job, render_scrape_jobs
from .secrets import SecretLayout, render_secret_layout
from .yaml import dump as dump_yaml

__all__ = [
    "OPERATOR_TLS_MOUNT_DIR",
    "AgentConfig",
    "AgentSettings",
    "Assets",
    "MissingReference",
    "OperatorSettings",
    "SecretLayout",
    "config_yaml",
    "dump_yaml",
    "render_agent_config",
    "render_config",
    "render_endpoint_job",
    "render_scrape_jobs",
    "render_secret_layout",
]


def render_config(
    scrapes: Iterable[VMServiceScrapeModel | Mapping[str, Any]],
    agent: VMAgentModel | Mapping[str, Any] | None = None,
    *,
    assets: Assets | None = None,
    operator: OperatorSettings | None = None,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
    preselected: bool = False,
) -> AgentConfig:
    """The whole vmagent config for ``scrapes`` (models, or manifests, which are validated first).

    With ``agent`` (a VMAgent model or manifest), the agent's selectors pick the scrapes and its settings
    apply, as in the operator. Without one, every scrape is rendered with default agent settings and the
    ``global`` section carries no external label. ``preselected``: use every scrape even with an agent
    (skip its selectors, keep its settings).
    """
    with gc_paused():
        models = [VMServiceScrapeModel.from_manifest(s) for s in scrapes]
    return render_agent_config(
        None if agent is None else VMAgentModel.from_manifest(agent),
        models,
        namespaces=namespaces,
        assets=assets,
        operator=operator,
        preselected=preselected,
    )


def config_yaml(config: AgentConfig) -> str:
    """The config as vmagent reads it: ``global:`` then ``scrape_configs:``, deterministic block YAML."""
    return dump_yaml(config._emitted_tree())
