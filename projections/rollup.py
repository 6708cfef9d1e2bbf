"""A province's roll-up: the headline figures of each district ledger's own views, and their
sums. The live roll-up reads only the views; as known at a past time, the views of a replay
of each district's log.

``ledger_headlines`` reads one ledger's views (``taizhang.projections.queries.Views``, or a replay
of it as known at a time) through the same functions its own endpoints use: for each district
the ledger holds, each campaign's supervision view of the district (its totals), the coverage
report's district total, the grade distribution of each district grading round defined by the
day, and the district's organizational-life roll-up for the year. So a district's figures in
the roll-up are exactly what its own office reads for the same ``as_of`` and ``known_at``.
``province_totals`` adds the districts' counts and works the rates out again from the sums
(a rate of rates would weigh a small district like a large one).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from taizhang.domain.coverage_rules import rate
from taizhang.projections.grading_views import GRADES
from taizhang.projections.party_life import compliance

# The supervision view's figures a province reads (the rest is per committee or category).
CAMPAIGN_FIGURES = (
    "branches",
    "phases_done_share",
    "phases_overdue",
    "all_phases_done",
    "problems_listed",
    "problems_rectified",
    "problems_overdue",
    "rectification_rate",
    "volunteer_teams",
    "commitments_made",
    "commitments_fulfilled",
    "standalone_branches",
    "enterprises_covered",
    "standalone_enterprises",
    "standalone_rate",
)
CAMPAIGN_COUNTS = tuple(f for f in CAMPAIGN_FIGURES if not f.endswith(("_rate", "_share")))
COVERAGE_COUNTS = (
    "organizations",
    "covered",
    "should_build",
    "built",
    "work_covered",
    "standalone",
    "mass_should_build",
    "mass_built",
    "employees",
    "full_members",
)
# Each rate of the coverage report, from the counts it divides.
COVERAGE_RATES = {
    "organization_coverage_rate": ("covered", "organizations"),
    "should_build_rate": ("built", "should_build"),
    "work_coverage_rate": ("work_covered", "organizations"),
    "standalone_rate": ("standalone", "covered"),
    "mass_should_build_rate": ("mass_built", "mass_should_build"),
    "members_share": ("full_members", "employees"),
}
LIFE_COUNTS = ("done", "due", "overdue", "late")


def ledger_headlines(views: Any, day: date, year: int) -> list[dict[str, Any]]:
    """For each district of this ledger, the headline figures of its own views on ``day``."""
    d = day.isoformat()
    found: dict[str, dict[str, Any]] = {}

    def district(district_id: str) -> dict[str, Any]:
        return found.setdefault(
            district_id,
            {"district_id": district_id, "campaigns": [], "grading": [], "coverage": None},
        )

    for row in views.select("SELECT district_id FROM view_committee GROUP BY district_id"):
        district(row["district_id"])
    for row in views.select("SELECT district_id FROM view_host_org GROUP BY district_id"):
        district(row["district_id"])
    for row in views.select(
        "SELECT campaign_id, district_id FROM view_campaign ORDER BY campaign_id"
    ):
        view = views.supervision_rendered(
            UUID(row["campaign_id"]), scope="district", scope_id=UUID(row["district_id"]), as_of=day
        ).value
        district(row["district_id"])["campaigns"].append(
            {
                "campaign_id": row["campaign_id"],
                "campaign_name": view["campaign_name"],
                **{key: view[key] for key in CAMPAIGN_FIGURES},
            }
        )
    for row in views.select(
        "SELECT round_id, district_id FROM grading_round WHERE committee_id IS NULL "
        "AND defined_on <= ? ORDER BY round_id",
        (d,),
    ):
        view = views.grade_distribution(UUID(row["round_id"]), as_of=day)
        district(row["district_id"])["grading"].append(
            {
                "round_id": row["round_id"],
                "round": view["round"],
                "graded": view["graded"],
                "grades": view["grades"],
            }
        )
    for district_id, entry in found.items():
        entry["coverage"] = _coverage(views.coverage(district_id, d).value["total"])
        entry["party_life"] = _life(views.party_life_roll_up(UUID(district_id), year, day), year)
    return [found[k] for k in sorted(found)]


def _coverage(total: dict[str, Any]) -> dict[str, Any]:
    return {key: total[key] for key in (*COVERAGE_COUNTS, *COVERAGE_RATES)}


def _life(committees: dict[str, Any], year: int) -> dict[str, Any]:
    counts = dict.fromkeys(LIFE_COUNTS, 0)
    for entry in committees.values():
        for key in LIFE_COUNTS:
            counts[key] += entry["counts"][key]
    return {"year": year, "counts": counts, "compliance": compliance(counts)}


def province_totals(districts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sums of the districts' counts, with the rates worked out from the sums."""
    campaigns = dict.fromkeys(CAMPAIGN_COUNTS, 0)
    coverage = dict.fromkeys(COVERAGE_COUNTS, 0)
    grades = dict.fromkeys(GRADES, 0)
    life = dict.fromkeys(LIFE_COUNTS, 0)
    for ledger in districts:
        for entry in ledger["districts"]:
            for campaign in entry["campaigns"]:
                for key in CAMPAIGN_COUNTS:
                    campaigns[key] += campaign[key]
            for key in COVERAGE_COUNTS:
                coverage[key] += entry["coverage"][key]
            for grading in entry["grading"]:
                for key in GRADES:
                    grades[key] += grading["grades"].get(key, 0)
            for key in LIFE_COUNTS:
                life[key] += entry["party_life"]["counts"][key]
    return {
        "campaigns": {
            **campaigns,
            "rectification_rate": rate(
                campaigns["problems_rectified"], campaigns["problems_listed"]
            ),
        },
        "coverage": {
            **coverage,
            **{name: rate(coverage[a], coverage[b]) for name, (a, b) in COVERAGE_RATES.items()},
        },
        "grading": {"graded": sum(grades.values()), "grades": grades},
        "party_life": {"counts": life, "compliance": compliance(life)},
    }
