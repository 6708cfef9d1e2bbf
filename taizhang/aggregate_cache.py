"""A process's cache of aggregates, safe to share between request threads.

The library's own cache fast-forwards a cached aggregate in place while other threads may
be reading or copying it. Here an entry is never changed once cached: a newer state
replaces it whole, so readers can share an entry and writers deep-copy it.

The cache is bounded by the events its aggregates hold, not by how many there are: a
branch's work keeps every fact it was told, so a count of entries would let memory grow
with the campaign (the 10-minute load run grew each worker by 12-17 MB a minute). An
aggregate's version is the number of events it has taken, which is what it holds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from time import monotonic
from typing import Any
from uuid import UUID


def weight(aggregate: Any) -> int:
    return max(1, int(aggregate.version))


class AggregateCache:
    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        self._entries: OrderedDict[UUID, tuple[Any, float]] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID, *, max_age: float | None = None) -> Any | None:
        """The cached aggregate, if any and (with ``max_age``) read from the store recently."""
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is None:
                return None
            aggregate, fetched_at = entry
            if max_age is not None and monotonic() - fetched_at >= max_age:
                return None
            self._entries.move_to_end(aggregate_id)
            return aggregate

    def put(self, aggregate: Any) -> None:
        """Cache a state no one will change again. An older version never replaces a newer.

        The least recently used aggregates make room; one that alone holds more than the
        budget is not kept at all.
        """
        size = weight(aggregate)
        with self._lock:
            entry = self._entries.get(aggregate.id)
            if entry is not None:
                if entry[0].version > aggregate.version:
                    return
                self._events -= weight(entry[0])
                del self._entries[aggregate.id]
            if size > self.max_events:
                return
            self._entries[aggregate.id] = (aggregate, monotonic())
            self._events += size
            while self._events > self.max_events:
                _, (evicted, _) = self._entries.popitem(last=False)
                self._events -= weight(evicted)

    def __contains__(self, aggregate_id: UUID) -> bool:
        with self._lock:
            return aggregate_id in self._entries

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def events(self) -> int:
        """The events the cached aggregates hold together (at most ``max_events``)."""
        with self._lock:
            return self._events
