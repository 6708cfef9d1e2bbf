"""The ledger's reads of many aggregates at once: stored versions, and catching up a cache."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from taizhang.config import Settings
from taizhang.domain.committee import Committee
from taizhang.domain.provenance import Provenance
from taizhang.ledger import Ledger


def said() -> Provenance:
    return Provenance(uuid4(), date(2026, 3, 1), "tester", "test")


def test_latest_versions_name_each_stored_aggregate_once(settings: Settings) -> None:
    ledger = Ledger(settings)
    try:
        short = Committee.register(said(), uuid4(), "市桥街道党工委", "town")
        long = Committee.register(said(), uuid4(), "沙头街道党工委", "town")
        for n in range(4):
            long.rename(said(), f"沙头街道党工委 {n}")
        ledger.save(short, long)
        unknown = uuid4()
        found = ledger.latest_versions([short.id, long.id, long.id, unknown])
        assert found == {short.id: 1, long.id: 5}
        assert ledger.latest_versions([]) == {}
    finally:
        ledger.close()


def test_catch_up_brings_cached_aggregates_to_what_another_process_stored(
    postgres_settings: Settings,
) -> None:
    ours, theirs = Ledger(postgres_settings), Ledger(postgres_settings)
    try:
        moved = Committee.register(said(), uuid4(), "市桥街道党工委", "town")
        still = Committee.register(said(), uuid4(), "沙头街道党工委", "town")
        ours.save(moved, still)
        ours.remember([moved, still])
        # Another process renames one of them twice.
        theirs_copy = theirs.repository.get(moved.id)
        theirs_copy.rename(said(), "市桥街道 1")
        theirs_copy.rename(said(), "市桥街道 2")
        theirs.save(theirs_copy)

        ours.catch_up([moved.id, still.id, uuid4()])

        caught = ours.cache.get(moved.id)
        assert caught is not None and caught.version == 3 and caught.name == "市桥街道 2"
        assert moved.version == 1, "the cached state was replaced, not changed"
        assert ours.cache.get(still.id) is not None
        assert ours.cache.get(still.id).version == 1
    finally:
        ours.close()
        theirs.close()
