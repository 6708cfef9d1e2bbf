"""Walking a pseudonymous person along the path of seed 002 over HTTP, for the tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from taizhang.domain.member_rules import months_after
from tests.api.conftest import Api

VOTES = {"entitled": 9, "present": 8, "in_favour": 7, "against": 1, "abstaining": 0}
OPINIONS = ["party_group", "contacts", "members", "non_members"]


def apply(api: Api, branch: str, on: date, who: str = "integrator_c1") -> str:
    body = api.ok(
        api.event(
            f"/api/v1/branches/{branch}/candidates", None, {}, who, occurred_on=on.isoformat()
        )
    )
    return str(body["aggregate_id"])


def step(
    api: Api, candidate: str, type_: str, on: date, who: str = "integrator_c1", **data: Any
) -> Any:
    return api.event(
        f"/api/v1/candidates/{candidate}/events", type_, data, who, occurred_on=on.isoformat()
    )


def dates(applied: date) -> dict[str, date]:
    """The dates of each step of a path without a pause longer than needed."""
    activist = months_after(applied, 12)
    candidate = months_after(activist, 12)
    vote = date.fromordinal(candidate.toordinal() + 30)
    return {
        "applied": applied,
        "recommended": date.fromordinal(applied.toordinal() + 30),
        "activist": activist,
        "report": date.fromordinal(activist.toordinal() + 80),
        "assessed": date.fromordinal(activist.toordinal() + 170),
        "candidate": candidate,
        "review": date.fromordinal(candidate.toordinal() + 10),
        "vote": vote,
        "publicity_ends": date.fromordinal(vote.toordinal() + 2),
        "approved": date.fromordinal(vote.toordinal() + 5),
        "probation_report": date.fromordinal(vote.toordinal() + 60),
        "conversion": months_after(vote, 12),
        "converted": date.fromordinal(months_after(vote, 12).toordinal() + 10),
    }


ORDER = [
    "recommended",
    "activist",
    "report",
    "assessed",
    "candidate",
    "review",
    "vote",
    "approved",
    "probation_report",
    "conversion",
    "converted",
]


def walk(
    api: Api, branch: str, applied: date, until: str = "converted", as_admin: bool = False
) -> str:
    """A person from application to ``until`` (a key of ``dates``), every step accepted;
    the branch's steps by integrator_c1, the approvals by committee_c1 (or all by admin)."""
    d = dates(applied)
    person = apply(api, branch, applied, "admin" if as_admin else "integrator_c1")
    for key in ORDER[: ORDER.index(until) + 1]:
        for type_, who, data in _steps(key, d):
            api.ok(step(api, person, type_, d[key], "admin" if as_admin else who, **data))
    return person


def _steps(key: str, d: dict[str, date]) -> list[tuple[str, str, dict[str, Any]]]:
    branch, committee = "integrator_c1", "committee_c1"
    return {
        "recommended": [
            (
                "RecommendedByMassOrganization",
                branch,
                {
                    "organization": "youth_league",
                    "organization_name": "团支部",
                    "recommended_as": "activist",
                    "votes": VOTES,
                },
            )
        ],
        "activist": [
            ("ActivistDesignated", branch, {}),
            ("ContactsNamed", branch, {"contact_ids": ["m-0001", "m-0002"]}),
        ],
        "report": [("ThoughtReportReceived", branch, {"document_ids": ["doc-report-1"]})],
        "assessed": [("ActivistAssessed", branch, {"opinion": "表现较好"})],
        "candidate": [("DevelopmentCandidateDesignated", branch, {"opinions_heard": OPINIONS})],
        "review": [
            ("PoliticalReviewDone", branch, {"passed": True}),
            ("TrainingCompleted", branch, {"days": 5, "class_hours": 0}),
            ("SponsorsNamed", branch, {"sponsor_ids": ["m-0001", "m-0003"]}),
        ],
        "vote": [
            ("AdmissionVoted", branch, {"method": "show_of_hands", "votes": VOTES}),
            (
                "PublicityHeld",
                branch,
                {
                    "starts_on": d["vote"].isoformat(),
                    "ends_on": d["publicity_ends"].isoformat(),
                },
            ),
        ],
        "approved": [("AdmissionApproved", committee, {"approved": True})],
        "probation_report": [("ThoughtReportReceived", branch, {})],
        "conversion": [
            (
                "ConversionVoted",
                branch,
                {"outcome": "convert", "method": "secret_ballot", "votes": VOTES},
            )
        ],
        "converted": [("ConversionApproved", committee, {"approved": True})],
    }[key]
