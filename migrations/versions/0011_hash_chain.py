"""The stored log gets a hash chain and a table of signed checkpoints; the events stored
before them are linked here.

Each event table ``T`` (found by its columns, as in 0003) gets ``T_chain`` (one link per
stored event, keyed by notification id) and ``T_checkpoints`` (signed log heads). The link
of the event at notification id n is

    SHA-256( link(previous) || int8(n) || leaf(n) ), where
    leaf(n) = SHA-256( originator id (16 bytes) || int8(version)
                       || int4(len topic) || topic (UTF-8) || int4(len state) || state )

(32 zero bytes before the first event; big-endian integers; a missing value's length is -1
and it has no bytes). The events that have no link yet are linked in notification-id order,
under the events table's write lock on PostgreSQL. Both tables are append-only as the event
tables are (0003): triggers refuse UPDATE, DELETE and TRUNCATE, and the service role may
only read and insert them.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DEFAULT_OWNER_ROLE = "taizhang_owner"
DEFAULT_SERVICE_ROLE = "taizhang_app"
EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
GENESIS = bytes(32)
PAGE = 5000
REFUSAL = "the hash chain is append-only"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(name: str, what: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what}: {name!r} is not a plain lower-case SQL identifier")
    return f'"{name}"'


def _framed(value: bytes | None) -> bytes:
    return b"\xff\xff\xff\xff" if value is None else len(value).to_bytes(4, "big") + value


def _link(
    previous: bytes, position: int, oid: bytes, version: int, topic: Any, state: Any
) -> bytes:
    leaf = hashlib.sha256(
        oid
        + version.to_bytes(8, "big", signed=True)
        + _framed(None if topic is None else str(topic).encode("utf-8"))
        + _framed(None if state is None else bytes(state))
    ).digest()
    return hashlib.sha256(previous + position.to_bytes(8, "big", signed=True) + leaf).digest()


def _oid_bytes(value: Any) -> bytes:
    return value.bytes if isinstance(value, uuid.UUID) else uuid.UUID(hex=str(value)).bytes


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgres(bind)
    else:
        _upgrade_sqlite(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = _identifier(_schema(bind), "schema")
        for name in _postgres_event_tables(bind, _schema(bind)):
            op.execute(f'DROP TABLE IF EXISTS {schema}."{name}_checkpoints"')
            op.execute(f'DROP TABLE IF EXISTS {schema}."{name}_chain"')
        return
    for name in _sqlite_event_tables(bind):
        op.execute(f'DROP TABLE IF EXISTS "{name}_checkpoints"')
        op.execute(f'DROP TABLE IF EXISTS "{name}_chain"')


def _link_unlinked(bind: Connection, events: str, chain: str, rowid: str, oid: str) -> None:
    """Link the events after the chain's last link, a page at a time."""
    last = bind.execute(
        text(f"SELECT notification_id, hash FROM {chain} ORDER BY notification_id DESC LIMIT 1")
    ).first()
    position, previous = (0, GENESIS) if last is None else (int(last[0]), bytes(last[1]))
    while True:
        rows = bind.execute(
            text(
                f"SELECT {rowid}, {oid}, originator_version, topic, state FROM {events} "
                f"WHERE {rowid} > :after ORDER BY {rowid} LIMIT {PAGE}"
            ),
            {"after": position},
        ).all()
        if not rows:
            return
        links = []
        for row in rows:
            position = int(row[0])
            previous = _link(previous, position, _oid_bytes(row[1]), int(row[2]), row[3], row[4])
            links.append({"n": position, "h": previous})
        bind.execute(text(f"INSERT INTO {chain} (notification_id, hash) VALUES (:n, :h)"), links)


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_event_tables(bind: Connection) -> list[str]:
    names = [
        row[0]
        for row in bind.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        )
    ]
    tables = []
    for name in names:
        columns = {row[1] for row in bind.execute(text(f'PRAGMA table_info("{name}")'))}
        if columns >= EVENT_COLUMNS:
            tables.append(name)
    return tables


