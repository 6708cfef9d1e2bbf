"""The database defends the event log: append-only triggers, an owner role and a service role.

Events are never changed or deleted (DOMAIN.md, "Mistakes"): a wrong entry is corrected by a new
event. This migration makes the database refuse anything else, whoever asks.

PostgreSQL
    * roles ``taizhang_owner`` (NOLOGIN, owns the event tables) and ``taizhang_app`` (LOGIN, what
      the service connects as). Roles are cluster-wide, so they are created only if missing and a
      concurrent creator is tolerated. Other names: alembic config attributes ``owner_role`` and
      ``service_role``.
    * the service role may SELECT and INSERT the event tables, read and write every other table
      (the read models, tokens), and read ``alembic_version``. It also holds table-level UPDATE
      on the event tables, only because the library takes ``LOCK TABLE … IN EXCLUSIVE MODE``
      before each insert and PostgreSQL demands UPDATE, DELETE or TRUNCATE for that lock; the
      trigger below refuses every UPDATE. DELETE and TRUNCATE it is never granted.
    * triggers on the event tables refuse UPDATE and DELETE (row level) and TRUNCATE (statement
      level) for every role, superusers included. Lifting them is a deliberate owner action
      (``SET ROLE taizhang_owner; ALTER TABLE … DISABLE TRIGGER …``), see ops/README.md.

SQLite
    * ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers that ``RAISE(ABORT, …)``. SQLite has no
      TRUNCATE, and a trigger also switches off its ``DELETE FROM t`` truncate shortcut.

Event tables are found by their columns (originator_id, originator_version, topic, state), so
the Ledger's table (``ledger_events`` on PostgreSQL, ``stored_events`` on SQLite) is covered
whatever it is named.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEFAULT_OWNER_ROLE = "taizhang_owner"
DEFAULT_SERVICE_ROLE = "taizhang_app"
EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
REFUSAL = "the event log is append-only: events are never changed or deleted"
REFUSAL_HINT = "post a FactCorrected or FactWithdrawn event instead"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(name: str, what: str) -> str:
    # Role and schema names are spliced into DDL, so only plain lower-case identifiers pass.
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what}: {name!r} is not a plain lower-case SQL identifier")
    return f'"{name}"'


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgres(bind)
    else:
        _upgrade_sqlite(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _downgrade_postgres(bind)
    else:
        for table in _sqlite_event_tables(bind):
            op.execute(f'DROP TRIGGER IF EXISTS "{table}_refuse_update"')
            op.execute(f'DROP TRIGGER IF EXISTS "{table}_refuse_delete"')


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
    message = f"{REFUSAL} ({REFUSAL_HINT})"
    for table in _sqlite_event_tables(bind):
        for operation in ("update", "delete"):
            op.execute(
                f'CREATE TRIGGER IF NOT EXISTS "{table}_refuse_{operation}" '
                f'BEFORE {operation.upper()} ON "{table}" '
                f"BEGIN SELECT RAISE(ABORT, '{operation.upper()} on {table} refused: "
                f"{message}'); END"
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


def _other_tables(bind: Connection, schema: str, event_tables: list[str]) -> list[str]:
    rows = bind.execute(
        text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_type = 'BASE TABLE' ORDER BY table_name"
        ),
        {"schema": schema},
    )
    return [row[0] for row in rows if row[0] not in event_tables and row[0] != "alembic_version"]


def _create_role(role: str, options: str) -> None:
    # Several databases or schemas may run this migration at once; the role is shared by all,
    # so losing the race to create it is fine.
    name = role.strip('"')
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{name}') THEN
                BEGIN
                    CREATE ROLE {role} {options};
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;
                END;
            END IF;
        END
        $$
        """
    )


def _upgrade_postgres(bind: Connection) -> None:
    owner, service = _roles()
    schema_name = _schema(bind)
    schema = _identifier(schema_name, "schema")
    _create_role(owner, "NOLOGIN")
    _create_role(service, "LOGIN")
    # A migrator that is not a superuser needs the owner role to hand the tables over and to
    # run the library's CREATE … IF NOT EXISTS statements again on the next migrate.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
               AND NOT pg_has_role(current_user, '{owner.strip('"')}', 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', '{owner.strip('"')}', current_user);
            END IF;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {owner}, {service}")
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {schema}.taizhang_refuse_event_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% on %.% refused: {REFUSAL}', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege', HINT = '{REFUSAL_HINT}';
        END
        $$
        """
    )
    event_tables = _postgres_event_tables(bind, schema_name)
    for name in event_tables:
        table = f'{schema}."{name}"'
        op.execute(f"ALTER TABLE {table} OWNER TO {owner}")
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"REVOKE ALL ON {table} FROM {service}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {service}")
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
    for name in _other_tables(bind, schema_name, event_tables):
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {schema}."{name}" TO {service}')
    if bind.execute(
        text(
            "SELECT 1 FROM information_schema.tables "
            "WHERE table_schema = :schema AND table_name = 'alembic_version'"
        ),
        {"schema": schema_name},
    ).first():
        op.execute(f"GRANT SELECT ON {schema}.alembic_version TO {service}")
    # Sequences: notification ids of the event tables, serial keys of read models.
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {service}")
    # Tables later migrations add are read models too.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {service}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {service}"
    )


def _downgrade_postgres(bind: Connection) -> None:
    owner, service = _roles()
    schema_name = _schema(bind)
    schema = _identifier(schema_name, "schema")
    event_tables = _postgres_event_tables(bind, schema_name)
    for name in event_tables:
        table = f'{schema}."{name}"'
        op.execute(f"DROP TRIGGER IF EXISTS refuse_event_change ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS refuse_event_truncate ON {table}")
        op.execute(f"ALTER TABLE {table} OWNER TO CURRENT_USER")
    op.execute(f"DROP FUNCTION IF EXISTS {schema}.taizhang_refuse_event_change()")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {service}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {service}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {service}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {service}")
    op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {owner}, {service}")
    # The roles stay: they are cluster-wide and other databases may still use them.
