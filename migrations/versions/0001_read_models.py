"""Read models: branch progress and phases, problem ledger, branch timeline, bookkeeping.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

from projections.schema import BOOKKEEPING, PROJECTIONS, TABLES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Tables that later revisions add, each in its own (a database migrated before them gets
# them there, so this revision must not make them too).
LATER = frozenset({"problem_counts"})  # 0005


def upgrade() -> None:
    # The table shapes live in projections.schema because the rebuild creates fresh copies
    # of the same tables; a later change of shape gets its own revision.
    for table in TABLES:
        if table.name in LATER:
            continue
        for statement in table.create_statements():
            op.execute(statement)
    for statement in BOOKKEEPING:
        op.execute(statement)
    for name in PROJECTIONS:
        op.execute(
            f"INSERT INTO projection_position (name, position, generation) VALUES ('{name}', 0, 0)"
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table.name}")
    op.execute("DROP TABLE IF EXISTS dead_letters")
    op.execute("DROP TABLE IF EXISTS projection_position")
