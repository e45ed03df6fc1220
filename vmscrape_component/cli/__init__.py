"""The ``vmscrape`` command line: thin commands over the pure layers."""
