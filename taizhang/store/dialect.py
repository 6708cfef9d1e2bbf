"""The two SQL dialects taizhang writes: SQLite (embedded) and PostgreSQL (production).

What a statement must say differently on either lives here: the driver's placeholders,
the type of code columns (compared byte by byte), row locks, upserts, the log's position
column, what DDL can rename, and how a write transaction begins. A module writes one SQL
text with ``?`` marks and asks its dialect (``Settings.dialect``) for the rest. Which
server runs beside (a pool, LISTEN/NOTIFY, an outage to wait out) is the settings' own
question (``Settings.is_postgres``), not the dialect's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dialect:
    name: str
    postgres: bool
    # The driver's placeholder: sqlite3 takes qmarks, psycopg the format style.
    mark: str
    # Ids, keys, vocabulary values, ISO dates: on PostgreSQL collated "C", so that they sort
    # and compare as on SQLite and in Python, and index faster than through the locale.
    code_text: str
    # Appended to a SELECT that reads rows a transaction will then write (SQLite's write
    # transaction already holds the whole database).
    lock_rows: str
    # The column of the library's events table that is the log position.
    position: str
    # SQLite cannot rename an index: it is dropped and built again under its new name.
    renames_indexes: bool

    def sql(self, text: str) -> str:
        """``text``, written with ``?`` marks, in this driver's placeholders."""
        return text if self.mark == "?" else text.replace("?", self.mark)

    def from_format(self, text: str) -> str:
        """``text``, written with psycopg's ``%s`` marks, in this driver's placeholders."""
        return text if self.mark == "%s" else text.replace("%s", self.mark)

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def column_type(self, column_type: str, *, code: bool = False) -> str:
        return self.code_text if code else column_type

    def upsert(
        self, table: str, columns: Sequence[str], key: Sequence[str], *, update: bool = True
    ) -> str:
        """INSERT of one row that, on a row with the same key, updates the other columns
        (``update``) or leaves the row as it is."""
        others = [c for c in columns if c not in key]
        action = (
            "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others)
            if update and others
            else "NOTHING"
        )
        return (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({self.marks(len(columns))}) "
            f"ON CONFLICT ({', '.join(key)}) DO {action}"
        )

    @contextmanager
    def write_transaction(self, conn: Any) -> Iterator[Any]:
        """A write transaction on ``conn``; on SQLite it takes the write lock at once (BEGIN
        IMMEDIATE), so that it never fails on upgrading a read lock."""
        if self.postgres:
            with conn.transaction():
                yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


SQLITE = Dialect(
    name="sqlite",
    postgres=False,
    mark="?",
    code_text="TEXT",
    lock_rows="",
    position="rowid",
    renames_indexes=False,
)
POSTGRES = Dialect(
    name="postgresql",
    postgres=True,
    mark="%s",
    code_text='TEXT COLLATE "C"',
    lock_rows=" FOR UPDATE",
    position="notification_id",
    renames_indexes=True,
)


def dialect_of(database_url: str) -> Dialect:
    return POSTGRES if database_url.startswith("postgresql://") else SQLITE
