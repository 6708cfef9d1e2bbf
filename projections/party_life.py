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
