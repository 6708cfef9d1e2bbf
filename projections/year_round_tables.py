"""The read-model tables of the year-round work (seeds 001–004): grading rounds, yearly
reviews, regular organizational life, member development; part of
``taizhang.projections.schema``."""

from __future__ import annotations

from taizhang.projections.table import CODE, INT, SPAN_COUNTS, TEXT, Table

YEAR_ROUND_TABLES: tuple[Table, ...] = (
    # -- projection "progress": grading rounds (taizhang.projections.fold.grading)
    # -------------------
    Table(
        "grading_round",
        "progress",
        (
            ("round_id", CODE),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("name", TEXT),
            ("year", INT),
            ("starts_on", CODE),
            ("ends_on", CODE),
            ("defined_on", CODE),
            ("criteria", TEXT),
        ),
        ("round_id",),
        (("district_id",),),
        frozenset({"criteria"}),
    ),
    Table(
        "grading_entry",
        "progress",
        (
            ("round_id", CODE),
            ("branch_id", CODE),
            ("district_id", CODE),
            # [[occurred_on, kind, values], ...] in log order (fold.grading.entry_on).
            ("history", TEXT),
        ),
        ("round_id", "branch_id"),
        (),
        frozenset({"history"}),
    ),
    # -- projection "progress": yearly reviews (taizhang.projections.fold.yearly)
    # -------------------
    Table(
        "yearly_review",
        "progress",
        (
            ("review_id", CODE),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("year", INT),
            ("name", TEXT),
            ("opened_on", CODE),
        ),
        ("review_id",),
        (("district_id",),),
    ),
    Table(
        "yearly_entry",
        "progress",
        (
            ("review_id", CODE),
            ("branch_id", CODE),
            ("district_id", CODE),
            # [[occurred_on, kind, values], ...] in log order (fold.yearly.entry_on).
            ("history", TEXT),
        ),
        ("review_id", "branch_id"),
        (),
        frozenset({"history"}),
    ),
    # -- projection "progress": regular organizational life (taizhang.projections.fold.party_life)
    # ---
    Table(
        "party_life",
        "progress",
        (
            ("life_id", CODE),
            ("owner_id", CODE),  # the branch or committee
            ("owner_kind", CODE),  # branch | committee
            ("district_id", CODE),
            # [[occurred_on, kind, event_id, values], ...] in log order (fold.party_life).
            ("history", TEXT),
        ),
        ("life_id",),
        (("owner_id",),),
        frozenset({"history"}),
    ),
    Table(
        "life_programme",
        "progress",
        (
            ("programme_id", CODE),
            ("scope_kind", CODE),  # district | committee
            ("scope_id", CODE),
            ("district_id", CODE),
            ("year", INT),
            # [[occurred_on, {duties, education_days, note}], ...] in log order.
            ("versions", TEXT),
        ),
        ("programme_id",),
        (("district_id", "year"),),
        frozenset({"versions"}),
    ),
    Table(
        "life_theme",
        "progress",
        (
            ("theme_id", CODE),
            ("scope_kind", CODE),  # district | committee
            ("scope_id", CODE),
            ("district_id", CODE),
            ("year", INT),
            ("month", CODE),
            # [[occurred_on, kind, event_id, values], ...] in log order (fold.life_themes).
            ("history", TEXT),
        ),
        ("theme_id",),
        (("district_id", "year"),),
        frozenset({"history"}),
    ),
    # A branch's periods of a year by status over a span of days (fold.life_spans).
    Table(
        "life_span",
        "progress",
        (
            ("owner_id", CODE),
            ("year", INT),
            ("from_on", CODE),
            ("until_on", CODE),
            ("district_id", CODE),
            ("committee_id", CODE),
            ("upcoming", INT),
            ("due", INT),
            ("done", INT),
            ("overdue", INT),
            ("late", INT),
            ("duties", TEXT),
        ),
        ("owner_id", "year", "from_on"),
        ((*SPAN_COUNTS, "overdue", "late"),),
        frozenset({"duties"}),
    ),
    # -- projection "progress": member development (taizhang.projections.fold.members)
    # --------------
    Table(
        "member_path",
        "progress",
        (
            ("candidate_id", CODE),
            ("branch_id", CODE),
            ("committee_id", CODE),
            ("applied_on", CODE),
            # 1 once the person was erased: no sealed name is kept in the row after it.
            ("erased", INT),
            # [[type, version, occurred_on, values, event_id], ...] in log order.
            ("history", TEXT),
        ),
        ("candidate_id",),
        (("branch_id",), ("committee_id",)),
        frozenset({"history"}),
    ),
    # A committee's yearly development plan (taizhang.projections.fold.plans).
    Table(
        "development_plan",
        "progress",
        (
            ("plan_id", CODE),
            ("committee_id", CODE),
            ("year", INT),
            # [[occurred_on, kind, values, event_id], ...] in log order (fold.plans.plan_on).
            ("history", TEXT),
        ),
        ("plan_id",),
        (("committee_id", "year"),),
        frozenset({"history"}),
    ),
)
