"""Folds of regular organizational life, and how an owner's year stood on a business date.

``party_life`` keeps one row per branch's ``BranchLife`` and per committee's
``CommitteeLife`` (keyed by the aggregate, naming its owner), with its history
``[occurred_on, kind, event_id, values]`` in log order: activities held, delays approved,
members' education, and corrections and withdrawals. ``life_programme`` keeps each
programme's versions ``[occurred_on, {duties, education_days, note}]`` in log order.

Time has the meaning it has on every view (``projections/fold/dated.py``): the state on D
is what the records dated D or earlier made of it, in log order, corrections and
withdrawals counting from their own dates; which records there are is what had been
recorded by the knowledge time T (a replay folds only those). The rules are the domain's
(``taizhang.domain.party_life.settle_duty``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from taizhang.domain.branch_life import BranchLife
from taizhang.domain.committee_life import CommitteeLife
from taizhang.domain.life_programme import EDUCATION_DAYS, LifeProgramme, duty_from_data
from taizhang.domain.party_life import (
    BRANCH,
    COMMITTEE,
    STANDARD_PROGRAMME,
    DutyPeriod,
    Held,
    LifeDuty,
    LifeStatus,
    settle_duty,
)
from taizhang.projections.fold.common import iso
from taizhang.projections.state import ViewState

HELD, DELAY, EDUCATION, CORRECTED, WITHDRAWN = (
    "held",
    "delay",
    "education",
    "corrected",
    "withdrawn",
)
Record = list[Any]  # [occurred_on, kind, event_id, values]


def plain(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text, sets and tuples as sorted lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def record_of(event: Any) -> Record | None:
    """What the views keep of an event of a branch's or committee's life (None: nothing)."""
    on = iso(event.provenance.occurred_on)
    event_id = str(event.provenance.event_id)
    values: dict[str, Any]
    if isinstance(event, (BranchLife.LifeActivityHeld, CommitteeLife.CommitteeActivityHeld)):
        parts = getattr(event, "parts", [])
        values = {"activity": event.activity, "parts": sorted(parts)}
        theme_id = getattr(event, "theme_id", None)
        if theme_id is not None:  # the theme of the month it follows (fold.life_themes)
            values.update(theme_id=str(theme_id), theme_reason=event.theme_reason)
        return [on, HELD, event_id, values]
    if isinstance(event, BranchLife.LifeMeetingDelayApproved):
        values = {"duty": event.duty, "period": event.period, "until": iso(event.until)}
        return [on, DELAY, event_id, values]
    if isinstance(event, BranchLife.EducationAttended):
        values = {"members": sorted(event.members), "days": event.days}
        return [on, EDUCATION, event_id, values]
    if isinstance(event, BranchLife.FactCorrected):
        values = {"corrects": str(event.corrects), "changes": plain(event.changes)}
        return [on, CORRECTED, event_id, values]
    if isinstance(event, BranchLife.FactWithdrawn):
        return [on, WITHDRAWN, event_id, {"withdraws": str(event.withdraws)}]
    return None


def history_of(events: Iterable[Any]) -> list[Record]:
    """The history a row keeps of these events, in their order."""
    return [r for r in map(record_of, events) if r is not None]


# -- folds ---------------------------------------------------------------------------------


def _opened(state: ViewState, e: Any, owner_id: str, kind: str, district_id: Any) -> None:
    life_id = str(e.originator_id)
    row = {
        "life_id": life_id,
        "owner_id": owner_id,
        "owner_kind": kind,
        "district_id": district_id,
        "history": [],
    }
    state.put("party_life", (life_id,), row)
    if kind == BRANCH:
        # Its spans (fold.life_spans) are recomputed when the batch settles.
        state.stale_life.add(owner_id)


def branch_life_opened(state: ViewState, e: BranchLife.Opened) -> None:
    branch = state.get("view_branch", (str(e.branch_id),)) or {}
    _opened(state, e, str(e.branch_id), BRANCH, branch.get("district_id"))


def committee_life_opened(state: ViewState, e: CommitteeLife.Opened) -> None:
    committee = state.get("view_committee", (str(e.committee_id),)) or {}
    _opened(state, e, str(e.committee_id), COMMITTEE, committee.get("district_id"))


def life_event(state: ViewState, e: Any) -> None:
    record = record_of(e)
    key = (str(e.originator_id),)
    row = state.get("party_life", key)
    if record is None or row is None:
        return
    row["history"].append(record)
    state.put("party_life", key, row)
    if row["owner_kind"] == BRANCH:
        state.stale_life.add(row["owner_id"])


def programme_opened(state: ViewState, e: LifeProgramme.Opened) -> None:
    pid = str(e.originator_id)
    state.put(
        "life_programme",
        (pid,),
        {
            "programme_id": pid,
            "scope_kind": e.scope_kind,
            "scope_id": str(e.scope_id),
            "district_id": str(e.district_id),
            "year": e.year,
            "versions": [],
        },
    )


def programme_set(state: ViewState, e: LifeProgramme.LifeProgrammeSet) -> None:
    row = state.get("life_programme", (str(e.originator_id),))
    if row is None:
        return
    version = {"duties": plain(e.duties), "education_days": e.education_days, "note": e.note}
    row["versions"].append([iso(e.provenance.occurred_on), version])
    state.put("life_programme", (str(e.originator_id),), row)
    state.stale_life_districts.add(row["district_id"])


HANDLERS: dict[type, Any] = {
    BranchLife.Opened: branch_life_opened,
    BranchLife.LifeActivityHeld: life_event,
    BranchLife.LifeMeetingDelayApproved: life_event,
    BranchLife.EducationAttended: life_event,
    BranchLife.FactCorrected: life_event,
    BranchLife.FactWithdrawn: life_event,
    CommitteeLife.Opened: committee_life_opened,
    CommitteeLife.CommitteeActivityHeld: life_event,
    LifeProgramme.Opened: programme_opened,
    LifeProgramme.LifeProgrammeSet: programme_set,
}


# -- reading a history on a day ----------------------------------------------------------


def facts_on(history: Iterable[Record], day: str) -> dict[str, Record]:
    """The facts that stand on ``day`` by event id, each as corrected by then: corrections
    and withdrawals dated ``day`` or earlier apply, in log order; the facts are those dated
    (as then corrected) by ``day``."""
    facts: dict[str, Record] = {}
    for on, kind, event_id, values in history:
        if kind in (CORRECTED, WITHDRAWN):
            if on > day:
                continue
            if kind == WITHDRAWN:
                facts.pop(values["withdraws"], None)
                continue
            found = facts.get(values["corrects"])
            if found is not None:
                changes = dict(values["changes"])
                fact_on = changes.pop("occurred_on", found[0])
                facts[values["corrects"]] = [fact_on, found[1], found[2], {**found[3], **changes}]
        else:
            facts[event_id] = [on, kind, event_id, values]
    # A correction can move a fact's own date past D.
    return {k: f for k, f in facts.items() if f[0] <= day}


def held_and_delays(facts: Mapping[str, Record]) -> tuple[list[Held], dict[str, dict[str, date]]]:
    held: list[Held] = []
    delays: dict[str, dict[str, date]] = {}
    for event_id, (on, kind, _, values) in facts.items():
        if kind == HELD:
            held.append(
                Held(
                    event_id, values["activity"], date.fromisoformat(on), frozenset(values["parts"])
                )
            )
        elif kind == DELAY:
            until = date.fromisoformat(values["until"])
            delays.setdefault(values["duty"], {})[values["period"]] = until
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


def owner_year(
    history: Iterable[Record],
    year: int,
    as_of: date,
    programme: tuple[LifeDuty, ...] = STANDARD_PROGRAMME,
    owner: str = BRANCH,
) -> dict[str, Any]:
    """Each duty of the programme the owner (a branch or a committee) owes, period by
    period, as it stands on ``as_of``, and the counts of periods by status."""
    held, delays = held_and_delays(facts_on(history, as_of.isoformat()))
    duties = []
    counts = {status.value: 0 for status in LifeStatus}
    late = 0
    for duty in programme:
        if duty.owner != owner:
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


def branch_year(
    history: Iterable[Record],
    year: int,
    as_of: date,
    programme: tuple[LifeDuty, ...] = STANDARD_PROGRAMME,
) -> dict[str, Any]:
    return owner_year(history, year, as_of, programme, BRANCH)


def education_year(
    history: Iterable[Record], year: int, as_of: date, required: int = EDUCATION_DAYS
) -> list[dict[str, Any]]:
    """Each member named in the year's education, with the days counted by ``as_of`` against
    ``required`` (seed 002: 不少于12天): done once reached; due until the year ends; overdue
    after it; upcoming before it begins."""
    day = as_of.isoformat()
    days: dict[str, int] = {}
    for on, kind, _, values in facts_on(history, day).values():
        if kind == EDUCATION and on[:4] == str(year):
            for member in values["members"]:
                days[member] = days.get(member, 0) + int(values["days"])
    if as_of < date(year, 1, 1):
        status = LifeStatus.UPCOMING.value
    elif as_of <= date(year, 12, 31):
        status = LifeStatus.DUE.value
    else:
        status = LifeStatus.OVERDUE.value
    return [
        {
            "member": member,
            "days": count,
            "required": required,
            "status": LifeStatus.DONE.value if count >= required else status,
        }
        for member, count in sorted(days.items())
    ]


# -- programmes ----------------------------------------------------------------------------


def version_on(versions: Iterable[list[Any]], day: str) -> tuple[str, dict[str, Any]] | None:
    """The version in force on ``day``: the last dated by then, in log order."""
    found = None
    for on, version in versions:
        if on <= day:
            found = (on, version)
    return found


def duties_of(version: Mapping[str, Any]) -> tuple[LifeDuty, ...]:
    """A stored version's duties, checked when they were set."""
    return tuple(duty_from_data(d, f"duties.{i}") for i, d in enumerate(version["duties"]))


