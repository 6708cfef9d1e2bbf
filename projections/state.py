"""The view state: rows of the read-model tables, in memory, with what changed since the last write.

Fold functions change rows through ``put`` and ``delete``; the database layer writes only
the changed rows. Indexes that the folds need but that are not tables (which rows belong
to a branch, which branch a problem belongs to) are kept beside the rows.

A replay holds every row it makes (``source`` is None) and builds the indexes as it folds.
The live worker holds a working set instead (``projections.working_set``): a row or an index
entry it does not hold is read from the view tables when a fold needs it, and after each
batch is written ``trim`` drops the least recently used down to a configured number of
entries, so its memory is bounded by that number, not by the data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from taizhang.projections.schema import TABLES

Key = tuple[str, ...]
Row = dict[str, Any]


class Source(Protocol):
    """Where a working set reads what it does not hold (the live worker's database)."""

    def row(self, table: str, key: Key) -> Row | None: ...

    def rows_where(self, table: str, columns: tuple[str, ...], values: Key) -> list[Row]: ...

    def distinct(
        self, table: str, column: str, columns: tuple[str, ...], values: Key
    ) -> list[Any]: ...

    def work_key(self, work_id: str) -> Key | None: ...


class Index:
    """key -> set of values, such as a branch's progress keys.

    With a ``load`` (the live worker), an entry not held is read from the tables on first
    use and what the folds add goes on top; without one it starts empty (a replay, which
    sees every row as it makes it).
    """

    def __init__(self, load: Callable[[Any], Iterable[Any]] | None = None) -> None:
        self.entries: dict[Any, set[Any]] = {}
        self.load = load

    def _entry(self, key: Any) -> set[Any]:
        entries = self.entries
        found = entries.pop(key, None)
        if found is None:
            found = set(self.load(key)) if self.load is not None else set()
        entries[key] = found  # last: the most recently used
        return found

    def __getitem__(self, key: Any) -> set[Any]:
        return self._entry(key)

    def get(self, key: Any, default: Any = None) -> Any:
        found = self._entry(key) if self.load is not None else self.entries.get(key)
        return found if found else default

    def __setitem__(self, key: Any, value: set[Any]) -> None:
        self.entries.pop(key, None)
        self.entries[key] = value

    def pop(self, key: Any, default: Any = None) -> Any:
        if self.load is not None:
            # Held as empty: the tables still have the old entry until the batch is written.
            self.entries[key] = set()
            return default
        return self.entries.pop(key, default)

    def setdefault(self, key: Any, default: set[Any]) -> set[Any]:
        return self.entries.setdefault(key, default)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.entries)

    def items(self) -> Any:
        return self.entries.items()


class WorkKeys:
    """A branch's work id -> its progress key; the live worker reads a missing one from the
    log (the work's opening event) and keeps it only if the branch has a progress row."""

    def __init__(self, state: ViewState) -> None:
        self.entries: dict[str, Key] = {}
        self.state = state

    def get(self, work_id: str, default: Key | None = None) -> Key | None:
        entries = self.entries
        key = entries.pop(work_id, None)
        source = self.state.source
        if key is None and source is not None:
            key = source.work_key(work_id)
            if key is not None and self.state.get("branch_progress", key) is None:
                key = None
        if key is None:
            return default
        entries[work_id] = key
        return key

    def __getitem__(self, work_id: str) -> Key:
        key = self.get(work_id)
        if key is None:
            raise KeyError(work_id)
        return key

    def __setitem__(self, work_id: str, key: Key) -> None:
        self.entries[work_id] = key

    def __len__(self) -> int:
        return len(self.entries)


