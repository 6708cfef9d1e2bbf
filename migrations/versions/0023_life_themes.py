"""The upper level's themes of the month (the "1" of a themed party day): ``life_theme``,
one row per theme, written by the progress projection's worker.

No event of a theme was stored before this table, and a themed day's record names a theme
only from this revision on, so nothing is refilled.

Revision ID: 0023
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE life_theme (theme_id {code}, scope_kind {code}, scope_id {code},"
        f" district_id {code}, year INTEGER, month {code}, history TEXT,"
        " PRIMARY KEY (theme_id))"
    )
    op.execute("CREATE INDEX ix_life_theme__district_id_year ON life_theme (district_id, year)")


def downgrade() -> None:
    op.execute("DROP TABLE life_theme")
