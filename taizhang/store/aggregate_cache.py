"""A process's cache of aggregates, safe to share between request threads.

The library's own cache fast-forwards a cached aggregate in place while other threads may
be reading or copying it. Here an entry is never changed once cached: a newer state
replaces it whole, so readers can share an entry and writers deep-copy it.

The cache is bounded by the events its aggregates hold, not by how many there are: a
branch's work keeps every fact it was told, so a count of entries would let memory grow
with the campaign (the 10-minute load run grew each worker by 12-17 MB a minute). An
aggregate's version is the number of events it has taken, which is what it holds.

Aggregates that keep facts (branch works, problems) make room first: they grow with the
campaign, and are changed rather than consulted. A batch over a few hundred long works
would otherwise push out the campaign and the branches that every post consults, and each
batch after it read them all again one by one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from time import monotonic
from typing import Any
from uuid import UUID


def weight(aggregate: Any) -> int:
    return max(1, int(aggregate.version))


def keeps_facts(aggregate: Any) -> bool:
    return hasattr(aggregate, "facts")


class AggregateCache:
    def __init__(self, max_events: int) -> None:
        self.max_events = max_events
        # Least recently used first, in each: what is only consulted, and what keeps facts.
        self._consulted: OrderedDict[UUID, tuple[Any, float]] = OrderedDict()
        self._keeping: OrderedDict[UUID, tuple[Any, float]] = OrderedDict()
        self._events = 0
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID, *, max_age: float | None = None) -> Any | None:
        """The cached aggregate, if any and (with ``max_age``) read from the store recently."""
        with self._lock:
            entries = self._entries_of(aggregate_id)
            if entries is None:
                return None
            aggregate, fetched_at = entries[aggregate_id]
            if max_age is not None and monotonic() - fetched_at >= max_age:
                return None
            entries.move_to_end(aggregate_id)
            return aggregate

    def put(self, aggregate: Any) -> None:
        """Cache a state no one will change again. An older version never replaces a newer.

        The least recently used aggregates that keep facts make room, then the least
        recently used of the rest; one that alone holds more than the budget is not kept.
        """
        size = weight(aggregate)
        with self._lock:
            entries = self._entries_of(aggregate.id)
            if entries is not None:
                cached = entries[aggregate.id][0]
                if cached.version > aggregate.version:
                    return
                self._events -= weight(cached)
                del entries[aggregate.id]
            if size > self.max_events:
                return
            home = self._keeping if keeps_facts(aggregate) else self._consulted
            home[aggregate.id] = (aggregate, monotonic())
            self._events += size
            # The state just put (last in its home) is never the one to make room.
            spare = 1 if home is self._keeping else 0
            while self._events > self.max_events:
                making_room = self._keeping if len(self._keeping) > spare else self._consulted
                _, (evicted, _) = making_room.popitem(last=False)
                self._events -= weight(evicted)

    def _entries_of(self, aggregate_id: UUID) -> OrderedDict[UUID, tuple[Any, float]] | None:
        if aggregate_id in self._consulted:
            return self._consulted
        if aggregate_id in self._keeping:
            return self._keeping
        return None

    def __contains__(self, aggregate_id: UUID) -> bool:
        with self._lock:
            return self._entries_of(aggregate_id) is not None

    def __len__(self) -> int:
        with self._lock:
            return len(self._consulted) + len(self._keeping)

    @property
    def events(self) -> int:
        """The events the cached aggregates hold together (at most ``max_events``)."""
        with self._lock:
            return self._events
