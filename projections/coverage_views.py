"""Coverage of the two-new organizations on a business date, and the gap lists.

Each organization on the register is read as it was on D (``fold.coverage.org_on``) and
judged by the seeds' rules (``taizhang.domain.coverage_rules``). The rates, against the seeds'
targets (003 §三 "确保党组织应建尽建率和党的工作覆盖率均达到100%"; 000 §四(一)1 "单独组建率
力争达到30%"):

- ``organization_coverage_rate`` (党的组织覆盖率): covered by a party organization, of all;
- ``should_build_rate`` (党组织应建尽建率): covered, of those that should be (full members, or
  100+ employees);
- ``work_coverage_rate`` (党的工作覆盖率): a party organization, an instructor or liaison, or a
  mass organization, of all;
- ``standalone_rate`` (单独组建率): covered by their own organization, of those covered;
- ``mass_should_build_rate`` (群团组织应建尽建率, 004): with a mass organization, of those the
  seed says should have one;
- ``members_share``: full members as a share of employees; ``members_coverage_50_rate``: with
  full members, of those with 50+ employees (001 §三, 002 上海).

An organization counts for its territorial committee and for its industry committee.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from taizhang.domain.coverage_rules import (
    COVERAGE_TARGET,
    RULES,
    expects_members,
    has_party_work,
    joint_over_limit,
    rate,
    should_have_mass_organization,
    should_have_party_organization,
)
from taizhang.domain.vocabulary import (
    STANDALONE_RATE_TARGET,
    CoverageMode,
    LocationKind,
)
from taizhang.projections.fold.coverage import standing_of
from taizhang.projections.shared_views import Rendered
from taizhang.projections.view_part import ViewPart

TARGETS = {
    "organization_coverage_rate": COVERAGE_TARGET,
    "should_build_rate": COVERAGE_TARGET,
    "work_coverage_rate": COVERAGE_TARGET,
    "mass_should_build_rate": COVERAGE_TARGET,
    "members_coverage_50_rate": COVERAGE_TARGET,
    "standalone_rate": STANDALONE_RATE_TARGET,
}


def judged(orgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The organizations on the register on a day (``host_org_span``'s, each with the rules
    it breaks on its own), each with its standing, and the joint ones over 5 units flagged:
    those are counted over the district's organizations covered by each joint branch."""
    units: dict[str, int] = defaultdict(int)
    for org in orgs:
        org["standing"] = standing_of(org)
        if org["mode"] == CoverageMode.JOINT.value:
            units[org["branch_id"]] += 1
    for org in orgs:
        if org["mode"] == CoverageMode.JOINT.value and joint_over_limit(units[org["branch_id"]]):
            org["gaps"].append("joint_over_5_units")
            org["joint_units"] = units[org["branch_id"]]
    orgs.sort(key=lambda o: o["org_id"])
    return orgs


def summary(orgs: list[dict[str, Any]]) -> dict[str, Any]:
    standings = [o["standing"] for o in orgs]
    covered = [s for s in standings if s.mode is not None]
    should = [s for s in standings if should_have_party_organization(s)]
    mass_should = [s for s in standings if should_have_mass_organization(s)]
    fifty = [s for s in standings if expects_members(s)]
    employees = sum(s.employees for s in standings)
    members = sum(s.full_members for s in standings)
    gaps: dict[str, int] = dict.fromkeys(RULES, 0)
    for org in orgs:
        for key in org["gaps"]:
            gaps[key] += 1
    return {
        "organizations": len(standings),
        "covered": len(covered),
        "organization_coverage_rate": rate(len(covered), len(standings)),
        "should_build": len(should),
        "built": sum(1 for s in should if s.mode is not None),
        "should_build_rate": rate(sum(1 for s in should if s.mode is not None), len(should)),
        "work_covered": sum(1 for s in standings if has_party_work(s)),
        "work_coverage_rate": rate(sum(1 for s in standings if has_party_work(s)), len(standings)),
        "standalone": sum(1 for s in covered if s.mode is CoverageMode.STANDALONE),
        "standalone_rate": rate(
            sum(1 for s in covered if s.mode is CoverageMode.STANDALONE), len(covered)
        ),
        "mass_should_build": len(mass_should),
        "mass_built": sum(1 for s in mass_should if s.mass_organizations > 0),
        "mass_should_build_rate": rate(
            sum(1 for s in mass_should if s.mass_organizations > 0), len(mass_should)
        ),
        "employees": employees,
        "full_members": members,
        "members_share": rate(members, employees),
        "with_50_employees": len(fifty),
        "members_coverage_50_rate": rate(sum(1 for s in fifty if s.full_members > 0), len(fifty)),
        "gaps": gaps,
    }


def _grouped(orgs: list[dict[str, Any]], keys: Any) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for org in orgs:
        for key in keys(org):
            groups[key].append(org)
    return groups


def _committees(org: dict[str, Any]) -> list[str]:
    return [c for c in (org["committee_id"], org["industry_committee_id"]) if c is not None]


