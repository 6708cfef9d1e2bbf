"""The eventsourcing library's own recorder test cases, run against OUR configuration.

Every recorder here is built by the library's factory (``InfrastructureFactory.construct``)
from ``Settings.eventsourcing_env()``, exactly as our applications build theirs. Passing
these cases shows that the way taizhang configures the library (schema, pool, timeouts,
no database functions) keeps the library's guarantees: optimistic concurrency on
aggregate versions, gap-free notification ids that never interleave between concurrent
writers, atomic event+tracking writes, and exactly-once tracking.

Each test gets a fresh database: a new SQLite file, or a new PostgreSQL schema
``t_<hex>`` in database ``test`` that is dropped at teardown. When PostgreSQL is down the
PostgreSQL cases skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteFactory,
    SQLiteProcessRecorder,
    SQLiteTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
    ProcessRecorderTestCase,
    TrackingRecorderTestCase,
)
from eventsourcing.utils import Environment

from taizhang.config import Settings
from taizhang.store.event_insert import insert_in_one_statement
from tests.conftest import (
    create_schema,
    drop_schema,
    postgres_env,
    sqlite_env,
)

# --------------------------------------------------------------------------- backends


class _Backend:
    """Mixin: a fresh database per test and recorders built from our Settings."""

    backend: ClassVar[str]
    settings: Settings
    env: Environment
    _factories: list[InfrastructureFactory[Any]]
    _tmpdir: str
    _threads_before: set[threading.Thread]

    def setUp(self) -> None:
        self._threads_before = set(threading.enumerate())
        self._factories = []
        self._tmpdir = tempfile.mkdtemp(prefix="taizhang-es-")
        self.settings = self._make_settings()
        # InfrastructureFactoryTestCase.setUp() constructs its factory from self.env.
        self.env = self.es_env()
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        try:
            super().tearDown()  # type: ignore[misc]
        finally:
            # Some library cases (test_concurrent_no_conflicts) signal their reader
            # threads to stop without joining them; closing the database under a
            # still-running reader crashes SQLite, so wait for them first.
            # (Connection-pool workers are daemon threads that live until close().)
            for thread in set(threading.enumerate()) - self._threads_before:
                if not thread.daemon:
                    thread.join(timeout=10)
            for factory in self._factories:
                factory.close()
            self._drop_database()
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def _make_settings(self) -> Settings:
        raise NotImplementedError

    def _drop_database(self) -> None:
        pass

    def es_env(self) -> Environment:
        return Environment(env=self.settings.eventsourcing_env())

    def new_factory(self) -> InfrastructureFactory[Any]:
        factory = InfrastructureFactory.construct(self.es_env())
        self._factories.append(factory)
        return factory


class _SQLite(_Backend):
    backend = "sqlite"

    def _make_settings(self) -> Settings:
        settings = Settings.from_env(sqlite_env(Path(self._tmpdir)))
        assert not settings.is_postgres
        return settings


class _Postgres(_Backend):
    backend = "postgres"
    _schema: str | None = None

    def _make_settings(self) -> Settings:
        # create_schema() skips, or fails under CI=true, when PostgreSQL is unreachable.
        self._schema = create_schema()
        settings = Settings.from_env(postgres_env(self._schema, self._tmpdir))
        assert settings.is_postgres and settings.postgres_schema == self._schema
        return settings

    def _drop_database(self) -> None:
        if self._schema is not None:
            drop_schema(self._schema)
            self._schema = None


# --------------------------------------------------------------------------- recorders


# Plain mixins (not TestCase subclasses, so pytest does not collect them on their own).
# Each concrete class below is: backend mixin + recorder mixin + the library's case.


class _AggregateRecorder(_Backend):
    def create_recorder(self) -> AggregateRecorder:
        return self.new_factory().aggregate_recorder()


class _ApplicationRecorder(_Backend):
    def create_recorder(self) -> ApplicationRecorder:
        return self.new_factory().application_recorder()


class _TrackingRecorder(_Backend):
    def create_recorder(self) -> TrackingRecorder:
        recorder: TrackingRecorder = self.new_factory().tracking_recorder()
        return recorder


class _ProcessRecorder(_Backend):
    def create_recorder(self) -> ProcessRecorder:
        return self.new_factory().process_recorder()


class _NonInterleaving(_ApplicationRecorder):
    # The library's own default; plenty for two concurrent writers to overlap.
    insert_num = 1000


class TestSQLiteAggregateRecorder(_SQLite, _AggregateRecorder, AggregateRecorderTestCase):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), SQLiteAggregateRecorder)


class TestSQLiteApplicationRecorder(
    _SQLite, _ApplicationRecorder, ApplicationRecorderTestCase[ApplicationRecorder]
):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), SQLiteApplicationRecorder)


class TestSQLiteTrackingRecorder(_SQLite, _TrackingRecorder, TrackingRecorderTestCase):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), SQLiteTrackingRecorder)


class TestSQLiteProcessRecorder(_SQLite, _ProcessRecorder, ProcessRecorderTestCase):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), SQLiteProcessRecorder)


class TestSQLiteNonInterleavingNotificationIDs(
    _SQLite, _NonInterleaving, NonInterleavingNotificationIDsBaseCase
):
    pass


@pytest.mark.postgres
class TestPostgresAggregateRecorder(_Postgres, _AggregateRecorder, AggregateRecorderTestCase):
    def test_recorder_class_and_schema(self) -> None:
        recorder = self.create_recorder()
        self.assertIsInstance(recorder, PostgresAggregateRecorder)
        assert isinstance(recorder, PostgresAggregateRecorder)
        self.assertEqual(recorder.datastore.schema, self.settings.postgres_schema)


@pytest.mark.postgres
class TestPostgresApplicationRecorder(
    _Postgres, _ApplicationRecorder, ApplicationRecorderTestCase[ApplicationRecorder]
):
    def test_recorder_class_and_schema(self) -> None:
        recorder = self.create_recorder()
        assert isinstance(recorder, PostgresApplicationRecorder)
        self.assertEqual(recorder.datastore.schema, self.settings.postgres_schema)
        # The reason eventsourcing_env() never sets POSTGRES_ENABLE_DB_FUNCTIONS.
        self.assertFalse(recorder.datastore.enable_db_functions)

    # The library's optional ``test_insert_subscribe`` is not run: its subscription sets up
    # LISTEN on a thread after reading what is there, so an insert in between is never
    # noticed and the test waits for ever (seen on a loaded machine). taizhang does not use
    # the library's subscriptions: its projection worker listens before it reads, and falls
    # back to polling (tests/projections/test_worker.py).


@pytest.mark.postgres
class TestPostgresTrackingRecorder(_Postgres, _TrackingRecorder, TrackingRecorderTestCase):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), PostgresTrackingRecorder)


@pytest.mark.postgres
class TestPostgresProcessRecorder(_Postgres, _ProcessRecorder, ProcessRecorderTestCase):
    def test_recorder_class(self) -> None:
        self.assertIsInstance(self.create_recorder(), PostgresProcessRecorder)


@pytest.mark.postgres
class TestPostgresNonInterleavingNotificationIDs(
    _Postgres, _NonInterleaving, NonInterleavingNotificationIDsBaseCase
):
    pass


class _OneStatementInsert(_ApplicationRecorder):
    """The library's recorder with the Ledger's one-statement insert
    (taizhang.store.event_insert)."""

    def create_recorder(self) -> ApplicationRecorder:
        recorder = super().create_recorder()
        insert_in_one_statement(recorder, create=True)
        assert "insert_events" in vars(recorder)
        return recorder


@pytest.mark.postgres
class TestPostgresOneStatementInsert(
    _Postgres, _OneStatementInsert, ApplicationRecorderTestCase[ApplicationRecorder]
):
    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


@pytest.mark.postgres
class TestPostgresOneStatementInsertNonInterleaving(
    _Postgres, _OneStatementInsert, NonInterleavingNotificationIDsBaseCase
):
    insert_num = 1000


# --------------------------------------------------------------------------- factories


class TestSQLiteInfrastructureFactory(_SQLite, InfrastructureFactoryTestCase[SQLiteFactory]):
    def expected_factory_class(self) -> type[SQLiteFactory]:
        return SQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return SQLiteApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _SQLiteTrackingRecorderSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return SQLiteProcessRecorder


@pytest.mark.postgres
class TestPostgresInfrastructureFactory(_Postgres, InfrastructureFactoryTestCase[PostgresFactory]):
    def expected_factory_class(self) -> type[PostgresFactory]:
        return PostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return PostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return PostgresApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _PostgresTrackingRecorderSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PostgresProcessRecorder

    def test_datastore_uses_our_settings(self) -> None:
        assert isinstance(self.factory, PostgresFactory)
        datastore = self.factory.datastore
        self.assertEqual(datastore.schema, self.settings.postgres_schema)
        self.assertFalse(datastore.enable_db_functions)
        self.assertTrue(datastore.pre_ping)


class _SQLiteTrackingRecorderSubclass(SQLiteTrackingRecorder):
    pass


class _PostgresTrackingRecorderSubclass(PostgresTrackingRecorder):
    pass


# --------------------------------------------------------------------------- our env


def test_db_functions_never_enabled(settings: Settings) -> None:
    env = settings.eventsourcing_env()
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env
    assert not any(key.endswith("ENABLE_DB_FUNCTIONS") for key in env)


def test_factory_from_our_env_round_trips_an_event(settings: Settings) -> None:
    from uuid import uuid4

    from eventsourcing.persistence import StoredEvent, Tracking

    factory = InfrastructureFactory.construct(Environment(env=settings.eventsourcing_env()))
    try:
        recorder = factory.process_recorder()
        originator_id = uuid4()
        event = StoredEvent(
            originator_id=originator_id, originator_version=1, topic="t", state=b"{}"
        )
        ids = recorder.insert_events([event], tracking=Tracking("upstream", 1))
        assert ids == [1]
        assert recorder.max_tracking_id("upstream") == 1
        assert [e.originator_version for e in recorder.select_events(originator_id)] == [1]
    finally:
        factory.close()
