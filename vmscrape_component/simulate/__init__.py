"""Preview what vmagent would do with a rendered config: relabeling, Kubernetes discovery over a cluster
snapshot, and the resulting targets. Pure Python (RE2 regexes); only :mod:`.live` talks to a cluster
(read-only lists through the optional ``kubernetes`` client, into the same Snapshot a file gives)."""

from .discovery import DiscoveredTarget, Discovery, Snapshot, discover, load_snapshot, snapshot_from_objects
from .explain import Explanation, JobExplanation, duplicate_targets, explain, explain_jobs
from .relabel import Relabeled, Rule, apply_rules, parse_if_expression, parse_rule, parse_rules
from .targets import JobTargets, Target, scrape_url

__all__ = [
    "DiscoveredTarget",
    "Discovery",
    "Explanation",
    "JobExplanation",
    "JobTargets",
    "Relabeled",
    "Rule",
    "Snapshot",
    "Target",
    "apply_rules",
    "discover",
    "duplicate_targets",
    "explain",
    "explain_jobs",
    "load_snapshot",
    "parse_if_expression",
    "parse_rule",
    "parse_rules",
    "scrape_url",
    "snapshot_from_objects",
]
