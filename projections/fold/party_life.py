"""A branch's year of regular organizational life, as of a business date: a pure fold of the
branch's ``BranchLife`` events into each duty's periods (done, due, overdue, upcoming).

Time has the meaning it has on every view (``projections/fold/dated.py``): the state on D
is what the events dated D or earlier made of it, applied in log order, corrections and
withdrawals counting from their own dates; which events there are is what had been
recorded by the knowledge time T (the caller passes those). The rules are the domain's
(``domain.party_life.settle_duty``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from domain.base import Fact
from domain.branch_life import BranchLife
from domain.party_life import (
    BRANCH,
    STANDARD_PROGRAMME,
    DutyPeriod,
    Held,
    LifeDuty,
    LifeStatus,
    settle_duty,
)


@dataclass
class LifeOn:
    """The branch's current facts on a day, by event id, in the order they were recorded."""

    facts: dict[UUID, Fact] = field(default_factory=dict)


def facts_on(events: Iterable[Any], as_of: date) -> LifeOn:
    """Fold the events in log order: corrections and withdrawals dated ``as_of`` or
    earlier apply; the facts that stand are those dated (as then corrected) by ``as_of``,
    as ``projections.fold.dated.fact_on`` reads a fact."""
    state = LifeOn()
    for event in events:
        provenance = getattr(event, "provenance", None)
        if provenance is None:
            continue
        amends = isinstance(event, (BranchLife.FactCorrected, BranchLife.FactWithdrawn))
        if amends and provenance.occurred_on > as_of:
            continue
        if isinstance(event, BranchLife.FactCorrected):
            found = state.facts.get(event.corrects)
            if found is not None:
                state.facts[event.corrects] = found.corrected(event.changes)
        elif isinstance(event, BranchLife.FactWithdrawn):
            state.facts.pop(event.withdraws, None)
        elif isinstance(event, BranchLife.Fact):
            state.facts[event.provenance.event_id] = event
    # A correction can move a fact's own date past D.
    state.facts = {k: f for k, f in state.facts.items() if f.provenance.occurred_on <= as_of}
    return state


def held_and_delays(state: LifeOn) -> tuple[list[Held], dict[str, dict[str, date]]]:
    held: list[Held] = []
    delays: dict[str, dict[str, date]] = {}
    for event_id, fact in state.facts.items():
        if isinstance(fact, BranchLife.LifeActivityHeld):
            held.append(
                Held(
                    str(event_id), fact.activity, fact.provenance.occurred_on, frozenset(fact.parts)
                )
            )
        elif isinstance(fact, BranchLife.LifeMeetingDelayApproved):
            delays.setdefault(fact.duty, {})[fact.period] = fact.until
    return held, delays


def _period_row(found: DutyPeriod) -> dict[str, Any]:
    return {
        "period": found.period.key,
        "starts_on": found.period.starts_on.isoformat(),
        "ends_on": found.period.ends_on.isoformat(),
        "due_on": found.due_on.isoformat(),
        "status": found.status.value,
        "done_on": found.done_on.isoformat() if found.done_on else None,
        "late": found.late,
        "counted": list(found.counted),
        "missing_parts": list(found.missing_parts),
        "delayed_until": found.delayed_until.isoformat() if found.delayed_until else None,
    }


def branch_year(
    events: Iterable[Any],
    year: int,
    as_of: date,
    programme: tuple[LifeDuty, ...] = STANDARD_PROGRAMME,
) -> dict[str, Any]:
    """Each branch duty of the programme, period by period, as it stands on ``as_of``, and
    the counts of periods by status."""
    held, delays = held_and_delays(facts_on(events, as_of))
    duties = []
    counts = {status.value: 0 for status in LifeStatus}
    late = 0
    for duty in programme:
        if duty.owner != BRANCH:
            continue
        settled = settle_duty(duty, year, held, delays.get(duty.key, {}), as_of)
        for found in settled:
            counts[found.status.value] += 1
            late += found.late
        duties.append(
            {
                "duty": duty.key,
                "activity": duty.activity.value,
                "label": duty.activity.zh,
                "cadence": duty.cadence.value,
                "times": duty.times,
                "required_parts": sorted(duty.required_parts),
                "seed": duty.seed,
                "periods": [_period_row(found) for found in settled],
            }
        )
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "counts": {**counts, "late": late},
        "duties": duties,
    }
