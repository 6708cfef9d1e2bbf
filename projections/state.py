"""The view state: rows of the read-model tables, in memory, with what changed since the last write.

Fold functions change rows through ``put`` and ``delete``; the database layer writes only
the changed rows. Indexes that the folds need but that are not tables (which rows belong
to a branch, which branch a problem belongs to) are kept beside the rows and rebuilt on load.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from projections.schema import TABLES

Key = tuple[str, ...]
Row = dict[str, Any]


class ViewState:
    def __init__(self) -> None:
        # Rows are dicts, except the timeline's: tuples in column order (see fold.timeline).
        self.rows: dict[str, dict[Key, Any]] = {t.name: {} for t in TABLES}
        # The log position of the last event a replay folded (projections.report).
        self.built_from = 0
        self.changed: dict[str, set[Key]] = defaultdict(set)
        # Branch works whose derived columns (counts, milestones, phases) need recomputing.
        self.stale_works: set[Key] = set()
        # Problems whose status needs recomputing.
        self.stale_problems: set[str] = set()
        # Derived indexes (not written): branch -> its progress keys; campaign -> its keys;
        # branch work id -> progress key.
        self.keys_of_branch: dict[str, set[Key]] = defaultdict(set)
        self.keys_of_campaign: dict[str, set[Key]] = defaultdict(set)
        self.work_keys: dict[str, Key] = {}
        # (campaign, branch) -> its problems' ids, withdrawn ones included.
        self.problems_of_work: dict[Key, set[str]] = defaultdict(set)
        # (campaign, guest branch) -> the (host progress key, event id) of each joint
        # mobilization meeting that names it (fold.work.index_joint).
        self.joint_guests: dict[Key, set[tuple[Key, str]]] = defaultdict(set)
        self.phase_cache: dict[str, Any] = {}
        # Organizational life (fold.life_spans): the branches and districts whose spans a
        # batch made stale, and each district's years of life.
        self.stale_life: set[str] = set()
        self.stale_life_districts: set[str] = set()
        self.life_years: dict[str, set[int]] = {}
        # A settle's problems on each day they change (fold.problems.problem_changes), for
        # their branches' spans; dropped when the settle ends.
        self.problem_changes: dict[str, Any] = {}
        # Span tables: the thing a span belongs to (fold.spans.GROUP) -> its rows' keys.
        self.span_keys: dict[str, dict[Key, set[Key]]] = defaultdict(dict)
        # The timeline's rows as lines of COPY text instead of tuples: a rebuild filling a
        # fresh PostgreSQL table, which makes them as it folds (one step, not two).
        self.copy_lines = False
        # Timeline: correction bookkeeping to apply to rows already written.
        self.timeline_marks: list[tuple[str, str, str]] = []  # (column, event_id, by)
        # Rows of tables not held in memory (``find``): the live worker reads them from the
        # database when a fold needs one; a replay holds every row it made, so has none.
        self.fetch: Callable[[str, Key], Row | None] | None = None

    def get(self, table: str, key: Key) -> Row | None:
        return self.rows[table].get(key)

    def find(self, table: str, key: Key) -> Row | None:
        """``get``, or the row as the database has it if this state does not hold it."""
        row = self.rows[table].get(key)
        if row is None and self.fetch is not None and key not in self.changed.get(table, ()):
            row = self.fetch(table, key)
            if row is not None:
                self.rows[table][key] = row
        return row

    def put(self, table: str, key: Key, row: Any) -> None:
        self.rows[table][key] = row
        self.changed[table].add(key)

    def touch(self, table: str, key: Key) -> None:
        self.changed[table].add(key)

    def delete(self, table: str, key: Key) -> None:
        self.rows[table].pop(key, None)
        self.changed[table].add(key)

    def take_changes(self) -> dict[str, set[Key]]:
        changed = dict(self.changed)
        self.changed = defaultdict(set)
        return changed

    def forget_rows(self, table: str) -> None:
        """Drop rows that are only ever appended (the timeline) once written."""
        self.rows[table].clear()
