"""The member-development pipeline (发展党员, seed 002; 推优, seed 004): folds and views.

``member_path`` keeps one row per person: the branch and committee they applied to, and
their steps in log order, each as ``[type, version, occurred_on, values, event_id]`` with
the values the domain's rules read. ``path_on`` rebuilds the person's path as it stood on a
business date D by the domain's own rules (each step's ``apply``), from the steps dated D or
earlier, applied in log order -- the meaning of D on every view. Which events are folded at
all (recorded by a knowledge time T) is the caller's: the live worker folds them all, the
replays of ``taizhang.projections.report`` those recorded by T.

An erased person's row is marked ``erased`` and the sealed name their steps carried is
dropped from it (an empty text stands where it was, so the views still know a name had
been recorded by D): the read model never holds what the person's key sealed.

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

from datetime import date
from statistics import median
from typing import Any, NamedTuple
from uuid import UUID

from taizhang.domain.member_development import Candidate
from taizhang.domain.member_path import ACTIVIST, CANDIDATE, PROBATIONARY, STAGES
from taizhang.domain.member_rules import months_after
from taizhang.domain.member_vocabulary import MassOrganization, Stage
from taizhang.domain.records import to_plain
from taizhang.projections.fold.common import iso
from taizhang.projections.state import ViewState

REPORTING = (ACTIVIST, CANDIDATE, PROBATIONARY)
ASSESSED = (ACTIVIST, CANDIDATE)
OVERDUE = ("report_missing", "assessment_missing", "approval_late", "probation_expired")
TABLE = "member_path"

# Fields of an event that are not the step's values.
_STAMPS = frozenset({"originator_id", "originator_version", "timestamp", "provenance"})
# Step values the domain reads as dates.
_DATES = frozenset({"starts_on", "ends_on"})
STEP_CLASSES: dict[str, type] = {
    name: cls
    for name, cls in vars(Candidate).items()
    if isinstance(cls, type) and issubclass(cls, Candidate.Step)
}


class _Provenance(NamedTuple):
    occurred_on: date


def applied(state: ViewState, e: Candidate.MembershipApplied) -> None:
    cid = str(e.originator_id)
    state.put(
        TABLE,
        (cid,),
        {
            "candidate_id": cid,
            "branch_id": str(e.branch_id),
            "committee_id": str(e.committee_id),
            "applied_on": iso(e.provenance.occurred_on),
            "erased": 0,
            "history": [],
        },
    )


def step_values(e: Any) -> dict[str, Any]:
    return {k: to_plain(v) for k, v in vars(e).items() if k not in _STAMPS}


def stepped(state: ViewState, e: Candidate.Step) -> None:
    key = (str(e.originator_id),)
    row = state.get(TABLE, key)
    if row is None:
        return
    row["history"].append(
        [
            type(e).__name__,
            e.originator_version,
            iso(e.provenance.occurred_on),
            step_values(e),
            str(e.provenance.event_id),
        ]
    )
    state.put(TABLE, key, row)


def erased(state: ViewState, e: Candidate.PersonErased) -> None:
    key = (str(e.originator_id),)
    row = state.get(TABLE, key)
    if row is None:
        return
    for entry in row["history"]:
        if entry[0] == "PersonalDataRecorded":
            entry[3] = {**entry[3], "sealed_name": ""}
    row["erased"] = 1
    stepped(state, e)


def amended(state: ViewState, e: Any) -> None:
    """A correction or withdrawal, kept in the person's history beside the step it names."""
    key = (str(e.originator_id),)
    row = state.get(TABLE, key)
    if row is None:
        return
    row["history"].append(
        [
            type(e).__name__,
            e.originator_version,
            iso(e.provenance.occurred_on),
            step_values(e),
            str(e.provenance.event_id),
        ]
    )
    state.put(TABLE, key, row)


HANDLERS: dict[type, Any] = {
    Candidate.MembershipApplied: applied,
    **{cls: stepped for cls in STEP_CLASSES.values()},
    Candidate.PersonErased: erased,
    Candidate.StepCorrected: amended,
    Candidate.StepWithdrawn: amended,
}
CORRECTED, WITHDRAWN = "StepCorrected", "StepWithdrawn"


def revive_step(entry: list[Any]) -> Any:
    """A domain step instance with the kept values (no validation), for its ``apply``."""
    name, version, on, values = entry[:4]
    step: Any = object.__new__(STEP_CLASSES[name])
    kept = step.__dict__
    kept["provenance"] = _Provenance(date.fromisoformat(on))
    kept["originator_version"] = version
    for field, value in values.items():
        kept[field] = date.fromisoformat(value) if field in _DATES else value
    return step


