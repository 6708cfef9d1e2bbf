"""The read-model tables: one definition serves migration 0001 and the rebuild's fresh copies.

Ids, dates and times are stored as text (uuid strings, ISO dates, ISO timestamps), so that
the same SQL runs on SQLite and PostgreSQL and ISO dates compare correctly as strings.
JSON columns are text written with sorted keys, so equal views have equal bytes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    projection: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type)
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    json_columns: frozenset[str] = frozenset()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def create_statements(self, name: str | None = None, *, indexes: bool = True) -> list[str]:
        name = name or self.name
        columns = ", ".join(f"{c} {t}" for c, t in self.columns)
        statements = [f"CREATE TABLE {name} ({columns}, PRIMARY KEY ({', '.join(self.key)}))"]
        if indexes:
            statements += self.index_statements(name)
        return statements

    def index_statements(self, name: str | None = None, *, index_suffix: str = "") -> list[str]:
        name = name or self.name
        return [
            f"CREATE INDEX {self.index_name(cols)}{index_suffix} ON {name} ({', '.join(cols)})"
            for cols in self.indexes
        ]

    def index_name(self, cols: tuple[str, ...]) -> str:
        return f"ix_{self.name}__{'_'.join(cols)}"


TEXT, INT, BIG = "TEXT", "INTEGER", "BIGINT"

TABLES: tuple[Table, ...] = (
    # -- projection "progress": organizations, branch progress, problems ---------------------
    Table(
        "view_committee",
        "progress",
        (("committee_id", TEXT), ("district_id", TEXT), ("name", TEXT), ("kind", TEXT)),
        ("committee_id",),
        (("district_id",),),
    ),
    Table(
        "view_branch",
        "progress",
        (
            ("branch_id", TEXT),
            ("district_id", TEXT),
            ("committee_id", TEXT),
            ("name", TEXT),
            ("level", TEXT),
            ("formation", TEXT),
            ("host_name", TEXT),
            ("category", TEXT),
            ("rectification_target", INT),
            ("reorganized", INT),
        ),
        ("branch_id",),
        (("committee_id",),),
    ),
    Table(
        "view_group_scope",
        "progress",
        (
            ("group_id", TEXT),
            ("scope_kind", TEXT),  # committee | branch | group (the group's own row)
            ("scope_id", TEXT),
            ("district_id", TEXT),
            ("name", TEXT),
            ("kind", TEXT),
        ),
        ("group_id", "scope_kind", "scope_id"),
    ),
    Table(
        "view_campaign",
        "progress",
        (
            ("campaign_id", TEXT),
            ("district_id", TEXT),
            ("name", TEXT),
            ("starts_on", TEXT),
            ("ends_on", TEXT),
            ("phases", TEXT),
        ),
        ("campaign_id",),
        json_columns=frozenset({"phases"}),
    ),
    Table(
        "branch_progress",
        "progress",
        (
            ("campaign_id", TEXT),
            ("branch_id", TEXT),
            ("enrolled", INT),
            ("district_id", TEXT),
            ("committee_id", TEXT),
            ("category", TEXT),
            ("formation", TEXT),
            ("branch_name", TEXT),
            ("rectification_target", INT),
            ("reorganized", INT),
            ("meetings", INT),
            ("study_days", TEXT),
            ("opinions_collected", INT),
            ("work_systems", INT),
            ("volunteer_teams", INT),
            ("commitments_made", INT),
            ("commitments_fulfilled", INT),
            ("optional_actions", INT),
            ("supervision_visits", INT),
            ("last_activity_on", TEXT),
            ("problem_activity_on", TEXT),
            ("all_phases_done_on", TEXT),
            ("milestones", TEXT),
            ("facts", TEXT),
            ("problems", TEXT),
        ),
        ("campaign_id", "branch_id"),
        (("campaign_id", "committee_id"), ("campaign_id", "district_id"), ("branch_id",)),
        frozenset({"milestones", "facts", "problems"}),
    ),
    Table(
        "branch_phase",
        "progress",
        (
            ("campaign_id", TEXT),
            ("branch_id", TEXT),
            ("phase_key", TEXT),
            ("phase_order", INT),
            ("started_on", TEXT),
            ("done_on", TEXT),
            ("deadline", TEXT),
        ),
        ("campaign_id", "branch_id", "phase_key"),
        (("campaign_id", "phase_key"),),
    ),
    Table(
        "problem_ledger",
        "progress",
        (
            ("problem_id", TEXT),
            ("campaign_id", TEXT),
            ("branch_id", TEXT),
            ("category", TEXT),
            ("description", TEXT),
            ("measures", TEXT),
            ("responsible_person", TEXT),
            ("deadline", TEXT),
            ("listed_on", TEXT),
            ("status", TEXT),
            ("rectified_on", TEXT),
            ("verified_on", TEXT),
            ("verifier", TEXT),
            ("verification_passed", INT),
            ("percent_done", INT),
            ("withdrawn", INT),
            ("facts", TEXT),
        ),
        ("problem_id",),
        (("campaign_id", "branch_id"),),
        frozenset({"facts"}),
    ),
    # Each branch's problems counted by deadline (migration 0005): a supervision view sums
    # these instead of every problem of its scope, so its cost follows the branches, not the
    # problems listed so far. Overdue on a day D is the unrectified ones with deadline < D.
    Table(
        "problem_counts",
        "progress",
        (
            ("campaign_id", TEXT),
            ("branch_id", TEXT),
            ("deadline", TEXT),
            ("listed", INT),
            ("rectified", INT),
            ("unrectified", INT),
        ),
        ("campaign_id", "branch_id", "deadline"),
    ),
    # -- projection "timeline": every event of a branch ---------------------------------------
    Table(
        "branch_timeline",
        "timeline",
        (
            ("position", BIG),
            ("branch_id", TEXT),
            ("campaign_id", TEXT),
            ("aggregate_kind", TEXT),
            ("aggregate_id", TEXT),
            ("version", INT),
            ("event_id", TEXT),
            ("type", TEXT),
            ("occurred_on", TEXT),
            ("recorded_at", TEXT),
            ("actor", TEXT),
            ("source", TEXT),
            ("client_event_id", TEXT),
            ("data", TEXT),
            ("corrected_by", TEXT),
            ("withdrawn_by", TEXT),
        ),
        ("position",),
        (("branch_id", "position"), ("event_id",)),
    ),
    Table(
        "timeline_owner",
        "timeline",
        (("aggregate_id", TEXT), ("branch_id", TEXT), ("campaign_id", TEXT), ("created_by", TEXT)),
        ("aggregate_id",),
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}
PROJECTIONS: tuple[str, ...] = ("progress", "timeline")


def tables_of(projection: str) -> tuple[Table, ...]:
    return tuple(t for t in TABLES if t.projection == projection)


# Bookkeeping beside the views: where each projection stands, and what it could not process.
BOOKKEEPING = (
    "CREATE TABLE projection_position (name TEXT PRIMARY KEY, position BIGINT NOT NULL, "
    "generation INTEGER NOT NULL)",
    "CREATE TABLE dead_letters (projection TEXT NOT NULL, position BIGINT NOT NULL, "
    "event_type TEXT, error TEXT, recorded_at TEXT, PRIMARY KEY (projection, position))",
)


def create_all_statements() -> list[str]:
    statements = [s for t in TABLES for s in t.create_statements()]
    statements += list(BOOKKEEPING)
    statements += [
        f"INSERT INTO projection_position (name, position, generation) VALUES ('{p}', 0, 0)"
        for p in PROJECTIONS
    ]
    return statements
