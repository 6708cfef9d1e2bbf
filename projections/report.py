"""Views as known at a time, replayed from the log into memory (no writes).

A view has two times: the business date D (what had happened by D) and the knowledge time
T (what had been recorded by T). The live views answer for any D as things are known now:
the projections keep spans over business dates (``taizhang.projections.fold.spans``). What was known
at an earlier T is not kept: it is replayed here. Only the events recorded by T are folded,
with the live worker's folds, into an in-memory SQLite database with the same tables, and
the same queries then answer for any D. So a replay up to now and the live views agree.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from taizhang.config import Settings
from taizhang.domain.business_day import BUSINESS_TIMEZONE
from taizhang.domain.errors import InvalidValue
from taizhang.ledger import Ledger
from taizhang.lru import LRU
from taizhang.projections.fold import fold_progress, settle
from taizhang.projections.log import LogReader
from taizhang.projections.queries import Views
from taizhang.projections.schema import TABLES, create_all_statements
from taizhang.projections.state import ViewState
from taizhang.projections.store import Database
from taizhang.store.dialect import SQLITE


def replay_as_of(ledger: Ledger, *, known_at: datetime | None = None) -> ViewState:
    """The progress projection folded from the events recorded by ``known_at`` (all of
    them when None), with the live worker's folds."""

    # The position of the last event folded: the log position the views were built from.
    at = [0, 0]  # [the event being folded, the last one accepted]

    def accept(cls: type, recorded_at: datetime, occurred_on: date) -> bool:
        taken = known_at is None or recorded_at <= known_at
        if taken:
            at[1] = at[0]
        return taken

    state = ViewState()
    decode = ledger.mapper.to_domain_event
    reader = LogReader(ledger)
    try:
        for page in reader.pages(0):
            for stored in page:
                at[0] = stored.id
                try:
                    fold_progress(state, stored, decode, accept)
                except Exception:  # noqa: BLE001, S112 -- the live views dead-letter it too
                    continue
    finally:
        reader.close()
    settle(state)
    state.built_from = at[1]
    return state


def in_memory_views(state: ViewState) -> Views:
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    for statement in create_all_statements():
        conn.execute(statement)
    db = Database.__new__(Database)
    db.dialect = SQLITE
    for table in TABLES:
        db.bulk_insert(conn, table, state.rows[table.name].values())
    conn.execute(
        "UPDATE projection_position SET position = ? WHERE name = 'progress'",
        (state.built_from,),
    )
    return Views.over_connection(conn)


# A replay holds the folded log in memory (~700 MB at a million events) for half a minute:
# one at a time in a process, so that a burst of reports cannot exhaust the machine's memory.
_REPLAYING = threading.BoundedSemaphore(1)


class ReplayBusy(Exception):
    """Another as-of replay is under way in this process and did not end in time."""


# The replays kept, by ledger and time: one bound for the process, however many ledgers
# (a province's districts) it serves.
KEPT_REPLAYS = 2
_kept: LRU[tuple[str, datetime], Any] = LRU(KEPT_REPLAYS)
_flights: dict[tuple[str, datetime], threading.Event] = {}
_kept_lock = threading.Lock()


class Replays:
    """Views as known at a time, shared by the requests of a process: identical requests
    are served from the first one's replay (while it runs, they wait for it), and the
    latest few replays of the process (``KEPT_REPLAYS``, whichever ledgers they are of) are
    kept. A replay of a time within ``SETTLING`` of now is not kept: events recorded just
    before it may not all be stored yet."""

    SETTLING = timedelta(seconds=10)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._ledger = f"{settings.database_url}#{settings.postgres_schema or ''}"

    def views(self, known_at: datetime, wait: float | None) -> Any:
        """``wait``: how long a different replay under way may hold this one up before
        ``ReplayBusy``."""
        if known_at.tzinfo is None:
            raise InvalidValue("known_at", "timezone", "known_at needs a timezone, e.g. +08:00")
        now = datetime.now(UTC)
        if known_at > now:
            raise InvalidValue("known_at", "not_in_future", "nothing is known of the future yet")
        key = (self._ledger, known_at.astimezone(UTC))
        keep = key[1] < now - self.SETTLING
        while True:
            with _kept_lock:
                found = _kept.get(key)
                if found is not None:
                    return found
                flight = _flights.get(key) if keep else None
                if flight is None:
                    mine = threading.Event()
                    if keep:
                        _flights[key] = mine
                    break
            flight.wait()
        try:
            views = replayed_views(self.settings, known_at, wait)
            if keep:
                with _kept_lock:
                    _kept.put(key, views)
            return views
        finally:
            with _kept_lock:
                _flights.pop(key, None)
            mine.set()


def replayed_views(settings: Settings, known_at: datetime | None, wait: float | None) -> Any:
    """Views over what had been recorded by ``known_at``; ``wait``: how many seconds to
    wait for another replay in this process to end (None: as long as it takes) before
    ``ReplayBusy``."""
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidValue("known_at", "timezone", "known_at needs a timezone, e.g. +08:00")
    if not _REPLAYING.acquire(timeout=wait):
        raise ReplayBusy(f"another as-of report was being replayed for over {wait:g} s")
    try:
        ledger = Ledger(settings)
        try:
            state = replay_as_of(ledger, known_at=known_at)
        finally:
            ledger.close()
    finally:
        _REPLAYING.release()
    views = in_memory_views(state)
    views.known_at = known_at.isoformat() if known_at is not None else None
    return views


def report_as_of(
    settings: Settings,
    campaign_id: UUID,
    scope: str,
    scope_id: UUID,
    *,
    business_date: date | None = None,
    known_at: datetime | None = None,
    wait: float | None = None,
) -> dict[str, Any]:
    """The supervision view as of a business date (default: the knowledge time's date in
    Beijing, or today) as known at a time (default: now)."""
    if business_date is None and known_at is None:
        raise InvalidValue(
            "business_date", "one_of", "give a business date, a knowledge time, or both"
        )
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidValue("known_at", "timezone", "known_at needs a timezone, e.g. +08:00")
    day = business_date or known_at.astimezone(BUSINESS_TIMEZONE).date()  # type: ignore[union-attr]
    views = replayed_views(settings, known_at, wait)
    report = views.supervision_view(campaign_id, scope=scope, scope_id=scope_id, as_of=day)
    report = dict(report)
    report["business_date"] = day.isoformat()
    report["known_at"] = known_at.isoformat() if known_at else None
    # The log position the report was built from: its evidence names the chain's link there.
    report["log_position"] = views.positions().get("progress", 0)
    return report
