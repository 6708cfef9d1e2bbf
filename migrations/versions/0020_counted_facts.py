"""A branch's counted facts by day: folding a fact costs the same however many the branch has.

A branch's progress row kept every fact it had (``facts``), and each batch that touched the
branch read them all again; the projector's cost per event grew with the branch's history
(ratio 49 from 10 to 10,000 facts). The progress projection now counts most facts in a tally
per day on the row (``branch_progress.days``) and keeps them whole in ``work_fact`` for
corrections (see ``taizhang.projections.fold.tally``). This revision adds the column and the table,
and the projection is refilled from the log: its rows are emptied, its position goes back to
the start and its generation moves on (stored shared views are forgotten), and the worker
refills them.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
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
    "member_path",
    "development_plan",
    "host_org_span",
)


def upgrade() -> None:
    code = 'TEXT COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else "TEXT"
    op.execute("ALTER TABLE branch_progress ADD COLUMN days TEXT")
    op.execute(
        f"CREATE TABLE work_fact (campaign_id {code}, branch_id {code}, event_id {code},"
        " entry TEXT, PRIMARY KEY (campaign_id, branch_id, event_id))"
    )
    _refill()


def downgrade() -> None:
    op.execute("DROP TABLE work_fact")
    op.execute("ALTER TABLE branch_progress DROP COLUMN days")
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
