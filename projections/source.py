"""What the live worker's working set reads when it does not hold it: rows of the view
tables by key or by indexed columns, and which branch a work belongs to (from the log).

Each read is a short transaction of its own on the worker's connection, closed before the
batch's write transaction begins.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from taizhang.ledger import Ledger
from taizhang.projections.schema import TABLES_BY_NAME
from taizhang.projections.state import Key, Row
from taizhang.projections.store import Connection, Database


class TableSource:
    def __init__(self, db: Database, conn: Connection, ledger: Ledger, *, suffix: str = "") -> None:
        self.db = db
        self.conn = conn
        self.ledger = ledger
        # A rebuild's working set reads the fresh tables it is filling (``<table>__next``).
        self.suffix = suffix
        self.own = False

    def row(self, table: str, key: Key) -> Row | None:
        return self.db.read_row(self.conn, table, key, suffix=self.suffix)

    def rows_where(self, table: str, columns: tuple[str, ...], values: Key) -> list[Row]:
        spec = TABLES_BY_NAME[table]
        names = spec.column_names
        where = " AND ".join(f"{c} = ?" for c in columns)
        found = self._read(
            f"SELECT {', '.join(names)} FROM {table}{self.suffix} WHERE {where}", values
        )
        rows = []
        for values_ in found:
            row = dict(zip(names, values_, strict=True))
            for column in spec.json_columns:
                row[column] = json.loads(row[column]) if row[column] is not None else None
            rows.append(row)
        return rows

    def distinct(self, table: str, column: str, columns: tuple[str, ...], values: Key) -> list[Any]:
        where = " AND ".join(f"{c} = ?" for c in columns)
        found = self._read(
            f"SELECT DISTINCT {column} FROM {table}{self.suffix} WHERE {where}", values
        )
        return [value for (value,) in found]

    def work_key(self, work_id: str) -> Key | None:
        """(campaign, branch) of a branch's work, from the event that opened it."""
        stored = self.ledger.recorder.select_events(UUID(work_id), lte=1, limit=1)
        if not stored:
            return None
        opened: Any = self.ledger.mapper.to_domain_event(stored[0])
        campaign_id = getattr(opened, "campaign_id", None)
        branch_id = getattr(opened, "branch_id", None)
        if campaign_id is None or branch_id is None:
            return None
        return (str(campaign_id), str(branch_id))

    def _read(self, text: str, params: Key) -> list[Any]:
        return self.db.read(self.conn, text, params)

    def close(self) -> None:
        """Close the connection, if it is this source's own (``reads_apart``)."""
        if self.own:
            self.conn.close()

    @classmethod
    def reads_apart(
        cls, db: Database, conn: Connection, ledger: Ledger, suffix: str
    ) -> TableSource:
        """A source reading on a connection of its own in autocommit mode (PostgreSQL; on
        SQLite the writer's own, which commits each statement anyway): for a rebuild, whose
        reads need no transaction around them."""
        if not db.dialect.postgres:
            return cls(db, conn, ledger, suffix=suffix)
        source = cls(db, db.connect(autocommit=True), ledger, suffix=suffix)
        source.own = True
        return source
