"""The circuit breaker's state machine, with a fake clock and a fake reachability check."""

from __future__ import annotations

import threading

import psycopg
import psycopg_pool
import pytest
from eventsourcing.persistence import OperationalError as StoreOperationalError

from taizhang.api.breaker import is_connection_failure, reachability_check
from taizhang.config import Settings
from taizhang.store.breaker import CircuitBreaker, State


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Database:
    """What the reachability check finds, and how often it was asked."""

    def __init__(self) -> None:
        self.up = True
        self.checks = 0

    def reachable(self) -> bool:
        self.checks += 1
        return self.up


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def breaker(clock: Clock, db: Database) -> CircuitBreaker:
    return CircuitBreaker(5.0, reachable=db.reachable, clock=clock)


def test_closed_admits_everything_without_asking_the_database(
    breaker: CircuitBreaker, db: Database
) -> None:
    assert all(breaker.admit().allowed for _ in range(100))
    assert breaker.may_call()
    assert db.checks == 0


def test_a_confirmed_failure_opens_and_refuses_with_the_time_left(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    assert breaker.failed("connection refused") is True
    assert breaker.state is State.OPEN
    refused = breaker.admit()
    assert not refused.allowed and refused.retry_after == 5
    assert not breaker.may_call()
    clock.now += 3.2
    assert breaker.admit().retry_after == 2  # rounded up: never tell a client 0
    assert breaker.snapshot()["last_failure"] == "connection refused"


def test_a_failure_the_database_does_not_confirm_leaves_it_closed(
    breaker: CircuitBreaker, db: Database
) -> None:
    # A terminated backend or a dropped connection: the database still answers.
    assert breaker.failed("terminating connection due to administrator command") is False
    assert breaker.state is State.CLOSED
    assert breaker.admit().allowed
    assert breaker.times_opened == 0


def test_a_burst_of_unconfirmed_failures_asks_the_database_once(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    for _ in range(20):
        breaker.failed("server closed the connection unexpectedly")
    assert db.checks == 1
    clock.now += 1.5
    breaker.failed("server closed the connection unexpectedly")
    assert db.checks == 2


def test_a_probe_finding_the_database_still_down_is_refused_and_opens_again(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    breaker.failed("down")
    clock.now += 5.0
    assert breaker.state is State.HALF_OPEN
    refused = breaker.admit()
    assert not refused.allowed and refused.retry_after == 5
    assert breaker.state is State.OPEN and breaker.times_opened == 2


def test_after_the_open_period_one_probe_goes_through_and_success_closes(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    breaker.failed("down")
    clock.now += 5.0
    assert breaker.state is State.HALF_OPEN
    db.up = True
    probe = breaker.admit()
    assert probe.allowed and probe.probe
    others = [breaker.admit() for _ in range(5)]
    assert not any(a.allowed for a in others)
    assert all(a.retry_after == 1 for a in others)
    assert breaker.may_call()  # the probe's own calls (and stragglers') reach the database
    breaker.succeeded()
    assert breaker.state is State.CLOSED
    assert all(breaker.admit().allowed for _ in range(5))


def test_a_failed_probe_opens_again_for_a_whole_period(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    breaker.failed("down")
    clock.now += 6.0
    db.up = True
    assert breaker.admit().probe
    db.up = False  # gone again while the probe runs
    assert breaker.failed("still down") is True
    assert breaker.state is State.OPEN
    assert breaker.admit().retry_after == 5
    assert breaker.times_opened == 2


def test_a_probe_that_answered_without_a_server_error_closes(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    breaker.failed("down")
    clock.now += 5.0
    db.up = True
    assert breaker.admit().probe
    breaker.probe_finished(answered=True)
    assert breaker.state is State.CLOSED


def test_a_probe_that_ended_in_a_server_error_frees_the_slot_for_the_next(
    breaker: CircuitBreaker, clock: Clock, db: Database
) -> None:
    db.up = False
    breaker.failed("down")
    clock.now += 5.0
    db.up = True
    assert breaker.admit().probe
    breaker.probe_finished(answered=False)
    assert breaker.state is State.HALF_OPEN
    assert breaker.admit().probe


def test_a_check_that_raises_counts_as_down(clock: Clock) -> None:
    def broken() -> bool:
        raise OSError("no route to host")

    breaker = CircuitBreaker(5.0, reachable=broken, clock=clock)
    assert breaker.failed("timeout") is True
    assert breaker.state is State.OPEN


def test_concurrent_failures_open_it_once_and_admit_one_probe(clock: Clock, db: Database) -> None:
    db.up = False
    breaker = CircuitBreaker(5.0, reachable=db.reachable, clock=clock)
    start = threading.Barrier(16)

    def fail() -> None:
        start.wait()
        breaker.failed("down")

    threads = [threading.Thread(target=fail) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.state is State.OPEN and breaker.times_opened == 1
    clock.now += 5.0
    db.up = True
    admitted: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def ask() -> None:
        start.wait()
        admission = breaker.admit()
        with lock:
            admitted.append(admission.allowed)

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert admitted.count(True) == 1


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 2.00 sec"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (psycopg.errors.DiskFull("could not extend file"), False),
        (psycopg.errors.ReadOnlySqlTransaction("read-only transaction"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (psycopg.errors.TooManyConnections("too many clients"), False),
        (ValueError("not a database error"), False),
    ],
)
def test_only_failures_to_reach_the_database_count(error: Exception, outage: bool) -> None:
    assert is_connection_failure(error) is outage
    # The same, wrapped by the event store as the library does.
    wrapped = StoreOperationalError(str(error))
    wrapped.__cause__ = error
    assert is_connection_failure(wrapped) is outage


@pytest.mark.parametrize(
    ("raised", "reachable"),
    [
        (psycopg.OperationalError("connection refused"), False),
        (psycopg.errors.CannotConnectNow("the database system is shutting down"), False),
        (psycopg.errors.TooManyConnections("sorry, too many clients already"), True),
        (None, True),
    ],
)
def test_the_check_counts_a_server_out_of_connection_slots_as_reachable(
    monkeypatch: pytest.MonkeyPatch, raised: Exception | None, reachable: bool
) -> None:
    class Connection:
        def __enter__(self) -> Connection:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def execute(self, statement: str) -> None:
            assert statement == "SELECT 1"

    def connect(*_: object, **__: object) -> Connection:
        if raised is not None:
            raise raised
        return Connection()

    monkeypatch.setattr(psycopg, "connect", connect)
    settings = Settings.from_env({"TAIZHANG_DATABASE_URL": "postgresql://u@127.0.0.1:1/db"})
    assert reachability_check(settings)() is reachable


def test_breaker_settings_come_from_the_environment_and_bad_values_name_the_variable() -> None:
    from taizhang.config import ConfigurationError

    url = {"TAIZHANG_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db"}
    defaults = Settings.from_env(url)
    assert (defaults.breaker_open_seconds, defaults.breaker_check_seconds) == (1.0, 1.0)
    chosen = Settings.from_env(
        {**url, "TAIZHANG_BREAKER_OPEN_SECONDS": "0", "TAIZHANG_BREAKER_CHECK_SECONDS": "3"}
    )
    assert (chosen.breaker_open_seconds, chosen.breaker_check_seconds) == (0.0, 3.0)
    for variable, value in [
        ("TAIZHANG_BREAKER_OPEN_SECONDS", "soon"),
        ("TAIZHANG_BREAKER_OPEN_SECONDS", "-1"),
        ("TAIZHANG_BREAKER_OPEN_SECONDS", "301"),
        ("TAIZHANG_BREAKER_CHECK_SECONDS", "0"),
    ]:
        with pytest.raises(ConfigurationError, match=variable):
            Settings.from_env({**url, variable: value})
