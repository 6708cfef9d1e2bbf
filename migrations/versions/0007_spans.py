"""Views as of any business date: the progress projection keeps spans.

Every figure of a view as of a day D is now read from rows that hold over a range of
business days (``progress_span``, ``phase_span``, ``problem_count_span``, ``problem_span``;
see ``taizhang.projections.fold.spans``), and the rows the folds keep carry the business dates of
corrections, withdrawals, enrolments, branch changes and problem revisions. The progress
projection's tables are made anew in those shapes and refilled from the log by the
projection worker (its position goes back to the start, its generation moves on, and the
views shared between processes are forgotten).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_TABLES = (
    "view_committee",
    "view_branch",
    "view_group_scope",
    "view_campaign",
    "branch_progress",
    "branch_phase",
    "problem_ledger",
    "problem_counts",
)
# {C}: the collation of code columns (byte order: "C" on PostgreSQL, SQLite's own elsewhere).
STATEMENTS = (
    "CREATE TABLE view_committee (committee_id TEXT{C}, district_id TEXT{C}, name TEXT, kind TEXT{C}, PRIMARY KEY (committee_id))",
    "CREATE INDEX ix_view_committee__district_id ON view_committee (district_id)",
    "CREATE TABLE view_branch (branch_id TEXT{C}, district_id TEXT{C}, committee_id TEXT{C}, name TEXT, level TEXT{C}, formation TEXT{C}, host_name TEXT, category TEXT{C}, rectification_target INTEGER, reorganized INTEGER, history TEXT, PRIMARY KEY (branch_id))",
    "CREATE INDEX ix_view_branch__committee_id ON view_branch (committee_id)",
    "CREATE TABLE view_group_scope (group_id TEXT{C}, scope_kind TEXT{C}, scope_id TEXT{C}, district_id TEXT{C}, name TEXT, kind TEXT{C}, PRIMARY KEY (group_id, scope_kind, scope_id))",
    "CREATE TABLE view_campaign (campaign_id TEXT{C}, district_id TEXT{C}, name TEXT, starts_on TEXT{C}, ends_on TEXT{C}, phases TEXT, PRIMARY KEY (campaign_id))",
    "CREATE TABLE branch_progress (campaign_id TEXT{C}, branch_id TEXT{C}, enrolled INTEGER, district_id TEXT{C}, committee_id TEXT{C}, category TEXT{C}, formation TEXT{C}, branch_name TEXT, rectification_target INTEGER, reorganized INTEGER, meetings INTEGER, study_days TEXT, opinions_collected INTEGER, work_systems INTEGER, volunteer_teams INTEGER, commitments_made INTEGER, commitments_fulfilled INTEGER, optional_actions INTEGER, supervision_visits INTEGER, last_activity_on TEXT{C}, problem_activity_on TEXT{C}, all_phases_done_on TEXT{C}, milestones TEXT, facts TEXT, problems TEXT, enrolments TEXT, PRIMARY KEY (campaign_id, branch_id))",
    "CREATE INDEX ix_branch_progress__campaign_id_committee_id ON branch_progress (campaign_id, committee_id)",
    "CREATE INDEX ix_branch_progress__campaign_id_district_id ON branch_progress (campaign_id, district_id)",
    "CREATE INDEX ix_branch_progress__branch_id ON branch_progress (branch_id)",
    "CREATE TABLE problem_ledger (problem_id TEXT{C}, campaign_id TEXT{C}, branch_id TEXT{C}, category TEXT{C}, description TEXT, measures TEXT, responsible_person TEXT, deadline TEXT{C}, listed_on TEXT{C}, status TEXT{C}, rectified_on TEXT{C}, verified_on TEXT{C}, verifier TEXT, verification_passed INTEGER, percent_done INTEGER, withdrawn INTEGER, withdrawn_on TEXT{C}, facts TEXT, revisions TEXT, PRIMARY KEY (problem_id))",
    "CREATE INDEX ix_problem_ledger__campaign_id_branch_id ON problem_ledger (campaign_id, branch_id)",
    "CREATE TABLE progress_span (campaign_id TEXT{C}, branch_id TEXT{C}, from_on TEXT{C}, until_on TEXT{C}, enrolled INTEGER, withdrawn_on TEXT{C}, district_id TEXT{C}, committee_id TEXT{C}, category TEXT{C}, formation TEXT{C}, enterprises_covered INTEGER, branch_name TEXT, rectification_target INTEGER, reorganized INTEGER, meetings INTEGER, study_days TEXT, opinions_collected INTEGER, work_systems INTEGER, volunteer_teams INTEGER, commitments_made INTEGER, commitments_fulfilled INTEGER, optional_actions INTEGER, supervision_visits INTEGER, last_activity_on TEXT{C}, all_phases_done_on TEXT{C}, milestones TEXT, PRIMARY KEY (campaign_id, branch_id, from_on))",
    "CREATE INDEX ix_progress_span__campaign_id_from_on ON progress_span (campaign_id, from_on)",
    "CREATE INDEX ix_progress_span__branch_id ON progress_span (branch_id)",
    "CREATE TABLE phase_span (campaign_id TEXT{C}, branch_id TEXT{C}, phase_key TEXT{C}, from_on TEXT{C}, until_on TEXT{C}, started_on TEXT{C}, done_on TEXT{C}, PRIMARY KEY (campaign_id, branch_id, phase_key, from_on))",
    "CREATE INDEX ix_phase_span__campaign_id_from_on ON phase_span (campaign_id, from_on)",
    "CREATE TABLE problem_count_span (campaign_id TEXT{C}, branch_id TEXT{C}, deadline TEXT{C}, from_on TEXT{C}, until_on TEXT{C}, listed INTEGER, rectified INTEGER, unrectified INTEGER, PRIMARY KEY (campaign_id, branch_id, deadline, from_on))",
    "CREATE INDEX ix_problem_count_span__campaign_id_from_on ON problem_count_span (campaign_id, from_on)",
    "CREATE TABLE problem_span (problem_id TEXT{C}, from_on TEXT{C}, until_on TEXT{C}, campaign_id TEXT{C}, branch_id TEXT{C}, category TEXT{C}, description TEXT, measures TEXT, responsible_person TEXT, deadline TEXT{C}, listed_on TEXT{C}, status TEXT{C}, rectified_on TEXT{C}, verified_on TEXT{C}, verifier TEXT, verification_passed INTEGER, percent_done INTEGER, PRIMARY KEY (problem_id, from_on))",
    "CREATE INDEX ix_problem_span__campaign_id_branch_id ON problem_span (campaign_id, branch_id)",
)


NEW_TABLES = tuple(
    statement.split()[2] for statement in STATEMENTS if statement.startswith("CREATE TABLE")
)


def upgrade() -> None:
    _remake(OLD_TABLES, STATEMENTS)


# The shapes before this revision (0001, 0005, collated by 0006), for a downgrade.
OLD_STATEMENTS = (
    "CREATE TABLE view_committee (committee_id TEXT{C}, district_id TEXT{C}, name TEXT, kind TEXT{C}, PRIMARY KEY (committee_id))",
    "CREATE INDEX ix_view_committee__district_id ON view_committee (district_id)",
    "CREATE TABLE view_branch (branch_id TEXT{C}, district_id TEXT{C}, committee_id TEXT{C}, name TEXT, level TEXT{C}, formation TEXT{C}, host_name TEXT, category TEXT{C}, rectification_target INTEGER, reorganized INTEGER, PRIMARY KEY (branch_id))",
    "CREATE INDEX ix_view_branch__committee_id ON view_branch (committee_id)",
    "CREATE TABLE view_group_scope (group_id TEXT{C}, scope_kind TEXT{C}, scope_id TEXT{C}, district_id TEXT{C}, name TEXT, kind TEXT{C}, PRIMARY KEY (group_id, scope_kind, scope_id))",
    "CREATE TABLE view_campaign (campaign_id TEXT{C}, district_id TEXT{C}, name TEXT, starts_on TEXT{C}, ends_on TEXT{C}, phases TEXT, PRIMARY KEY (campaign_id))",
    "CREATE TABLE branch_progress (campaign_id TEXT{C}, branch_id TEXT{C}, enrolled INTEGER, district_id TEXT{C}, committee_id TEXT{C}, category TEXT{C}, formation TEXT{C}, branch_name TEXT, rectification_target INTEGER, reorganized INTEGER, meetings INTEGER, study_days TEXT, opinions_collected INTEGER, work_systems INTEGER, volunteer_teams INTEGER, commitments_made INTEGER, commitments_fulfilled INTEGER, optional_actions INTEGER, supervision_visits INTEGER, last_activity_on TEXT{C}, problem_activity_on TEXT{C}, all_phases_done_on TEXT{C}, milestones TEXT, facts TEXT, problems TEXT, PRIMARY KEY (campaign_id, branch_id))",
    "CREATE INDEX ix_branch_progress__campaign_id_committee_id ON branch_progress (campaign_id, committee_id)",
    "CREATE INDEX ix_branch_progress__campaign_id_district_id ON branch_progress (campaign_id, district_id)",
    "CREATE INDEX ix_branch_progress__branch_id ON branch_progress (branch_id)",
    "CREATE TABLE branch_phase (campaign_id TEXT{C}, branch_id TEXT{C}, phase_key TEXT{C}, phase_order INTEGER, started_on TEXT{C}, done_on TEXT{C}, deadline TEXT{C}, PRIMARY KEY (campaign_id, branch_id, phase_key))",
    "CREATE INDEX ix_branch_phase__campaign_id_phase_key ON branch_phase (campaign_id, phase_key)",
    "CREATE TABLE problem_ledger (problem_id TEXT{C}, campaign_id TEXT{C}, branch_id TEXT{C}, category TEXT{C}, description TEXT, measures TEXT, responsible_person TEXT, deadline TEXT{C}, listed_on TEXT{C}, status TEXT{C}, rectified_on TEXT{C}, verified_on TEXT{C}, verifier TEXT, verification_passed INTEGER, percent_done INTEGER, withdrawn INTEGER, facts TEXT, PRIMARY KEY (problem_id))",
    "CREATE INDEX ix_problem_ledger__campaign_id_branch_id ON problem_ledger (campaign_id, branch_id)",
    "CREATE TABLE problem_counts (campaign_id TEXT{C}, branch_id TEXT{C}, deadline TEXT{C}, listed INTEGER, rectified INTEGER, unrectified INTEGER, PRIMARY KEY (campaign_id, branch_id, deadline))",
)


def _remake(drop: tuple[str, ...], statements: tuple[str, ...]) -> None:
    """Make the progress projection's tables anew, empty, for the worker to refill."""
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    for table in drop:
        op.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in statements:
        op.execute(statement.replace("{C}", collate))
    # A database that had views refills them from the log, as a new generation that no
    # stored shared view belongs to.
    op.execute(
        "UPDATE projection_position SET generation = generation + 1 "
        "WHERE name = 'progress' AND position > 0"
    )
    op.execute("UPDATE projection_position SET position = 0 WHERE name = 'progress'")
    op.execute("DELETE FROM dead_letters WHERE projection = 'progress'")
    op.execute("DELETE FROM view_cache")


def downgrade() -> None:
    _remake(NEW_TABLES, OLD_STATEMENTS)
