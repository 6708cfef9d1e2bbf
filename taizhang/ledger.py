"""The event-sourced application: the one event store every fact goes into."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from psycopg.sql import SQL, Identifier

from taizhang.config import Settings
from taizhang.transcodings import register_transcodings

# Aggregates kept in memory between requests. Campaigns are read on every post (to admit
# the branch), so they must not be replayed each time.
AGGREGATE_CACHE_SIZE = 5000


class Ledger(Application[UUID]):
    name = "Ledger"
    env = {
        "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
        "COMPRESSOR_TOPIC": "",
    }

    def __init__(self, settings: Settings, **env: str) -> None:
        self.settings = settings
        super().__init__(env={**settings.eventsourcing_env(), **env})

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    @property
    def events_table(self) -> str:
        return str(self.recorder.events_table_name)  # type: ignore[attr-defined]

    def position_of(self, aggregate_id: UUID, version: int) -> int | None:
        """The log position (notification id) of one stored event, for replayed answers."""
        recorder: Any = self.recorder
        if self.settings.is_postgres:
            # Qualified like the library's own statements: the connection's search_path
            # need not name our schema, and another schema may hold a same-named table.
            statement = SQL(
                "SELECT notification_id FROM {schema}.{table} "
                "WHERE originator_id = %s AND originator_version = %s"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(self.events_table),
            )
            with recorder.datastore.transaction(commit=False) as curs:
                curs.execute(statement, (aggregate_id, version))
                row = curs.fetchone()
                return int(row["notification_id"]) if row else None
        statement = (
            f"SELECT rowid FROM {self.events_table} "
            "WHERE originator_id = ? AND originator_version = ?"
        )
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (aggregate_id.hex, version))
            row = curs.fetchone()
            return int(row[0]) if row else None
