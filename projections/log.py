"""Reading the event log page by page, as plain entries, for replays that read all of it.

An ``Entry`` has the attributes the library's mapper decodes from (``topic``, ``state``,
``originator_id``, ``originator_version``) and the log position ``id``, so it can be decoded
like a library ``Notification`` -- or not decoded at all when a fold reads the stored JSON.

Pages are read with ``notification_id > last ORDER BY notification_id LIMIT n`` and no upper
bound in the query: with an upper bound (the library's ``stop``) PostgreSQL, lacking fresh
statistics on a just-written log, sorts every row up to the bound for every page, which made
a replay quadratic in the length of the log. Entries past ``stop`` are dropped here instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import psycopg
from psycopg.sql import SQL, Identifier

from taizhang.ledger import Ledger

PAGE = 10_000


class Entry(NamedTuple):
    id: int
    originator_id: str  # the uuid's text with hyphens, as ``str(UUID)`` gives it
    originator_version: int
    topic: str
    state: bytes


def _uuid_text(value: Any) -> str:
    text = str(value)
    if len(text) == 32:  # hex without hyphens
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


class LogReader:
    """Pages of ``Entry`` after a position, straight from the events table."""

    def __init__(self, ledger: Ledger, page: int = PAGE) -> None:
        self.ledger = ledger
        self.page = page
        recorder: Any = ledger.recorder
        self._postgres = ledger.settings.is_postgres
        if self._postgres:
            self._statement = SQL(
                "SELECT notification_id, originator_id::text, originator_version, topic, state "
                "FROM {schema}.{table} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT %s"
            ).format(
                schema=Identifier(recorder.datastore.schema),
                table=Identifier(ledger.events_table),
            )
            # Its own connection: a long replay holds none of the application's pool.
            self._conn: Any = psycopg.connect(ledger.settings.psycopg_conninfo(), autocommit=True)

    def close(self) -> None:
        if self._postgres:
            self._conn.close()

    def read(self, after: int, stop: int | None = None) -> list[Entry]:
        if self._postgres:
            # A binary cursor: state arrives as bytes without parsing bytea's hex text.
            with self._conn.cursor(binary=True, row_factory=None) as cursor:
                cursor.execute(self._statement, (after, self.page))
                rows = cursor.fetchall()
            page = [Entry._make(row) for row in rows]
        else:
            page = [
                Entry(n.id, _uuid_text(n.originator_id), n.originator_version, n.topic, n.state)
                for n in self.ledger.recorder.select_notifications(
                    after, self.page, inclusive_of_start=False
                )
            ]
        if stop is not None and page and page[-1].id > stop:
            page = [entry for entry in page if entry.id <= stop]
        return page

    def pages(self, after: int, stop: int | None = None) -> Iterator[list[Entry]]:
        while True:
            page = self.read(after, stop)
            if not page:
                return
            yield page
            after = page[-1].id
            if stop is not None and after >= stop:
                return
