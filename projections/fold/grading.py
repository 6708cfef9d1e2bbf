"""Folds of grading rounds (分类定级) and upgrading (晋位升级), and how an entry stood on a day.

``grading_round`` keeps a round's definition. ``grading_entry`` keeps, per round and branch,
the history of what was recorded, ``[occurred_on, kind, values]`` in log order, with the
grader (the provenance's actor) beside each grade. ``entry_on`` reads an entry as it stood
on a business date: the items dated that day or earlier, applied in log order
(``taizhang.projections.fold.dated``'s meaning of a day).
"""

from __future__ import annotations

from typing import Any

from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import Grade
from taizhang.projections.fold.common import iso
from taizhang.projections.state import ViewState

SURVEYED, GRADED, OBJECTED, REGRADED = "surveyed", "graded", "objected", "regraded"
CORRECTED, WITHDRAWN = "corrected", "withdrawn"
PLANNED, PROGRESSED, DONE, VERIFIED = "planned", "progressed", "done", "verified"


def round_defined(state: ViewState, e: GradingRound.Defined) -> None:
    rid = str(e.originator_id)
    state.put(
        "grading_round",
        (rid,),
        {
            "round_id": rid,
            "district_id": str(e.district_id),
            "committee_id": str(e.committee_id) if e.committee_id is not None else None,
            "name": e.name,
            "year": e.year,
            "starts_on": iso(e.starts_on),
            "ends_on": iso(e.ends_on),
            "defined_on": iso(e.provenance.occurred_on),
            "criteria": [
                {"key": c.key, "name_zh": c.name_zh, "name_en": c.name_en} for c in e.criteria
            ],
        },
    )


def _append(state: ViewState, e: Any, kind: str, values: dict[str, Any]) -> None:
    key = (str(e.originator_id), str(e.branch_id))
    row = state.get("grading_entry", key)
    if row is None:
        round_row = state.get("grading_round", (key[0],)) or {}
        row = {
            "round_id": key[0],
            "branch_id": key[1],
            "district_id": round_row.get("district_id"),
            "history": [],
        }
    row["history"].append([iso(e.provenance.occurred_on), kind, values])
    state.put("grading_entry", key, row)


def surveyed(state: ViewState, e: GradingRound.OrganizationSurveyed) -> None:
    _append(state, e, SURVEYED, {"items": sorted(e.findings)})


def _grade_values(e: Any) -> dict[str, Any]:
    return {
        "event_id": str(e.provenance.event_id),
        "grade": e.grade.value,
        "criteria_met": list(e.criteria_met),
        "grader": e.provenance.actor,
    }


def graded(state: ViewState, e: GradingRound.OrganizationGraded) -> None:
    _append(state, e, GRADED, _grade_values(e))


def objected(state: ViewState, e: GradingRound.GradeObjected) -> None:
    _append(state, e, OBJECTED, {})


def regraded(state: ViewState, e: GradingRound.OrganizationRegraded) -> None:
    _append(state, e, REGRADED, _grade_values(e))


def grade_corrected(state: ViewState, e: GradingRound.GradeCorrected) -> None:
    values = _grade_values(e) | {"corrects": str(e.corrects), "reason": e.reason}
    _append(state, e, CORRECTED, values)


def grade_withdrawn(state: ViewState, e: GradingRound.GradeWithdrawn) -> None:
    values = {
        "event_id": str(e.provenance.event_id),
        "withdraws": str(e.withdraws),
        "grader": e.provenance.actor,
        "reason": e.reason,
    }
    _append(state, e, WITHDRAWN, values)


def plan_set(state: ViewState, e: GradingRound.UpgradingPlanSet) -> None:
    _append(
        state,
        e,
        PLANNED,
        {
            "target_grade": e.target_grade.value,
            "responsible_person": e.responsible_person,
            "deadline": iso(e.deadline),
        },
    )


def progressed(state: ViewState, e: GradingRound.UpgradingProgressed) -> None:
    _append(state, e, PROGRESSED, {"percent_done": e.percent_done})


def done(state: ViewState, e: GradingRound.UpgradingDone) -> None:
    _append(state, e, DONE, {})


def verified(state: ViewState, e: GradingRound.UpgradingVerified) -> None:
    _append(state, e, VERIFIED, {"passed": e.passed, "verifier": e.provenance.actor})


HANDLERS: dict[type, Any] = {
    GradingRound.Defined: round_defined,
    GradingRound.OrganizationSurveyed: surveyed,
    GradingRound.OrganizationGraded: graded,
    GradingRound.GradeObjected: objected,
    GradingRound.OrganizationRegraded: regraded,
    GradingRound.GradeCorrected: grade_corrected,
    GradingRound.GradeWithdrawn: grade_withdrawn,
    GradingRound.UpgradingPlanSet: plan_set,
    GradingRound.UpgradingProgressed: progressed,
    GradingRound.UpgradingDone: done,
    GradingRound.UpgradingVerified: verified,
}

