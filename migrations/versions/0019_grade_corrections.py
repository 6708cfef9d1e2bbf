"""Grades corrected and withdrawn, and coverage served from spans.

Each grade in ``grading_entry``'s history now carries its event id, which corrections and
withdrawals name; and ``host_org_span`` keeps each organization on the register as it was
over runs of business days, which the coverage views read for a day with one range query.
Rows kept before lack both, so the progress projection's tables are emptied and refilled from
the log by the worker (its position goes back to the start, its generation moves on, and the
views shared between processes are forgotten).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The progress projection's tables at this revision.
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
    "party_life",
    "life_programme",
    "member_path",
    "development_plan",
)


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


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE host_org_span (org_id {code}, from_on {code}, until_on {code},"
        f" district_id {code}, org TEXT, PRIMARY KEY (org_id, from_on))"
    )
    op.execute(
        "CREATE INDEX ix_host_org_span__district_id_from_on ON host_org_span (district_id, from_on)"
    )
    _refill()


def downgrade() -> None:
    op.execute("DROP TABLE host_org_span")
    # The older folds read the rows this revision's folds write (an event id more in a
    # grade's values), so they too are refilled from the log.
    _refill()
