"""A phase's dates and its status on a day: the domain's rules (``taizhang.domain.progress``) give
the first day a phase counts as started, done and due; the status on any day follows from
comparing the day with them. The views count the same in SQL (``taizhang.projections.view_sql``),
held to ``status_on`` by tests/projections/test_phase_sql.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from taizhang.domain.phases import PhaseDefinition
from taizhang.domain.progress import completion_date, due_date, phase_started_milestone
from taizhang.projections.state import ViewState


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
        due=tuple(p.get("due") or ()),
    )


def phase_dates(
    phase: PhaseDefinition, reached: dict[str, date]
) -> tuple[date | None, date | None, date | None]:
    """(started_on, done_on, due_on): the first day the phase counts as started, as done,
    and as having reached what its deadline binds.

    The domain's rules decide both (``phase_progress`` judges by the same milestones); a
    date is the earliest day its answer changes, so the status on any day D follows from
    comparing D with these dates (see ``status_on``).
    """
    done_on = completion_date(phase, reached)
    starters = (*phase.starters, phase_started_milestone(phase.key))
    started = [reached[m] for m in starters if m in reached]
    return (min(started) if started else None), done_on, due_date(phase, reached)


def status_on(
    started_on: str | None,
    done_on: str | None,
    deadline: str | None,
    day: str,
    due_on: str | None = None,
) -> str:
    """A phase's status on ``day`` from its dates (the views count the same in SQL);
    ``due_on`` defaults to ``done_on`` (a deadline that binds every milestone)."""
    if done_on is not None and done_on <= day:
        return "done"
    due = due_on if due_on is not None else done_on
    if deadline is not None and deadline < day and (due is None or due > day):
        return "overdue"
    if started_on is not None and started_on <= day:
        return "in_progress"
    return "not_started"
