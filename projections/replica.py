"""Reads from a PostgreSQL streaming replica (hot standby), and when not to.

``TAIZHANG_READ_REPLICA_URL`` names a hot standby of the primary's database. The views, lists
and exports (``taizhang.projections.queries.Views``) read from it while it is fit to serve; writes,
the projector and the projections' own bookkeeping stay on the primary. A standby is fit when

- it answers, and is still in recovery (a promoted standby is a primary of its own: what it
  holds may part from what the service writes, so it is not read as a replica), and
- it is at most ``replica_max_lag_seconds`` behind: the lag is the time since the primary
  first stood at a WAL position the standby has not replayed yet (sampled every
  ``CHECK_SECONDS``, so it is exact to that step, and an idle pair has no lag).

Otherwise the primary answers, and ``/readyz`` names the standby's state (``state``).

Read-your-writes: a read naming a log position (``min_position``) is served by the standby
only once the standby's projections have reached that position: ``wait_for`` waits for it
there up to ``replica_wait_seconds``, then leaves the read to the primary (which is never
behind its standby), whose own wait may still end in the 503 "views-behind". What a thread
needs is kept with the thread, so every statement of that read goes where it may.

A statement the standby fails (it went down, restarted, or cancelled a query in conflict
with recovery) is run again on the primary and the standby is left until the next check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from taizhang.config import Settings
from taizhang.store.pool_check import check_before_use

log = logging.getLogger(__name__)

T = TypeVar("T")

# How often the standby's state is checked (one statement on each server).
CHECK_SECONDS = 0.25
# A standby that does not answer within this is down for this check.
CONNECT_SECONDS = 1
# The name the standby's sessions carry (pg_stat_activity.application_name).
APPLICATION_NAME = "taizhang-replica-reads"

STATES = ("starting", "ok", "lagging", "unavailable", "not_in_recovery")


def lsn(text: str | None) -> int:
    """A WAL position ``X/Y`` as a number (0 for none)."""
    if not text:
        return 0
    high, low = str(text).split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Lag:
    """How long the standby has been behind: samples of the primary's flushed WAL position."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def primary_at(self, now: float, position: int) -> None:
        if not self._samples or position > self._samples[-1][1]:
            self._samples.append((now, position))

    def replayed(self, now: float, position: int) -> float:
        """Seconds since the primary first stood past ``position`` (0: caught up)."""
        while self._samples and self._samples[0][1] <= position:
            self._samples.popleft()
        return now - self._samples[0][0] if self._samples else 0.0


def one_server(
    replica: ReplicaReads | None, standby: bool | None = None
) -> AbstractContextManager[bool]:
    """Every read of this thread inside from one server (``ReplicaReads.pinned``); yields
    whether it is the standby. Without a standby, the primary."""
    return nullcontext(False) if replica is None else replica.pinned(standby)


