"""Folds of committees' yearly development plans, and the pipeline measured against one.

``development_plan`` keeps a plan's history, ``[occurred_on, kind, values]`` in log order
(``set``: the guidance and targets; ``revised``: new targets and why). ``plan_on`` reads it on
a business date as every view does: the items dated that day or earlier, in log order.
``done_in_year`` counts the committee's people's steps in the plan's year by that day, from
their steps as they stood then (``fold.members.steps_on``: corrections and withdrawals
applied), each by the day it happened.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from taizhang.domain.development_plan import TARGETS, DevelopmentPlan
from taizhang.projections.fold.common import iso
from taizhang.projections.fold.members import steps_on
from taizhang.projections.state import ViewState

SET, REVISED = "set", "revised"
TABLE = "development_plan"


def plan_set(state: ViewState, e: DevelopmentPlan.DevelopmentPlanSet) -> None:
    pid = str(e.originator_id)
    values = {
        "targets": dict(e.targets),
        "guidance_document_id": e.guidance_document_id,
        "guidance_admitted": e.guidance_admitted,
        "by": e.provenance.actor,
    }
    state.put(
        TABLE,
        (pid,),
        {
            "plan_id": pid,
            "committee_id": str(e.committee_id),
            "year": e.year,
            "history": [[iso(e.provenance.occurred_on), SET, values, str(e.provenance.event_id)]],
        },
    )


def plan_revised(state: ViewState, e: DevelopmentPlan.DevelopmentPlanRevised) -> None:
    key = (str(e.originator_id),)
    row = state.get(TABLE, key)
    if row is None:
        return
    values = {"targets": dict(e.targets), "reason": e.reason, "by": e.provenance.actor}
    row["history"].append(
        [iso(e.provenance.occurred_on), REVISED, values, str(e.provenance.event_id)]
    )
    state.put(TABLE, key, row)


HANDLERS: dict[type, Any] = {
    DevelopmentPlan.DevelopmentPlanSet: plan_set,
    DevelopmentPlan.DevelopmentPlanRevised: plan_revised,
}


def plan_on(history: list[list[Any]], day: str) -> dict[str, Any] | None:
    """The plan as it stood on ``day`` (None before it was set), with its revisions then."""
    found: dict[str, Any] | None = None
    for on, kind, values, event_id in history:
        if on > day:
            continue
        if kind == SET:
            found = {
                "set_on": on,
                "event_id": event_id,
                "targets": dict(values["targets"]),
                "guidance_document_id": values["guidance_document_id"],
                "guidance_admitted": values["guidance_admitted"],
                "revisions": [],
            }
        elif found is not None:
            found["targets"] = dict(values["targets"])
            found["revisions"].append(
                {"event_id": event_id, "occurred_on": on, "reason": values["reason"]}
            )
    return found


def done_in_year(people: list[dict[str, Any]], year: int, day: date) -> dict[str, int]:
    """How many activists and development candidates were designated, admissions approved
    and conversions approved in ``year`` up to ``day``, by the steps as they stood then."""
    first, last = date(year, 1, 1).isoformat(), min(day, date(year, 12, 31)).isoformat()
    done = dict.fromkeys(TARGETS, 0)
    for row in people:
        outcome = None
        for name, _, on, values, _ in steps_on(row["history"], last):
            if name == "ConversionVoted":
                outcome = values["outcome"] if values.get("carried") else None
            if on < first:
                continue
            if name == "ActivistDesignated":
                done["activists"] += 1
            elif name == "DevelopmentCandidateDesignated":
                done["development_candidates"] += 1
            elif name == "AdmissionApproved" and values.get("approved"):
                done["admitted"] += 1
            elif name == "ConversionApproved" and values.get("approved") and outcome == "convert":
                done["converted"] += 1
    return done
