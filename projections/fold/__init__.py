"""Projection logic: plain functions of (view state, event), no I/O.

The same code serves the live worker, the rebuild and the as-of reports. ``fold`` applies
one event to one projection; ``settle`` recomputes the derived rows of what a batch touched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from taizhang.projections.fold import (
    coverage,
    grading,
    life_spans,
    life_themes,
    members,
    organizations,
    party_life,
    plans,
    problems,
    work,
    yearly,
)
from taizhang.projections.fold.stored import aggregate_id_of, class_of, plain_values
from taizhang.projections.state import ViewState

PROGRESS_HANDLERS: dict[type, Any] = {
    **organizations.HANDLERS,
    **work.HANDLERS,
    **problems.HANDLERS,
    **grading.HANDLERS,
    **yearly.HANDLERS,
    **coverage.HANDLERS,
    **party_life.HANDLERS,
    **life_themes.HANDLERS,
    **members.HANDLERS,
    **plans.HANDLERS,
}


def fold(state: ViewState, projection: str, event: Any, position: int) -> None:
    if projection != "progress":
        # The timeline folds the stored event itself, undecoded: timeline.fold_stored.
        raise ValueError(f"fold: {projection!r} does not fold decoded events")
    handler = PROGRESS_HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)


# Folds of the commonest events -- a recorded fact (nearly every event of the log), a
# listed problem -- run on the stored event's plain values, without decoding it (see
# fold.stored).
_FACT_FOLDS: dict[Any, Any] = {
    work.fact_recorded: work.fact_stored,
    problems.fact_recorded: problems.fact_stored,
    problems.listed: problems.listed_stored,
}


# Whether a replay folds an event at all: (its class, when it was recorded, the business
# date it happened on). As-of reports leave out what was not yet known or had not happened.
Accept = Callable[[type, datetime, date], bool]


def fold_progress(
    state: ViewState, stored: Any, decode: Callable[[Any], Any], accept: Accept | None = None
) -> None:
    """Fold one stored event into the progress projection; ``decode`` makes it a domain
    event when its fold needs one. Events it has no fold for are never decoded, nor are
    events ``accept`` turns away whose stored values say so."""
    cls = class_of(stored.topic)
    handler = PROGRESS_HANDLERS.get(cls)
    if handler is None:
        return
    fact_fold = _FACT_FOLDS.get(handler)
    if fact_fold is not None:
        values = plain_values(stored, cls)
        if values is not None:
            if accept is not None and not accept(
                cls,
                datetime.fromisoformat(values["timestamp"]),
                date.fromisoformat(values["provenance"]["occurred_on"]),
            ):
                return
            fact_fold(
                state, aggregate_id_of(stored), cls.__name__, stored.originator_version, values
            )
            return
    event = decode(stored)
    if accept is not None and not accept(cls, event.timestamp, event.provenance.occurred_on):
        return
    handler(state, event)


def settle(state: ViewState) -> list[tuple[str, Exception]]:
    """Bring derived columns up to date for everything folded since the last settle.

    Returns what could not be recomputed (which row, and why) instead of stopping there,
    so that one bad row never holds up the rest.
    """
    failures: list[tuple[str, Exception]] = []
    for problem_id in sorted(state.stale_problems):
        try:
            problems.refresh_problem(state, problem_id)
        except Exception as error:  # noqa: BLE001
            failures.append((f"problem {problem_id}", error))
        row = state.get("problem_ledger", (problem_id,))
        if row is not None:
            # The branch's problem counts and milestones follow its problems.
            state.stale_works.add((row["campaign_id"], row["branch_id"]))
        state.settled_one()
    state.stale_problems.clear()
    for key in sorted(state.stale_works):
        try:
            work.refresh_work(state, key)
        except Exception as error:  # noqa: BLE001
            failures.append((f"branch progress {key}", error))
        state.settled_one()
    state.stale_works.clear()
    state.problem_changes.clear()
    try:
        life_spans.refresh_life(state)
    except Exception as error:  # noqa: BLE001
        failures.append(("organizational life spans", error))
    return failures
