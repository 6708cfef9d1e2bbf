"""The live worker: reads the log in batches, folds, and commits views and position together.

One transaction per batch (up to ``BATCH_SIZE`` events) writes the changed rows, the dead
letters and the new positions, after checking that the positions are still the ones this
worker started from: a second worker, or a rebuild that swapped the tables, makes the
check fail and the worker reloads its state instead of counting anything twice. Only one
worker writes at a time anyway: it holds a lock (a PostgreSQL session advisory lock, or a
file lock beside the SQLite database); another waits as a standby and takes over when
the lock is freed, e.g. because the first process died.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.projections.fold import fold_progress, settle, timeline
from taizhang.projections.schema import PROJECTIONS
from taizhang.projections.source import TableSource
from taizhang.projections.state import ViewState
from taizhang.projections.store import Database, Stale

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
POLL_SECONDS = 1.0  # a lost notification is noticed by this fallback poll
SQLITE_POLL_SECONDS = 0.02
STANDBY_SECONDS = 0.5


class WorkerLock:
    """Who may write the projections: one holder per database (and schema)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: Any = None
        self._file: Any = None

    def key(self) -> int:
        where = f"taizhang.projections:{self.settings.database_url}"
        return int.from_bytes(hashlib.sha256(where.encode()).digest()[:8], "big", signed=True)

    def try_acquire(self) -> bool:
        if self.settings.is_postgres:
            if self._conn is None:
                self._conn = psycopg.connect(self.settings.psycopg_conninfo(), autocommit=True)
            row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key(),)).fetchone()
            return bool(row[0])
        path = self.settings.sqlite_path() + ".projections.lock"
        handle = open(path, "a+")  # noqa: SIM115 -- held open as long as the lock is
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None
        if self._file is not None:
            self._file.close()
            self._file = None