class ReplicaReads:
    """The standby's pool, its state, and which server a thread's next statement goes to."""

    def __init__(self, settings: Settings, primary: ConnectionPool[Any]) -> None:
        self.max_lag = settings.replica_max_lag_seconds
        self.wait_seconds = settings.replica_wait_seconds
        self._conninfo = settings.psycopg_conninfo(replica=True)
        self._primary = primary
        self.pool: ConnectionPool[Any] = ConnectionPool(
            f"{self._conninfo} application_name={APPLICATION_NAME}",
            min_size=1,
            max_size=8,
            open=True,
            timeout=CONNECT_SECONDS,
            kwargs={"autocommit": True},
            check=check_before_use,
        )
        self.state = "starting"
        self.lag_seconds = 0.0
        self.error = ""
        # The lowest of the standby's projection positions when last seen.
        self.position = -1
        self.checked_at = 0.0
        self._lag = Lag()
        self._local = threading.local()
        self._stop = threading.Event()
        self._checker_conn: psycopg.Connection[Any] | None = None
        self._thread = threading.Thread(target=self._run, name="replica-check", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.pool.close()

    # -- where a statement goes ----------------------------------------------------------

    def serves(self, needs: int | None = None) -> bool:
        return self.state == "ok" and (needs is None or self.position >= needs)

    def need(self, position: int | None) -> None:
        """The log position this thread's reads must reflect (None: any)."""
        self._local.needs = position

    def _choice(self) -> bool:
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:
            return bool(pinned)
        return self.serves(getattr(self._local, "needs", None))

    @contextmanager
    def pinned(self, replica: bool | None = None) -> Iterator[bool]:
        """Every statement of this thread inside goes to one server: the standby if it
        serves now (or as ``replica`` says), else the primary. Yields which."""
        outer = getattr(self._local, "pinned", None)
        chosen = self._choice() if replica is None else replica
        if outer is not None:
            chosen = bool(outer) and chosen
        self._local.pinned = chosen
        try:
            yield chosen
        finally:
            self._local.pinned = outer

    def run(self, use: Callable[[Any], T]) -> T:
        """``use(connection)`` on the server this thread reads from now."""
        if self._choice():
            try:
                with self.pool.connection() as conn:
                    return use(conn)
            except (psycopg.OperationalError, PoolTimeout) as error:
                self._failed(error)
                if getattr(self._local, "pinned", None):
                    self._local.pinned = False
        with self._primary.connection() as conn:
            return use(conn)

    def _failed(self, error: Exception) -> None:
        log.warning("read replica failed a read, the primary answers: %s", error)
        self.state = "unavailable"
        self.error = str(error).strip()[:200]

    # -- read-your-writes ----------------------------------------------------------------

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the standby's projections reach ``position`` within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.state == "ok":
            if self.position >= position:
                return True
            try:
                self.position = self._standby_position(self.pool)
            except (psycopg.OperationalError, PoolTimeout) as error:
                self._failed(error)
                return False
            if self.position >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return False

    @staticmethod
    def _standby_position(pool: ConnectionPool[Any]) -> int:
        with pool.connection() as conn:
            row = conn.execute("SELECT min(position) FROM projection_position").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- the check -----------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        """What ``/readyz`` says of the standby."""
        found: dict[str, Any] = {
            "state": self.state,
            "serving": "replica" if self.state == "ok" else "primary",
            "lag_seconds": round(self.lag_seconds, 2),
            "max_lag_seconds": self.max_lag,
        }
        if self.error and self.state != "ok":
            found["error"] = self.error
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the checker must outlive any one failure
                log.exception("read replica check failed")
            self._stop.wait(CHECK_SECONDS)
        if self._checker_conn is not None:
            self._checker_conn.close()

    def check(self) -> str:
        """Look at both servers once and settle the standby's state."""
        now = time.monotonic()
        try:
            with self._primary.connection(timeout=CONNECT_SECONDS) as conn:
                row = conn.execute("SELECT pg_current_wal_flush_lsn()").fetchone()
            self._lag.primary_at(now, lsn(row[0] if row else None))
        except (psycopg.Error, PoolTimeout):
            pass  # the primary's outage is the breaker's to report; the lag keeps growing
        try:
            conn = self._checker()
            row = conn.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(),"
                " (SELECT min(position) FROM projection_position)"
            ).fetchone()
        except psycopg.Error as error:
            self._close_checker()
            self.state, self.error = "unavailable", str(error).strip()[:200]
            return self.state
        assert row is not None
        in_recovery, replayed, position = row
        self.checked_at = now
        if not in_recovery:
            self.state, self.error = "not_in_recovery", "the standby was promoted"
            return self.state
        self.position = int(position) if position is not None else 0
        self.lag_seconds = self._lag.replayed(now, lsn(replayed))
        self.state = "ok" if self.lag_seconds <= self.max_lag else "lagging"
        self.error = "" if self.state == "ok" else f"{self.lag_seconds:.1f} s behind"
        return self.state

    def _checker(self) -> psycopg.Connection[Any]:
        if self._checker_conn is None or self._checker_conn.closed:
            self._checker_conn = psycopg.connect(
                f"{self._conninfo} application_name={APPLICATION_NAME}-check",
                autocommit=True,
                connect_timeout=CONNECT_SECONDS,
            )
        return self._checker_conn

    def _close_checker(self) -> None:
        if self._checker_conn is not None:
            with suppress(psycopg.Error):
                self._checker_conn.close()
            self._checker_conn = None
