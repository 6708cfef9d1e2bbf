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
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from projections.fold import fold_progress, settle, timeline
from projections.schema import PROJECTIONS
from projections.state import ViewState
from projections.store import Database, Stale
from taizhang.config import Settings
from taizhang.ledger import Ledger

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
    ) -> None:
        self.settings = settings
        self.names = tuple(names)
        self.batch_size = batch_size
        self.db = Database(settings)
        self.ledger = ledger or Ledger(settings)
        self.conn: Any = None
        self.state: ViewState | None = None
        self.expected: dict[str, tuple[int, int]] = {}

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None
        self.state = None

    def load(self) -> None:
        if self.conn is None:
            self.conn = self.db.connect()
        with self.db.transaction(self.conn):
            positions = self.db.positions(self.conn)
            self.state = self.db.load(self.conn, self.names)
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
        changes = state.take_changes()
        last = notifications[-1].id
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
        return len(notifications)

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
        """Hold the lock (waiting as a standby until it is free), then follow the log."""
        lock = lock or WorkerLock(self.settings)
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
                except (psycopg.OperationalError, OSError) as error:
                    log.warning("projection worker: database error, retrying: %s", error)
                    self.close()
                    stop.wait(POLL_SECONDS)
                    continue
                if count < self.batch_size:
                    listener.wait(stop)
        finally:
            listener.close()
            self.close()
            lock.release()


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
    thread = threading.Thread(target=worker.run, args=(stop,), name="projections", daemon=True)
    thread.start()
    return BackgroundWorker(thread, stop)


def run_forever(settings: Settings) -> None:
    stop = threading.Event()
    try:
        Worker(settings).run(stop)
    except KeyboardInterrupt:
        stop.set()
