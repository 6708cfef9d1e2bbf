"""Ids, keys, vocabulary values and ISO dates of the read models compared byte by byte.

On PostgreSQL these columns were text in the database's default collation, so every
index build, primary-key lookup and sort on them went through the locale's comparison:
a rebuild of a million events spent about 4 s more of PostgreSQL's CPU on it, and the
order could differ from SQLite's and Python's. This revision collates them "C" (see
``projections.schema.CODE``); names and other human text keep the database's collation.
SQLite already compares text byte by byte: nothing to do there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from projections.schema import TABLES

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        changes = ", ".join(
            f'ALTER COLUMN {column} TYPE TEXT COLLATE "{collation}"'
            for column in table.code_columns
        )
        if changes:
            op.execute(f"ALTER TABLE {table.name} {changes}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
