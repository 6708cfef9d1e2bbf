"""Ids, keys, vocabulary values and ISO dates of the read models compared byte by byte.

On PostgreSQL these columns were text in the database's default collation, so every
index build, primary-key lookup and sort on them went through the locale's comparison:
a rebuild of a million events spent about 4 s more of PostgreSQL's CPU on it, and the
order could differ from SQLite's and Python's. This revision collates them "C" (see
``taizhang.projections.schema.CODE``); names and other human text keep the database's collation.
SQLite already compares text byte by byte: nothing to do there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# The code columns of the read models as they stood at this revision.
CODE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("view_committee", ("committee_id", "district_id", "kind")),
    ("view_branch", ("branch_id", "district_id", "committee_id", "level", "formation", "category")),
    ("view_group_scope", ("group_id", "scope_kind", "scope_id", "district_id", "kind")),
    ("view_campaign", ("campaign_id", "district_id", "starts_on", "ends_on")),
    (
        "branch_progress",
        (
            "campaign_id",
            "branch_id",
            "district_id",
            "committee_id",
            "category",
            "formation",
            "last_activity_on",
            "problem_activity_on",
            "all_phases_done_on",
        ),
    ),
    (
        "branch_phase",
        ("campaign_id", "branch_id", "phase_key", "started_on", "done_on", "deadline"),
    ),
    (
        "problem_ledger",
        (
            "problem_id",
            "campaign_id",
            "branch_id",
            "category",
            "deadline",
            "listed_on",
            "status",
            "rectified_on",
            "verified_on",
        ),
    ),
    ("problem_counts", ("campaign_id", "branch_id", "deadline")),
    (
        "branch_timeline",
        (
            "branch_id",
            "campaign_id",
            "aggregate_kind",
            "aggregate_id",
            "event_id",
            "type",
            "occurred_on",
            "recorded_at",
            "client_event_id",
            "corrected_by",
            "withdrawn_by",
        ),
    ),
    ("timeline_owner", ("aggregate_id", "branch_id", "campaign_id", "created_by")),
)


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in CODE_COLUMNS:
        changes = ", ".join(
            f'ALTER COLUMN {column} TYPE TEXT COLLATE "{collation}"' for column in columns
        )
        op.execute(f"ALTER TABLE {table} {changes}")


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
