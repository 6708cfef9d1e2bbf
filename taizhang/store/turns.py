"""Turns on aggregates within one process: one lock per aggregate, only while it is wanted.

Writers in one process that change the same aggregate take turns instead of racing and
retrying: under contention optimistic retries alone can starve an unlucky writer. The lock
is the aggregate's own, not a stripe shared with others: a batch of 1,000 events changes
hundreds of aggregates, and with striped locks two batches on different branches almost
always shared a stripe, so batches ran one after another for no reason.

A lock exists while someone holds or waits for it, so the table stays as small as the work
under way. Waits are bounded: a writer taking turns in another order can never deadlock,
it goes on without the turn (optimistic concurrency still keeps the store right).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

WAIT_SECONDS = 5.0


class _Turn:
    __slots__ = ("lock", "wanted")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wanted = 0  # holders and waiters


class Turns:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._turns: dict[Hashable, _Turn] = {}

    def take(self, key: Hashable, timeout: float = WAIT_SECONDS) -> bool:
        """Wait for the turn on ``key``; False if the wait ran out (the turn is not held)."""
        with self._mutex:
            turn = self._turns.get(key)
            if turn is None:
                turn = self._turns[key] = _Turn()
            turn.wanted += 1
        if turn.lock.acquire(timeout=timeout):
            return True
        self._unwant(key, turn)
        return False

    def give_back(self, key: Hashable) -> None:
        turn = self._turns[key]
        turn.lock.release()
        self._unwant(key, turn)

    def __len__(self) -> int:
        """Aggregates someone holds or waits for."""
        return len(self._turns)

    def _unwant(self, key: Hashable, turn: _Turn) -> None:
        with self._mutex:
            turn.wanted -= 1
            if turn.wanted == 0:
                del self._turns[key]


# Every unit of work in the process takes its turns here.
TURNS = Turns()
