"""The districts a person named by pseudonymous id was named in: who may erase them over
HTTP (a district's office, for the people its district's facts name). Pseudonymous ids and
district ids only, no personal data; kept after an erasure, so that asking again answers the
same (taizhang.personal_data).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    code = 'TEXT COLLATE "C"' if postgres else "TEXT"
    op.execute(
        f"CREATE TABLE person_districts (person_id {code} NOT NULL,"
        f" district_id {code} NOT NULL, PRIMARY KEY (person_id, district_id))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE person_districts")
