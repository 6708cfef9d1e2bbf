"""Computed views shared between server processes: table ``view_cache`` (migration 0004).

Every gunicorn worker keeps its own cache of views (``taizhang.projections.queries.Views``), but a
view missing from it is first looked up here, by its query and the projection positions
(the *stamp*) the worker just read. A row serves if it reflects at least those positions
under the same generations (a rebuild starts a new generation). Otherwise the worker takes
a PostgreSQL advisory lock on the view, looks again (another worker may have stored it
while this one waited), computes it and stores it before letting go; so a view is computed
once for all workers, not once per worker (each computation of a district view over 10,000
branches is ~100 ms of SQL, and five at once on two cores took ~2 s).

A row found is as fresh as the reader needs: its stamp covers the positions the reader read
just before asking, so the view reflects the projections as they stood then (or later). A
stamp is the position *read before* the view was computed, never after, so it never claims
more than the view holds; a rebuild's new generation makes every earlier row unusable.

On SQLite there is no advisory lock: processes may compute a view at once, and the last
one stored wins (the embedded setup runs one process anyway).

The table is a cache: a failure to read or write it (e.g. a database not yet migrated to
0004) is logged and the view computed as if it were empty.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from taizhang.store.dialect import Dialect

log = logging.getLogger(__name__)

Stamp = tuple[tuple[str, int, int], ...]  # (projection, position, generation), by name
# Part of every key: a change to a view's shape must not be answered by rows in the old one.
VIEW_FORMAT = 1
# Advisory locks here use the two-integer form, under this first integer, so they never meet
# the projection worker's one-integer locks.
LOCK_CLASS = 0x7A68  # "zh"
# How long a worker waits for another one computing the same view before computing it too.
LOCK_WAIT_SECONDS = 10.0
# Rows not stored again for this long (views of past days, of scopes no one reads) go.
KEEP_DAYS = 7
PRUNE_EVERY_SECONDS = 3600.0


class Rendered:
    """A view and its JSON (UTF-8, compact, sorted keys). A view stored by another process
    arrives as JSON only: most readers only send it on, so it is parsed when first asked."""

    __slots__ = ("_body", "_value", "_etag")

    def __init__(self, body: bytes, value: Any = None) -> None:
        self._body = body
        self._value = value
        self._etag: str | None = None

    @classmethod
    def of(cls, value: Any) -> Rendered:
        return cls(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), value)

    @property
    def body(self) -> bytes:
        return self._body

    @property
    def value(self) -> Any:
        # Two threads may both parse it; either result is the same view.
        if self._value is None:
            self._value = orjson.loads(self._body)
        return self._value

    @property
    def etag(self) -> str:
        """A digest of the JSON (unquoted): it changes exactly when the view does."""
        if self._etag is None:
            self._etag = hashlib.blake2b(self._body, digest_size=12).hexdigest()
        return self._etag


def key_text(key: tuple[Any, ...]) -> str:
    return orjson.dumps([VIEW_FORMAT, *key], default=str).decode()


def stamp_text(stamp: Stamp) -> str:
    return orjson.dumps([list(s) for s in stamp]).decode()


def parse_stamp(text: str) -> Stamp:
    return tuple((str(n), int(p), int(g)) for n, p, g in orjson.loads(text))


def covers(found: Stamp, wanted: Stamp) -> bool:
    """Whether a view stamped ``found`` reflects at least what ``wanted`` names: the same
    projections and generations, every position at least as far."""
    if len(found) != len(wanted):
        return False
    return all(
        fn == wn and fg == wg and fp >= wp
        for (fn, fp, fg), (wn, wp, wg) in zip(found, wanted, strict=True)
    )


class SharedViews:
    """The ``view_cache`` table, reached through the caller's connections. On PostgreSQL
    ``connection`` must give the connection that ``compute`` will also use (the lock is held
    on it while computing: with one connection per computation, concurrent computations
    can never wait on each other for a connection of a pool)."""

    def __init__(
        self, connection: Callable[[], AbstractContextManager[Any]], *, dialect: Dialect
    ) -> None:
        self._connection = connection
        self._pg = dialect.postgres
        self._dialect = dialect
        self._mark = dialect.mark
        self._pruned = 0.0
        self._prune_lock = threading.Lock()

    def get(
        self, key: tuple[Any, ...], stamp: Stamp, compute: Callable[[], Rendered]
    ) -> tuple[Rendered, Stamp]:
        """The view ``key`` reflecting at least ``stamp``: stored by any process, or
        computed now (once for all processes on PostgreSQL) and stored for the others."""
        text = key_text(key)
        found = self._fetch(text, stamp)
        if found is not None:
            return found
        if not self._pg:
            rendered = compute()
            self._store(text, stamp, rendered)
            return rendered, stamp
        with self._connection() as conn:
            locked = self._lock(conn, text)
            try:
                if locked:
                    # Another worker may have stored it while this one waited.
                    found = self._fetch(text, stamp, conn)
                    if found is not None:
                        return found
                rendered = compute()
                self._store(text, stamp, rendered, conn)
                return rendered, stamp
            finally:
                if locked:
                    self._unlock(conn, text)

    # -- the table -----------------------------------------------------------------------

    def _fetch(self, text: str, stamp: Stamp, conn: Any = None) -> tuple[Rendered, Stamp] | None:
        try:
            with self._maybe(conn) as c:
                row = c.execute(
                    f"SELECT stamp, body FROM view_cache WHERE view_key = {self._mark}", (text,)
                ).fetchone()
        except Exception as error:  # noqa: BLE001 - a cache: compute instead
            log.warning("shared views: reading %s failed: %r", text, error)
            return None
        if row is None:
            return None
        found = parse_stamp(row[0])
        if not covers(found, stamp):
            return None
        return Rendered(bytes(row[1])), found

    def _store(self, text: str, stamp: Stamp, rendered: Rendered, conn: Any = None) -> None:
        now = datetime.now(UTC)
        try:
            with self._maybe(conn) as c:
                c.execute(
                    self._dialect.upsert(
                        "view_cache", ("view_key", "stamp", "body", "computed_at"), ("view_key",)
                    ),
                    (text, stamp_text(stamp), rendered.body, now.isoformat()),
                )
                self._prune(c, now)
        except Exception as error:  # noqa: BLE001 - a cache: the reader has its view
            log.warning("shared views: storing %s failed: %r", text, error)

    def _prune(self, conn: Any, now: datetime) -> None:
        with self._prune_lock:
            if time.monotonic() - self._pruned < PRUNE_EVERY_SECONDS and self._pruned:
                return
            self._pruned = time.monotonic()
        before = (now - timedelta(days=KEEP_DAYS)).isoformat()
        conn.execute(f"DELETE FROM view_cache WHERE computed_at < {self._mark}", (before,))

    def _maybe(self, conn: Any) -> AbstractContextManager[Any]:
        return _Given(conn) if conn is not None else self._connection()

    # -- PostgreSQL advisory locks ---------------------------------------------------------

    def _lock(self, conn: Any, text: str) -> bool:
        """Wait (boundedly) until no other process computes this view; False if the wait
        ran out or the lock could not be asked for (then compute without it)."""
        try:
            conn.execute(f"SET lock_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")
            try:
                conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, _lock_id(text)))
            finally:
                conn.execute("RESET lock_timeout")
        except Exception as error:  # noqa: BLE001
            log.warning("shared views: no lock for %s: %r", text, error)
            return False
        return True

    def _unlock(self, conn: Any, text: str) -> None:
        try:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, _lock_id(text)))
        except Exception as error:  # noqa: BLE001 - a broken connection takes its locks along
            log.warning("shared views: unlocking %s failed: %r", text, error)


def _lock_id(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=4).digest(), "big", signed=True
    )


class _Given(AbstractContextManager[Any]):
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def __enter__(self) -> Any:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


__all__ = ["Rendered", "SharedViews", "Stamp", "covers"]


@dataclass(eq=False)
class CacheEntry:
    """A computed view and the projection positions it reflects at least."""

    value: Any
    stamp: Stamp
    # The clock (Views.clock) before the positions were last read and found at most
    # ``stamp``: the view reflects the projections as they stood then (or later).
    checked: float

    def serves(self, min_position: int | None, checked_since: float | None = None) -> bool:
        """Whether this view answers a read of ``min_position``, if confirmed current
        since ``checked_since`` (when given)."""
        if checked_since is not None and self.checked < checked_since:
            return False
        if min_position is None:
            return True
        return min((p for _, p, _ in self.stamp), default=0) >= min_position


@dataclass(eq=False)
class Flight:
    """A check of a view (and its computation, if the positions moved) under way, which
    identical calls wait for; started at ``started`` (Views.clock)."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
