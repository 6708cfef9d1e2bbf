"""Folds of problems (问题清单) and their rectification, into the problem ledger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from taizhang.domain.problem import Problem
from taizhang.projections.fold.common import (
    Compact,
    compact,
    compact_stored,
    flag,
    iso,
    iso_text,
    record_correction,
    record_withdrawal,
    revive,
)
from taizhang.projections.fold.dated import fact_days, facts_on, last_on
from taizhang.projections.fold.spans import put_spans
from taizhang.projections.schema import OPEN
from taizhang.projections.state import ViewState

KEPT: dict[str, tuple[str, ...]] = {
    "RectificationProgressed": ("percent_done",),
    "RectificationVerified": ("passed",),
}
# Facts whose signer the ledger shows: the actor who posted them (from the credentials),
# never a name in the body.
SIGNED = frozenset({"RectificationVerified"})

FACT_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in vars(Problem).values()
    if isinstance(cls, type) and issubclass(cls, Problem.Fact)
}


def _progress_key(row: dict[str, Any]) -> tuple[str, str]:
    return (row["campaign_id"], row["branch_id"])


def _activity(state: ViewState, row: dict[str, Any], on: str) -> None:
    """A problem's step is activity of its branch in the campaign."""
    key = _progress_key(row)
    progress = state.get("branch_progress", key)
    if progress is None:
        return
    if progress["problem_activity_on"] is None or progress["problem_activity_on"] < on:
        progress["problem_activity_on"] = on
    state.touch("branch_progress", key)
    state.stale_works.add(key)


def listed(state: ViewState, e: Problem.Listed) -> None:
    _list(
        state,
        str(e.originator_id),
        iso(e.provenance.occurred_on),
        str(e.campaign_id),
        str(e.branch_id),
        e.category.value,
        e.description,
        e.measures,
        e.responsible_person,
        e.responsible_person_name,
        e.deadline.isoformat(),
    )


def listed_stored(
    state: ViewState, aggregate_id: str, name: str, version: int, values: Any
) -> None:
    """``listed`` from the stored event's plain values (``fold.stored``): a problem is
    listed for one event in thirteen, too many to decode each."""
    _list(
        state,
        aggregate_id,
        iso_text(values["provenance"]["occurred_on"]),
        values["campaign_id"],
        values["branch_id"],
        values["category"],
        values["description"],
        values["measures"],
        *_person(values),
        values["deadline"],
    )


def _person(values: Any) -> tuple[str, str]:
    """The responsible person's id and sealed name; a listing stored before names were
    sealed (version 1) holds the name in clear and no id, as its upcast reads it."""
    if "responsible_person_name" in values:
        return values["responsible_person"], values["responsible_person_name"]
    return "", values["responsible_person"]


def _list(
    state: ViewState,
    pid: str,
    on: str,
    campaign_id: str,
    branch_id: str,
    category: str,
    description: str,
    measures: str,
    responsible_person: str,
    responsible_person_name: str,
    deadline: str,
) -> None:
    row = {
        "problem_id": pid,
        "campaign_id": campaign_id,
        "branch_id": branch_id,
        "category": category,
        "description": description,
        "measures": measures,
        "responsible_person": responsible_person,
        "responsible_person_name": responsible_person_name,
        "deadline": deadline,
        "listed_on": on,
        "status": "listed",
        "rectified_on": None,
        "verified_on": None,
        "verifier": None,
        "verification_passed": None,
        "percent_done": None,
        "withdrawn": 0,
        "withdrawn_on": None,
        "facts": {},
        "revisions": [[on, measures, responsible_person, deadline, responsible_person_name]],
    }
    state.put("problem_ledger", (pid,), row)
    state.problems_of_work[(campaign_id, branch_id)].add(pid)
    state.stale_problems.add(pid)  # its branch's counts
    progress = state.get("branch_progress", _progress_key(row))
    if progress is not None:
        progress["problems"][pid] = on
    _activity(state, row, on)


def _problem(state: ViewState, e: Any) -> dict[str, Any] | None:
    return state.get("problem_ledger", (str(e.originator_id),))


def _changed(state: ViewState, row: dict[str, Any], on: str | None = None) -> None:
    state.touch("problem_ledger", (row["problem_id"],))
    state.stale_problems.add(row["problem_id"])
    if on is not None:
        _activity(state, row, on)


def fact_recorded(state: ViewState, e: Any) -> None:
    row = _problem(state, e)
    if row is None:
        return
    name = type(e).__name__
    entry = compact(e, KEPT.get(name, ()))
    if name in SIGNED:
        entry[3] = {**(entry[3] or {}), "verifier": e.provenance.actor}
    row["facts"][e.provenance.event_id.hex] = entry
    _changed(state, row, iso(e.provenance.occurred_on))


def fact_stored(state: ViewState, aggregate_id: str, name: str, version: int, values: Any) -> None:
    """``fact_recorded`` from the stored event's plain values (``fold.stored``)."""
    row = state.get("problem_ledger", (aggregate_id,))
    if row is None:
        return
    provenance = values["provenance"]
    entry = compact_stored(name, version, provenance["occurred_on"], values, KEPT.get(name, ()))
    if name in SIGNED:
        entry[3] = {**(entry[3] or {}), "verifier": provenance["actor"]}
    row["facts"][provenance["event_id"]] = entry
    _changed(state, row, entry[2])