class Programmes:
    """The programmes of a district for a year (``life_programme`` rows, their versions
    parsed), and which is in force for whom on a day."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.by_scope: dict[str, list[list[Any]]] = {
            row["scope_id"]: row["versions"] for row in rows
        }
        # A version's duties parsed once: a branch's year asks on every day it may change.
        # Keyed by the version's identity, which these rows hold for this object's life.
        self._duties: dict[int, tuple[LifeDuty, ...]] = {}

    def days(self) -> set[str]:
        """The days a version takes effect on: what is in force changes on no other."""
        return {on for versions in self.by_scope.values() for on, _ in versions}

    def in_force(
        self, district_id: str | None, committee_id: str | None, day: str
    ) -> tuple[tuple[LifeDuty, ...], int, dict[str, Any]]:
        """(duties, education days, whose version from when) on ``day``: the committee's,
        else the district's, else the seeds' own."""
        for kind, scope_id in (("committee", committee_id), ("district", district_id)):
            found = version_on(self.by_scope.get(scope_id) or [], day) if scope_id else None
            if found is not None:
                on, version = found
                source = {"scope": kind, "scope_id": scope_id, "effective_on": on}
                duties = self._duties.get(id(version))
                if duties is None:
                    duties = self._duties[id(version)] = duties_of(version)
                return duties, int(version["education_days"]), source
        source = {"scope": "standard", "scope_id": None, "effective_on": None}
        return STANDARD_PROGRAMME, EDUCATION_DAYS, source
