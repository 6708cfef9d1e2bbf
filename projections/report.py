"""Supervision views as of a past date, replayed from the log into memory (no writes).

* as of a **business date** D: what had happened by D. Every correction and withdrawal
  known is applied (they say what really happened), then facts dated after D are dropped.
* as of a **knowledge time** T: what had been recorded by T -- only events with
  ``timestamp <= T`` are folded -- judged on T's business date.

The replay uses the same folds as the live worker; the result is written to an in-memory
SQLite database with the same tables, and the same queries compute the view.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.base import Fact
from domain.branch_work import BranchWork
from domain.errors import InvalidValue
from domain.problem import Problem
from projections.fold import fold_progress, settle
from projections.log import LogReader
from projections.schema import TABLES, create_all_statements
from projections.state import ViewState
from projections.store import Database
from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.service import BUSINESS_TIMEZONE

# Events that restate the past rather than happen on their own date.
_RESTATEMENTS = (
    BranchWork.FactCorrected,
    BranchWork.FactWithdrawn,
    Problem.FactCorrected,
    Problem.FactWithdrawn,
    Problem.Withdrawn,
)


def replay_as_of(
    ledger: Ledger, *, business_date: date | None = None, known_at: datetime | None = None
) -> ViewState:
    """The progress projection folded from the log, as of a business date or a knowledge
    time: with the live worker's folds, on stored values where they can (a knowledge-time
    report replays the whole log inside an HTTP request)."""

    def accept(cls: type, recorded_at: datetime, occurred_on: date) -> bool:
        if known_at is not None and recorded_at > known_at:
            return False
        return (
            business_date is None
            or issubclass(cls, (Fact, *_RESTATEMENTS))
            or occurred_on <= business_date
        )

    state = ViewState()
    decode = ledger.mapper.to_domain_event
    reader = LogReader(ledger)
    try:
        for page in reader.pages(0):
            for stored in page:
                try:
                    fold_progress(state, stored, decode, accept)
                except Exception:  # noqa: BLE001, S112 -- the live views dead-letter it too
                    continue
    finally:
        reader.close()
    if business_date is not None:
        _drop_after(state, business_date.isoformat())
    settle(state)
    return state


def _drop_after(state: ViewState, day: str) -> None:
    """Forget facts dated after ``day`` (after corrections moved them where they belong)."""
    latest: dict[tuple[str, str], str] = {}
    for (problem_id,), row in state.rows["problem_ledger"].items():
        row["facts"] = {k: f for k, f in row["facts"].items() if f[2] <= day}
        state.stale_problems.add(problem_id)
        key = (row["campaign_id"], row["branch_id"])
        for on in (row["listed_on"], *(f[2] for f in row["facts"].values())):
            latest[key] = max(latest.get(key, on), on)
    for key, row in state.rows["branch_progress"].items():
        row["facts"] = {k: f for k, f in row["facts"].items() if f[2] <= day}
        row["problem_activity_on"] = latest.get(key)
        state.stale_works.add(key)


def in_memory_views(state: ViewState) -> Any:
    from projections.queries import Views

    conn = sqlite3.connect(":memory:", check_same_thread=False)
    for statement in create_all_statements():
        conn.execute(statement)
    db = Database.__new__(Database)
    db.is_postgres = False
    for table in TABLES:
        db.bulk_insert(conn, table, state.rows[table.name].values())
    return Views.over_connection(conn)


# A replay holds the folded log in memory (~700 MB at a million events) for half a minute:
# one at a time in a process, so that a burst of reports cannot exhaust the machine's memory.
_REPLAYING = threading.BoundedSemaphore(1)


class ReplayBusy(Exception):
    """Another as-of replay is under way in this process and did not end in time."""


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
    """The supervision view as of a business date or a knowledge time; ``wait``: how many
    seconds to wait for another replay in this process to end (None: as long as it takes)
    before ``ReplayBusy``."""
    if (business_date is None) == (known_at is None):
        raise InvalidValue(
            "business_date", "one_of", "give either a business date or a knowledge time"
        )
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidValue("known_at", "timezone", "known_at needs a timezone, e.g. +08:00")
    day = business_date or known_at.astimezone(BUSINESS_TIMEZONE).date()  # type: ignore[union-attr]
    if not _REPLAYING.acquire(timeout=wait):
        raise ReplayBusy(f"another as-of report was being replayed for over {wait:g} s")
    try:
        ledger = Ledger(settings)
        try:
            state = replay_as_of(ledger, business_date=business_date, known_at=known_at)
        finally:
            ledger.close()
    finally:
        _REPLAYING.release()
    views = in_memory_views(state)
    report = views.supervision_view(campaign_id, scope=scope, scope_id=scope_id, as_of=day)
    report["business_date"] = business_date.isoformat() if business_date else None
    report["known_at"] = known_at.isoformat() if known_at else None
    return dict(report)
