"""API tokens: who may call the HTTP API, in which role and scope.

Only a sha256 of each token is kept: a stolen copy of the database does not let anyone
call the API. Text columns only, so the same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE api_tokens ("
        " id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " role TEXT NOT NULL,"
        " source TEXT NOT NULL,"
        " district_id TEXT,"
        " group_id TEXT,"
        " committee_ids TEXT NOT NULL DEFAULT '[]',"
        " branch_ids TEXT NOT NULL DEFAULT '[]',"
        " token_hash TEXT NOT NULL UNIQUE,"
        " created_at TEXT NOT NULL,"
        " revoked_at TEXT"
        ")"
    )


def downgrade() -> None:
    op.execute("DROP TABLE api_tokens")
