"""Computed supervision views shared between server processes
(``taizhang.projections.shared_views``).

One row per view (query and business date): its JSON and the projection positions it
reflects. A gunicorn worker that needs a view first looks here, so a view is computed once
for all workers instead of once per worker. Rows are a cache: deleting any of them at any
time is safe.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    blob = "BYTEA" if op.get_bind().dialect.name == "postgresql" else "BLOB"
    op.execute(
        "CREATE TABLE view_cache ("
        " view_key TEXT PRIMARY KEY,"
        " stamp TEXT NOT NULL,"
        f" body {blob} NOT NULL,"
        " computed_at TEXT NOT NULL"
        ")"
    )


def downgrade() -> None:
    op.execute("DROP TABLE view_cache")