def path_on(row: dict[str, Any], day: date) -> Candidate | None:
    """The person's path on ``day``: None before the application."""
    applied_on = date.fromisoformat(row["applied_on"])
    if applied_on > day:
        return None
    path: Candidate = object.__new__(Candidate)
    provenance: Any = _Provenance(applied_on)
    Candidate.__init__(path, provenance, UUID(row["branch_id"]), UUID(row["committee_id"]), [])
    text = day.isoformat()
    for entry in steps_on(row["history"], text):
        revive_step(entry).apply(path)
    return path


def steps_on(history: list[list[Any]], day: str) -> list[list[Any]]:
    """The steps as they stood on ``day``, in log order: those dated ``day`` or earlier
    once the corrections dated by then are applied (a correction counts from its own
    business date, as every fact's does), less those withdrawn by then."""
    amendments: dict[str, list[dict[str, Any] | None]] = {}
    for name, _, on, values, _ in history:
        if on > day:
            continue
        if name == CORRECTED:
            amendments.setdefault(values["corrects"], []).append(values["changes"])
        elif name == WITHDRAWN:
            amendments.setdefault(values["withdraws"], []).append(None)
    found = []
    for entry in history:
        name, version, on, values, event_id = entry
        if name in (CORRECTED, WITHDRAWN):
            continue
        changes = amendments.get(event_id)
        if changes is not None:
            if None in changes:
                continue
            values = dict(values)
            for change in changes:
                values.update(change)  # type: ignore[arg-type]
            on = values.pop("occurred_on", on)
            entry = [name, version, on, values, event_id]
        if entry[2] <= day:
            found.append(entry)
    return found


def steps_listed(history: list[list[Any]], day: str) -> list[dict[str, Any]]:
    """The person's record by ``day`` for the history view: each step as recorded, with
    the corrections and withdrawal that name it (``corrected_by``, ``withdrawn_by``) and
    how it stands on ``day`` (``counts``, ``as_corrected``), and each correction or
    withdrawal naming its step. Sealed names are left out."""
    standing = {entry[4]: entry for entry in steps_on(history, day)}
    items: list[dict[str, Any]] = []
    links: dict[str, dict[str, Any]] = {}
    for name, version, on, values, event_id in history:
        if on > day and name in (CORRECTED, WITHDRAWN):
            continue
        shown = {k: v for k, v in values.items() if k != "sealed_name"}
        item: dict[str, Any] = {
            "event_id": event_id,
            "type": name,
            "version": version,
            "occurred_on": on,
            "data": shown,
        }
        if name in (CORRECTED, WITHDRAWN):
            target = values.get("corrects") or values.get("withdraws")
            linked = links.get(target)
            if linked is not None:
                key = "corrected_by" if name == CORRECTED else "withdrawn_by"
                linked[key].append(event_id)
        elif on <= day or event_id in standing:
            now = standing.get(event_id)
            item.update(corrected_by=[], withdrawn_by=[], counts=now is not None)
            item["as_corrected"] = (
                {"occurred_on": now[2], **{k: v for k, v in now[3].items() if k != "sealed_name"}}
                if now is not None and now[3] is not values
                else None
            )
            links[event_id] = item
        else:
            continue
        items.append(item)
    return items


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


def person_on(row: dict[str, Any], day: date) -> dict[str, Any] | None:
    """A person's line of the pipeline on ``day`` (None before they applied); the sealed
    name stays sealed here (the API unseals it for the roles that may read it)."""
    path = path_on(row, day)
    if path is None:
        return None
    waited = (day - since(path)).days
    return {
        "candidate_id": row["candidate_id"],
        "branch_id": row["branch_id"],
        "stage": path.stage,
        "since": since(path).isoformat(),
        "days_at_stage": waited,
        "overdue": overdue_on(path, day),
        "erased": path.erased,
        "sealed_name": path.sealed_name,
        "probation_ends": path.probation_ends.isoformat() if path.probation_ends else None,
        "recommendations": [org for org, _ in path.recommendations],
    }


def pipeline(rows: list[dict[str, Any]], day: date, *, with_people: bool = True) -> dict[str, Any]:
    """How many of ``rows`` (the people asked for, by id) are at each step on ``day`` and
    how long they have been there, what is overdue, and the recommendations of mass
    organizations (推优) by then."""
    days: dict[str, list[int]] = {stage: [] for stage in STAGES}
    overdue = dict.fromkeys(OVERDUE, 0)
    recommended = {org.value: 0 for org in MassOrganization}
    people = []
    for row in sorted(rows, key=lambda r: r["candidate_id"]):
        line = person_on(row, day)
        if line is None:
            continue
        days[line["stage"]].append(line["days_at_stage"])
        for key in line["overdue"]:
            overdue[key] += 1
        for organization in line.pop("recommendations"):
            recommended[organization] += 1
        if with_people:
            people.append(line)
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