class ViewState:
    def __init__(self, source: Source | None = None) -> None:
        # Rows are dicts, except the timeline's: tuples in column order (see fold.timeline).
        self.rows: dict[str, dict[Key, Any]] = {t.name: {} for t in TABLES}
        # The log position of the last event a replay folded (taizhang.projections.report).
        self.built_from = 0
        self.changed: dict[str, set[Key]] = defaultdict(set)
        # Branch works whose derived columns (counts, milestones, phases) need recomputing.
        self.stale_works: set[Key] = set()
        # Problems whose status needs recomputing.
        self.stale_problems: set[str] = set()
        # Where rows and index entries not held are read (None: a replay holds them all).
        self.source = source
        # Derived indexes (not written): branch -> its progress keys; campaign -> its keys;
        # branch work id -> progress key.
        self.keys_of_branch = Index(self._keys_where("branch_progress", ("branch_id",)))
        self.keys_of_campaign = Index(self._keys_where("branch_progress", ("campaign_id",)))
        self.work_keys = WorkKeys(self)
        # (campaign, branch) -> its problems' ids, withdrawn ones included.
        self.problems_of_work = Index(
            self._keys_where("problem_ledger", ("campaign_id", "branch_id"), whole=True)
        )
        # (campaign, guest branch) -> the (host progress key, event id) of each joint
        # mobilization meeting that names it (fold.work.index_joint). Held whole by the live
        # worker too: one entry per joint meeting, read once when it starts (store.load).
        self.joint_guests: dict[Key, set[tuple[Key, str]]] = defaultdict(set)
        self.phase_cache: dict[str, Any] = {}
        # Organizational life (fold.life_spans): the branches and districts whose spans a
        # batch made stale, and each district's years of life.
        self.stale_life: set[str] = set()
        self.stale_life_districts: set[str] = set()
        self.life_years = Index(self._distinct("life_span", "year", ("district_id",)))
        # A settle's problems on each day they change (fold.problems.problem_changes), for
        # their branches' spans; dropped when the settle ends.
        self.problem_changes: dict[str, Any] = {}
        # Span tables: the thing a span belongs to (fold.spans.GROUP) -> its rows' keys.
        self.span_keys: dict[str, Index] = {}
        # The timeline's rows as lines of COPY text instead of tuples: a rebuild filling a
        # fresh PostgreSQL table, which makes them as it folds (one step, not two).
        self.copy_lines = False
        # Timeline: correction bookkeeping to apply to rows already written.
        self.timeline_marks: list[tuple[str, str, str]] = []  # (column, event_id, by)
        # A rebuild's working set: writes what is pending once it reaches ``spill_at``
        # changed rows, between the things a settle recomputes (``settled_one``).
        self.spill: Callable[[ViewState], None] | None = None
        self.spill_at = 0

    def _keys_where(
        self, table: str, columns: tuple[str, ...], *, whole: bool = False
    ) -> Callable[[Any], Iterable[Any]] | None:
        """A loader of the keys of ``table``'s rows whose ``columns`` equal an index key (its
        single column's value, or the tuple); ``whole``: of the row's first key column."""
        if self.source is None:
            return None

        def load(value: Any) -> Iterable[Any]:
            values = value if isinstance(value, tuple) else (value,)
            found = self._rows_where(table, columns, values)
            return [self._hold(table, row, whole=whole) for row in found]

        return load

    def _distinct(
        self, table: str, column: str, columns: tuple[str, ...]
    ) -> Callable[[Any], Iterable[Any]] | None:
        """A loader of the distinct values of ``column`` in ``table``'s rows whose ``columns``
        equal an index key; None for a replay."""
        source = self.source
        if source is None:
            return None

        def load(value: Any) -> Iterable[Any]:
            values = value if isinstance(value, tuple) else (value,)
            return source.distinct(table, column, columns, values)

        return load

    def where(
        self, table: str, columns: tuple[str, ...], values: Key, *, hold: bool = True
    ) -> list[Row]:
        """The rows of ``table`` whose ``columns`` equal ``values``, as this batch has them:
        those held (a replay holds them all), and for a live worker those in the table too;
        with ``hold`` False, those read from the table are not kept (read once, let go)."""
        rows = self.rows[table]

        def matches(row: Row) -> bool:
            return all(row[c] == v for c, v in zip(columns, values, strict=True))

        if self.source is None:
            return [row for row in rows.values() if matches(row)]
        found: dict[Key, Row] = {}
        changed = self.changed.get(table, ())
        for row in self._rows_where(table, columns, values):
            key = tuple(row[k] for k in TABLE_KEYS[table])
            if key in rows:
                found[key] = rows[key]
            elif key not in changed:  # else deleted by this batch
                found[key] = row
                if hold:
                    rows[key] = row
        found.update((key, rows[key]) for key in changed if key in rows)
        return [found[key] for key in sorted(found) if matches(found[key])]

    def keys_where(self, table: str, columns: tuple[str, ...], values: Key) -> set[Any]:
        """The keys of the rows ``where`` would give, of a table keyed by one column, as
        this batch has them, without holding the rows: a district's branches, say."""
        (name,) = TABLE_KEYS[table]
        rows = self.rows[table]

        def matches(row: Row) -> bool:
            return all(row[c] == v for c, v in zip(columns, values, strict=True))

        if self.source is None:
            return {key[0] for key, row in rows.items() if matches(row)}
        found = set(self.source.distinct(table, name, columns, values))
        for key in self.changed.get(table, ()):
            if key in rows and matches(rows[key]):
                found.add(key[0])
            else:
                found.discard(key[0])
        return found

    def _rows_where(self, table: str, columns: tuple[str, ...], values: Key) -> list[Row]:
        assert self.source is not None
        return self.source.rows_where(table, columns, values)

    def _hold(self, table: str, row: Row, *, whole: bool = False) -> Any:
        """Keep a row read from the table (unless this batch changed it); its key."""
        key = tuple(row[k] for k in TABLE_KEYS[table])
        rows = self.rows[table]
        if key not in rows and key not in self.changed.get(table, ()):
            rows[key] = row
        return key[0] if whole else key

    def spans_of(self, table: str, length: int) -> Index:
        """The span keys of ``table`` by their first ``length`` key columns."""
        index = self.span_keys.get(table)
        if index is None:
            columns = TABLE_KEYS[table][:length]
            index = Index(self._keys_where(table, columns))
            self.span_keys[table] = index
        return index

    def get(self, table: str, key: Key) -> Row | None:
        """The row, read from the table if this state does not hold it (a live worker's)."""
        rows = self.rows[table]
        if self.source is None:
            return rows.get(key)
        row = rows.pop(key, None)
        if row is None:
            if key in self.changed.get(table, ()):
                return None
            row = self.source.row(table, key)
            if row is None:
                return None
        rows[key] = row  # last: the most recently used
        return row

    find = get

    def put(self, table: str, key: Key, row: Any) -> None:
        self.rows[table][key] = row
        self.changed[table].add(key)

    def touch(self, table: str, key: Key) -> None:
        self.changed[table].add(key)

    def delete(self, table: str, key: Key) -> None:
        self.rows[table].pop(key, None)
        self.changed[table].add(key)

    def settled_one(self) -> None:
        """Called by a settle between the things it recomputes. One page can make a whole
        campaign's or district's rows stale (a phase, a year of life: every branch's
        rows); a rebuild's fresh tables may take them part by part, so its working set
        writes them as they reach its bound instead of holding them all. The live worker
        sets no ``spill``: its batch is written in one transaction with its position."""
        if self.spill is not None and sum(map(len, self.changed.values())) >= self.spill_at:
            self.spill(self)

    def take_changes(self) -> dict[str, set[Key]]:
        changed = dict(self.changed)
        self.changed = defaultdict(set)
        return changed

    def forget_rows(self, table: str) -> None:
        """Drop rows that are only ever appended (the timeline) once written."""
        self.rows[table].clear()

    def held(self) -> int:
        """How many rows and index entries this state holds (what ``trim`` bounds)."""
        return sum(len(c) for c in self._caches())

    def _caches(self) -> list[Any]:
        caches: list[Any] = [rows for rows in self.rows.values()]
        caches += [
            self.keys_of_branch.entries,
            self.keys_of_campaign.entries,
            self.work_keys.entries,
            self.problems_of_work.entries,
            self.phase_cache,
        ]
        caches += [index.entries for index in self.span_keys.values()]
        return caches

    def trim(self, limit: int) -> None:
        """Drop the least recently used rows and index entries down to ``limit`` in all.

        Only once a batch is written (nothing changed is pending): what is dropped is in the
        tables as it was held, and is read again when a fold needs it.
        """
        assert not any(self.changed.values()), "trim only a written state"
        caches = self._caches()
        total = sum(len(c) for c in caches)
        if total <= limit:
            return
        for cache in caches:
            keep = len(cache) * limit // total
            for key in list(_oldest(cache, len(cache) - keep)):
                del cache[key]


def _oldest(cache: dict[Any, Any], count: int) -> Iterator[Any]:
    """The first ``count`` keys of a dict kept in order of use (oldest first)."""
    if count <= 0:
        return
    for n, key in enumerate(cache):
        if n >= count:
            return
        yield key


TABLE_KEYS: dict[str, tuple[str, ...]] = {t.name: t.key for t in TABLES}
