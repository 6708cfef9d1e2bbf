"""The phase-status rule in SQL (``taizhang.projections.view_sql._phase_sql``, what the views count)
against the same rule in Python (``taizhang.projections.fold.phase_status.status_on``, itself held
to the domain's ``phase_progress`` in test_folds), over generated phases and days."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from taizhang.projections.fold.phase_status import status_on
from taizhang.projections.fold.spans import span_rows
from taizhang.projections.schema import TABLES_BY_NAME
from taizhang.projections.view_sql import _phase_sql

START = date(2014, 4, 1)
STATUSES = ("done", "overdue", "in_progress", "not_started")
KEY = ("c", "b", "study")

days = st.integers(min_value=0, max_value=120).map(lambda n: START + timedelta(days=n))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _spans(
    started_on: date | None, due_on: date | None, done_on: date | None
) -> list[dict[str, object]]:
    """The phase's spans as the fold writes them: none before it starts, then its dates
    as they stood from each day they changed."""
    series: list[tuple[str, dict[str, object] | None]] = []
    for day in sorted({d for d in (started_on, due_on, done_on) if d is not None}):
        series.append(
            (
                day.isoformat(),
                {
                    "started_on": _iso(started_on),
                    "done_on": _iso(done_on) if done_on and done_on <= day else None,
                    "due_on": _iso(due_on) if due_on and due_on <= day else None,
                },
            )
        )
    return list(span_rows("phase_span", KEY, series).values())


@settings(max_examples=300, deadline=None)
@given(
    started=st.one_of(st.none(), days),
    due_after=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    done_after=st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
    binds_all=st.booleans(),
    deadline=st.one_of(st.none(), days),
    day=days,
)
def test_the_views_sql_judges_a_phase_as_the_fold_does(
    started: date | None,
    due_after: int | None,
    done_after: int | None,
    binds_all: bool,
    deadline: date | None,
    day: date,
) -> None:
    """Where the deadline binds every milestone, what it binds is reached when the phase is
    done; where it binds some (the secretaries' training of the thematic study), on a day
    between the start and the end."""
    due = started + timedelta(days=due_after) if started and due_after is not None else None
    done = due + timedelta(days=done_after) if due and done_after is not None else None
    if binds_all:
        due = done
    db = sqlite3.connect(":memory:")
    for statement in TABLES_BY_NAME["phase_span"].create_statements():
        db.execute(statement)
    db.execute("CREATE TABLE bp (campaign_id TEXT, branch_id TEXT)")
    db.execute("INSERT INTO bp VALUES ('c', 'b')")
    for row in _spans(started, due, done):
        names = ", ".join(row)
        db.execute(
            f"INSERT INTO phase_span ({names}) VALUES ({', '.join('?' for _ in row)})",
            tuple(row.values()),
        )
    expected = status_on(_iso(started), _iso(done), _iso(deadline), day.isoformat(), _iso(due))
    judged = {
        status
        for status in STATUSES
        if db.execute(
            f"SELECT 1 FROM bp WHERE {_phase_sql('study', status, _iso(deadline), day.isoformat())}"
        ).fetchone()
    }
    assert judged == {expected}
