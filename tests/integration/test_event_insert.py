"""Events inserted as parallel arrays (PostgreSQL) are stored as the library stores them."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.district import District
from domain.provenance import Provenance
from taizhang.config import Settings
from taizhang.ledger import Ledger


def _district(name: str) -> District:
    provenance = Provenance(uuid4(), date(2014, 5, 1), "李书记", "oa-system", None)
    return District.register(provenance, name=name, code="440113")


def test_events_keep_their_order_state_and_conflicts(settings: Settings) -> None:
    ledger = Ledger(settings)
    # On PostgreSQL the arrays insert is the one under test; SQLite keeps the library's.
    assert ("_insert_stored_events" in vars(ledger.recorder)) == settings.is_postgres
    try:
        districts = [_district(f"区 {i}") for i in range(3)]
        events = [e for d in districts for e in d.collect_events()]
        recordings = ledger.record(events)
        ids = [r.notification.id for r in recordings]
        # The insert returns notification ids in the events' order: answers name them.
        assert ids == sorted(ids) and len(set(ids)) == 3
        stored = ledger.recorder.select_notifications(start=ids[0], limit=10)
        assert [(n.originator_id, n.originator_version) for n in stored] == [
            (e.originator_id, e.originator_version) for e in events
        ]
        # The stored bytes are what the library's own mapper writes, and read back alike.
        assert [n.state for n in stored] == [ledger.mapper.to_stored_event(e).state for e in events]
        assert [n.topic for n in stored] == [ledger.mapper.to_stored_event(e).topic for e in events]
        for district in districts:
            assert ledger.repository.get(district.id).name == district.name
        with pytest.raises(IntegrityError):
            ledger.record([events[0]])
    finally:
        ledger.close()
