"""A branch's year of organizational life, and its committee's and district's roll-ups,
read from the store, live or replayed.

Live reads take each aggregate's own events (``Ledger.events``), the way the API serves
them; replays read the whole log recorded by the knowledge time, as ``projections.report``
replays the other views. Both fold with ``projections.fold.party_life.branch_year``, and a
property test holds them equal (tests/projections/test_party_life_property.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.branch import Branch
from domain.branch_life import branch_life_id
from projections.fold.party_life import branch_year
from projections.log import LogReader
from taizhang.ledger import Ledger

# The events of an aggregate recorded by the knowledge time, in log order.
EventsOf = Callable[[UUID], list[Any]]


def live_events(ledger: Ledger, known_at: datetime | None) -> EventsOf:
    def events_of(aggregate_id: UUID) -> list[Any]:
        events = list(ledger.events.get(aggregate_id))
        if known_at is None:
            return events
        return [e for e in events if e.timestamp <= known_at]

    return events_of


def replayed_events(ledger: Ledger, ids: Iterable[UUID], known_at: datetime | None) -> EventsOf:
    """The events of ``ids`` from one pass over the whole log recorded by ``known_at``."""
    wanted = {str(i): i for i in ids}
    found: dict[UUID, list[Any]] = {i: [] for i in wanted.values()}
    decode = ledger.mapper.to_domain_event
    reader = LogReader(ledger)
    try:
        for page in reader.pages(0):
            for entry in page:
                aggregate_id = wanted.get(entry.originator_id)
                if aggregate_id is None:
                    continue
                event = decode(entry)
                if known_at is None or event.timestamp <= known_at:
                    found[aggregate_id].append(event)
    finally:
        reader.close()
    return lambda aggregate_id: found[aggregate_id]


def branch_year_live(
    ledger: Ledger, branch_id: UUID, year: int, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    return branch_year(live_events(ledger, known_at)(branch_life_id(branch_id)), year, as_of)


def branch_year_replayed(
    ledger: Ledger, branch_id: UUID, year: int, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    life_id = branch_life_id(branch_id)
    return branch_year(replayed_events(ledger, [life_id], known_at)(life_id), year, as_of)


def committee_on(events: list[Any], as_of: date) -> UUID | None:
    """The committee a branch was under on ``as_of`` by its own events (registration and
    moves, by their dates, in log order); None if it was not registered by then."""
    committee: UUID | None = None
    registered = False
    for event in events:
        on = event.provenance.occurred_on
        if isinstance(event, Branch.Registered):
            registered = on <= as_of
            committee = event.committee_id
        elif isinstance(event, Branch.MovedToCommittee) and on <= as_of:
            committee = event.committee_id
    return committee if registered else None


def branches_under(events_of: EventsOf, candidates: list[UUID], as_of: date) -> dict[UUID, UUID]:
    """Each candidate branch's committee on ``as_of``, by the events ``events_of`` gives."""
    found = {}
    for branch_id in candidates:
        committee = committee_on(events_of(branch_id), as_of)
        if committee is not None:
            found[branch_id] = committee
    return found


def replayed_roll_up(
    ledger: Ledger, candidates: list[UUID], year: int, as_of: date, known_at: datetime | None
) -> dict[UUID, dict[str, Any]]:
    """The roll-up of ``candidates`` from one pass over the log recorded by ``known_at``."""
    ids = [*candidates, *(branch_life_id(b) for b in candidates)]
    events_of = replayed_events(ledger, ids, known_at)
    return roll_up(events_of, branches_under(events_of, candidates, as_of), year, as_of)


def roll_up(
    events_of: EventsOf, committees: dict[UUID, UUID], year: int, as_of: date
) -> dict[UUID, dict[str, Any]]:
    """Per committee: its branches' periods by status, per duty and in all, the compliance
    rate (done among the periods done or overdue), and its branches with their counts,
    most overdue first."""
    found: dict[UUID, dict[str, Any]] = {}
    for branch_id, committee_id in committees.items():
        year_of = branch_year(events_of(branch_life_id(branch_id)), year, as_of)
        entry = found.setdefault(committee_id, empty_roll_up(committee_id))
        entry["branches"].append({"branch_id": str(branch_id), **year_of["counts"]})
        for duty in year_of["duties"]:
            counts = entry["duties"].setdefault(duty["duty"], {"done": 0, "due": 0, "overdue": 0})
            for period in duty["periods"]:
                if period["status"] in counts:
                    counts[period["status"]] += 1
        for status in ("done", "due", "overdue", "late"):
            entry["counts"][status] += year_of["counts"][status]
    for entry in found.values():
        entry["compliance"] = compliance(entry["counts"])
        for counts in entry["duties"].values():
            counts["compliance"] = compliance(counts)
        entry["branches"].sort(key=lambda b: (-b["overdue"], b["branch_id"]))
    return found


def empty_roll_up(committee_id: UUID) -> dict[str, Any]:
    return {
        "committee_id": str(committee_id),
        "counts": {"done": 0, "due": 0, "overdue": 0, "late": 0},
        "duties": {},
        "branches": [],
        "compliance": None,
    }


def compliance(counts: dict[str, int]) -> float | None:
    """Periods done among those done or overdue; None when none is judged yet."""
    judged = counts["done"] + counts["overdue"]
    return round(counts["done"] / judged, 4) if judged else None
