"""A joint mobilization meeting counts for every branch it names, a deadline binds some of a
phase's milestones, and a visit's suggestions are items to be answered: the progress
projection is refilled from the log, so that the facts its rows keep carry ``joint_with``
and what the items need, its phase spans the day what the deadline binds was reached
(``phase_span.due_on``), and each item has its spans (``suggestion_span``).

The tables keep their shapes; their rows are emptied, the projection's position goes back to
the start and its generation moves on (stored shared views are forgotten), and the worker
refills them.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PROGRESS_TABLES = (
    "view_committee",
    "view_branch",
    "view_group_scope",
    "view_campaign",
    "branch_progress",
    "problem_ledger",
    "progress_span",
    "phase_span",
    "problem_count_span",
    "problem_span",
    "suggestion_span",
)


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"ALTER TABLE phase_span ADD COLUMN due_on TEXT{collate}")
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE suggestion_span (campaign_id {code}, branch_id {code}, item_id {code},"
        f" from_on {code}, until_on {code}, group_id {code}, text TEXT, made_on {code},"
        f" answered_on {code}, closed_on {code}, referred_on {code},"
        " PRIMARY KEY (campaign_id, branch_id, item_id, from_on))"
    )
    op.execute(
        "CREATE INDEX ix_suggestion_span__campaign_id_from_on"
        " ON suggestion_span (campaign_id, from_on)"
    )
    _refill()


def downgrade() -> None:
    _refill()
    op.execute("ALTER TABLE phase_span DROP COLUMN due_on")
    op.execute("DROP TABLE suggestion_span")


def _refill() -> None:
    for table in PROGRESS_TABLES:
        op.execute(f"DELETE FROM {table}")
    op.execute(
        "UPDATE projection_position SET generation = generation + 1 "
        "WHERE name = 'progress' AND position > 0"
    )
    op.execute("UPDATE projection_position SET position = 0 WHERE name = 'progress'")
    op.execute("DELETE FROM dead_letters WHERE projection = 'progress'")
    op.execute("DELETE FROM view_cache")
