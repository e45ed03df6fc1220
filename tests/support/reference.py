"""The reference inputs kept in tests/data/, and what we know of the ones not meant to be accepted."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Copies of the operator's CRDs, its unit-test cases and real-world manifests (see tests/data/README.md).
DATA = ROOT / "tests" / "data"
CRDS = DATA / "crds"
OPERATOR_CASES = DATA / "operator-cases"
REAL_MANIFESTS = DATA / "real-manifests"
REAL_SCRAPES = sorted((REAL_MANIFESTS).glob("vmservicescrape-*.yaml"))
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
