"""Every stored event is linked in the hash chain, in the transaction that stores it, by both
writers, on SQLite and PostgreSQL; migration 0011 links the events stored before the chain."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from taizhang.config import Settings
from taizhang.evidence.chain import GENESIS, id_bytes, link
from taizhang.evidence.verify import walk
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.store.event_insert import library_insert
from tests.evidence.helpers import district_events, raw, store_of, tables

REPO = Path(__file__).resolve().parents[2]


def _links(ledger: Ledger) -> list[tuple[int, bytes]]:
    return list(store_of(ledger).iter_links())


def test_every_stored_event_is_linked_from_its_stored_bytes(settings: Settings) -> None:
    ledger = Ledger(settings)
    try:
        ledger.record(district_events(3))  # the fast writer's path
        ledger.save(*[e for e in district_events(2)])  # the plain writer's (Application.save)
        if settings.is_postgres:
            library_insert(ledger.recorder)  # the library's own insert, as benchmarks use
            ledger.record(district_events(2))
        notifications = ledger.recorder.select_notifications(start=1, limit=100)
        previous = GENESIS
        expected = []
        for n in notifications:
            previous = link(
                previous, n.id, id_bytes(n.originator_id), n.originator_version, n.topic, n.state
            )
            expected.append((n.id, previous))
        assert _links(ledger) == expected
        assert len(expected) == (7 if settings.is_postgres else 5)
        found = walk(store_of(ledger))
        assert found.intact and found.events == len(expected)
        assert found.head_link == expected[-1][1]
    finally:
        ledger.close()


def test_a_refused_insert_leaves_no_link(settings: Settings) -> None:
    ledger = Ledger(settings)
    try:
        events = district_events(2)
        ledger.record(events)
        with pytest.raises(Exception):  # noqa: B017 - the library's IntegrityError
            ledger.record([*district_events(1), events[0]])
        ledger.record(district_events(1))
        assert walk(store_of(ledger)).intact
        assert len(_links(ledger)) == 3
    finally:
        ledger.close()


def test_concurrent_writers_keep_one_chain(settings: Settings) -> None:
    ledger = Ledger(settings)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(10):
                ledger.record(district_events(3))
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        found = walk(store_of(ledger))
        assert found.intact, found.finding
        assert found.events == 120
    finally:
        ledger.close()


def _migration() -> object:
    path = REPO / "migrations" / "versions" / "0011_hash_chain.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_links_as_the_service_does() -> None:
    migration: object = _migration()
    frozen = migration._link  # type: ignore[attr-defined]
    oid = bytes(range(16))
    for topic, state in (("a:B", b"{}"), (None, None), ("话题", b"\x00" * 300), ("", b"")):
        assert frozen(GENESIS, 7, oid, 3, topic, state) == link(GENESIS, 7, oid, 3, topic, state)


def test_the_migration_links_the_events_stored_before_the_chain(settings: Settings) -> None:
    ledger = Ledger(settings)
    ledger.record(district_events(4))
    ledger.record(district_events(3))
    before = _links(ledger)
    _, chain, _ = tables(ledger)
    ledger.close()
    with raw(settings) as conn:
        conn.execute(f"DELETE FROM {chain}")  # a log stored before the chain
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        assert _links(ledger) == before
        ledger.record(district_events(1))
        assert walk(store_of(ledger)).events == 8
    finally:
        ledger.close()


def test_an_unlinked_log_refuses_writes_until_migrated(settings: Settings) -> None:
    ledger = Ledger(settings)
    ledger.record(district_events(2))
    _, chain, _ = tables(ledger)
    with raw(settings) as conn:
        conn.execute(f"DELETE FROM {chain}")
    try:
        with pytest.raises(Exception, match="taizhang migrate"):
            ledger.record(district_events(1))
    finally:
        ledger.close()


def test_the_migration_drops_the_insert_function_that_stored_no_links(
    postgres_settings: Settings,
) -> None:
    """A process of the code before the chain, still running, must fail rather than store
    events without links."""
    schema = postgres_settings.postgres_schema
    Ledger(postgres_settings).close()
    old = f'"{schema}".ledger_events_record'
    with raw(postgres_settings) as conn:
        conn.execute(
            f"CREATE FUNCTION {old}(uuid[], bigint[], text[], bytea[], text) RETURNS bigint[] "
            "LANGUAGE sql AS 'SELECT NULL::bigint[]'"
        )
    upgrade(postgres_settings)
    with raw(postgres_settings) as conn:
        found = conn.execute("SELECT to_regproc(%s)", (old,)).fetchone()
    assert found == (None,)
