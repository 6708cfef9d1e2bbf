"""Rebuild: replay the whole log into fresh tables, then switch to them in one transaction.

Readers see the old tables until the switch. The fresh tables (``<table>__next``) are
filled from a view state folded by the same code as the live worker; the timeline, which is
as long as the log, is streamed to its table as it goes. A log up to
``rebuild_hold_events`` long (``TAIZHANG_REBUILD_HOLD_EVENTS``) is held in memory and its
rows written once at the end, which is fastest; a longer one is folded through the live
worker's working set instead: each page's changed rows are written to the fresh tables
(indexed from the start, so what is not held is read back from them) and the state trimmed
to ``projector_working_set``, so the rebuild's memory is bounded by configuration, not by
the log. On PostgreSQL
the timeline is filled by a helper process while this one folds the progress projection
(they share nothing but the log). The switch takes the position rows' lock (so a live worker
waits, then notices the new generation and reloads), folds what arrived meanwhile for every
projection, renames the tables and sets the positions.

Speed: see docs/BENCHMARKS.md (``taizhang bench rebuild``). Pages are read without an upper
bound in the query (``taizhang.projections.log``), and most events are folded from their stored JSON
without being decoded (``taizhang.projections.fold.stored``).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import traceback
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from tqdm import tqdm

from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.projections.fold import settle
from taizhang.projections.log import LogReader
from taizhang.projections.schema import PROJECTIONS, tables_of
from taizhang.projections.source import TableSource
from taizhang.projections.state import ViewState
from taizhang.projections.store import APPEND_ONLY, Database
from taizhang.projections.worker import process

SUFFIX = "__next"
# A fresh table is analyzed each time its rows have doubled past this many. A read by key
# prepared while a table was near empty keeps that plan (a sequential scan) until the table
# is analyzed again: below this size a scan costs about what the index would.
ANALYZE_FROM = 1000


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return contextlib.nullcontext(None)

    return tqdm(total=total, unit="ev", unit_scale=True, desc="rebuild", smoothing=0.1)


def replay(
    ledger: Ledger,
    state: ViewState,
    names: Sequence[str],
    start: int | dict[str, int],
    stop: int | None,
    *,
    on_page: Any = None,
    bar: Any = None,
    settled: bool = False,
) -> tuple[int, list[tuple[Any, ...]]]:
    """Fold the log after ``start`` (up to ``stop``) into ``state``; returns (last, letters).

    ``start`` is one position for every projection, or each projection's own; ``settled``:
    derived rows recomputed after every page (a working set writes each page), not once at
    the end by the caller."""
    starts = start if isinstance(start, dict) else {name: start for name in names}
    positions = {name: (starts[name], 0) for name in names}
    letters: list[tuple[Any, ...]] = []
    last = max(positions[name][0] for name in names)
    reader = LogReader(ledger)
    try:
        for page in reader.pages(min(positions[name][0] for name in names), stop):
            letters += process(ledger, state, page, positions, settled=settled)
            last = max(last, page[-1].id)
            if on_page is not None:
                on_page(state)
            if bar is not None:
                bar.update(len(page))
    finally:
        reader.close()
    return last, letters


def rebuild(
    settings: Settings, names: Iterable[str] = PROJECTIONS, *, progress: bool = False
) -> int:
    """Rebuild the named projections; returns the log position they were rebuilt to."""
    names = tuple(names) or PROJECTIONS
    unknown = sorted(set(names) - set(PROJECTIONS))
    if unknown:
        raise ValueError(f"unknown projection(s) {unknown}; known: {', '.join(PROJECTIONS)}")
    return _rebuild(settings, names, progress)


@contextlib.contextmanager
def _without_cyclic_gc(held: bool) -> Any:
    """A state held whole is millions of small dicts and lists that never form cycles: the
    cyclic collector would only rescan them, again and again, as they grow. A working set
    stays small, so there it runs as usual."""
    collecting = gc.isenabled()
    if held:
        gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _rebuild(settings: Settings, names: tuple[str, ...], progress: bool) -> int:
    db = Database(settings)
    tables = [t for name in names for t in tables_of(name)]
    conn = db.connect()
    try:
        with db.transaction(conn):
            for table in tables:
                db.execute(conn, f"DROP TABLE IF EXISTS {table.name}{SUFFIX}")
                for statement in table.create_statements(
                    table.name + SUFFIX, indexes=False, dialect=db.dialect
                ):
                    db.execute(conn, statement)
        ledger = Ledger(settings)
        head = ledger.recorder.max_notification_id() or 0
        working_set = (
            None if head <= settings.rebuild_hold_events else settings.projector_working_set
        )
        # The projections are independent: on PostgreSQL the timeline (as long as the log)
        # is folded by a second process while this one folds the rest. SQLite has one
        # writer, so there the two would only queue on its lock.
        helper = None
        here = names
        try:
            if db.dialect.postgres and "timeline" in names and len(names) > 1:
                helper = _Helper(settings, ("timeline",), head, working_set)
                here = tuple(name for name in names if name != "timeline")
            with _without_cyclic_gc(working_set is None):
                with _progress_bar(head, progress) as bar:
                    state, last, letters = fill(
                        db, conn, ledger, here, head, bar=bar, working_set=working_set
                    )
                lasts = {name: last for name in here}
                if helper is not None:
                    helper_last, helper_letters = helper.join()
                    letters += helper_letters
                    lasts["timeline"] = helper_last
                    if state.source is None:
                        # What the switch folds for the timeline needs to know whose
                        # aggregates are whose: the owners the helper wrote (a working set
                        # reads them from the fresh table when it needs one). Read in a
                        # transaction of its own: outside one, psycopg would open one that
                        # the switch's became a savepoint of, never committed.
                        with db.transaction(conn):
                            owners = db.load(conn, ("timeline",), suffix=SUFFIX)
                        state.rows["timeline_owner"] = owners.rows["timeline_owner"]
                try:
                    return _switch(db, conn, ledger, state, names, tables, lasts, letters)
                finally:
                    _close_source(state)
        finally:
            if helper is not None:
                helper.stop()
            ledger.close()
    finally:
        conn.close()


def fill(
    db: Database,
    conn: Any,
    ledger: Ledger,
    names: Sequence[str],
    head: int,
    *,
    bar: Any = None,
    working_set: int | None = None,
) -> tuple[ViewState, int, list[tuple[Any, ...]]]:
    """Fold the log up to ``head`` into the named projections' fresh tables, indexed and
    analyzed; returns (the state, last position folded, dead letters).

    ``working_set`` None: every row held in memory and written at the end. A number: each
    page's rows written as it is folded, and at most that many rows and index entries kept.
    """
    tables = [t for name in names for t in tables_of(name)]
    if working_set is None:
        state = ViewState()
    else:
        # Indexed before the first row: what the working set does not hold it reads back
        # by key or by an indexed column, and the timeline's marks find rows by event id.
        with db.transaction(conn):
            _index(db, conn, tables, analyze=False)
            source = TableSource.reads_apart(db, conn, ledger, SUFFIX)
            state = db.load(conn, names, source=source)

    pages = 0
    bound = working_set or 0
    # Rows written to each fresh table, and how many it had when it was last analyzed.
    written: dict[str, int] = {}
    analyzed: dict[str, int] = {}

    def write(state: ViewState) -> None:
        """Write what is pending (in the caller's transaction), and analyze each table that
        has doubled since it was last analyzed: one page can write a table's first million
        rows (a district's years of life), and a table can grow to tens of thousands between
        the pages that analyze (a year's grading entries); its reads must not plan on an
        empty table."""
        changes = state.take_changes()
        db.write(conn, state, changes, suffix=SUFFIX)
        for name, keys in changes.items():
            written[name] = written.get(name, 0) + len(keys)
            if written[name] > 2 * max(analyzed.get(name, 0), ANALYZE_FROM):
                db.execute(conn, f"ANALYZE {name}{SUFFIX}")
                analyzed[name] = written[name]

    def flush_page(state: ViewState) -> None:
        nonlocal pages
        # The timeline is as long as the log: write it as it goes, keep nothing.
        for table in tables:
            if table.name in APPEND_ONLY and state.rows[table.name]:
                with db.transaction(conn):
                    db.bulk_insert(conn, table, state.rows[table.name].values(), suffix=SUFFIX)
                state.forget_rows(table.name)
                state.changed.pop(table.name, None)
        if working_set is not None:
            with db.transaction(conn):
                write(state)
                pages += 1
                if pages & (pages - 1) == 0:
                    _analyze(db, conn, tables)
                    analyzed.update(written)
            state.trim(working_set)

    if working_set is not None:

        def spill(state: ViewState) -> None:
            # Mid-page: safe here, where a crash throws the fresh tables away; never live.
            with db.transaction(conn):
                write(state)
            state.trim(bound)

        state.spill = spill
        state.spill_at = bound

    if db.dialect.postgres:
        # Nothing is lost if the fresh tables' pages are lost in a crash: the rebuild is
        # redone. The switch itself commits as usual (RESET below).
        with db.transaction(conn):
            db.execute(conn, "SET synchronous_commit = off")
    # The timeline's rows made straight into COPY lines; the switch's upserts want tuples.
    state.copy_lines = db.dialect.postgres
    try:
        try:
            last, letters = replay(
                ledger,
                state,
                names,
                0,
                head,
                on_page=flush_page,
                bar=bar,
                settled=working_set is not None,
            )
        finally:
            state.copy_lines = False
            state.spill = None  # the switch writes what it folds in its own transaction
        if working_set is None:
            if "progress" in names:
                letters += [
                    ("progress", last, f"settle {w}", repr(e), "") for w, e in settle(state)
                ]
            _load_and_index(db, conn, state, tables)
        else:
            with db.transaction(conn):
                _analyze(db, conn, tables)
    finally:
        if db.dialect.postgres:
            # Never hiding the error that brought us here, if there was one.
            with contextlib.suppress(psycopg.Error), db.transaction(conn):
                db.execute(conn, "RESET synchronous_commit")
    state.take_changes()
    return state, last, letters


def _close_source(state: ViewState) -> None:
    if isinstance(state.source, TableSource):
        state.source.close()


def _load_and_index(db: Database, conn: Any, state: ViewState, tables: Sequence[Any]) -> None:
    with db.transaction(conn):
        if db.dialect.postgres:
            # The timeline's indexes cover a row per event: sorted in memory, not on disk.
            db.execute(conn, "SET LOCAL maintenance_work_mem = '256MB'")
        for table in tables:
            if table.name not in APPEND_ONLY:
                db.bulk_insert(conn, table, state.rows[table.name].values(), suffix=SUFFIX)
        # Indexes after the bulk load (faster), before the corrections' marks (which
        # find their rows by event id).
        _index(db, conn, tables, analyze=True)
        db.mark_timeline(conn, state, suffix=SUFFIX)


def _index(db: Database, conn: Any, tables: Sequence[Any], *, analyze: bool) -> None:
    for table in tables:
        for statement in table.index_statements(table.name + SUFFIX, index_suffix=SUFFIX):
            db.execute(conn, statement)
    if analyze:
        # Fresh statistics, so the planner finds marked rows by index, not by scan.
        _analyze(db, conn, tables)


def _analyze(db: Database, conn: Any, tables: Sequence[Any]) -> None:
    """Statistics for the fresh tables. A working set reads them back as they fill, and
    a table never analyzed has none: the planner then takes any index that matches a
    column, such as (campaign_id, from_on) for a branch's spans when every row has the
    one campaign, and each read scans the whole campaign. Analyzed after pages 1, 2, 4,
    8, ... (a few times in all), its plans follow the table as it grows."""
    for table in tables:
        db.execute(conn, f"ANALYZE {table.name}{SUFFIX}")


def _fill_in_helper(
    settings: Settings, names: Sequence[str], head: int, working_set: int | None, pipe: Any
) -> None:
    try:
        db = Database(settings)
        conn = db.connect()
        ledger = Ledger(settings)
        try:
            with _without_cyclic_gc(working_set is None):
                state, last, letters = fill(db, conn, ledger, names, head, working_set=working_set)
            _close_source(state)
            pipe.send(("done", (last, letters)))
        finally:
            ledger.close()
            conn.close()
    except BaseException as error:
        pipe.send(("failed", f"{error!r}\n{traceback.format_exc()}"))
        raise


class _Helper:
    """A second process filling some projections' fresh tables."""

    def __init__(
        self, settings: Settings, names: Sequence[str], head: int, working_set: int | None
    ) -> None:
        # fork: the helper starts at once, without importing everything again; it makes
        # its own connections and never touches the parent's.
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._pipe, theirs = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_fill_in_helper,
            args=(settings, names, head, working_set, theirs),
            name=f"rebuild {' '.join(names)}",
            daemon=True,
        )
        self._process.start()
        theirs.close()

    def join(self) -> tuple[int, list[tuple[Any, ...]]]:
        try:
            outcome, result = self._pipe.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"rebuild helper died (exit code {self._process.exitcode})"
            ) from None
        self._process.join()
        if outcome != "done":
            raise RuntimeError(f"rebuild helper failed: {result}")
        return result  # type: ignore[no-any-return]

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _switch(
    db: Database,
    conn: Any,
    ledger: Ledger,
    state: ViewState,
    names: Sequence[str],
    tables: Sequence[Any],
    lasts: dict[str, int],
    letters: list[tuple[Any, ...]],
) -> int:
    with db.transaction(conn):
        positions = db.positions(conn, lock=True)
        # Events that arrived during the replay: few, folded inside the switch.
        last, more = replay(ledger, state, names, lasts, None)
        more += [("progress", last, f"settle {w}", repr(e), "") for w, e in settle(state)]
        db.write(conn, state, state.take_changes(), suffix=SUFFIX)
        for table in tables:
            db.execute(conn, f"DROP TABLE {table.name}")
            db.execute(conn, f"ALTER TABLE {table.name}{SUFFIX} RENAME TO {table.name}")
            if db.dialect.renames_indexes:
                # The primary key's index keeps its name through a rename; give it the
                # table's own, so the next rebuild's fresh table can take the __next name.
                db.execute(
                    conn, f"ALTER INDEX {table.name}{SUFFIX}_pkey RENAME TO {table.name}_pkey"
                )
            for cols in table.indexes:
                name = table.index_name(cols)
                if db.dialect.renames_indexes:
                    db.execute(conn, f"ALTER INDEX {name}{SUFFIX} RENAME TO {name}")
                else:  # SQLite cannot rename an index: build it under its own name
                    db.execute(conn, f"DROP INDEX {name}{SUFFIX}")
                    db.execute(conn, f"CREATE INDEX {name} ON {table.name} ({', '.join(cols)})")
        placeholders = ", ".join("?" for _ in names)
        db.execute(conn, f"DELETE FROM dead_letters WHERE projection IN ({placeholders})", names)
        db.add_dead_letters(conn, [letter for letter in letters + more if letter[0] in names])
        for name in names:
            db.set_position(conn, name, last, positions[name][1] + 1)
    return last
