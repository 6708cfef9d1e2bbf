"""A branch's year of organizational life read from the store, live or replayed.

``branch_year_live`` reads the branch's own events (``Ledger.events``), the way the API
serves it; ``branch_year_replayed`` reads the whole log recorded by the knowledge time, as
``projections.report`` replays the other views. Both fold with
``projections.fold.party_life.branch_year``, and a property test holds them equal
(tests/projections/test_party_life_property.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.branch import Branch
from domain.branch_life import branch_life_id
from projections.fold.party_life import branch_year
from projections.log import LogReader
from taizhang.ledger import Ledger


def branch_year_live(
    ledger: Ledger, branch_id: UUID, year: int, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    events = list(ledger.events.get(branch_life_id(branch_id)))
    if known_at is not None:
        events = [e for e in events if e.timestamp <= known_at]
    return branch_year(events, year, as_of)


def branch_year_replayed(
    ledger: Ledger, branch_id: UUID, year: int, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    wanted = str(branch_life_id(branch_id))
    decode = ledger.mapper.to_domain_event
    events = []
    reader = LogReader(ledger)
    try:
        for page in reader.pages(0):
            for entry in page:
                if entry.originator_id != wanted:
                    continue
                event = decode(entry)
                if known_at is None or event.timestamp <= known_at:
                    events.append(event)
    finally:
        reader.close()
    return branch_year(events, year, as_of)


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


def _known(events: list[Any], known_at: datetime | None) -> list[Any]:
    return events if known_at is None else [e for e in events if e.timestamp <= known_at]


def branches_under(
    ledger: Ledger, candidates: list[UUID], as_of: date, known_at: datetime | None
) -> dict[UUID, UUID]:
    """Each candidate branch's committee on ``as_of`` as known at ``known_at``."""
    found = {}
    for branch_id in candidates:
        committee = committee_on(_known(list(ledger.events.get(branch_id)), known_at), as_of)
        if committee is not None:
            found[branch_id] = committee
    return found


def roll_up(
    ledger: Ledger,
    committees: dict[UUID, UUID],
    year: int,
    as_of: date,
    known_at: datetime | None,
) -> dict[UUID, dict[str, Any]]:
    """Per committee: its branches' periods by status, per duty and in all, the compliance
    rate (done among the periods done or overdue), and its branches with their counts,
    most overdue first."""
    found: dict[UUID, dict[str, Any]] = {}
    for branch_id, committee_id in committees.items():
        year_of = branch_year_live(ledger, branch_id, year, as_of, known_at)
        entry = found.setdefault(committee_id, _empty(committee_id))
        entry["branches"].append({"branch_id": str(branch_id), **year_of["counts"]})
        for duty in year_of["duties"]:
            counts = entry["duties"].setdefault(duty["duty"], {"done": 0, "due": 0, "overdue": 0})
            for period in duty["periods"]:
                if period["status"] in counts:
                    counts[period["status"]] += 1
        for status in ("done", "due", "overdue", "late"):
            entry["counts"][status] += year_of["counts"][status]
    for entry in found.values():
        entry["compliance"] = _rate(entry["counts"])
        for counts in entry["duties"].values():
            counts["compliance"] = _rate(counts)
        entry["branches"].sort(key=lambda b: (-b["overdue"], b["branch_id"]))
    return found


def _empty(committee_id: UUID) -> dict[str, Any]:
    return {
        "committee_id": str(committee_id),
        "counts": {"done": 0, "due": 0, "overdue": 0, "late": 0},
        "duties": {},
        "branches": [],
    }


def _rate(counts: dict[str, int]) -> float | None:
    judged = counts["done"] + counts["overdue"]
    return round(counts["done"] / judged, 4) if judged else None