_PLAN_STATUS = {PROGRESSED: "in_progress", DONE: "done"}


def entry_on(history: list[list[Any]], day: str) -> dict[str, Any]:
    """What an entry's history made of it by ``day``: surveyed, the grade and who gave it,
    whether an objection is open, and the upgrading plan with its status and overdue flag
    (an open plan whose deadline is before ``day``, as a rectification's)."""
    found: dict[str, Any] = {
        "surveyed": False,
        "grade": None,
        "graded_on": None,
        "grader": None,
        "criteria_met": [],
        "objection_open": False,
        "corrected_by": None,
        "plan": None,
    }
    corrections, withdrawn = amendments_on(history, day)
    for on, kind, values in history:
        if on > day:
            continue
        if kind == SURVEYED:
            found["surveyed"] = True
        elif kind in (GRADED, REGRADED):
            if values.get("event_id") in withdrawn:
                continue
            correction = corrections.get(values.get("event_id"), {})
            found.update(
                grade=correction.get("grade", values["grade"]),
                graded_on=on,
                grader=values["grader"],
                criteria_met=correction.get("criteria_met", values["criteria_met"]),
                objection_open=False,
                corrected_by=correction.get("event_id"),
            )
        elif kind in (CORRECTED, WITHDRAWN):
            continue
        elif kind == OBJECTED:
            found["objection_open"] = True
        elif kind == PLANNED:
            found["plan"] = {**values, "set_on": on, "status": "planned", "percent_done": 0}
        elif found["plan"] is not None:
            plan = dict(found["plan"])
            if kind == VERIFIED:
                plan["status"] = "verified" if values["passed"] else "in_progress"
            else:
                plan["status"] = _PLAN_STATUS[kind]
                plan["percent_done"] = values.get("percent_done", 100 if kind == DONE else 0)
            found["plan"] = plan
    plan = found["plan"]
    if plan is not None:
        plan["overdue"] = plan["status"] in ("planned", "in_progress") and plan["deadline"] < day
    return found


def amendments_on(history: list[list[Any]], day: str) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The corrections (by the event id of the grade corrected: the latest one's values) and
    the withdrawals (the event ids of the grades withdrawn) dated ``day`` or earlier: a grade
    stands corrected, or withdrawn, from the amendment's own date on."""
    corrections: dict[str, dict[str, Any]] = {}
    withdrawn: set[str] = set()
    for on, kind, values in history:
        if on > day:
            continue
        if kind == CORRECTED:
            corrections[values["corrects"]] = values
        elif kind == WITHDRAWN:
            withdrawn.add(values["withdraws"])
    return corrections, withdrawn


def grade_history(history: list[list[Any]], day: str) -> list[dict[str, Any]]:
    """The grades, corrections and withdrawals of an entry dated ``day`` or earlier, in log
    order, each linked both ways: a grade names what corrected or withdrew it
    (``corrected_by``, ``withdrawn_by``, with the values it stands with), an amendment what
    it corrects or withdraws."""
    corrections, withdrawn = amendments_on(history, day)
    withdrawn_by = {
        values["withdraws"]: values["event_id"]
        for on, kind, values in history
        if kind == WITHDRAWN and on <= day
    }
    corrected_by: dict[str, list[str]] = {}
    for on, kind, values in history:
        if kind == CORRECTED and on <= day:
            corrected_by.setdefault(values["corrects"], []).append(values["event_id"])
    items = []
    for on, kind, values in history:
        if on > day or kind not in (GRADED, REGRADED, CORRECTED, WITHDRAWN):
            continue
        item = {"kind": kind, "occurred_on": on, **values}
        event_id = values.get("event_id")
        if kind in (GRADED, REGRADED):
            item["corrected_by"] = corrected_by.get(event_id, [])
            item["withdrawn_by"] = withdrawn_by.get(event_id)
            item["stands"] = event_id not in withdrawn
            if event_id in corrections:
                item["standing_grade"] = corrections[event_id]["grade"]
                item["standing_criteria_met"] = corrections[event_id]["criteria_met"]
            else:
                item["standing_grade"] = values["grade"]
                item["standing_criteria_met"] = values["criteria_met"]
        items.append(item)
    return items


def movement(before: str, after: str) -> str:
    """``up``, ``stayed`` or ``down`` from one grade to the next."""
    difference = Grade.of(after, "grade").rank - Grade.of(before, "grade").rank
    return "up" if difference > 0 else "down" if difference < 0 else "stayed"
