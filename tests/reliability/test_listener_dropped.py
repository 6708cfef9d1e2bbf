"""The projection worker's LISTEN connection is killed: it misses nothing, and listens again."""

from __future__ import annotations

import time
from datetime import date

import pytest

from taizhang.commands.projections import projection_status
from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.worker import start_in_background
from taizhang.service import Caller, Posting
from tests.reliability.harness import PrivatePostgres

CALLER = Caller(actor="secretary", source="reliability")


def wait_caught_up(settings: Settings, head: int, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if all(s["position"] >= head for s in projection_status(settings).values()):
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"views not at {head} after {within} s: {projection_status(settings)}")


def listeners(private_pg: PrivatePostgres, dbname: str) -> list[int]:
    rows = private_pg.execute(
        "SELECT pid FROM pg_stat_activity "
        f"WHERE datname = '{dbname}' AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()"
    )
    return [row[0] for row in rows]


@pytest.mark.slow
def test_listener_terminated_views_still_catch_up(
    private_pg: PrivatePostgres, private_pg_settings: Settings
) -> None:
    settings = private_pg_settings
    dbname = settings.postgres_params().dbname
    upgrade(settings)
    ledger = Ledger(settings)
    service = make_service(ledger)

    def post(code: str) -> int:
        answer = service.post(
            CALLER,
            Posting("DistrictRegistered", date(2014, 3, 1), {"name": "番禺区", "code": code}),
        )
        return ledger.recorder.max_notification_id() or answer.version

    worker = start_in_background(settings)
    try:
        wait_caught_up(settings, post("440113"), within=10)
        deadline = time.monotonic() + 10
        while not listeners(private_pg, dbname) and time.monotonic() < deadline:
            time.sleep(0.05)
        killed = listeners(private_pg, dbname)
        assert killed, "the worker is not listening"
        for pid in killed:
            private_pg.execute(f"SELECT pg_terminate_backend({pid})")

        # Posts after the drop still reach the views, within the poll interval and margin.
        for n in range(5):
            head = post(f"44011{n}")
        took = wait_caught_up(settings, head, within=5)
        assert took < 5
        assert worker.thread.is_alive()

        # And it listens again, on a new connection, so updates are prompt again.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            again = listeners(private_pg, dbname)
            if again and not set(again) & set(killed):
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the worker did not listen again after its connection died")
        head = post("440120")
        assert wait_caught_up(settings, head, within=5) < 1.0
    finally:
        worker.stop()
        ledger.close()
