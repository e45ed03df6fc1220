"""Adopt a chart's ServiceMonitor as the stack's own VMServiceScrape, and see what the conversion drops.

The VictoriaMetrics operator converts every ServiceMonitor into a VMServiceScrape of the same name. Here
the stack owns that VMServiceScrape instead: `service_monitor_args_from_file` gives the args of exactly
the object the operator would make (labels, annotations, spec), plus the annotation that keeps the
operator from overwriting it while the chart's ServiceMonitor still exists.
"""

from pathlib import Path

import pulumi

from vmscrape_component import VMServiceScrape, service_monitor_args_from_file
from vmscrape_component.component import provider_options

adopted = {}
notes = []
for args, conversion in service_monitor_args_from_file(Path(__file__).parent / "chart-servicemonitor.yaml"):
    adopted[conversion.key] = VMServiceScrape(
        args.resource_name or conversion.source.name, args, opts=provider_options()
    )
    notes += [note.text() for note in conversion.notes]

pulumi.export(
    "job_names",
    pulumi.Output.all(*[s.job_names for s in adopted.values()]).apply(
        lambda n: [job for names in n for job in names]
    ),
)
pulumi.export("conversion_notes", notes)
pulumi.export("manifests", pulumi.Output.all(*[s.manifest for s in adopted.values()]))
