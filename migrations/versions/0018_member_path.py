"""Member development (发展党员) as a read model: the progress projection's ``member_path``
table, one row per person with their steps, and ``development_plan``, a committee's yearly
plan with its revisions, written by the projection worker.

People's events were stored before this table existed, so the progress projection is
refilled from the log: its rows are emptied, its position goes back to the start and its
generation moves on (stored shared views are forgotten), and the worker refills them.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
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
    "party_life",
    "life_programme",
)


def upgrade() -> None:
    code = 'TEXT COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else "TEXT"
    op.execute(
        f"CREATE TABLE member_path (candidate_id {code}, branch_id {code}, committee_id {code},"
        f" applied_on {code}, erased INTEGER, history TEXT, PRIMARY KEY (candidate_id))"
    )
    op.execute("CREATE INDEX ix_member_path__branch_id ON member_path (branch_id)")
    op.execute("CREATE INDEX ix_member_path__committee_id ON member_path (committee_id)")
    op.execute(
        f"CREATE TABLE development_plan (plan_id {code}, committee_id {code}, year INTEGER,"
        " history TEXT, PRIMARY KEY (plan_id))"
    )
    op.execute(
        "CREATE INDEX ix_development_plan__committee_id_year"
        " ON development_plan (committee_id, year)"
    )
    _refill()


def downgrade() -> None:
    op.execute("DROP TABLE development_plan")
    op.execute("DROP TABLE member_path")
    _refill()


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
