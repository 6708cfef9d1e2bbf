"""A process's cache of aggregates, safe to share between request threads.

The library's own cache fast-forwards a cached aggregate in place while other threads may
be reading or copying it. Here an entry is never changed once cached: a newer state
replaces it whole, so readers can share an entry and writers deep-copy it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from time import monotonic
from typing import Any
from uuid import UUID


class AggregateCache:
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[UUID, tuple[Any, float]] = OrderedDict()
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
        """Cache a state no one will change again. An older version never replaces a newer."""
        with self._lock:
            entry = self._entries.get(aggregate.id)
            if entry is not None and entry[0].version > aggregate.version:
                return
            self._entries[aggregate.id] = (aggregate, monotonic())
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def __contains__(self, aggregate_id: UUID) -> bool:
        with self._lock:
            return aggregate_id in self._entries
