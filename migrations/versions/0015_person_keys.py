"""Personal data is sealed under a key per person, kept here and not in the event log: to
erase a person, their key is destroyed and what the log holds of them can no longer be read
(taizhang.evidence.personal_data).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    code = 'TEXT COLLATE "C"' if postgres else "TEXT"
    key = "BYTEA" if postgres else "BLOB"
    op.execute(
        f"CREATE TABLE person_keys (person_id {code} PRIMARY KEY, key {key} NOT NULL,"
        " created_at TEXT NOT NULL)"
    )


def downgrade() -> None:
    op.execute("DROP TABLE person_keys")
