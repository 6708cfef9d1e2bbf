"""Reading the stored log with its hash chain, and the signed checkpoints' table.

Reads go page by page in notification-id order, straight from the tables (not through the
library's mapper), so that what is checked is the bytes the database holds, and a row the
library could not decode is still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from psycopg.sql import SQL, Identifier

from taizhang.evidence.chain import GENESIS, chain_table, checkpoints_table, id_bytes, leaf
from taizhang.store.dialect import Dialect

PAGE = 5000


@dataclass(frozen=True)
class StoredRow:
    """An event row as stored; ``originator_id`` None when the stored id is not one."""

    position: int
    originator_id: bytes | None
    version: int
    topic: str | None
    state: bytes | None


@dataclass(frozen=True)
class Checkpoint:
    position: int
    hash: bytes
    signed_at: str
    public_key: bytes
    signature: bytes
    # The credential histories' heads signed beside the log's (taizhang.evidence.side_heads), as
    # canonical JSON; None for a checkpoint of the log alone (format v1).
    heads: str | None = None


def leaf_of(row: StoredRow) -> bytes:
    """A stored row's leaf; a row whose id is not one hashes as 16 zero bytes (and so never
    matches the leaf it was linked with)."""
    return leaf(row.originator_id or bytes(16), row.version, row.topic, row.state)


def _checkpoint(values: Any) -> Checkpoint:
    p, h, t, k, sig, heads = values
    return Checkpoint(
        int(p), bytes(h), str(t), bytes(k), bytes(sig), None if heads is None else str(heads)
    )


def _oid(value: Any) -> bytes | None:
    try:
        return id_bytes(value)
    except (ValueError, TypeError, AttributeError):
        return None


class ChainStore:
    """The chain's tables of one ledger's events table."""

    def __init__(self, recorder: Any, *, dialect: Dialect) -> None:
        self.recorder = recorder
        self.dialect = dialect
        events = recorder.events_table_name
        self.rowid = SQL(dialect.position)
        if dialect.postgres:
            schema = Identifier(recorder.datastore.schema)
            self.events = SQL("{}.{}").format(schema, Identifier(events))
            self.chain = SQL("{}.{}").format(schema, Identifier(chain_table(events)))
            self.checkpoints = SQL("{}.{}").format(schema, Identifier(checkpoints_table(events)))
        else:
            self.events = SQL(events)
            self.chain = SQL(chain_table(events))
            self.checkpoints = SQL(checkpoints_table(events))

    def _query(self, statement: Any, params: Any = None, *, commit: bool = False) -> list[Any]:
        datastore = self.recorder.datastore
        if self.dialect.postgres:
            with datastore.transaction(commit=commit) as curs:
                curs.execute(statement, params)
                return list(curs.fetchall()) if curs.description else []
        with datastore.transaction(commit=commit) as curs:
            curs.execute(self.dialect.from_format(statement.as_string(None)), params or ())
            return [tuple(r) for r in curs.fetchall()]

    @staticmethod
    def _values(row: Any) -> tuple[Any, ...]:
        return tuple(row.values()) if isinstance(row, dict) else tuple(row)

    def rows_after(self, position: int, limit: int = PAGE) -> list[StoredRow]:
        statement = SQL(
            "SELECT {rowid}, originator_id, originator_version, topic, state FROM {events} "
            "WHERE {rowid} > %s ORDER BY {rowid} LIMIT %s"
        ).format(rowid=self.rowid, events=self.events)
        found = []
        for row in self._query(statement, (position, limit)):
            n, oid, version, topic, state = self._values(row)
            found.append(
                StoredRow(
                    int(n),
                    _oid(oid),
                    int(version),
                    topic,
                    None if state is None else bytes(state),
                )
            )
        return found

    def links_after(self, position: int, limit: int = PAGE) -> list[tuple[int, bytes]]:
        statement = SQL(
            "SELECT notification_id, hash FROM {chain} WHERE notification_id > %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(chain=self.chain)
        return [
            (int(n), bytes(h))
            for n, h in map(self._values, self._query(statement, (position, limit)))
        ]

    def iter_rows(self, after: int = 0) -> Iterator[StoredRow]:
        while page := self.rows_after(after):
            yield from page
            after = page[-1].position

    def iter_links(self, after: int = 0) -> Iterator[tuple[int, bytes]]:
        while page := self.links_after(after):
            yield from page
            after = page[-1][0]

    def head(self) -> tuple[int, bytes] | None:
        """The chain's last link: the log's head as the chain records it."""
        statement = SQL(
            "SELECT notification_id, hash FROM {chain} ORDER BY notification_id DESC LIMIT 1"
        ).format(chain=self.chain)
        rows = self._query(statement)
        if not rows:
            return None
        n, h = self._values(rows[0])
        return int(n), bytes(h)

    def link_at_or_before(self, position: int) -> tuple[int, bytes]:
        """The last link at or before ``position`` and its position (0 and 32 zero bytes
        when there is none: the start of the log)."""
        statement = SQL(
            "SELECT notification_id, hash FROM {chain} WHERE notification_id <= %s "
            "ORDER BY notification_id DESC LIMIT 1"
        ).format(chain=self.chain)
        rows = self._query(statement, (position,))
        if not rows:
            return 0, GENESIS
        n, h = self._values(rows[0])
        return int(n), bytes(h)

    def link_at(self, position: int) -> bytes | None:
        statement = SQL("SELECT hash FROM {chain} WHERE notification_id = %s").format(
            chain=self.chain
        )
        rows = self._query(statement, (position,))
        return bytes(self._values(rows[0])[0]) if rows else None

    def last_position(self) -> int:
        statement = SQL("SELECT max({rowid}) FROM {events}").format(
            rowid=self.rowid, events=self.events
        )
        rows = self._query(statement)
        value = self._values(rows[0])[0] if rows else None
        return int(value or 0)

    def leaves_between(self, after: int, upto: int) -> list[tuple[int, bytes]]:
        """Each stored event's leaf (``taizhang.evidence.chain.leaf``) after ``after`` up to
        ``upto``, from the bytes the database holds."""
        found: list[tuple[int, bytes]] = []
        while after < upto:
            page = [r for r in self.rows_after(after) if r.position <= upto]
            if not page:
                break
            found += [(r.position, leaf_of(r)) for r in page]
            after = page[-1].position
        return found

    def checkpoint_covering(self, position: int) -> Checkpoint | None:
        """The first signed checkpoint at or after ``position``."""
        statement = SQL(
            "SELECT position, hash, signed_at, public_key, signature, heads FROM {checkpoints} "
            "WHERE position >= %s ORDER BY position LIMIT 1"
        ).format(checkpoints=self.checkpoints)
        rows = self._query(statement, (position,))
        if not rows:
            return None
        return _checkpoint(self._values(rows[0]))

    def checkpoints_list(self, newest: int | None = None) -> list[Checkpoint]:
        """The signed checkpoints in order of position (only the newest few, if asked)."""
        statement = SQL(
            "SELECT position, hash, signed_at, public_key, signature, heads FROM {checkpoints} "
            "ORDER BY position DESC" + ("" if newest is None else f" LIMIT {int(newest)}")
        ).format(checkpoints=self.checkpoints)
        found = [_checkpoint(self._values(row)) for row in self._query(statement)]
        return found[::-1]

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint; one already stored for the same position stays."""
        conflict = "ON CONFLICT (position) DO NOTHING"
        statement = SQL(
            "INSERT INTO {checkpoints} (position, hash, signed_at, public_key, signature, heads) "
            "VALUES (%s, %s, %s, %s, %s, %s) " + conflict
        ).format(checkpoints=self.checkpoints)
        self._query(
            statement,
            (
                checkpoint.position,
                checkpoint.hash,
                checkpoint.signed_at,
                checkpoint.public_key,
                checkpoint.signature,
                checkpoint.heads,
            ),
            commit=True,
        )
