"""The read-model tables: one definition serves migration 0001 and the rebuild's fresh copies.

Ids, dates and times are stored as text (uuid strings, ISO dates, ISO timestamps), so that
the same SQL runs on SQLite and PostgreSQL and ISO dates compare correctly as strings.
JSON columns are text written with sorted keys, so equal views have equal bytes.
"""

from __future__ import annotations

from taizhang.projections.table import BIG, CODE, INT, TEXT, Table
from taizhang.projections.year_round_tables import YEAR_ROUND_TABLES

# What the ledger shows of a problem, on its live row and its spans alike.
_PROBLEM_COLUMNS = (
    ("category", CODE),
    ("description", TEXT),
    ("measures", TEXT),
    ("responsible_person", TEXT),
    # Sealed under the person's key, or a name in clear from before names were sealed.
    ("responsible_person_name", TEXT),
    ("deadline", CODE),
    ("listed_on", CODE),
    ("status", CODE),
    ("rectified_on", CODE),
    ("verified_on", CODE),
    ("verifier", TEXT),
    ("verification_passed", INT),
    ("percent_done", INT),
)
# A branch's counts in a campaign, on its live row and its spans alike.
_WORK_COLUMNS = (
    ("meetings", INT),
    ("study_days", TEXT),
    ("opinions_collected", INT),
    ("work_systems", INT),
    ("volunteer_teams", INT),
    ("commitments_made", INT),
    ("commitments_fulfilled", INT),
    ("optional_actions", INT),
    ("supervision_visits", INT),
    ("last_activity_on", CODE),
)

