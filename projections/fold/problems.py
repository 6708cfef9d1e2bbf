"""Folds of problems (问题清单) and their rectification, into the problem ledger."""

from __future__ import annotations

from typing import Any

from domain.problem import Problem
from projections.fold.common import compact, compact_stored, correct, flag, iso, iso_text, revive
from projections.state import ViewState

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
    progress = state.rows["branch_progress"].get(key)
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
        values["responsible_person"],
        values["deadline"],
    )


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
        "deadline": deadline,
        "listed_on": on,
        "status": "listed",
        "rectified_on": None,
        "verified_on": None,
        "verifier": None,
        "verification_passed": None,
        "percent_done": None,
        "withdrawn": 0,
        "facts": {},
    }
    state.put("problem_ledger", (pid,), row)
    state.problems_of_work[(campaign_id, branch_id)].add(pid)
    state.stale_problems.add(pid)  # its branch's counts
    progress = state.rows["branch_progress"].get(_progress_key(row))
    if progress is not None:
        progress["problems"][pid] = on
    _activity(state, row, on)


def _problem(state: ViewState, e: Any) -> dict[str, Any] | None:
    return state.rows["problem_ledger"].get((str(e.originator_id),))


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
    row = state.rows["problem_ledger"].get((aggregate_id,))
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
        deadline=e.deadline.isoformat(),
    )
    _changed(state, row)


def fact_corrected(state: ViewState, e: Problem.FactCorrected) -> None:
    row = _problem(state, e)
    entry = row["facts"].get(e.corrects.hex) if row else None
    if row is None or entry is None:
        return
    correct(entry, e.changes, KEPT.get(entry[0], ()))
    _changed(state, row)


def fact_withdrawn(state: ViewState, e: Problem.FactWithdrawn) -> None:
    row = _problem(state, e)
    if row is None:
        return
    row["facts"].pop(e.withdraws.hex, None)
    _changed(state, row)


def withdrawn(state: ViewState, e: Problem.Withdrawn) -> None:
    row = _problem(state, e)
    if row is None:
        return
    row["withdrawn"] = 1
    progress = state.rows["branch_progress"].get(_progress_key(row))
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
    """Recompute a problem's status by the domain's rule, from its current facts."""
    row = state.rows["problem_ledger"].get((problem_id,))
    if row is None:
        return
    entries = sorted(row["facts"].values(), key=lambda entry: entry[1])
    row["status"] = Problem.status_of([revive(entry, FACT_CLASSES) for entry in entries]).value
    row["rectified_on"] = None
    row["verified_on"] = row["verifier"] = row["verification_passed"] = row["percent_done"] = None
    for name, _version, on, extra in entries:
        if name == "RectificationDone":
            row["rectified_on"] = on
        elif name == "RectificationProgressed":
            row["percent_done"] = extra["percent_done"]
        elif name == "RectificationVerified":
            row["verified_on"] = on
            row["verifier"] = extra["verifier"]
            row["verification_passed"] = flag(extra["passed"])
    state.touch("problem_ledger", (problem_id,))


# The statuses the supervision views count as rectified, and as not yet (so possibly overdue).
RECTIFIED = frozenset({"done", "verified"})
UNRECTIFIED = frozenset({"listed", "in_progress"})


def refresh_problem_counts(state: ViewState, key: tuple[str, str]) -> None:
    """Recount a branch's problems (not withdrawn) by deadline into ``problem_counts``."""
    counts: dict[str, list[int]] = {}
    ledger = state.rows["problem_ledger"]
    for problem_id in state.problems_of_work.get(key, ()):
        row = ledger.get((problem_id,))
        if row is None or row["withdrawn"]:
            continue
        count = counts.setdefault(row["deadline"], [0, 0, 0])
        count[0] += 1
        if row["status"] in RECTIFIED:
            count[1] += 1
        elif row["status"] in UNRECTIFIED:
            count[2] += 1
    campaign_id, branch_id = key
    for deadline in state.count_deadlines.pop(key, set()) - counts.keys():
        state.delete("problem_counts", (campaign_id, branch_id, deadline))
    for deadline, (listed_n, rectified_n, unrectified_n) in counts.items():
        new = {
            "campaign_id": campaign_id,
            "branch_id": branch_id,
            "deadline": deadline,
            "listed": listed_n,
            "rectified": rectified_n,
            "unrectified": unrectified_n,
        }
        if state.rows["problem_counts"].get((campaign_id, branch_id, deadline)) != new:
            state.put("problem_counts", (campaign_id, branch_id, deadline), new)
    if counts:
        state.count_deadlines[key] = set(counts)


def index_problems(state: ViewState) -> None:
    """The indexes above, from rows loaded from the tables."""
    for (problem_id,), row in state.rows["problem_ledger"].items():
        state.problems_of_work[(row["campaign_id"], row["branch_id"])].add(problem_id)
    for campaign_id, branch_id, deadline in state.rows["problem_counts"]:
        state.count_deadlines.setdefault((campaign_id, branch_id), set()).add(deadline)
