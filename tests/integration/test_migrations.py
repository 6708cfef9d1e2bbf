"""Migrations are frozen: an empty database taken step by step to the head has exactly the
read models the code defines (``taizhang.projections.schema``), on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import psycopg
from alembic import command
from alembic.script import ScriptDirectory

from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.migrate import alembic_config
from taizhang.projections.schema import CODE, TABLES


def _columns(settings: Settings) -> dict[str, dict[str, str | None]]:
    """Each table's columns, with their collation (PostgreSQL; None on SQLite)."""
    found: dict[str, dict[str, str | None]] = {}
    if settings.is_postgres:
        schema = settings.postgres_params().schema or "public"
        with psycopg.connect(settings.psycopg_conninfo()) as conn:
            rows = conn.execute(
                "SELECT table_name, column_name, collation_name FROM information_schema.columns "
                "WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        for table, column, collation in rows:
            found.setdefault(table, {})[column] = collation
        return found
    conn = sqlite3.connect(settings.sqlite_path())
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            found[table] = {r[1]: None for r in conn.execute(f"PRAGMA table_info({table})")}
    finally:
        conn.close()
    return found


def test_step_by_step_to_the_head_gives_the_models(settings: Settings) -> None:
    Ledger(settings, migrating=True).close()  # the library's event tables, as `migrate` does
    config = alembic_config(settings)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    for revision in reversed(revisions):  # oldest first
        command.upgrade(config, revision)
    columns = _columns(settings)
    for table in TABLES:
        assert table.name in columns, table.name
        assert set(columns[table.name]) == set(table.column_names), table.name
        if settings.is_postgres:
            for name, kind in table.columns:
                assert columns[table.name][name] == ("C" if kind == CODE else None), (
                    table.name,
                    name,
                )
    # And back to the start and up again: every step can be undone.
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    assert {t.name for t in TABLES} <= set(_columns(settings))
