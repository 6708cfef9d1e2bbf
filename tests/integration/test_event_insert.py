"""Events inserted in one statement (PostgreSQL) are stored as the library stores them."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, PersistenceError
from psycopg.sql import SQL, Identifier

from taizhang.config import Settings
from taizhang.domain.district import District
from taizhang.domain.provenance import Provenance
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.store.event_insert import create_insert_function, function_name, library_insert


def _district(name: str) -> District:
    provenance = Provenance(uuid4(), date(2014, 5, 1), "李书记", "oa-system", None)
    return District.register(provenance, name=name, code="440113")


def test_events_keep_their_order_state_and_conflicts(settings: Settings) -> None:
    ledger = Ledger(settings)
    # On PostgreSQL the one-statement insert is the one under test; SQLite keeps the library's.
    assert ("insert_events" in vars(ledger.recorder)) == settings.is_postgres
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


def test_a_ledger_that_creates_nothing_refuses_to_start_without_the_function(
    postgres_settings: Settings,
) -> None:
    creator = Ledger(postgres_settings)  # the tables and the function
    recorder: Any = creator.recorder
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(
            SQL("DROP FUNCTION {}.{}").format(
                Identifier(recorder.datastore.schema), Identifier(function_name(recorder))
            )
        )
    creator.close()
    service_role = dataclasses.replace(postgres_settings, create_tables=False)
    with pytest.raises(PersistenceError, match="taizhang migrate"):
        Ledger(service_role)
    # Migrating puts it back, even told to create no tables (as the service's own
    # environment says), and a ledger that creates nothing then starts and stores.
    upgrade(service_role)
    ledger = Ledger(service_role)
    try:
        (recording,) = ledger.record(_district("白云区").collect_events())
        assert recording.notification.id >= 1
    finally:
        ledger.close()


def test_the_function_is_created_by_many_at_once(postgres_settings: Settings) -> None:
    # Each process of a deployment that creates tables brings the function up to date as
    # it starts (the server's workers, the projection worker): at once, none may fail.
    ledger = Ledger(postgres_settings)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create() -> None:
        barrier.wait()
        try:
            create_insert_function(ledger.recorder)
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(ledger.record(_district("海珠区").collect_events())) == 1
    finally:
        ledger.close()


def test_the_function_waits_for_the_table_lock_within_the_lock_timeout(
    postgres_settings: Settings,
) -> None:
    # The table lock is what keeps ids in commit order: the function must take it, so wait
    # while another session holds a lock that only it conflicts with (ROW SHARE blocks
    # EXCLUSIVE, not a plain insert's ROW EXCLUSIVE), and give up after its lock timeout.
    ledger = Ledger(postgres_settings)
    recorder: Any = ledger.recorder
    schema, table = recorder.datastore.schema, recorder.events_table_name
    call = SQL("SELECT positions FROM {}.{}(%b, %b, %b, %b, %s)").format(
        Identifier(schema), Identifier(function_name(recorder))
    )
    arguments = ([uuid4()], [1], ["topic"], [b"{}"], "100ms")
    try:
        with (
            psycopg.connect(postgres_settings.psycopg_conninfo()) as holder,
            psycopg.connect(postgres_settings.psycopg_conninfo(), autocommit=True) as writer,
        ):
            holder.execute(
                SQL("LOCK TABLE {}.{} IN ROW SHARE MODE").format(
                    Identifier(schema), Identifier(table)
                )
            )
            with pytest.raises(psycopg.errors.LockNotAvailable):
                writer.execute(call, arguments)
            holder.rollback()
            (positions,) = writer.execute(call, arguments).fetchone() or (None,)
            assert positions is not None and len(positions) == 1
    finally:
        ledger.close()


def test_the_library_insert_can_be_put_back(settings: Settings) -> None:
    # The ingest benchmark's baseline is the library alone.
    ledger = Ledger(settings)
    try:
        library_insert(ledger.recorder)
        assert "insert_events" not in vars(ledger.recorder)
        recordings = ledger.record(_district("番禺区").collect_events())
        assert ledger.repository.get(recordings[0].domain_event.originator_id).name == "番禺区"
    finally:
        ledger.close()