def _upgrade_sqlite(bind: Connection) -> None:
    for name in _sqlite_event_tables(bind):
        chain, checkpoints = f"{name}_chain", f"{name}_checkpoints"
        op.execute(
            f'CREATE TABLE IF NOT EXISTS "{chain}" '
            "(notification_id INTEGER PRIMARY KEY, hash BLOB NOT NULL)"
        )
        op.execute(
            f'CREATE TABLE IF NOT EXISTS "{checkpoints}" '
            "(position INTEGER PRIMARY KEY, hash BLOB NOT NULL, signed_at TEXT NOT NULL, "
            "public_key BLOB NOT NULL, signature BLOB NOT NULL)"
        )
        _link_unlinked(bind, f'"{name}"', f'"{chain}"', "rowid", "originator_id")
        for table in (chain, checkpoints):
            for operation in ("update", "delete"):
                op.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "{table}_refuse_{operation}" '
                    f'BEFORE {operation.upper()} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, '{operation.upper()} on {table} refused: "
                    f"{REFUSAL}'); END"
                )


# --- PostgreSQL -----------------------------------------------------------------------------


def _roles() -> tuple[str, str]:
    attributes = op.get_context().config.attributes if op.get_context().config else {}
    owner = attributes.get("owner_role") or DEFAULT_OWNER_ROLE
    service = attributes.get("service_role") or DEFAULT_SERVICE_ROLE
    return _identifier(owner, "owner_role"), _identifier(service, "service_role")


def _schema(bind: Connection) -> str:
    config = op.get_context().config
    schema = (config.attributes.get("schema") if config else None) or bind.execute(
        text("SELECT current_schema()")
    ).scalar_one()
    return str(schema)


def _postgres_event_tables(bind: Connection, schema: str) -> list[str]:
    rows = bind.execute(
        text(
            "SELECT c.table_name FROM information_schema.columns c "
            "JOIN information_schema.tables t "
            "  ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = :schema AND t.table_type = 'BASE TABLE' "
            "  AND c.column_name = ANY(:columns) "
            "GROUP BY c.table_name HAVING count(DISTINCT c.column_name) = :n "
            "ORDER BY c.table_name"
        ),
        {"schema": schema, "columns": sorted(EVENT_COLUMNS), "n": len(EVENT_COLUMNS)},
    )
    return [row[0] for row in rows]


def _upgrade_postgres(bind: Connection) -> None:
    owner, service = _roles()
    schema_name = _schema(bind)
    schema = _identifier(schema_name, "schema")
    has_refusal = bind.execute(
        text(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = :schema AND p.proname = 'taizhang_refuse_event_change'"
        ),
        {"schema": schema_name},
    ).first()
    for name in _postgres_event_tables(bind, schema_name):
        events = f'{schema}."{name}"'
        chain, checkpoints = f'{schema}."{name}_chain"', f'{schema}."{name}_checkpoints"'
        op.execute(
            f"CREATE TABLE IF NOT EXISTS {chain} "
            "(notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
        )
        op.execute(
            f"CREATE TABLE IF NOT EXISTS {checkpoints} "
            "(position bigint PRIMARY KEY, hash bytea NOT NULL, signed_at text NOT NULL, "
            "public_key bytea NOT NULL, signature bytea NOT NULL)"
        )
        # No writer may add events while the earlier ones are linked, and the insert
        # function of the code before the chain goes: a process of that code still running
        # would store events without links. It fails instead, until it is replaced.
        op.execute(f"LOCK TABLE {events} IN EXCLUSIVE MODE")
        for id_type in ("uuid", "text"):
            op.execute(
                f'DROP FUNCTION IF EXISTS {schema}."{name}_record"'
                f"({id_type}[], bigint[], text[], bytea[], text)"
            )
        _link_unlinked(bind, events, chain, "notification_id", "originator_id")
        for table in (chain, checkpoints):
            op.execute(f"ALTER TABLE {table} OWNER TO {owner}")
            op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
            op.execute(f"REVOKE ALL ON {table} FROM {service}")
            op.execute(f"GRANT SELECT, INSERT ON {table} TO {service}")
            if has_refusal:
                op.execute(f"DROP TRIGGER IF EXISTS refuse_event_change ON {table}")
                op.execute(
                    f"CREATE TRIGGER refuse_event_change BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {schema}.taizhang_refuse_event_change()"
                )
                op.execute(f"DROP TRIGGER IF EXISTS refuse_event_truncate ON {table}")
                op.execute(
                    f"CREATE TRIGGER refuse_event_truncate BEFORE TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {schema}.taizhang_refuse_event_change()"
                )