def revised(state: ViewState, e: Problem.Revised) -> None:
    row = _problem(state, e)
    if row is None:
        return
    row.update(
        measures=e.measures,
        responsible_person=e.responsible_person,
        responsible_person_name=e.responsible_person_name,
        deadline=e.deadline.isoformat(),
    )
    row["revisions"].append(
        [
            iso(e.provenance.occurred_on),
            e.measures,
            e.responsible_person,
            e.deadline.isoformat(),
            e.responsible_person_name,
        ]
    )
    _changed(state, row)


def fact_corrected(state: ViewState, e: Problem.FactCorrected) -> None:
    row = _problem(state, e)
    entry = row["facts"].get(e.corrects.hex) if row else None
    if row is None or entry is None:
        return
    record_correction(entry, e, KEPT.get(entry[0], ()))
    _changed(state, row)


def fact_withdrawn(state: ViewState, e: Problem.FactWithdrawn) -> None:
    row = _problem(state, e)
    entry = row["facts"].get(e.withdraws.hex) if row else None
    if row is None or entry is None:
        return
    record_withdrawal(entry, e)
    _changed(state, row)


def withdrawn(state: ViewState, e: Problem.Withdrawn) -> None:
    row = _problem(state, e)
    if row is None:
        return
    row["withdrawn"] = 1
    if row["withdrawn_on"] is None:
        row["withdrawn_on"] = iso(e.provenance.occurred_on)
    progress = state.get("branch_progress", _progress_key(row))
    if progress is not None and progress["problems"].pop(row["problem_id"], None) is not None:
        state.touch("branch_progress", _progress_key(row))
        state.stale_works.add(_progress_key(row))
    _changed(state, row)


HANDLERS: dict[type, Any] = {cls: fact_recorded for cls in FACT_CLASSES.values()}
HANDLERS.update(
    {
        Problem.Listed: listed,
        Problem.Revised: revised,
        Problem.FactCorrected: fact_corrected,
        Problem.FactWithdrawn: fact_withdrawn,
        Problem.Withdrawn: withdrawn,
    }
)


def refresh_problem(state: ViewState, problem_id: str) -> None:
    """Recompute a problem's status by the domain's rule, from its facts as they now stand,
    and its spans: the ledger's row on each business date."""
    row = state.get("problem_ledger", (problem_id,))
    if row is None:
        return
    row.update(problem_values(facts_on(row["facts"], OPEN)))
    state.touch("problem_ledger", (problem_id,))
    changes = problem_changes(row)
    state.problem_changes[problem_id] = changes
    put_spans(state, "problem_span", (problem_id,), [(day, c and c[3]) for day, c in changes])


ProblemOn = tuple[str, date, str, dict[str, Any]]


def problem_changes(row: dict[str, Any]) -> list[tuple[str, ProblemOn | None]]:
    """The problem on each day it changes: (day, (day, listed on, its latest step's date,
    the ledger's values) or None while it does not count)."""
    changes: list[tuple[str, ProblemOn | None]] = []
    listed_on = date.fromisoformat(row["listed_on"])
    for day in problem_days(row):
        values = problem_on(row, day)
        if values is None:
            changes.append((day, None))
            continue
        steps = [entry[2] for entry in facts_on(row["facts"], day)]
        changes.append((day, (day, listed_on, max([row["listed_on"], *steps]), values)))
    return changes


def problem_values(entries: Iterable[Compact]) -> dict[str, Any]:
    """The ledger's columns that follow from a problem's facts (``Problem.status_of``)."""
    ordered = sorted(entries, key=lambda entry: entry[1])
    values: dict[str, Any] = {
        "status": Problem.status_of([revive(entry, FACT_CLASSES) for entry in ordered]).value,
        "rectified_on": None,
        "verified_on": None,
        "verifier": None,
        "verification_passed": None,
        "percent_done": None,
    }
    for name, _version, on, extra in (entry[:4] for entry in ordered):
        if name == "RectificationDone":
            values["rectified_on"] = on
        elif name == "RectificationProgressed":
            values["percent_done"] = extra["percent_done"]
        elif name == "RectificationVerified":
            values["verified_on"] = on
            values["verifier"] = extra["verifier"]
            values["verification_passed"] = flag(extra["passed"])
    return values


def problem_days(row: dict[str, Any]) -> list[str]:
    """The business days on which the problem's row can change."""
    days = {row["listed_on"]}
    days.update(revision[0] for revision in row["revisions"])
    for entry in row["facts"].values():
        days.update(fact_days(entry))
    if row["withdrawn_on"] is not None:
        days.add(row["withdrawn_on"])
    return sorted(days)


def problem_on(row: dict[str, Any], day: str) -> dict[str, Any] | None:
    """The problem as the ledger shows it on ``day``: None before it was listed and once
    it was withdrawn."""
    if row["listed_on"] > day or (row["withdrawn_on"] is not None and row["withdrawn_on"] <= day):
        return None
    revision = last_on(row["revisions"], day) or row["revisions"][0]
    return {
        "campaign_id": row["campaign_id"],
        "branch_id": row["branch_id"],
        "category": row["category"],
        "description": row["description"],
        "measures": revision[1],
        "responsible_person": revision[2],
        "responsible_person_name": revision[4] if len(revision) > 4 else None,
        "deadline": revision[3],
        "listed_on": row["listed_on"],
        **problem_values(facts_on(row["facts"], day)),
    }


# The statuses the supervision views count as rectified, and as not yet (so possibly overdue).
RECTIFIED = frozenset({"done", "verified"})
UNRECTIFIED = frozenset({"listed", "in_progress"})


def index_problems(state: ViewState) -> None:
    """The indexes above, from rows loaded from the tables."""
    for (problem_id,), row in state.rows["problem_ledger"].items():
        state.problems_of_work[(row["campaign_id"], row["branch_id"])].add(problem_id)
