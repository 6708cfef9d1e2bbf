"""The campaign domain: aggregates, events and rules. Pure Python, no I/O."""
