"""The library's application recorders, keeping the hash chain (``taizhang.evidence.chain``).

``Ledger`` names these by ``APPLICATION_RECORDER_TOPIC``, the library's own way to choose a
recorder class. Each writes the links of the events it stores in the same transaction,
after their insert has taken the events table's write lock (SQLite's write lock; on
PostgreSQL the library's ``LOCK TABLE … IN EXCLUSIVE MODE``), so one writer at a time
reads the last link and extends it. The PostgreSQL recorder stores events through the
insert function (``taizhang.store.event_insert``), which links them in SQL; the library's own
insert path, kept for benchmarks, links them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import PersistenceError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

from taizhang.evidence.chain import (
    GENESIS,
    RecentLinks,
    chain_table,
    checkpoints_table,
    id_bytes,
    link,
)

NOT_CHAINED = (
    "the event log has events without links in its hash chain: run `taizhang migrate` "
    "(migration 0011 links the events stored before the chain)"
)


def sqlite_chain_statements(events_table: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {chain_table(events_table)} "
        "(notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {checkpoints_table(events_table)} "
        "(position INTEGER PRIMARY KEY, hash BLOB NOT NULL, signed_at TEXT NOT NULL, "
        "public_key BLOB NOT NULL, signature BLOB NOT NULL, heads TEXT)",
    ]


def links_of(
    previous: bytes, positions: Sequence[int], stored_events: Sequence[StoredEvent]
) -> list[bytes]:
    links = []
    for position, event in zip(positions, stored_events, strict=True):
        previous = link(
            previous,
            position,
            id_bytes(event.originator_id),
            event.originator_version,
            event.topic,
            event.state,
        )
        links.append(previous)
    return links


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_links = RecentLinks()

    # The links are kept for answers only once stored: a transaction that fails after this
    # leaves entries for positions that are not (or not yet) stored, which no answer names.
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *sqlite_chain_statements(self.events_table_name),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if not positions:
            return positions
        table = chain_table(self.events_table_name)
        c.execute(
            f"SELECT hash FROM {table} WHERE notification_id < ? "
            "ORDER BY notification_id DESC LIMIT 1",
            (positions[0],),
        )
        row = c.fetchone()
        previous = GENESIS
        if row is not None:
            previous = bytes(row[0])
        else:
            c.execute(
                f"SELECT 1 FROM {self.events_table_name} WHERE rowid < ? LIMIT 1", (positions[0],)
            )
            if c.fetchone() is not None:
                raise PersistenceError(NOT_CHAINED)
        links = links_of(previous, positions, stored_events)
        c.executemany(
            f"INSERT INTO {table} (notification_id, hash) VALUES (?, ?)",
            list(zip(positions, links, strict=True)),
        )
        self.recent_links.put(positions, links)
        return positions


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """Links the events the library's own insert stores (the insert function links its
    own in SQL)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_links = RecentLinks()

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not positions:
            return positions
        positions = sorted(positions)
        schema = Identifier(self.datastore.schema)
        table = Identifier(chain_table(self.events_table_name))
        curs.execute(
            SQL(
                "SELECT hash FROM {schema}.{table} WHERE notification_id < %s "
                "ORDER BY notification_id DESC LIMIT 1"
            ).format(schema=schema, table=table),
            (positions[0],),
        )
        row = curs.fetchone()
        previous = GENESIS if row is None else bytes(row["hash"])
        links = links_of(previous, positions, stored_events)
        curs.execute(
            SQL(
                "INSERT INTO {schema}.{table} (notification_id, hash) "
                "SELECT * FROM unnest(%s::bigint[], %s::bytea[])"
            ).format(schema=schema, table=table),
            (positions, links),
        )
        self.recent_links.put(positions, links)
        return positions
