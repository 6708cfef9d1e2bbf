"""The register of two-new organizations: one row per organization with its dated history
(``view_host_org``), which the coverage views and gap lists read. No earlier event concerns
an organization on the register, so nothing is refilled.

Revision ID: 0013
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE view_host_org (org_id {code}, district_id {code}, name TEXT,"
        " history TEXT, PRIMARY KEY (org_id))"
    )
    op.execute("CREATE INDEX ix_view_host_org__district_id ON view_host_org (district_id)")


def downgrade() -> None:
    op.execute("DROP TABLE view_host_org")
