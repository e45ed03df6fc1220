"""The root Pulumi program (`pulumi up` here, or `vmscrape up`): the quick start, rendered into rendered/."""

from vmscrape_component.quickstart import program

program()
