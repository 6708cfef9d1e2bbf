"""Fold of the branch timeline: every event of a branch, its work and its problems, in order."""

from __future__ import annotations

import json
from typing import Any

from domain.branch import Branch
from domain.branch_work import BranchWork
from domain.problem import Problem
from domain.records import event_record
from projections.state import ViewState

TIMELINE = "branch_timeline"
OWNERS = "timeline_owner"


def _owner(state: ViewState, event: Any) -> tuple[str, str | None] | None:
    """(branch_id, campaign_id) the event belongs to, or None if it is no branch's."""
    if isinstance(event, Branch.Event):
        return str(event.originator_id), None
    aggregate_id = str(event.originator_id)
    if isinstance(event, (BranchWork.Opened, Problem.Listed)):
        owner = {
            "aggregate_id": aggregate_id,
            "branch_id": str(event.branch_id),
            "campaign_id": str(event.campaign_id),
        }
        state.put(OWNERS, (aggregate_id,), owner)
    elif isinstance(event, (BranchWork.Event, Problem.Event)):
        owner = state.rows[OWNERS].get((aggregate_id,))  # type: ignore[assignment]
        if owner is None:
            return None
    else:
        return None
    return owner["branch_id"], owner["campaign_id"]


def fold(state: ViewState, event: Any, position: int) -> None:
    owner = _owner(state, event)
    if owner is None:
        return
    record = event_record(event)
    state.put(
        TIMELINE,
        (position,),
        {
            "position": position,
            "branch_id": owner[0],
            "campaign_id": owner[1],
            "aggregate_kind": record["aggregate_kind"],
            "aggregate_id": record["aggregate_id"],
            "version": record["version"],
            "event_id": record["event_id"],
            "type": record["type"],
            "occurred_on": record["occurred_on"],
            "recorded_at": record["recorded_at"],
            "actor": record["actor"],
            "source": record["source"],
            "client_event_id": record["client_event_id"],
            "data": json.dumps(record["data"], sort_keys=True, ensure_ascii=False),
            "corrected_by": None,
            "withdrawn_by": None,
        },
    )
    event_id = record["event_id"]
    if isinstance(event, (BranchWork.FactCorrected, Problem.FactCorrected)):
        state.timeline_marks.append(("corrected_by", str(event.corrects), event_id))
    elif isinstance(event, (BranchWork.FactWithdrawn, Problem.FactWithdrawn)):
        state.timeline_marks.append(("withdrawn_by", str(event.withdraws), event_id))
    elif isinstance(event, Problem.Withdrawn):
        state.timeline_problem_withdrawals.append((record["aggregate_id"], event_id))
