"""A circuit breaker for the database: refuse at once while it is known to be unreachable.

Without it, every request during a PostgreSQL outage waits out the library's retries (about
22 s) before its 503. The breaker opens when a connection failure is *confirmed* (a separate,
short connection attempt fails too): a single dropped connection, a terminated backend, a full
disk or a read-only database never open it, because the database still answers. While open,
requests are refused at once. When the open period ends the breaker is half-open and the next
request is the probe: if a fresh connection attempt fails it opens again at once; otherwise the
request goes through, and the first database call that succeeds (or the probe answering without
a server error) closes it, while a confirmed failure opens it again.

Per process and thread-safe; the clock and the reachability check are injected so the state
machine can be tested without a database or waiting.
"""

from __future__ import annotations

import enum
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Confirming an outage costs a connection attempt; failures arriving in a burst (every
# in-flight request notices at once) share one verdict for this long.
CONFIRM_INTERVAL_SECONDS = 1.0


class State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class Admission:
    """Whether a request may use the database; if not, when to come back."""

    allowed: bool
    probe: bool = False
    retry_after: int = 0


class CircuitOpen(Exception):
    """The database is known to be unreachable: refused without trying."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"the database is unreachable; try again in {retry_after} s")
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(
        self,
        open_seconds: float,
        *,
        reachable: Callable[[], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.open_seconds = open_seconds
        self._reachable = reachable
        self._clock = clock
        self._lock = threading.Lock()
        self._state = State.CLOSED
        self._opened_at = 0.0
        self._probing = False
        self._confirming = False
        self._last_verdict_at: float | None = None
        self.times_opened = 0
        self.last_failure: str | None = None

    # ------------------------------------------------------------------ reading

    @property
    def state(self) -> State:
        with self._lock:
            return self._current()

    def retry_after(self) -> int:
        with self._lock:
            return self._retry_after()

    def snapshot(self) -> dict[str, Any]:
        """For /readyz: the state, when to retry, how often it opened, the last failure."""
        with self._lock:
            state = self._current()
            return {
                "state": state.value,
                "retry_after": self._retry_after() if state is State.OPEN else 0,
                "times_opened": self.times_opened,
                "last_failure": self.last_failure,
            }

    # ------------------------------------------------------------------ requests

    def admit(self) -> Admission:
        """A request that needs the database asks first."""
        if self._state is State.CLOSED:  # the common case needs no lock
            return Admission(True)
        with self._lock:
            state = self._current()
            if state is State.CLOSED:
                return Admission(True)
            if state is State.OPEN or self._probing:
                return Admission(False, retry_after=self._retry_after())
            self._probing = True
        # Half-open: this request is the probe. A connection attempt first, so that a
        # database still down costs the probe a refused connection, not the request's
        # whole wait for a pooled connection.
        try:
            up = self._reachable()
        except Exception:  # noqa: BLE001 - a check that cannot even run counts as down
            up = False
        with self._lock:
            self._last_verdict_at = self._clock()
            if not up:
                self._open("still unreachable after the open period")
                return Admission(False, retry_after=self._retry_after())
        return Admission(True, probe=True)

    def may_call(self) -> bool:
        """A database call inside a request: refused only while open.

        Requests already in flight when the breaker opens stop retrying at their next call
        instead of waiting out the library's retries; half-open lets calls through, since
        only the probe was admitted since.
        """
        if self._state is State.CLOSED:
            return True
        with self._lock:
            return self._current() is not State.OPEN

    def probe_finished(self, *, answered: bool) -> None:
        """The probe request ended; ``answered``: without a server error."""
        with self._lock:
            if not self._probing:
                return
            self._probing = False
            if answered and self._current() is State.HALF_OPEN:
                self._close()

    # ------------------------------------------------------------------ outcomes

    def succeeded(self) -> None:
        """A database call succeeded: the database answers, whatever the state was."""
        if self._state is State.CLOSED:
            return
        with self._lock:
            self._close()

    def failed(self, reason: str) -> bool:
        """A connection failure was seen. Returns whether the breaker is (now) open."""
        with self._lock:
            state = self._current()
            if state is State.OPEN:
                return True
            now = self._clock()
            recent = (
                self._last_verdict_at is not None
                and now - self._last_verdict_at < CONFIRM_INTERVAL_SECONDS
            )
            if self._confirming or (recent and state is State.CLOSED):
                return False
            self._confirming = True
        try:
            down = not self._reachable()
        except Exception:  # noqa: BLE001 - a check that cannot even run counts as down
            down = True
        with self._lock:
            self._confirming = False
            self._last_verdict_at = self._clock()
            if down:
                self._open(reason)
            elif self._current() is State.HALF_OPEN:
                self._close()
            return down

    # ------------------------------------------------------------------ internals

    def _current(self) -> State:
        if self._state is State.OPEN and self._clock() - self._opened_at >= self.open_seconds:
            self._state = State.HALF_OPEN
        return self._state

    def _retry_after(self) -> int:
        if self._state is not State.OPEN:
            # Half-open with the probe in flight: its answer comes within a second or two.
            return 1
        left = self.open_seconds - (self._clock() - self._opened_at)
        return max(1, math.ceil(left))

    def _open(self, reason: str) -> None:
        self._state = State.OPEN
        self._opened_at = self._clock()
        self._probing = False
        self.times_opened += 1
        self.last_failure = reason[:300]

    def _close(self) -> None:
        self._state = State.CLOSED
        self._probing = False
