"""Each branch's standing in regular organizational life on every business day, as spans
(``life_span``), so that a compliance view as of any day D reads one row per branch
instead of folding every branch's year.

Spans also break on the first of every month of the year and the next (``span_floor``), so
a view on D reads only the spans begun in D's month: one or a few per branch.

A branch's row for a year on D holds what ``fold.party_life.owner_year`` says on D: its
periods by status under the programme in force for it on D, as the committee it belonged
to on D. That changes only on the days a fact of its life stands from (a record's date, a
correction's, the date a correction moves a fact to), a day its register changes, a day a
version of its district's programmes takes effect, and, between those, the days a period
begins (upcoming to due) and the day after one is due (due to overdue). Between two days
on which its facts change, which periods are done (and the due dates, delays included) do
not depend on D (``taizhang.domain.party_life.settle_duty`` sees only the facts dated by D), so
each such day settles every duty once and the status of the periods not done is read off
their dates for the days between.

Spans are kept for the years a fact of the district's life falls in (and those whose
periods a delay names, and, where a programme grants grace days, the year before a fact of
its first three months), for every branch of the district, facts or not. The worker marks
what a batch touched and ``refresh_life`` recomputes those branches' spans whole at its
end (``fold.spans.replace_group``): a branch whose life changed, whose register changed, or
all the district's branches when a programme is set or a year first gets a fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from taizhang.domain.party_life import BRANCH, LifeDuty, LifeStatus, settle_duty
from taizhang.projections.fold.dated import branch_on
from taizhang.projections.fold.party_life import (
    CORRECTED,
    DELAY,
    Programmes,
    Record,
    facts_on,
    held_and_delays,
)
from taizhang.projections.fold.spans import replace_group
from taizhang.projections.schema import OPEN
from taizhang.projections.state import ViewState

LIFE_SPAN = "life_span"
UPCOMING, DUE, DONE, OVERDUE = (s.value for s in LifeStatus)
# One period of a duty as its facts settle it: (duty, starts_on, due_on, done, late).
Settled = tuple[str, str, str, bool, bool]


def mark_branch(state: ViewState, branch_id: str) -> None:
    state.stale_life.add(branch_id)


def mark_district(state: ViewState, district_id: str) -> None:
    state.stale_life_districts.add(district_id)


def fact_days(history: Iterable[Record]) -> set[str]:
    """The days on which the facts standing (``fold.party_life.facts_on``) can change."""
    days = set()
    for on, kind, _, values in history:
        days.add(on)
        if kind == CORRECTED:
            moved = values["changes"].get("occurred_on")
            if isinstance(moved, str):
                days.add(moved)
    return days


# A fact dated by this day of its year may settle a period of the year before in grace
# (taizhang.domain.life_programme.MAX_GRACE_DAYS after 31 December).
GRACE_ENDS = "04-02"


def years_of(history: Iterable[Record], graced: bool) -> set[int]:
    """The years a history's facts may settle periods of: each fact's year; the year of
    the period a delay names (a delay runs past the year's end); and, when a programme of
    the district has grace days, the year before a fact dated early enough."""
    years = set()
    for _, kind, _, values in history:
        if kind == DELAY:
            years.add(int(values["period"][:4]))
        elif kind == CORRECTED and isinstance(values["changes"].get("period"), str):
            years.add(int(values["changes"]["period"][:4]))
    for day in fact_days(history):
        years.add(int(day[:4]))
        if graced and day[5:] <= GRACE_ENDS:
            years.add(int(day[:4]) - 1)
    return years


def graced(state: ViewState, district_id: str) -> bool:
    """Whether one of the district's programmes has a duty with grace days."""
    return any(
        d.get("grace_days", 0)
        for row in state.where("life_programme", ("district_id",), (district_id,))
        for _, v in row["versions"]
        for d in v["duties"]
    )


def _settled(
    history: list[Record],
    year: int,
    day: str,
    duties: tuple[LifeDuty, ...],
    known: dict[Any, list[Settled]],
) -> list[Settled]:
    """Each period of the branch's duties as the facts standing on ``day`` settle it. A
    duty's periods depend only on its own activities and delays: ``known`` keeps them by
    those, so a day on which one activity's facts change settles that duty alone."""
    held, delays = held_and_delays(facts_on(history, day))
    by_activity: dict[str, list[Any]] = {}
    for h in held:
        by_activity.setdefault(h.activity, []).append(h)
    found = []
    for duty in duties:
        if duty.owner != BRANCH:
            continue
        mine = by_activity.get(duty.activity.value, [])
        own_delays = delays.get(duty.key, {})
        key = (duty, tuple(mine), tuple(sorted(own_delays.items())))
        periods = known.get(key)
        if periods is None:
            periods = known[key] = [
                (
                    duty.key,
                    p.period.starts_on.isoformat(),
                    p.due_on.isoformat(),
                    p.status is LifeStatus.DONE,
                    p.late,
                )
                for p in settle_duty(duty, year, mine, own_delays, date.fromisoformat(day))
            ]
        found.extend(periods)
    return found


def _counts(
    settled: list[Settled], day: str, duties: tuple[LifeDuty, ...], where: dict[str, Any]
) -> dict[str, Any]:
    counts = {UPCOMING: 0, DUE: 0, DONE: 0, OVERDUE: 0}
    per_duty = {d.key: [0, 0, 0] for d in duties if d.owner == BRANCH}
    late = 0
    for duty, starts_on, due_on, done, was_late in settled:
        if done:
            status = DONE
            late += was_late
        elif day < starts_on:
            status = UPCOMING
        elif day <= due_on:
            status = DUE
        else:
            status = OVERDUE
        counts[status] += 1
        if status != UPCOMING:
            per_duty[duty][(DONE, DUE, OVERDUE).index(status)] += 1
    return {**where, **counts, "late": late, "duties": per_duty}


def month_starts(year: int) -> set[str]:
    """The first days of the months of ``year`` and the next: spans break on each, so that
    a view on D in those years reads only the spans begun since D's month began
    (``span_floor``)."""
    return {f"{y}-{m:02d}-01" for y in (year, year + 1) for m in range(1, 13)}


def span_floor(year: int, day: str) -> str:
    """The earliest ``from_on`` of a span of ``year`` that holds on ``day``, as far as the
    spans say: the first of D's month in the year and the next, else none."""
    if f"{year}-01-01" <= day < f"{year + 2}-01-01":
        return day[:8] + "01"
    return ""


# A pure function of a date asked millions of times over a district's year: a few hundred
# distinct days.
@lru_cache(maxsize=4096)
def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def year_values(
    register: list[Any],
    history: list[Record],
    year: int,
    programmes: Programmes,
    district_id: str,
) -> list[tuple[str, dict[str, Any] | None]]:
    """(day, the branch's standing from that day) on every day it may change, in order;
    None before the branch was registered."""
    # The days the facts standing, the committee or the programme can change: each settles
    # the duties once; the days between only move periods along their own dates.
    changes = sorted({on for on, _, _ in register} | programmes.days() | fact_days(history))
    months = sorted(month_starts(year))
    known: dict[Any, list[Settled]] = {}
    values: list[tuple[str, dict[str, Any] | None]] = []
    for index, day in enumerate(changes):
        branch = branch_on(register, day)
        if branch is None:
            values.append((day, None))
            continue
        committee_id = branch["committee_id"]
        duties, _, _ = programmes.in_force(district_id, committee_id, day)
        settled = _settled(history, year, day, duties, known)
        until = changes[index + 1] if index + 1 < len(changes) else None
        turns = {starts_on for _, starts_on, _, done, _ in settled if not done}
        turns |= {_next_day(due_on) for _, _, due_on, done, _ in settled if not done}
        days = {day} | {d for d in (*turns, *months) if day < d and (until is None or d < until)}
        where = {"district_id": district_id, "committee_id": committee_id}
        values.extend((d, _counts(settled, d, duties, where)) for d in sorted(days))
    return values


def year_rows(
    branch_id: str, year: int, values: list[tuple[str, dict[str, Any] | None]]
) -> dict[Any, dict[str, Any]]:
    """The branch's span rows for the year: runs of days of equal standing, broken on the
    first of every month as well (``span_floor`` relies on it)."""
    breaks = month_starts(year)
    rows: dict[Any, dict[str, Any]] = {}
    runs: list[list[Any]] = []  # [from_on, value]
    for day, value in values:
        if runs and value == runs[-1][1] and day not in breaks:
            continue
        runs.append([day, value])
    for index, (from_on, value) in enumerate(runs):
        if value is None:
            continue
        until_on = runs[index + 1][0] if index + 1 < len(runs) else OPEN
        row = {"owner_id": branch_id, "year": year, "from_on": from_on, "until_on": until_on}
        rows[(branch_id, year, from_on)] = {**row, **value}
    return rows


def programmes_by_year(state: ViewState, district_id: str) -> dict[int, list[dict[str, Any]]]:
    """The district's programmes of life, by year."""
    by_year: dict[int, list[dict[str, Any]]] = {}
    for row in state.where("life_programme", ("district_id",), (district_id,)):
        by_year.setdefault(row["year"], []).append(row)
    return by_year


def refresh_branch(
    state: ViewState,
    branch_id: str,
    history: list[Record],
    by_year: dict[int, list[dict[str, Any]]],
) -> None:
    """Replace the branch's spans for each of its district's years of life."""
    branch = state.get("view_branch", (branch_id,))
    if branch is None:
        return
    district_id = branch["district_id"]
    register = branch["history"] or []
    for year in sorted(state.life_years[district_id]):
        programmes = Programmes(by_year.get(year, []))
        values = year_values(register, history, year, programmes, district_id)
        prefix: Any = (branch_id, year)
        replace_group(state, LIFE_SPAN, prefix, year_rows(branch_id, year, values))


def refresh_life(state: ViewState) -> None:
    """Recompute the spans of the branches the batch touched (see the module's text)."""
    branches = set(state.stale_life)
    branches.update(key[0] for key in state.changed.get("view_branch", ()))
    districts = set(state.stale_life_districts)
    state.stale_life.clear()
    state.stale_life_districts.clear()
    if not branches and not districts:
        return
    histories: dict[str, list[Record]] = {}
    if state.source is None:  # a replay holds every row: read them once
        histories = {
            row["owner_id"]: row["history"] or []
            for row in state.rows["party_life"].values()
            if row["owner_kind"] == BRANCH
        }
    # A live worker or working set keeps the histories of the batch's own branches only:
    # a district's expansion reads each of its branches' as it goes and lets it go, so
    # what is held stays bounded by the batch, not by the district.
    own = set(branches)

    def history(branch_id: str) -> list[Record]:
        found = histories.get(branch_id)
        if found is not None or state.source is None:
            return found or []
        rows = state.where("party_life", ("owner_id",), (branch_id,), hold=branch_id in own)
        found = next((row["history"] or [] for row in rows if row["owner_kind"] == BRANCH), [])
        if branch_id in own:
            histories[branch_id] = found
        return found

    graced_in: dict[str, bool] = {}
    # A district whose years grow (or whose programmes changed) has all its branches
    # recomputed, whose years may grow the district's again. A branch's years are fixed
    # and a district's only grow, so each branch is looked at once.
    # A district's branches are named, not held: each is read when its spans are made.
    district_of: dict[str, str] = {}
    checked: set[str] = set()
    expanded: set[str] = set()
    while True:
        for branch_id in sorted(branches - checked):
            checked.add(branch_id)
            district_id = district_of.get(branch_id)
            if district_id is None:
                branch = state.get("view_branch", (branch_id,))
                if branch is None:
                    continue
                district_id = district_of[branch_id] = branch["district_id"]
            if district_id not in graced_in:
                graced_in[district_id] = graced(state, district_id)
            years = years_of(history(branch_id), graced_in[district_id])
            known = state.life_years[district_id]
            if not years <= known:
                known.update(years)
                districts.add(district_id)
        if districts <= expanded:
            break
        for district_id in sorted(districts - expanded):
            for branch_id in state.keys_where("view_branch", ("district_id",), (district_id,)):
                district_of[branch_id] = district_id
                branches.add(branch_id)
        expanded |= districts
    programmes: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for branch_id in sorted(branches):
        district_id = district_of.get(branch_id)
        if district_id is None:  # no such branch
            continue
        if district_id not in programmes:
            programmes[district_id] = programmes_by_year(state, district_id)
        refresh_branch(state, branch_id, history(branch_id), programmes[district_id])
        state.settled_one()


def index_life(state: ViewState) -> None:
    """The district's years of life, from spans loaded from the table."""
    for row in state.rows[LIFE_SPAN].values():
        state.life_years.setdefault(row["district_id"], set()).add(int(row["year"]))
