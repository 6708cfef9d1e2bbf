"""Folds of a branch's work in a campaign, and the derived progress columns and phase rows.

Each fact is kept in compact form on the branch's progress row (``facts``), corrected and
withdrawn as the aggregate's ``Facts`` would be. The counts, milestones and phase rows are
derived from those facts by the domain's own rules, once per batch for each branch touched.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from domain.branch_work import BranchWork
from domain.phases import PhaseDefinition
from domain.progress import completion_date, milestones, phase_started_milestone
from projections.fold.common import compact, compact_stored, correct, iso, revive
from projections.state import Key, ViewState

# The fields of each fact the views need; every other field is only in the timeline.
KEPT: dict[str, tuple[str, ...]] = {
    "StudySessionHeld": ("days",),
    "SecretaryTrainingHeld": ("days",),
    "OpinionsCollected": ("count",),
    "WorkSystemChanged": ("system_id", "change"),
    "VolunteerTeamSetUp": ("team_id",),
    "ServiceCommitmentMade": ("commitment_id",),
    "ServiceCommitmentFulfilled": ("commitment_id",),
    "PhaseWorkRecorded": ("phase_key", "done"),
}

FACT_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in vars(BranchWork).values()
    if isinstance(cls, type) and issubclass(cls, BranchWork.Fact)
}

# Meetings are the campaign's required gatherings; study sessions count as study days.
_MEETINGS = ("MobilizationMeetingHeld", "OrganizationalLifeMeetingHeld")


def _row(state: ViewState, event: Any) -> tuple[Key, dict[str, Any]] | None:
    key = state.work_keys.get(str(event.originator_id))
    if key is None:
        return None
    return key, state.rows["branch_progress"][key]


def fact_recorded(state: ViewState, e: Any) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    name = type(e).__name__
    row["facts"][e.provenance.event_id.hex] = compact(e, KEPT.get(name, ()))
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def fact_stored(state: ViewState, aggregate_id: str, name: str, version: int, values: Any) -> None:
    """``fact_recorded`` from the stored event's plain values (``fold.stored``)."""
    key = state.work_keys.get(aggregate_id)
    if key is None:
        return
    row = state.rows["branch_progress"][key]
    provenance = values["provenance"]
    row["facts"][provenance["event_id"]] = compact_stored(
        name, version, provenance["occurred_on"], values, KEPT.get(name, ())
    )
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def fact_corrected(state: ViewState, e: BranchWork.FactCorrected) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    entry = row["facts"].get(e.corrects.hex)
    if entry is None:
        return
    correct(entry, e.changes, KEPT.get(entry[0], ()))
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def fact_withdrawn(state: ViewState, e: BranchWork.FactWithdrawn) -> None:
    found = _row(state, e)
    if found is None:
        return
    key, row = found
    row["facts"].pop(e.withdraws.hex, None)
    state.touch("branch_progress", key)
    state.stale_works.add(key)


HANDLERS: dict[type, Any] = {cls: fact_recorded for cls in FACT_CLASSES.values()}
HANDLERS[BranchWork.FactCorrected] = fact_corrected
HANDLERS[BranchWork.FactWithdrawn] = fact_withdrawn


def campaign_phases(state: ViewState, campaign_id: str) -> tuple[PhaseDefinition, ...]:
    phases = state.phase_cache.get(campaign_id)
    if phases is None:
        row = state.get("view_campaign", (campaign_id,))
        phases = tuple(phase_definition(p) for p in (row["phases"] if row else ()))
        state.phase_cache[campaign_id] = phases
    return phases  # type: ignore[no-any-return]


def phase_definition(p: dict[str, Any]) -> PhaseDefinition:
    return PhaseDefinition(
        key=p["key"],
        name_zh=p["name_zh"],
        name_en=p["name_en"],
        order=p["order"],
        deadline=date.fromisoformat(p["deadline"]) if p.get("deadline") else None,
        done_when=tuple(p.get("done_when") or ()),
        started_by=tuple(p.get("started_by") or ()),
    )


def phase_dates(
    phase: PhaseDefinition, reached: dict[str, date]
) -> tuple[date | None, date | None]:
    """(started_on, done_on): the first day the phase counts as started, and as done.

    The domain's rules decide both (``phase_progress`` judges by the same milestones); a
    date is the earliest day its answer changes, so the status on any day D follows from
    comparing D with these dates (see ``status_on``).
    """
    done_on = completion_date(phase, reached)
    starters = (*phase.starters, phase_started_milestone(phase.key))
    started = [reached[m] for m in starters if m in reached]
    return (min(started) if started else None), done_on


def status_on(started_on: str | None, done_on: str | None, deadline: str | None, day: str) -> str:
    """A phase's status on ``day`` from its stored dates: what the SQL views compute too."""
    if done_on is not None and done_on <= day:
        return "done"
    if deadline is not None and deadline < day:
        return "overdue"
    if started_on is not None and started_on <= day:
        return "in_progress"
    return "not_started"


def refresh_work(state: ViewState, key: Key) -> None:
    """Recompute a branch's counts, milestones and phase rows from its current facts."""
    row = state.rows["branch_progress"].get(key)
    if row is None:
        return
    facts = [revive(entry, FACT_CLASSES) for entry in row["facts"].values()]
    listed_on = [date.fromisoformat(on) for on in row["problems"].values()]
    reached = milestones(facts, listed_on)
    commitments = BranchWork.commitments_of(facts)
    names = Counter(entry[0] for entry in row["facts"].values())
    row["meetings"] = sum(names[name] for name in _MEETINGS)
    row["study_days"] = str(
        sum((f.days for f in facts if isinstance(f, BranchWork.StudySessionHeld)), Decimal(0))
    )
    row["opinions_collected"] = sum(
        f.count for f in facts if isinstance(f, BranchWork.OpinionsCollected)
    )
    row["work_systems"] = sum(
        1 for change in BranchWork.work_systems_of(facts).values() if change.value != "abolished"
    )
    row["volunteer_teams"] = names["VolunteerTeamSetUp"]
    row["commitments_made"] = len(commitments)
    row["commitments_fulfilled"] = sum(1 for done in commitments.values() if done)
    row["optional_actions"] = names["OptionalActionRecorded"]
    row["supervision_visits"] = names["SupervisionVisitRecorded"]
    dates = [entry[2] for entry in row["facts"].values()]
    if row["problem_activity_on"]:
        dates.append(row["problem_activity_on"])
    row["last_activity_on"] = max(dates) if dates else None
    row["milestones"] = {name: iso(on) for name, on in sorted(reached.items())}
    state.touch("branch_progress", key)
    campaign_id, branch_id = key
    phases = campaign_phases(state, campaign_id)
    done_dates: list[date | None] = []
    for phase in phases:
        started_on, done_on = phase_dates(phase, reached)
        done_dates.append(done_on)
        phase_key = (campaign_id, branch_id, phase.key)
        new = {
            "campaign_id": campaign_id,
            "branch_id": branch_id,
            "phase_key": phase.key,
            "phase_order": phase.order,
            "started_on": iso(started_on) if started_on else None,
            "done_on": iso(done_on) if done_on else None,
            "deadline": iso(phase.deadline) if phase.deadline else None,
        }
        if state.rows["branch_phase"].get(phase_key) != new:
            state.put("branch_phase", phase_key, new)
    # The day the last phase was done: the views count "all phases done" without a join.
    done_all = None not in done_dates and bool(done_dates)
    row["all_phases_done_on"] = iso(max(done_dates)) if done_all else None  # type: ignore[type-var]
