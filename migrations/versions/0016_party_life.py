"""Regular organizational life as a read model: each branch's and committee's life
(``party_life``) and the programmes districts and committees set for a year
(``life_programme``), written by the progress projection's worker.

A branch's life was recorded before these tables existed, so the progress projection is
refilled from the log: its rows are emptied, its position goes back to the start and its
generation moves on (stored shared views are forgotten), and the worker refills them.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
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
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE party_life (life_id {code}, owner_id {code}, owner_kind {code},"
        f" district_id {code}, history TEXT, PRIMARY KEY (life_id))"
    )
    op.execute("CREATE INDEX ix_party_life__owner_id ON party_life (owner_id)")
    op.execute(
        f"CREATE TABLE life_programme (programme_id {code}, scope_kind {code}, scope_id {code},"
        f" district_id {code}, year INTEGER, versions TEXT, PRIMARY KEY (programme_id))"
    )
    op.execute(
        "CREATE INDEX ix_life_programme__district_id_year ON life_programme (district_id, year)"
    )
    _refill()


def downgrade() -> None:
    op.execute("DROP TABLE life_programme")
    op.execute("DROP TABLE party_life")
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
