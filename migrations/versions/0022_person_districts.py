"""Two things the evidence needs:

* ``person_districts``: the districts a person named by pseudonymous id was named in: who
  may erase them over HTTP (a district's office, for the people its district's facts name).
  Pseudonymous ids and district ids only, no personal data; kept after an erasure, so that
  asking again answers the same (taizhang.evidence.personal_data).
* ``heads`` on each signed checkpoints' table: the heads of the token history and the
  accounts' history the checkpoint signs beside the log's (taizhang.evidence.side_heads); null for
  checkpoints signed before, which covered the log alone.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    code = 'TEXT COLLATE "C"' if postgres else "TEXT"
    op.execute(
        f"CREATE TABLE person_districts (person_id {code} NOT NULL,"
        f" district_id {code} NOT NULL, PRIMARY KEY (person_id, district_id))"
    )
    # The service makes a checkpoints' table with its events table when it first starts; one
    # made by this code has the column already.
    for table in _checkpoint_tables(postgres):
        if postgres:
            op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS heads TEXT")
        elif not _has_heads(table):
            op.execute(f"ALTER TABLE {table} ADD COLUMN heads TEXT")


def _has_heads(table: str) -> bool:
    columns = op.get_bind().execute(text(f"PRAGMA table_info({table})")).all()
    return any(column[1] == "heads" for column in columns)


def _checkpoint_tables(postgres: bool) -> list[str]:
    bind = op.get_bind()
    if postgres:
        config = op.get_context().config
        schema = (config.attributes.get("schema") if config else None) or bind.execute(
            text("SELECT current_schema()")
        ).scalar_one()
        rows = bind.execute(
            text(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema = :schema AND table_name LIKE '%\\_checkpoints'"
            ),
            {"schema": schema},
        ).all()
        return [f'"{schema}"."{name}"' for schema, name in rows]
    rows = bind.execute(
        text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_checkpoints' ESCAPE '\\'"
        )
    ).all()
    return [f'"{name}"' for (name,) in rows]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in _checkpoint_tables(postgres):
        op.execute(
            f"ALTER TABLE {table} DROP COLUMN IF EXISTS heads"
            if postgres
            else f"ALTER TABLE {table} DROP COLUMN heads"
        )
    op.execute("DROP TABLE person_districts")
