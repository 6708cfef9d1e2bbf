"""The pools' check before use: no round trip for a quiet session, a dead one is caught."""

from __future__ import annotations

import select
import time
from typing import Any

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.store.pool_check import check_before_use


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The sessions the pool's own (round-trip) check was run on."""
    checked: list[Any] = []
    real = ConnectionPool.check_connection

    def counted(conn: Any) -> None:
        checked.append(conn)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return checked


def test_a_quiet_session_is_used_without_a_round_trip(
    postgres_settings: Settings, full_checks: list[Any]
) -> None:
    with psycopg.connect(postgres_settings.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT 1")
        check_before_use(conn)
        assert full_checks == []


def test_a_session_the_server_ended_fails_the_check(
    postgres_settings: Settings, full_checks: list[Any]
) -> None:
    conninfo = postgres_settings.psycopg_conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pid = conn.info.backend_pid
        with psycopg.connect(conninfo, autocommit=True) as admin:
            # The timeout makes it wait until the session has ended.
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            check_before_use(conn)
        assert full_checks == [conn]


def test_a_session_with_something_to_read_gets_the_full_check_and_passes(
    postgres_settings: Settings, full_checks: list[Any]
) -> None:
    conninfo = postgres_settings.psycopg_conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("LISTEN pool_check")
        with psycopg.connect(conninfo, autocommit=True) as other:
            other.execute("NOTIFY pool_check")
        # The notification travels on its own: wait until it has reached the socket.
        readable, _, _ = select.select([conn.pgconn.socket], [], [], 5)
        assert readable
        check_before_use(conn)
        assert full_checks == [conn]


def test_a_closed_session_fails_the_check(postgres_settings: Settings) -> None:
    conn = psycopg.connect(postgres_settings.psycopg_conninfo(), autocommit=True)
    conn.close()
    with pytest.raises(psycopg.OperationalError):
        check_before_use(conn)


def test_the_ledger_pool_uses_the_check(postgres_settings: Settings) -> None:
    ledger = Ledger(postgres_settings)
    try:
        pool: Any = ledger.recorder.datastore.pool  # type: ignore[attr-defined]
        # Wrapped by the session settings (taizhang.store.pool_sessions), which run it first.
        assert pool._check.__wrapped__ is check_before_use
    finally:
        ledger.close()


def test_a_pool_whose_sessions_the_server_all_ended_gives_a_live_one_at_once(
    postgres_settings: Settings,
) -> None:
    """Issue 24: after a restart an idle service's pools hold only dead sessions; the pool
    waited a second, doubling, after each that failed its check (the next post 5.5-6.5 s
    late). Now the first dead one has the pool replace the others at once."""
    conninfo = postgres_settings.psycopg_conninfo()
    pool: ConnectionPool[Any] = ConnectionPool(
        conninfo, min_size=5, max_size=5, open=True, timeout=10, check=check_before_use
    )
    try:
        pool.wait(timeout=10)
        held = [pool.getconn() for _ in range(5)]
        pids = [conn.info.backend_pid for conn in held]
        for conn in held:
            pool.putconn(conn)
        with psycopg.connect(conninfo, autocommit=True) as admin:
            for pid in pids:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        started = time.monotonic()
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid not in pids
        assert time.monotonic() - started < 0.5
        # The other dead sessions were replaced too: five live ones in turn.
        again = [pool.getconn(timeout=2) for _ in range(5)]
        assert not {conn.info.backend_pid for conn in again} & set(pids)
        for conn in again:
            pool.putconn(conn)
    finally:
        pool.close()