class Worker:
    def __init__(
        self,
        settings: Settings,
        names: Sequence[str] = PROJECTIONS,
        *,
        batch_size: int = BATCH_SIZE,
        ledger: Ledger | None = None,
        working_set: int | None = None,
    ) -> None:
        self.settings = settings
        self.names = tuple(names)
        self.batch_size = batch_size
        self.db = Database(settings)
        self.ledger = ledger or Ledger(settings)
        self.conn: Any = None
        self.state: ViewState | None = None
        self.expected: dict[str, tuple[int, int]] = {}
        # How many rows and index entries the state keeps from one batch to the next.
        self.working_set = settings.projector_working_set if working_set is None else working_set

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None
        self.state = None

    def load(self) -> None:
        if self.conn is None:
            self.conn = self.db.connect()
        source = TableSource(self.db, self.conn, self.ledger)
        with self.db.transaction(self.conn):
            positions = self.db.positions(self.conn)
            self.state = self.db.load(self.conn, self.names, source=source)
        self.expected = {name: positions[name] for name in self.names}

    def step(self) -> int:
        """Process the next batch; returns how many log entries it read (0: caught up)."""
        if self.state is None:
            self.load()
        state = self.state
        assert state is not None
        start = min(position for position, _ in self.expected.values())
        notifications = self.ledger.recorder.select_notifications(
            start, self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        letters = process(self.ledger, state, notifications, self.expected)
        try:
            self._commit(state, letters, notifications[-1].id)
        except Exception as error:
            if not is_bad_data(error):
                raise
            # Something in the batch cannot be stored (e.g. text PostgreSQL refuses): find
            # which event it is by storing the batch one event at a time.
            log.warning("projection worker: batch write failed, isolating the event: %r", error)
            for notification in notifications:
                self._step_one(notification)
        return len(notifications)

    def _commit(self, state: ViewState, letters: list[tuple[Any, ...]], last: int) -> None:
        """Rows, dead letters and positions in one transaction, or nothing at all."""
        changes = state.take_changes()
        try:
            with self.db.transaction(self.conn):
                current = self.db.positions(self.conn, lock=True)
                if any(current[name] != self.expected[name] for name in self.names):
                    raise Stale(f"positions moved: {current} != {self.expected}")
                self.db.write(self.conn, state, changes)
                self.db.add_dead_letters(self.conn, letters)
                for name in self.names:
                    self.db.set_position(self.conn, name, last, self.expected[name][1])
        except BaseException:
            self.state = None  # the folded state is ahead of the database: reload it
            raise
        self.expected = {
            name: (last, generation) for name, (_, generation) in self.expected.items()
        }
        state.trim(self.working_set)

    def _step_one(self, notification: Any) -> None:
        """Store one event's rows; if they cannot be stored, record it as a dead letter."""
        if self.state is None:
            self.load()
        state = self.state
        assert state is not None
        if all(position >= notification.id for position, _ in self.expected.values()):
            return
        letters = process(self.ledger, state, [notification], self.expected)
        try:
            self._commit(state, letters, notification.id)
            return
        except Exception as error:
            if not is_bad_data(error):
                raise
            failure = error
        self.load()  # drop what was folded from it; the views go on without this event
        now = datetime.now(UTC).isoformat()
        letters = [
            (name, notification.id, notification.topic, f"write failed: {failure!r}", now)
            for name in self.names
            if self.expected[name][0] < notification.id
        ]
        assert self.state is not None
        self._commit(self.state, letters, notification.id)

    def catch_up(self) -> int:
        total = 0
        while True:
            try:
                count = self.step()
            except Stale:
                continue
            if count == 0:
                return total
            total += count

    def run(self, stop: threading.Event, lock: WorkerLock | None = None) -> None:
        """Hold the lock (waiting as a standby until it is free), then follow the log.

        Returns only when ``stop`` is set: a database that is unreachable, full or
        restarting makes the worker wait (longer each time, up to ``BACKOFF_MAX_SECONDS``)
        and start again from the positions it saved, and so does any error it did not
        expect, so that a bug or an odd event slows the views down instead of stopping them.
        """
        lock = lock or WorkerLock(self.settings)
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._hold_and_follow(stop, lock, backoff)
            except Exception as error:  # noqa: BLE001 -- the worker must outlive any error
                if is_transient(error):
                    log.warning("projection worker: database unavailable: %s", error)
                else:
                    log.exception("projection worker: unexpected error; starting again")
                self.close()
                lock.release()
                backoff.wait(stop)

    def _hold_and_follow(self, stop: threading.Event, lock: WorkerLock, backoff: Backoff) -> None:
        while not lock.try_acquire():
            if stop.wait(STANDBY_SECONDS):
                return
        log.info("projection worker took the lock; following the log")
        listener = Listener(self.settings, self.ledger)
        try:
            while not stop.is_set():
                try:
                    count = self.step()
                except Stale:
                    continue
                backoff.reset()
                if count < self.batch_size:
                    listener.wait(stop)
        finally:
            listener.close()
            self.close()
            lock.release()


BACKOFF_FIRST_SECONDS = 0.2
BACKOFF_MAX_SECONDS = 30.0


class Backoff:
    """A growing, bounded delay between attempts; reset once an attempt succeeds."""

    def __init__(self) -> None:
        self.first = BACKOFF_FIRST_SECONDS
        self.ceiling = BACKOFF_MAX_SECONDS
        self.delay = self.first

    def reset(self) -> None:
        self.delay = self.first

    def wait(self, stop: threading.Event) -> None:
        log.info("projection worker: retrying in %.1f s", self.delay)
        stop.wait(self.delay)
        self.delay = min(self.delay * 2, self.ceiling)


def is_bad_data(error: BaseException) -> bool:
    """A row the database refuses for what it holds, so one event is to blame.

    Anything else that fails a write (a missing table, a full disk, a bug) would fail every
    event alike: it stops the worker's progress (retried with back-off, the lag shows in
    /readyz and ``projections status``) instead of sending the whole log to dead letters.
    """
    return isinstance(
        error,
        (
            psycopg.DataError,
            psycopg.IntegrityError,
            sqlite3.DataError,
            sqlite3.IntegrityError,
            UnicodeError,  # text the driver cannot encode
        ),
    )


def is_transient(error: BaseException) -> bool:
    """A database that is down, full or restarting (retry later), not a bad event or row.

    psycopg raises OperationalError for refused connections, "too many clients", an
    administrator's shutdown and a lost server; SQLite for a locked database.
    """
    if isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError, OSError)):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error) or "unable to open" in str(error)
    return False


