"""Read models: branch progress and phases, problem ledger, branch timeline, bookkeeping.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# The read models as this revision made them: later shapes get revisions of their own, so this
# text never follows taizhang.projections.schema.
BOOKKEEPING = (
    "CREATE TABLE projection_position (name TEXT PRIMARY KEY, position BIGINT NOT NULL, generation INTEGER NOT NULL)",
    "CREATE TABLE dead_letters (projection TEXT NOT NULL, position BIGINT NOT NULL, event_type TEXT, error TEXT, recorded_at TEXT, PRIMARY KEY (projection, position))",
)
STATEMENTS = (
    "CREATE TABLE view_committee (committee_id TEXT, district_id TEXT, name TEXT, kind TEXT, PRIMARY KEY (committee_id))",
    "CREATE INDEX ix_view_committee__district_id ON view_committee (district_id)",
    "CREATE TABLE view_branch (branch_id TEXT, district_id TEXT, committee_id TEXT, name TEXT, level TEXT, formation TEXT, host_name TEXT, category TEXT, rectification_target INTEGER, reorganized INTEGER, PRIMARY KEY (branch_id))",
    "CREATE INDEX ix_view_branch__committee_id ON view_branch (committee_id)",
    "CREATE TABLE view_group_scope (group_id TEXT, scope_kind TEXT, scope_id TEXT, district_id TEXT, name TEXT, kind TEXT, PRIMARY KEY (group_id, scope_kind, scope_id))",
    "CREATE TABLE view_campaign (campaign_id TEXT, district_id TEXT, name TEXT, starts_on TEXT, ends_on TEXT, phases TEXT, PRIMARY KEY (campaign_id))",
    "CREATE TABLE branch_progress (campaign_id TEXT, branch_id TEXT, enrolled INTEGER, district_id TEXT, committee_id TEXT, category TEXT, formation TEXT, branch_name TEXT, rectification_target INTEGER, reorganized INTEGER, meetings INTEGER, study_days TEXT, opinions_collected INTEGER, work_systems INTEGER, volunteer_teams INTEGER, commitments_made INTEGER, commitments_fulfilled INTEGER, optional_actions INTEGER, supervision_visits INTEGER, last_activity_on TEXT, problem_activity_on TEXT, all_phases_done_on TEXT, milestones TEXT, facts TEXT, problems TEXT, PRIMARY KEY (campaign_id, branch_id))",
    "CREATE INDEX ix_branch_progress__campaign_id_committee_id ON branch_progress (campaign_id, committee_id)",
    "CREATE INDEX ix_branch_progress__campaign_id_district_id ON branch_progress (campaign_id, district_id)",
    "CREATE INDEX ix_branch_progress__branch_id ON branch_progress (branch_id)",
    "CREATE TABLE branch_phase (campaign_id TEXT, branch_id TEXT, phase_key TEXT, phase_order INTEGER, started_on TEXT, done_on TEXT, deadline TEXT, PRIMARY KEY (campaign_id, branch_id, phase_key))",
    "CREATE INDEX ix_branch_phase__campaign_id_phase_key ON branch_phase (campaign_id, phase_key)",
    "CREATE TABLE problem_ledger (problem_id TEXT, campaign_id TEXT, branch_id TEXT, category TEXT, description TEXT, measures TEXT, responsible_person TEXT, deadline TEXT, listed_on TEXT, status TEXT, rectified_on TEXT, verified_on TEXT, verifier TEXT, verification_passed INTEGER, percent_done INTEGER, withdrawn INTEGER, facts TEXT, PRIMARY KEY (problem_id))",
    "CREATE INDEX ix_problem_ledger__campaign_id_branch_id ON problem_ledger (campaign_id, branch_id)",
    "CREATE TABLE branch_timeline (position BIGINT, branch_id TEXT, campaign_id TEXT, aggregate_kind TEXT, aggregate_id TEXT, version INTEGER, event_id TEXT, type TEXT, occurred_on TEXT, recorded_at TEXT, actor TEXT, source TEXT, client_event_id TEXT, data TEXT, corrected_by TEXT, withdrawn_by TEXT, PRIMARY KEY (position))",
    "CREATE INDEX ix_branch_timeline__branch_id_position ON branch_timeline (branch_id, position)",
    "CREATE INDEX ix_branch_timeline__event_id ON branch_timeline (event_id)",
    "CREATE TABLE timeline_owner (aggregate_id TEXT, branch_id TEXT, campaign_id TEXT, created_by TEXT, PRIMARY KEY (aggregate_id))",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for statement in BOOKKEEPING:
        op.execute(statement)
    for name in ("progress", "timeline"):
        op.execute(
            f"INSERT INTO projection_position (name, position, generation) VALUES ('{name}', 0, 0)"
        )


def downgrade() -> None:
    for statement in reversed(STATEMENTS):
        if statement.startswith("CREATE TABLE "):
            op.execute(f"DROP TABLE IF EXISTS {statement.split()[2]}")
    op.execute("DROP TABLE IF EXISTS dead_letters")
    op.execute("DROP TABLE IF EXISTS projection_position")
