"""The reference inputs kept in tests/data/, and what we know of the ones not meant to be accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic

from vmscrape_component.models import OAuth2, VMAgentModel, VMServiceScrapeModel

ROOT = Path(__file__).resolve().parents[2]
#: Copies of the operator's CRDs, its unit-test cases and real-world manifests (see tests/data/README.md).
DATA = ROOT / "tests" / "data"
CRDS = DATA / "crds"
OPERATOR_CASES = DATA / "operator-cases"
REAL_MANIFESTS = DATA / "real-manifests"
REAL_SCRAPES = sorted((REAL_MANIFESTS).glob("vmservicescrape-*.yaml"))
#: Real ServiceMonitors (prometheus-operator's kind), each converted by the operator into a VMServiceScrape.
REAL_MONITORS = sorted((REAL_MANIFESTS).glob("servicemonitor-*.yaml"))
SERVICE_CASES = sorted((OPERATOR_CASES / "service").glob("*.yaml"))

#: Real-world manifests the operator v0.74.1 cannot use, with the field our validation must name.
#: metrics-server: ``port: 443`` — ``port`` is a Service port *name* (a string); the CRD schema rejects it.
#: oauth2-tls: ``oauth2.tls_config`` written with snake_case keys; the operator decodes TLSConfig with
#: unknown fields disallowed (``TLSConfig.UnmarshalJSON`` in api/operator/v1beta1/vmextra_types.go), so
#: ``insecure_skip_verify`` / ``key_secret`` make the whole object undecodable.
REJECTED_REAL_SCRAPES: dict[str, list[str]] = {
    "vmservicescrape-vm-operator-metrics-server": ["spec.endpoints[0].port"],
    "vmservicescrape-vm-operator-oauth2-tls": [
        "spec.endpoints[0].oauth2.tls_config.insecure_skip_verify",
        "spec.endpoints[0].oauth2.tls_config.key_secret",
    ],
}

#: Operator unit-test cases whose (faithfully reproduced) output the real vmagent refuses, with the
#: message it refuses it with: the operator's tests feed it deliberately overfilled objects.
VMAGENT_REJECTS_CASE: dict[str, str] = {
    "08-complete-config": "cannot simultaneously use `authorization`, `basic_auth` and `bearer_token_file`",
    "18-oauth2-in-scrapeclass-and-in-endpoint": "token_url cannot be empty",
}

#: Operator unit-test inputs the API server would refuse (the operator's tests bypass it): our models,
#: which follow the CRD schema, refuse them too, naming the field.
CRD_REJECTS_CASE: dict[str, str] = {
    # oauth2.token_url has minLength 1 in the CRD; the case sets it to ''.
    "18-oauth2-in-scrapeclass-and-in-endpoint": "oauth2.token_url",
    # The CRD requires spec.endpoints; TestSelectServiceMonitors builds its VMServiceScrapes without it
    # (selection never reads it). Their VMAgents are valid and still checked; selection still compared.
    **{
        stem: "spec.endpoints"
        for stem in (
            "01-select-service-scrape-inside-vmagent-namespace",
            "02-select-service-scrape-from-namespace-with-filter",
            "03-if-namespaceselector-and-selector-both-undefined-selectallby",
            "04-if-namespaceselector-and-selector-both-undefined-selectallby",
            "05-if-namespaceselector-defined-selector-undefined-selectallbyd",
            "06-if-namespaceselector-defined-selector-undefined-selectallbyd",
            "07-if-namespaceselector-undefined-selector-defined-selectallbyd",
            "08-if-namespaceselector-undefined-selector-defined-selectallbyd",
            "09-if-namespaceselector-and-selector-both-defined-selectallbyde",
            "10-if-namespaceselector-and-selector-both-defined-selectallbyde",
        )
    },
}
#: Of those, the ones refused for their VMServiceScrapes alone (their VMAgents pass the CRD schema).
SCRAPES_REFUSED_ONLY = {stem for stem, field in CRD_REJECTS_CASE.items() if field == "spec.endpoints"}

#: Stands in for an empty ``token_url`` while a case is validated (see :func:`case_models`).
_EMPTY_TOKEN_URL = "https://vmscrape.test/empty-token-url"


def case_models(case: dict[str, Any]) -> tuple[VMAgentModel, VMServiceScrapeModel]:
    """An operator case's VMAgentModel and VMServiceScrapeModel as models, exactly as the case writes them.

    The cases in :data:`CRD_REJECTS_CASE` hold ``oauth2.token_url: ''``, below the CRD's minimum: the
    operator's Go tests build their structs without the API server. They are validated here with a
    stand-in URL that is then set back to ``''``, so the renderer sees the operator's input unchanged.
    """
    agent = VMAgentModel.from_manifest(_with_token_urls(case["vmagent"], "", _EMPTY_TOKEN_URL))
    scrape = VMServiceScrapeModel.from_manifest(_with_token_urls(case["scrape"], "", _EMPTY_TOKEN_URL))
    for model in (agent, scrape):
        _restore_token_urls(model)
    return agent, scrape


def _with_token_urls(node: Any, old: str, new: str) -> Any:
    if isinstance(node, dict):
        return {
            k: new if k == "token_url" and v == old else _with_token_urls(v, old, new)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_with_token_urls(item, old, new) for item in node]
    return node


def _restore_token_urls(node: Any) -> None:
    if isinstance(node, OAuth2) and node.token_url == _EMPTY_TOKEN_URL:
        node.token_url = ""
    if isinstance(node, pydantic.BaseModel):
        for name in type(node).model_fields:
            _restore_token_urls(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            _restore_token_urls(item)
