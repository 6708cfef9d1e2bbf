"""People named in the campaign's facts by pseudonymous id, their names sealed: a problem's
rows keep the responsible person's id (``responsible_person``) and their sealed name
(``responsible_person_name``) side by side, and the progress projection is refilled from
the log, so that problems listed before (their names in clear, no id) read as the upcast
gives them.

The tables keep their shapes but one column each; their rows are emptied, the projection's
position goes back to the start and its generation moves on (stored shared views are
forgotten), and the worker refills them.

Revision ID: 0021
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0015"
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
    "grading_round",
    "grading_entry",
    "yearly_review",
    "yearly_entry",
    "view_host_org",
)


def upgrade() -> None:
    for table in ("problem_ledger", "problem_span"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN responsible_person_name TEXT")
    _refill()


def downgrade() -> None:
    _refill()
    for table in ("problem_ledger", "problem_span"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN responsible_person_name")


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
