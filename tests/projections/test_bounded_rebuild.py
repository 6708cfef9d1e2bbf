"""A rebuild of a log longer than ``TAIZHANG_REBUILD_HOLD_EVENTS`` folds through a working set.

Issue 24: "the projector's memory is bounded by its configuration, not by the data: rows are
read from the view tables when needed". A rebuild that held every row in memory until the end
needed ~1.5-3.5 kB an event (docs/SCALING.md), more than this machine has at 10 million
events. Past the hold, each page's rows are written to the fresh tables and the state is
trimmed to ``projector_working_set``: the views must come out as the live worker made them,
and the state may never hold more than the bound between pages.
"""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from taizhang.projections import digest
from taizhang.projections import rebuild as rebuild_module
from taizhang.projections.log import LogReader
from taizhang.projections.rebuild import rebuild
from taizhang.projections.state import ViewState
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker
from tests.projections.scenario import make_district, projected_demo, story

BOUND = 60
PAGE = 97  # many pages: rows are written and read back across page boundaries
# Tables the demo's log fills at different times, to more than a few dozen rows.
GROWING = ("life_span", "life_theme", "problem_span", "progress_span", "work_fact")


@pytest.fixture
def held_after_trims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What each rebuild state held after each trim (a page written)."""
    seen: list[int] = []
    trim = ViewState.trim

    def counting(self: ViewState, limit: int) -> None:
        trim(self, limit)
        seen.append(self.held())

    monkeypatch.setattr(ViewState, "trim", counting)
    monkeypatch.setattr(rebuild_module, "LogReader", lambda ledger: LogReader(ledger, PAGE))
    return seen


def watch_statistics(
    db: Database, watcher: object, table: str, monkeypatch
) -> list[tuple[float, int]]:
    """(the planner's estimate, the rows) of a fresh table at each trim of the main process
    (the timeline's helper is forked: not its connection)."""
    seen: list[tuple[float, int]] = []
    trim = ViewState.trim
    here = os.getpid()

    def watching(self: ViewState, limit: int) -> None:
        trim(self, limit)
        if os.getpid() != here:
            return
        ((estimate, rows),) = db.fetchall(
            watcher,
            f"SELECT c.reltuples, (SELECT count(*) FROM {table}) FROM pg_class c"
            f" WHERE c.oid = '{table}'::regclass",
        )
        seen.append((estimate, rows))

    monkeypatch.setattr(ViewState, "trim", watching)
    return seen


def test_a_working_set_rebuild_makes_the_views_the_live_worker_made(settings, held_after_trims):
    summary = projected_demo(settings, branches=8)
    d = make_district(settings)
    story(d)  # corrections and withdrawals: the timeline's marks, rows changed after written
    worker = Worker(settings)
    try:
        worker.catch_up()
    finally:
        worker.close()
    live = digest(settings)
    head = d.service.ledger.recorder.max_notification_id()
    assert head > 10 * PAGE, (head, summary)
    held_after_trims.clear()  # the live worker's own

    bounded = replace(settings, rebuild_hold_events=0, projector_working_set=BOUND)
    assert rebuild(bounded) == head
    assert digest(settings) == live
    # Between pages the state held no more than its bound, though the views hold far more.
    assert len(held_after_trims) >= head // PAGE
    assert max(held_after_trims) <= BOUND
    db = Database(settings)
    conn = db.connect()
    try:
        assert db.load(conn).held() > 20 * BOUND
    finally:
        conn.close()

    # And the in-memory rebuild, which trims nothing, agrees with it.
    held_after_trims.clear()
    assert rebuild(settings) == head
    assert digest(settings) == live
    assert held_after_trims == []


def test_the_hold_decides_by_the_log_length(settings, held_after_trims):
    d = make_district(settings)
    story(d)
    held_after_trims.clear()
    head = d.service.ledger.recorder.max_notification_id()
    rebuild(replace(settings, rebuild_hold_events=head))  # as long as the hold: in memory
    assert held_after_trims == []
    rebuild(replace(settings, rebuild_hold_events=head - 1, projector_working_set=BOUND))
    assert held_after_trims and max(held_after_trims) <= BOUND


def test_the_fresh_tables_have_statistics_while_they_fill(settings, monkeypatch):
    """A working set reads rows back from the fresh tables as they fill. Never analyzed, a
    table has no statistics, and the planner read a branch's spans through the
    (campaign_id, from_on) index, the whole campaign each time: at 10 million events the
    rebuild slowed page after page. They are analyzed after pages 1, 2, 4, 8, ..."""
    if not settings.is_postgres:
        pytest.skip("statistics and plans are PostgreSQL's")
    d = make_district(settings)
    story(d)
    head = d.service.ledger.recorder.max_notification_id()
    assert head > 8 * 3, head
    monkeypatch.setattr(rebuild_module, "LogReader", lambda ledger: LogReader(ledger, 3))
    db = Database(settings)
    watcher = db.connect(autocommit=True)
    seen = watch_statistics(db, watcher, "view_branch__next", monkeypatch)
    try:
        rebuild(replace(settings, rebuild_hold_events=0, projector_working_set=BOUND))
    finally:
        watcher.close()
    assert len(seen) >= 8
    # -1: never analyzed. After page 1 the planner knows the table, and after page 8 its
    # estimate is what the table held then (analyzed whole, it is this small).
    assert all(estimate >= 0 for estimate, _ in seen), seen
    assert seen[7][0] == seen[7][1] > 0, seen


def test_a_settle_that_touches_every_branch_writes_them_part_by_part(settings, monkeypatch):
    """One page can make every branch's rows stale at once (a campaign's phase, a district's
    year of life): at 10 million events, a district of 77,519 branches recomputed in one
    page took the rebuild from 0.5 to 10.7 GB. The working set writes a settle's rows as
    they reach its bound, and the views still come out as the live worker made them."""
    projected_demo(settings, branches=8)
    live = digest(settings)
    monkeypatch.setattr(rebuild_module, "LogReader", lambda ledger: LogReader(ledger, PAGE))
    pending: list[int] = [0]
    put = ViewState.put

    def counting(self: ViewState, table: str, key: tuple[str, ...], row: object) -> None:
        put(self, table, key, row)
        pending[0] = max(pending[0], sum(map(len, self.changed.values())))

    monkeypatch.setattr(ViewState, "put", counting)
    rebuild(replace(settings, rebuild_hold_events=0, projector_working_set=10))
    assert digest(settings) == live
    # A page's own rows and one branch's recompute at most: held whole, the demo's
    # settles pend over 500 rows.
    assert 0 < pending[0] <= 2 * PAGE, pending


@pytest.mark.parametrize("bound", [10, 10**6], ids=["spilled", "paged"])
def test_a_table_a_page_fills_has_statistics_as_it_grows(settings, monkeypatch, bound):
    """At 10 million events one page wrote the district's first year of organizational life
    for all its 77,519 branches: millions of rows written in spills between the pages that
    analyze, so each branch's spans were read back with an empty table's plan while the
    table grew (5 branches a second). And tables smaller than the working set's bound (a
    year's 28,700 grading entries) were never analyzed again once near empty: each row read
    back by a sequential scan of the table. A table is analyzed whenever its rows have
    doubled past ``ANALYZE_FROM``, whatever the bound."""
    if not settings.is_postgres:
        pytest.skip("statistics and plans are PostgreSQL's")
    projected_demo(settings, branches=8)
    monkeypatch.setattr(rebuild_module, "LogReader", lambda ledger: LogReader(ledger, PAGE))
    monkeypatch.setattr(rebuild_module, "ANALYZE_FROM", 10)
    db = Database(settings)
    watcher = db.connect(autocommit=True)
    seen = {t: watch_statistics(db, watcher, f"{t}__next", monkeypatch) for t in GROWING}
    try:
        rebuild(replace(settings, rebuild_hold_events=0, projector_working_set=bound))
    finally:
        watcher.close()
    for table, figures in seen.items():
        grown = [(estimate, rows) for estimate, rows in figures if rows > 40]
        assert grown, (table, figures)
        # Never planned as far smaller than it is: at most a doubling (and the floor) behind.
        assert all(2 * estimate + 2 * 10 >= rows for estimate, rows in grown), (table, grown)
