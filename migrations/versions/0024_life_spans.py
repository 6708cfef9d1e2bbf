"""Each branch's standing in regular organizational life on every business day
(``life_span``), written by the progress projection's worker beside ``party_life``: per
branch and year, runs of days over which its committee, the programme in force and its
periods' counts by status stay the same. The progress projection is refilled from the log.

Revision ID: 0024
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Frozen: the progress projection's tables as of this revision.
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
    "work_fact",
    "life_theme",
    "life_span",
)


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE life_span (owner_id {code}, year INTEGER, from_on {code},"
        f" until_on {code}, district_id {code}, committee_id {code}, upcoming INTEGER,"
        " due INTEGER, done INTEGER, overdue INTEGER, late INTEGER, duties TEXT,"
        " PRIMARY KEY (owner_id, year, from_on))"
    )
    # Covers the district's ranking: its sums read the index alone.
    op.execute(
        "CREATE INDEX ix_life_span__district_id_499c76e1 ON life_span (district_id, year,"
        " from_on, until_on, committee_id, due, done, overdue, late)"
    )
    _refill()


def downgrade() -> None:
    _refill()
    op.execute("DROP TABLE life_span")


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
