"""The components served to other languages: a Pulumi component provider named ``vmscrape``.

A TypeScript, Go or YAML program adds this repository's ``provider/`` directory as a package
(``pulumi package add <repo>/provider``, Pulumi >= 3.149); the engine then runs ``provider/__main__.py``
with the Python language host, which calls :func:`main`. The SDK's analyzer
(``pulumi.provider.experimental.analyzer``) infers the schema from the annotations of the ``…Args``
dataclasses and of the components' outputs, so the type tokens are the components' own
(``vmscrape:index:VMServiceScrape``...), and ``construct`` passes the inputs as one plain dict, which the
components check as they check keywords (``_args.resolve_args``).
"""

import pulumi

from .operator_agent import OperatorVMAgent
from .service_scrape import VMServiceScrape
from .service_scrape_set import VMServiceScrapeSet
from .standalone_agent import StandaloneVMAgent

#: The package name: the first part of every type token.
PACKAGE = "vmscrape"
#: The components served, in the schema's order.
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    VMServiceScrape,
    VMServiceScrapeSet,
    OperatorVMAgent,
    StandaloneVMAgent,
]


def main() -> None:
    """Serve the components (the engine gives the address and flags as arguments)."""
    from pulumi.provider.experimental import component_provider_host

    component_provider_host(COMPONENTS, name=PACKAGE)
