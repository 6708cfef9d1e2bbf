"""People named in the campaign's facts by pseudonymous id, and the token history chained.

People named in the campaign's facts by pseudonymous id, their names sealed: a problem's
rows keep the responsible person's id (``responsible_person``) and their sealed name
(``responsible_person_name``) side by side, and the progress projection is refilled from
the log, so that problems listed before (their names in clear, no id) read as the upcast
gives them.

The tables keep their shapes but one column each; their rows are emptied, the projection's
position goes back to the start and its generation moves on (stored shared views are
forgotten), and the worker refills them.

The token history (``api_token_events``, revision 0009) gets a ``link`` column: each row's
link is sha256 over the previous row's link and its own values (taizhang.evidence.token_chain),
computed here for the rows recorded before, in position order, with the table's refusal of
updates lifted for that alone.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import hashlib
import json

from alembic import op
from sqlalchemy import text

revision = "0021"
down_revision = "0020"
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
    "work_fact",
)


# Frozen from taizhang.evidence.token_chain.
TOKEN_FIELDS = ("recorded_at", "action", "token_id", "token_name", "role", "actor", "reason")
AUDIT_REFUSAL = "api_token_events is append-only: token history is never changed"


def upgrade() -> None:
    for table in ("problem_ledger", "problem_span"):
        op.execute(f"ALTER TABLE {table} ADD COLUMN responsible_person_name TEXT")
    _refill()
    _chain_token_history()


def downgrade() -> None:
    _refill()
    for table in ("problem_ledger", "problem_span"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN responsible_person_name")
    op.execute("ALTER TABLE api_token_events DROP COLUMN link")


def _link(previous: bytes, row: dict[str, str]) -> bytes:
    values = json.dumps([row[f] for f in TOKEN_FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(previous + values.encode("utf-8")).digest()


def _chain_token_history() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.execute(f"ALTER TABLE api_token_events ADD COLUMN link {'BYTEA' if postgres else 'BLOB'}")
    rows = bind.execute(
        text(f"SELECT position, {', '.join(TOKEN_FIELDS)} FROM api_token_events ORDER BY position")
    ).mappings()
    links = []
    previous = bytes(32)
    for row in rows:
        previous = _link(previous, dict(row))
        links.append({"position": row["position"], "link": previous})
    if not links:
        return
    if postgres:
        op.execute("ALTER TABLE api_token_events DISABLE TRIGGER refuse_token_audit_change")
    else:
        op.execute("DROP TRIGGER api_token_events_refuse_update")
    bind.execute(text("UPDATE api_token_events SET link = :link WHERE position = :position"), links)
    if postgres:
        op.execute("ALTER TABLE api_token_events ENABLE TRIGGER refuse_token_audit_change")
    else:
        op.execute(
            "CREATE TRIGGER api_token_events_refuse_update BEFORE UPDATE ON api_token_events "
            f"BEGIN SELECT RAISE(ABORT, 'UPDATE refused: {AUDIT_REFUSAL}'); END"
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
