"""Grading rounds (分类定级) and upgrading (晋位升级), and yearly reviews (年度考核, funds and
venues): the progress projection's tables of rounds and reviews, and of each branch's entry
in one.

No event of a round or review was stored before these tables existed, so the projection's
position stays where it is: the worker fills them from the events that follow.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    code = f"TEXT{collate}"
    op.execute(
        f"CREATE TABLE grading_round (round_id {code}, district_id {code}, committee_id {code},"
        f" name TEXT, year INTEGER, starts_on {code}, ends_on {code}, defined_on {code},"
        " criteria TEXT, PRIMARY KEY (round_id))"
    )
    op.execute("CREATE INDEX ix_grading_round__district_id ON grading_round (district_id)")
    op.execute(
        f"CREATE TABLE grading_entry (round_id {code}, branch_id {code}, district_id {code},"
        " history TEXT, PRIMARY KEY (round_id, branch_id))"
    )
    op.execute(
        f"CREATE TABLE yearly_review (review_id {code}, district_id {code}, committee_id {code},"
        f" year INTEGER, name TEXT, opened_on {code}, PRIMARY KEY (review_id))"
    )
    op.execute("CREATE INDEX ix_yearly_review__district_id ON yearly_review (district_id)")
    op.execute(
        f"CREATE TABLE yearly_entry (review_id {code}, branch_id {code}, district_id {code},"
        " history TEXT, PRIMARY KEY (review_id, branch_id))"
    )
    op.execute("DELETE FROM view_cache")


def downgrade() -> None:
    op.execute("DROP TABLE yearly_entry")
    op.execute("DROP TABLE yearly_review")
    op.execute("DROP TABLE grading_entry")
    op.execute("DROP TABLE grading_round")
    op.execute("DELETE FROM view_cache")
