"""The thin database layer: connections, loading the view state, writing changed rows.

One SQL text serves both databases: written with ``?`` placeholders, which the dialect
(``taizhang.store.dialect``) puts in the driver's own. Every column is text or integer (see
``taizhang.projections.schema``), so values need no conversion beyond JSON for the JSON columns.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson
import psycopg

from taizhang.config import SQLITE_LOCK_TIMEOUT, Settings
from taizhang.projections.fold.joint import index_joint, index_joint_meetings
from taizhang.projections.fold.life_spans import index_life
from taizhang.projections.fold.organizations import index_progress_key
from taizhang.projections.fold.problems import index_problems
from taizhang.projections.fold.spans import index_spans
from taizhang.projections.schema import PROJECTIONS, TABLES_BY_NAME, tables_of
from taizhang.projections.state import Key, Source, ViewState
from taizhang.projections.table import Table
from taizhang.store.dialect import Dialect

Connection = Any  # sqlite3.Connection | psycopg.Connection

# Rows the live worker never needs back: the timeline is only appended to and marked.
APPEND_ONLY = frozenset({"branch_timeline"})
# Rows the live worker reads one at a time when a fold needs one (``ViewState.find``), and
# forgets once written: there are as many as facts, and few are ever needed again.
ON_DEMAND = frozenset({"work_fact"})


# COPY's text format: these four characters are written escaped, None as \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_COPY_FLUSH = 1 << 20  # characters per write to the COPY stream (bounds what is held)


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if type(value) is str:
        return value.translate(_COPY_ESCAPES)
    if type(value) is int:
        return str(value)
    if type(value) is bool:  # as psycopg writes them
        return "t" if value else "f"
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_line(values: Sequence[Any]) -> str:
    """One row in COPY's text format (without its newline), as psycopg's ``write_row``
    would send it for text and integer columns."""
    # Most rows hold nothing to escape: joined as they are, then checked as a whole
    # (each NULL brings one backslash, each separator one tab); rows that fail the
    # check are escaped field by field.
    line = "\t".join([v if type(v) is str else str(v) if type(v) is int else "\\N" for v in values])
    nulls = values.count(None)
    if (
        line.count("\\") == nulls
        and line.count("\t") == len(values) - 1
        and "\n" not in line
        and "\r" not in line
    ):
        return line
    return "\t".join([_copy_field(v) for v in values])


class Stale(Exception):
    """The projection moved on under this worker (another worker, or a rebuild's swap)."""


def dumps(value: Any) -> str:
    """JSON text with sorted keys, compact, UTF-8: equal values give equal text."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:  # integers past 64 bits, keys that are not text
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.dialect: Dialect = settings.dialect

    def connect(self, *, autocommit: bool = False) -> Connection:
        if self.dialect.postgres:
            return psycopg.connect(self.settings.psycopg_conninfo(), autocommit=autocommit)
        conn = sqlite3.connect(
            self.settings.sqlite_path(),
            timeout=SQLITE_LOCK_TIMEOUT,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    def sql(self, text: str) -> str:
        return self.dialect.sql(text)

    def transaction(self, conn: Connection) -> AbstractContextManager[Connection]:
        """A write transaction; on SQLite it takes the write lock at once (BEGIN IMMEDIATE)."""
        return self.dialect.write_transaction(conn)

    def execute(self, conn: Connection, text: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self.sql(text), tuple(params))

    def fetchall(self, conn: Connection, text: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.execute(conn, text, params).fetchall())

    def executemany(self, conn: Connection, text: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        if self.dialect.postgres:
            with conn.cursor() as cursor:
                cursor.executemany(self.sql(text), rows)
        else:
            conn.executemany(text, rows)

    # -- positions ---------------------------------------------------------------------

    def positions(self, conn: Connection, *, lock: bool = False) -> dict[str, tuple[int, int]]:
        text = "SELECT name, position, generation FROM projection_position"
        if lock:
            text += self.dialect.lock_rows
        return {name: (int(p), int(g)) for name, p, g in self.fetchall(conn, text)}

    def set_position(self, conn: Connection, name: str, position: int, generation: int) -> None:
        self.execute(
            conn,
            "UPDATE projection_position SET position = ?, generation = ? WHERE name = ?",
            (position, generation, name),
        )

    def add_dead_letters(self, conn: Connection, letters: Sequence[tuple[Any, ...]]) -> None:
        self.executemany(
            conn,
            "INSERT INTO dead_letters (projection, position, event_type, error, recorded_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (projection, position) DO NOTHING",
            letters,
        )

    # -- rows --------------------------------------------------------------------------

    def load(
        self,
        conn: Connection,
        projections: Iterable[str] = PROJECTIONS,
        *,
        suffix: str = "",
        source: Source | None = None,
    ) -> ViewState:
        """Every row of the projections' tables, with their indexes (a replay's state); or,
        given a ``source``, a working set that holds nothing yet and reads rows from it as
        the folds need them (the live worker's)."""
        if source is not None:
            state = ViewState(source)
            if "progress" in projections:
                self._index_joint_meetings(conn, state)
            return state
        state = ViewState()
        for name in projections:
            for table in tables_of(name):
                if table.name in APPEND_ONLY or table.name in ON_DEMAND:
                    continue
                columns = table.column_names
                rows = state.rows[table.name]
                text = f"SELECT {', '.join(columns)} FROM {table.name}{suffix}"
                for values in self.fetchall(conn, text):
                    row = dict(zip(columns, values, strict=True))
                    for column in table.json_columns:
                        row[column] = json.loads(row[column]) if row[column] is not None else None
                    rows[tuple(row[k] for k in table.key)] = row
        for key in state.rows["branch_progress"]:
            index_progress_key(state, key)
            index_joint_meetings(state, key)
        index_problems(state)
        index_spans(state)
        index_life(state)
        return state

    def _index_joint_meetings(self, conn: Connection, state: ViewState) -> None:
        """The joint meetings' guests, from the progress rows that hold one (read, not kept)."""
        text = "SELECT campaign_id, branch_id, facts FROM branch_progress WHERE facts LIKE ?"
        for campaign_id, branch_id, facts in self.fetchall(conn, text, ("%joint_with%",)):
            for event_hex, entry in json.loads(facts).items():
                index_joint(state, (campaign_id, branch_id), event_hex, entry, refresh=False)

    def write(
        self,
        conn: Connection,
        state: ViewState,
        changes: dict[str, set[Key]],
        *,
        suffix: str = "",
    ) -> None:
        """Write the changed rows (upsert or delete) and the timeline's correction marks."""
        for name, keys in changes.items():
            table = TABLES_BY_NAME[name]
            rows = state.rows[name]
            present = [rows[k] for k in keys if k in rows]
            gone = [k for k in keys if k not in rows]
            self.upsert(conn, table, present, suffix=suffix)
            if gone:
                where = " AND ".join(f"{k} = ?" for k in table.key)
                self.executemany(conn, f"DELETE FROM {table.name}{suffix} WHERE {where}", gone)
            if name in APPEND_ONLY or (name in ON_DEMAND and state.source is not None):
                state.forget_rows(name)
        self.mark_timeline(conn, state, suffix=suffix)

    def read(self, conn: Connection, text: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows read outside the caller's write transactions: in a short one of their own
        (the batch's write follows on the same connection), or, on a connection in
        autocommit mode, in none (a round trip instead of three)."""
        if self.dialect.postgres and not conn.autocommit:
            with conn.transaction():
                return self.fetchall(conn, text, params)
        return self.fetchall(conn, text, params)

    def read_row(
        self, conn: Connection, table_name: str, key: Key, *, suffix: str = ""
    ) -> dict[str, Any] | None:
        """One row of a table by its key, as ``load`` would have it."""
        table = TABLES_BY_NAME[table_name]
        where = " AND ".join(f"{k} = ?" for k in table.key)
        text = f"SELECT {', '.join(table.column_names)} FROM {table.name}{suffix} WHERE {where}"
        found = self.read(conn, text, key)
        if not found:
            return None
        row = dict(zip(table.column_names, found[0], strict=True))
        for column in table.json_columns:
            row[column] = json.loads(row[column]) if row[column] is not None else None
        return row

    def mark_timeline(self, conn: Connection, state: ViewState, *, suffix: str = "") -> None:
        for column in ("corrected_by", "withdrawn_by"):
            marks = [(by, eid) for col, eid, by in state.timeline_marks if col == column]
            self.executemany(
                conn, f"UPDATE branch_timeline{suffix} SET {column} = ? WHERE event_id = ?", marks
            )
        state.timeline_marks.clear()

    @staticmethod
    def row_values(table: Table, row: Any) -> tuple[Any, ...]:
        if type(row) is tuple:  # already in column order
            return row
        json_columns = table.json_columns
        if not json_columns:
            return tuple([row[c] for c in table.column_names])
        return tuple(
            dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
            for c in table.column_names
        )

    def upsert(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, suffix: str = ""
    ) -> None:
        if not rows:
            return
        text = self.dialect.upsert(table.name + suffix, table.column_names, table.key)
        self.executemany(conn, text, [self.row_values(table, r) for r in rows])

    def bulk_insert(
        self, conn: Connection, table: Table, rows: Iterable[dict[str, Any]], *, suffix: str = ""
    ) -> None:
        """Insert rows into a fresh table (no conflicts): COPY on PostgreSQL."""
        columns = table.column_names
        if self.dialect.postgres:
            row_values = self.row_values
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY {table.name}{suffix} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                # Lines made here and written in chunks: psycopg's write_row, a call per
                # row, cost more than folding the timeline's row did.
                lines: list[str] = []
                size = 0
                for row in rows:
                    # A timeline row a rebuild folded straight into its line (fold.timeline).
                    line = row if type(row) is str else copy_line(row_values(table, row))
                    lines.append(line)
                    size += len(line)
                    if size >= _COPY_FLUSH:
                        copy.write("\n".join(lines) + "\n")
                        lines.clear()
                        size = 0
                if lines:
                    copy.write("\n".join(lines) + "\n")
            return
        conn.executemany(
            f"INSERT INTO {table.name}{suffix} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            (self.row_values(table, r) for r in rows),
        )