class Listener:
    """Wakes the worker when events are committed: LISTEN on PostgreSQL, polling on SQLite.

    A lost LISTEN connection (a database restart, a terminated backend) is noticed and
    opened again; until then, and whenever a notification is missed, the worker still
    polls every ``POLL_SECONDS``, so nothing is ever missed, only later.
    """

    def __init__(self, settings: Settings, ledger: Ledger) -> None:
        self.settings = settings
        self.conn: Any = None
        self.channel = ""
        if settings.is_postgres:
            self.channel = ledger.recorder.channel_name  # type: ignore[attr-defined]
            self._connect()

    def _connect(self) -> None:
        try:
            conn = psycopg.connect(
                self.settings.psycopg_conninfo(), autocommit=True, connect_timeout=2
            )
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        except psycopg.Error:
            self.conn = None
            return
        self.conn = conn

    def wait(self, stop: threading.Event) -> None:
        if not self.settings.is_postgres:
            stop.wait(SQLITE_POLL_SECONDS)
            return
        if self.conn is None or self.conn.closed:
            self._connect()
            if self.conn is None:
                stop.wait(POLL_SECONDS)
                return
        try:
            for _ in self.conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                pass
        except psycopg.Error:
            self.close()
            self.conn = None
            stop.wait(POLL_SECONDS)

    @property
    def listening(self) -> bool:
        return self.conn is not None and not self.conn.closed

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()


def process(
    ledger: Ledger,
    state: ViewState,
    notifications: Sequence[Any],
    positions: dict[str, tuple[int, int]],
    *,
    settled: bool = True,
) -> list[tuple[Any, ...]]:
    """Fold a batch into ``state`` for each projection not yet past it; returns dead letters.

    Both fold the stored events, decoding only what a fold needs as a domain event
    (``fold.stored``): receipts and the like are never decoded.
    ``settled=False`` leaves the derived rows stale, for a replay that settles once at the
    end instead of recomputing a branch's progress after every page it appears in.
    """
    letters: list[tuple[Any, ...]] = []
    now = datetime.now(UTC).isoformat()
    decode = ledger.mapper.to_domain_event
    progress_at = positions["progress"][0] if "progress" in positions else None
    timeline_at = positions["timeline"][0] if "timeline" in positions else None
    for notification in notifications:
        position = notification.id
        if timeline_at is not None and position > timeline_at:
            try:
                timeline.fold_stored(state, notification, decode)
            except Exception as error:  # noqa: BLE001 -- a fold that fails is a dead letter
                letters.append(("timeline", position, notification.topic, repr(error), now))
        if progress_at is not None and position > progress_at:
            try:
                fold_progress(state, notification, decode)
            except Exception as error:  # noqa: BLE001 -- undecodable or unfoldable
                letters.append(("progress", position, notification.topic, repr(error), now))
    if not settled:
        return letters
    last = notifications[-1].id
    for what, error in settle(state):
        letters.append(("progress", last, f"settle {what}", repr(error), now))
    return letters


@dataclass
class BackgroundWorker:
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_in_background(settings: Settings, *, ledger: Ledger | None = None) -> BackgroundWorker:
    """Run the worker in a daemon thread of this process (``taizhang serve --embedded``)."""
    stop = threading.Event()
    worker = Worker(settings, ledger=ledger)
    thread = threading.Thread(
        target=_run_until_stopped, args=(worker, stop), name="projections", daemon=True
    )
    thread.start()
    return BackgroundWorker(thread, stop)


def _run_until_stopped(worker: Worker, stop: threading.Event) -> None:
    # A thread that ends takes the views with it silently: whatever escapes is logged and
    # the loop starts again (Worker.run already survives database errors).
    while not stop.is_set():
        try:
            worker.run(stop)
        except Exception:
            log.exception("projection worker thread failed; starting it again")
            stop.wait(BACKOFF_MAX_SECONDS / 10)


def run_forever(settings: Settings) -> None:
    stop = threading.Event()
    try:
        Worker(settings).run(stop)
    except KeyboardInterrupt:
        stop.set()
