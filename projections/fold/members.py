"""The member-development pipeline (发展党员, seed 002; 推优, seed 004): pure folds and views.

``fold_member`` keeps each person's events in log order; ``path_on`` rebuilds the person's
path as it stood on a business date D by the domain's own rules (each step's ``apply``),
from the events dated D or earlier, applied in log order -- the meaning of D on every view.
Which events are folded at all (recorded by a knowledge time T) is the caller's.

What is overdue on D (DOMAIN.md, "Member development"):

- ``report_missing``: an activist, development candidate or probationary member who was one
  on the first day of the last quarter ended before D, and has no thought report dated in it
  (002 "一般每季度一次"; 3(2) "预备党员每季度要有一次口头或书面的汇报");
- ``assessment_missing``: an activist or development candidate who was one on the first day
  of the last half-year ended before D, and was not assessed in it (002 (4) "党支部每半年
  对要求入党的积极分子进行一次考核");
- ``approval_late``: a carried branch vote (admission or conversion) not decided by the upper
  committee within 3 months (002 3(6) "应在3 个月内讨论审批");
- ``probation_expired``: a probationary member whose probation ended before D with no
  conversion vote (002 3(4) "按时讨论其能否转为正式党员").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any
from uuid import UUID

from domain.member_development import Candidate
from domain.member_path import ACTIVIST, CANDIDATE, PROBATIONARY, STAGES
from domain.member_rules import months_after
from domain.member_vocabulary import MassOrganization, Stage

TOPIC_PREFIX = "domain.member_development:Candidate."
REPORTING = (ACTIVIST, CANDIDATE, PROBATIONARY)
ASSESSED = (ACTIVIST, CANDIDATE)
OVERDUE = ("report_missing", "assessment_missing", "approval_late", "probation_expired")


@dataclass
class Person:
    applied: Any  # Candidate.MembershipApplied
    steps: list[Any] = field(default_factory=list)


@dataclass
class MemberState:
    people: dict[UUID, Person] = field(default_factory=dict)
    position: int = 0


def fold_member(state: MemberState, event: Any) -> None:
    if isinstance(event, Candidate.MembershipApplied):
        state.people[event.originator_id] = Person(event)
    elif isinstance(event, Candidate.Step):
        person = state.people.get(event.originator_id)
        if person is not None:
            person.steps.append(event)


def path_on(person: Person, day: date) -> Candidate | None:
    """The person's path on ``day``: None before the application."""
    if person.applied.provenance.occurred_on > day:
        return None
    path: Candidate = person.applied.mutate(None)
    for step in person.steps:
        if step.provenance.occurred_on <= day:
            step.apply(path)
    return path


def since(path: Candidate) -> date:
    """The day the person reached the stage they are at."""
    found = {
        "applicant": path.applied_on,
        "activist": path.activist_on,
        "development_candidate": path.candidate_on,
        "probationary": path.probation_from,
    }.get(path.stage, path.settled_on)
    return found or path.applied_on


def _last_period(day: date, months: int) -> tuple[date, date]:
    """The last quarter (3) or half-year (6) that ended before ``day``: first and last day."""
    start_month = (day.month - 1) // months * months + 1
    current = date(day.year, start_month, 1)
    first = months_after(current, -months)
    return first, date.fromordinal(current.toordinal() - 1)


def overdue_on(path: Candidate, day: date) -> list[str]:
    found = []
    entered = path.activist_on
    first, last = _last_period(day, 3)
    in_reporting = path.stage in REPORTING and entered is not None and entered <= first
    if in_reporting and not any(first <= r <= last for r in path.reports):
        found.append("report_missing")
    first, last = _last_period(day, 6)
    in_assessed = path.stage in ASSESSED and entered is not None and entered <= first
    if in_assessed and not any(first <= a <= last for a in path.assessments):
        found.append("assessment_missing")
    late = False
    if path.stage == CANDIDATE and path.admission_vote and path.admission_vote[1]:
        late = day > months_after(path.admission_vote[0], 3)
    if path.conversion_vote is not None and path.conversion_vote[2]:
        late = late or day > months_after(path.conversion_vote[0], 3)
    if late:
        found.append("approval_late")
    if (
        path.stage == PROBATIONARY
        and path.probation_ends is not None
        and path.probation_ends < day
        and path.conversion_vote is None
    ):
        found.append("probation_expired")
    return found


def pipeline(
    state: MemberState,
    day: date,
    *,
    branch_id: UUID | None = None,
    committee_id: UUID | None = None,
    with_people: bool = True,
) -> dict[str, Any]:
    """How many people are at each step on ``day`` and how long they have been there, what
    is overdue, and the recommendations of mass organizations (推优) by then."""
    days: dict[str, list[int]] = {stage: [] for stage in STAGES}
    overdue = dict.fromkeys(OVERDUE, 0)
    recommended = {org.value: 0 for org in MassOrganization}
    people = []
    for person_id, person in sorted(state.people.items()):
        applied = person.applied
        if branch_id is not None and applied.branch_id != branch_id:
            continue
        if committee_id is not None and applied.committee_id != committee_id:
            continue
        path = path_on(person, day)
        if path is None:
            continue
        waited = (day - since(path)).days
        days[path.stage].append(waited)
        late = overdue_on(path, day)
        for key in late:
            overdue[key] += 1
        for organization, _ in path.recommendations:
            recommended[organization] += 1
        if with_people:
            people.append(
                {
                    "candidate_id": str(person_id),
                    "branch_id": str(applied.branch_id),
                    "stage": path.stage,
                    "since": since(path).isoformat(),
                    "days_at_stage": waited,
                    "overdue": late,
                    "erased": path.erased,
                    "sealed_name": path.sealed_name,
                    "probation_ends": path.probation_ends.isoformat()
                    if path.probation_ends
                    else None,
                }
            )
    body: dict[str, Any] = {
        "as_of": day.isoformat(),
        "stages": [
            {
                "stage": stage.value,
                "zh": stage.zh,
                "count": len(days[stage.value]),
                "days_median": median(days[stage.value]) if days[stage.value] else None,
                "days_max": max(days[stage.value], default=None),
            }
            for stage in Stage
        ],
        "overdue": overdue,
        "recommended": recommended,
    }
    if with_people:
        body["people"] = people
    return body