def coverage_report(orgs: list[dict[str, Any]], committee_names: dict[str, str]) -> dict[str, Any]:
    """The summary of all, and by committee, place (park, business district, office
    building) and industry."""
    by_committee = _grouped(orgs, _committees)
    by_place = _grouped(
        orgs,
        lambda o: (
            [(o["location_kind"], o["location_name"])]
            if o["location_kind"] != LocationKind.NONE.value
            else []
        ),
    )
    by_industry = _grouped(orgs, lambda o: [o["industry"]] if o["industry"] else [])
    return {
        "targets": TARGETS,
        "total": summary(orgs),
        "by_committee": [
            {"committee_id": c, "name": committee_names.get(c, ""), **summary(group)}
            for c, group in sorted(by_committee.items())
        ],
        "by_place": [
            {"location_kind": kind, "location_name": name, **summary(group)}
            for (kind, name), group in sorted(by_place.items())
        ],
        "by_industry": [
            {"industry": industry, **summary(group)}
            for industry, group in sorted(by_industry.items())
        ],
    }


def gap_items(orgs: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    """The organizations breaking ``rule`` on the day, as a list shows them."""
    return [
        {
            "org_id": o["org_id"],
            "name": o["name"],
            "category": o["category"],
            "committee_id": o["committee_id"],
            "industry_committee_id": o["industry_committee_id"],
            "industry": o["industry"],
            "employees": o["employees"],
            "full_members": o["full_members"],
            "location_kind": o["location_kind"],
            "location_name": o["location_name"],
            "branch_id": o["branch_id"],
            "mode": o["mode"],
            "followers": len(o["followers"]),
            "mass_organizations": o["mass"],
            "gaps": o["gaps"],
            **({"joint_units": o["joint_units"]} if "joint_units" in o else {}),
        }
        for o in orgs
        if rule in o["gaps"]
    ]


class CoverageViews(ViewPart):
    """Mixed into ``taizhang.projections.queries.Views``: reads ``host_org_span`` through its
    ``_rows`` (live tables, or a replay's as known at a time). The district's organizations
    on a day are the span rows that hold on it (one range query); the views are cached and
    shared like the other aggregated views (``Views._cached``): a cached one answers only
    while it reflects the projections' positions as the read requires."""

    def _register(self, district_id: str, day: str, committee_id: str | None) -> Any:
        rows = self._rows(
            "SELECT org_id, org FROM host_org_span WHERE district_id = ? AND from_on <= ? "
            "AND until_on > ?",
            (district_id, day, day),
        )
        orgs = []
        for row in rows:
            org = row["org"]
            org = orjson.loads(org) if isinstance(org, (str, bytes)) else dict(org)
            org["org_id"] = row["org_id"]
            orgs.append(org)
        orgs = judged(orgs)
        if committee_id is not None:
            # Joint units are counted over the district, then the committee's part is shown.
            orgs = [o for o in orgs if committee_id in _committees(o)]
        return orgs

    def coverage(
        self,
        district_id: str,
        day: str,
        committee_id: str | None = None,
        min_position: int | None = None,
    ) -> Rendered:
        """The coverage report on ``day`` (never change the value: it is shared)."""
        key = ("coverage", district_id, day, committee_id)
        return self._cached(  # type: ignore[no-any-return]
            key,
            lambda: Rendered.of(self._coverage(district_id, day, committee_id)),
            min_position,
        )

    def _coverage(self, district_id: str, day: str, committee_id: str | None) -> dict[str, Any]:
        orgs = self._register(district_id, day, committee_id)
        names = {
            r["committee_id"]: r["name"]
            for r in self._rows(
                "SELECT committee_id, name FROM view_committee WHERE district_id = ?",
                (district_id,),
            )
        }
        return {
            "district_id": district_id,
            "committee_id": committee_id,
            "as_of": day,
            **coverage_report(orgs, names),
        }

    def coverage_gaps(
        self,
        district_id: str,
        day: str,
        rule: str,
        committee_id: str | None = None,
        min_position: int | None = None,
    ) -> Rendered:
        """A gap list on ``day`` (never change the value: it is shared)."""
        key = ("coverage_gaps", district_id, day, rule, committee_id)
        return self._cached(  # type: ignore[no-any-return]
            key,
            lambda: Rendered.of(self._coverage_gaps(district_id, day, rule, committee_id)),
            min_position,
        )

    def _coverage_gaps(
        self, district_id: str, day: str, rule: str, committee_id: str | None
    ) -> dict[str, Any]:
        orgs = self._register(district_id, day, committee_id)
        found = RULES[rule]
        return {
            "district_id": district_id,
            "committee_id": committee_id,
            "as_of": day,
            "rule": {
                "key": found.key,
                "seed": found.seed,
                "quote": found.quote,
                "advice": found.advice,
            },
            "items": gap_items(orgs, rule),
        }