TABLES: tuple[Table, ...] = (
    # -- projection "progress": organizations, branch progress, problems ---------------------
    Table(
        "view_committee",
        "progress",
        (("committee_id", CODE), ("district_id", CODE), ("name", TEXT), ("kind", CODE)),
        ("committee_id",),
        (("district_id",),),
    ),
    Table(
        "view_branch",
        "progress",
        (
            ("branch_id", CODE),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("name", TEXT),
            ("level", CODE),
            ("formation", CODE),
            ("host_name", TEXT),
            ("category", CODE),
            ("rectification_target", INT),
            ("reorganized", INT),
            # [[occurred_on, column, value], ...] in log order, the registration first
            # (column "*", every value): where the branch stood on any business date.
            ("history", TEXT),
        ),
        ("branch_id",),
        (("committee_id",),),
        frozenset({"history"}),
    ),
    Table(
        "view_group_scope",
        "progress",
        (
            ("group_id", CODE),
            ("scope_kind", CODE),  # committee | branch | group (the group's own row)
            ("scope_id", CODE),
            ("district_id", CODE),
            ("name", TEXT),
            ("kind", CODE),
        ),
        ("group_id", "scope_kind", "scope_id"),
    ),
    Table(
        "view_campaign",
        "progress",
        (
            ("campaign_id", CODE),
            ("district_id", CODE),
            ("name", TEXT),
            ("starts_on", CODE),
            ("ends_on", CODE),
            ("phases", TEXT),
        ),
        ("campaign_id",),
        json_columns=frozenset({"phases"}),
    ),
    Table(
        "branch_progress",
        "progress",
        (
            ("campaign_id", CODE),
            ("branch_id", CODE),
            ("enrolled", INT),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("category", CODE),
            ("formation", CODE),
            ("branch_name", TEXT),
            ("rectification_target", INT),
            ("reorganized", INT),
            *_WORK_COLUMNS,
            ("problem_activity_on", CODE),
            ("all_phases_done_on", CODE),
            ("milestones", TEXT),
            ("facts", TEXT),
            ("problems", TEXT),
            # [[occurred_on, 1 enrolled | 0 withdrawn], ...] in log order.
            ("enrolments", TEXT),
            # {day: {kind: how many}}: the facts only counted (fold.tally).
            ("days", TEXT),
        ),
        ("campaign_id", "branch_id"),
        (("campaign_id", "committee_id"), ("campaign_id", "district_id"), ("branch_id",)),
        frozenset({"milestones", "facts", "problems", "enrolments", "days"}),
    ),
    Table(
        # The counted facts of a branch's work, whole, for a correction that may come
        # (fold.tally); the live worker reads them one at a time, when it needs one.
        "work_fact",
        "progress",
        (("campaign_id", CODE), ("branch_id", CODE), ("event_id", CODE), ("entry", TEXT)),
        ("campaign_id", "branch_id", "event_id"),
        (),
        frozenset({"entry"}),
    ),
    Table(
        "problem_ledger",
        "progress",
        (
            ("problem_id", CODE),
            ("campaign_id", CODE),
            ("branch_id", CODE),
            *_PROBLEM_COLUMNS,
            ("withdrawn", INT),
            ("withdrawn_on", CODE),
            ("facts", TEXT),
            # [[occurred_on, measures, responsible_person, deadline, responsible_person_name],
            # ...] in log order, the listing first.
            ("revisions", TEXT),
        ),
        ("problem_id",),
        (("campaign_id", "branch_id"),),
        frozenset({"facts", "revisions"}),
    ),
    # -- spans: what the views read. Each row holds from its business date ``from_on`` until
    # the day before ``until_on`` (OPEN: for good), so a view as of D reads the rows with
    # from_on <= D < until_on. Rows are derived by the domain's rules from what had happened
    # by from_on (taizhang.projections.fold.spans), so a past date costs what today costs.
    Table(
        "progress_span",
        "progress",
        (
            ("campaign_id", CODE),
            ("branch_id", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("enrolled", INT),
            ("withdrawn_on", CODE),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("category", CODE),
            ("formation", CODE),
            ("enterprises_covered", INT),
            ("branch_name", TEXT),
            ("rectification_target", INT),
            ("reorganized", INT),
            *_WORK_COLUMNS,
            ("all_phases_done_on", CODE),
            ("milestones", TEXT),
        ),
        ("campaign_id", "branch_id", "from_on"),
        (("campaign_id", "from_on"), ("branch_id",)),
        frozenset({"milestones"}),
    ),
    # A phase's dates on the business days a branch's span covers; no row: not started.
    Table(
        "phase_span",
        "progress",
        (
            ("campaign_id", CODE),
            ("branch_id", CODE),
            ("phase_key", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("started_on", CODE),
            ("done_on", CODE),
            ("due_on", CODE),
        ),
        ("campaign_id", "branch_id", "phase_key", "from_on"),
        (("campaign_id", "from_on"),),
    ),
    # A branch's problems (not withdrawn) counted by deadline: overdue on D is the
    # unrectified ones with a deadline before D.
    Table(
        "problem_count_span",
        "progress",
        (
            ("campaign_id", CODE),
            ("branch_id", CODE),
            ("deadline", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("listed", INT),
            ("rectified", INT),
            ("unrectified", INT),
        ),
        ("campaign_id", "branch_id", "deadline", "from_on"),
        (("campaign_id", "from_on"),),
    ),
    # A problem as the ledger shows it on the days the span covers.
    Table(
        "problem_span",
        "progress",
        (
            ("problem_id", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("campaign_id", CODE),
            ("branch_id", CODE),
            *_PROBLEM_COLUMNS,
        ),
        ("problem_id", "from_on"),
        (("campaign_id", "branch_id"),),
    ),
    # A visit's suggestion item as it stood on the days the span covers
    # (taizhang.domain.suggestions).
    Table(
        "suggestion_span",
        "progress",
        (
            ("campaign_id", CODE),
            ("branch_id", CODE),
            ("item_id", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("group_id", CODE),
            ("text", TEXT),
            ("made_on", CODE),
            ("answered_on", CODE),
            ("closed_on", CODE),
            ("referred_on", CODE),
        ),
        ("campaign_id", "branch_id", "item_id", "from_on"),
        (("campaign_id", "from_on"),),
    ),
    *YEAR_ROUND_TABLES,
    # -- projection "timeline": every event of a branch ---------------------------------------
    Table(
        "branch_timeline",
        "timeline",
        (
            ("position", BIG),
            ("branch_id", CODE),
            ("campaign_id", CODE),
            ("aggregate_kind", CODE),
            ("aggregate_id", CODE),
            ("version", INT),
            ("event_id", CODE),
            ("type", CODE),
            ("occurred_on", CODE),
            ("recorded_at", CODE),
            ("actor", TEXT),
            ("source", TEXT),
            ("client_event_id", CODE),
            ("data", TEXT),
            ("corrected_by", CODE),
            ("withdrawn_by", CODE),
        ),
        ("position",),
        (("branch_id", "position"), ("event_id",)),
    ),
    Table(
        "timeline_owner",
        "timeline",
        (("aggregate_id", CODE), ("branch_id", CODE), ("campaign_id", CODE), ("created_by", CODE)),
        ("aggregate_id",),
    ),
    # -- projection "progress": the register of two-new organizations (fold.coverage) ---------
    Table(
        "view_host_org",
        "progress",
        (
            ("org_id", CODE),
            ("district_id", CODE),
            ("name", TEXT),
            # [[occurred_on, change, value], ...] in log order, the registration first
            # ("*", every value): what the organization was on any business date.
            ("history", TEXT),
        ),
        ("org_id",),
        (("district_id",),),
        frozenset({"history"}),
    ),
    Table(
        "host_org_span",
        "progress",
        (
            ("org_id", CODE),
            ("from_on", CODE),
            ("until_on", CODE),
            ("district_id", CODE),
            # What the organization was over the span (fold.coverage.org_on) with the rules
            # it breaks on its own (taizhang.domain.coverage_rules.advisories).
            ("org", TEXT),
        ),
        ("org_id", "from_on"),
        (("district_id", "from_on"),),
        frozenset({"org"}),
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}
# The until_on of a span that holds for good: later than any ISO date.
OPEN = "9999-12-31"
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
