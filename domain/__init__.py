"""The campaign domain: aggregates, events and rules. Pure Python, no I/O."""

from __future__ import annotations

import sys

from eventsourcing.utils import register_topic

# A stored event names its class by topic, "<module>:<class>". Events written while this
# package was installed as the top-level `domain` have topics that start with that old
# name; they stay in the log unchanged (it is immutable and hash-chained), so the old
# prefix resolves to this package (the library's way for moved modules, register_topic).
LEGACY_PREFIX = "domain"
if __name__ != LEGACY_PREFIX:
    register_topic(LEGACY_PREFIX, sys.modules[__name__])
