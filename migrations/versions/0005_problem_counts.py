"""Problem counts by branch and deadline, which the supervision views sum.

A supervision view counted every problem of its scope at each computation, so its cost grew
with the problems listed over the campaign (the 10-minute load run: the largest share of
PostgreSQL's time by its last minutes). The projection now keeps ``problem_counts`` (see
``taizhang.projections.fold.problems.refresh_problem_counts``); this revision creates the table and
fills it from the problem ledger as it stands, with the same rule, so no rebuild is needed.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE problem_counts (campaign_id TEXT, branch_id TEXT, deadline TEXT, "
        "listed INTEGER, rectified INTEGER, unrectified INTEGER, "
        "PRIMARY KEY (campaign_id, branch_id, deadline))"
    )
    op.execute(
        "INSERT INTO problem_counts "
        "(campaign_id, branch_id, deadline, listed, rectified, unrectified) "
        "SELECT campaign_id, branch_id, deadline, COUNT(*), "
        "SUM(CASE WHEN status IN ('done', 'verified') THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN status IN ('listed', 'in_progress') THEN 1 ELSE 0 END) "
        "FROM problem_ledger WHERE withdrawn = 0 GROUP BY campaign_id, branch_id, deadline"
    )


def downgrade() -> None:
    op.execute("DROP TABLE problem_counts")
