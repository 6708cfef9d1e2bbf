"""Views served from a PostgreSQL hot standby, and the primary when the standby is not fit
(issue 24: "views, lists, history and exports can be served from a PostgreSQL streaming
replica (hot standby): a setting names the replica; read-your-writes still holds (a read naming
a position waits until the replica has replayed it, or says it could not); if the replica lags
beyond a bound or is down, reads fall back to the primary and `/readyz` says so", and "after a
restart or a failover to a promoted standby, the first request after the database is back is
served normally within 2 s").

Each test starts its own primary and standby (initdb, pg_basebackup -R, primary_conninfo) on
private ports; the shared server is never touched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import in_ci
from tests.reliability.harness import PG_BIN, Client, Server, branch_item, organizations, serve
from tests.reliability.replica_harness import Proxy, Standby, pair_settings, primary_and_standby

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WITHIN_SECONDS = 2.0


@pytest.fixture
def pair() -> Iterator[tuple[Any, Standby]]:
    if not (PG_BIN / "pg_basebackup").exists():
        message = f"no PostgreSQL server binaries at {PG_BIN} (set TAIZHANG_TEST_PG_BIN)"
        if in_ci():
            pytest.fail(message + " -- CI=true, so this is a failure, not a skip", pytrace=False)
        pytest.skip(message)
    primary, standby = primary_and_standby()
    try:
        yield primary, standby
    finally:
        standby.destroy()
        primary.destroy()


@contextmanager
def _service(
    pair: tuple[Any, Standby], tmp_path: Path, max_lag: float, **options: Any
) -> Iterator[tuple[Server, Client, str]]:
    primary, standby = pair
    proxy: Proxy | None = options.pop("proxy", None)
    settings, replica_url = pair_settings(
        primary, standby, tmp_path, primary_port=proxy.port if proxy else None
    )
    env = {
        "TAIZHANG_READ_REPLICA_URL": replica_url,
        "TAIZHANG_REPLICA_MAX_LAG_SECONDS": str(max_lag),
        "TAIZHANG_REPLICA_WAIT_SECONDS": "0.5",
        # Every read looks at the projections' positions: what it shows is where it read.
        "TAIZHANG_VIEW_MAX_AGE_SECONDS": "0",
    }
    options.setdefault("workers", 1)
    served = serve(
        settings, tmp_path, threads=4, embedded_projections=True, extra_env=env, **options
    )
    server, token = next(served)
    try:
        dbname = settings.postgres_params().dbname
        standby.replays(dbname)
        yield server, Client(server.base, token, timeout=60), dbname
    finally:
        served.close()


def _post(client: Client, orgs: Any, name: str) -> int:
    item = branch_item(orgs, name)
    item.pop("type")
    response = client.post("/api/v1/branches", item)
    assert response.status_code == 201, response.text[:300]
    position: int = response.json()["position"]
    return position


def _life(client: Client, orgs: Any, min_position: int | None = None) -> Any:
    """The committee's branches' organizational life, as the views hold it."""
    params = {} if min_position is None else {"min_position": min_position}
    response = client.get(f"/api/v1/committees/{orgs.committee}/party-life", **params)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def _replica(server: Server) -> dict[str, Any]:
    response = requests.get(server.base + "/readyz", timeout=30)
    assert response.status_code == 200, response.text[:300]
    found: dict[str, Any] = response.json()["checks"]["replica"]
    return found


def _until(check: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, what
        time.sleep(0.1)
    return time.monotonic() - started


def test_views_are_read_from_the_standby_and_a_read_naming_a_position_is_never_stale(
    pair: tuple[Any, Standby], tmp_path: Path
) -> None:
    primary, standby = pair
    with _service(pair, tmp_path, max_lag=60) as (server, client, dbname):
        orgs = organizations(client)
        first = _post(client, orgs, "before")
        before = _life(client, orgs, first)
        _until(lambda: _replica(server)["state"] == "ok", 10, "the standby never served")
        assert _replica(server)["serving"] == "replica"
        _life(client, orgs)
        # The standby's sessions are the service's readers of the views.
        sessions = standby.reading_sessions(dbname)
        assert any("view_" in query or "projection_position" in query for query in sessions)
        assert standby.execute("SELECT pg_is_in_recovery()")[0][0] is True
        assert not primary.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'taizhang-replica-reads'"
        )

        standby.pause_replay()
        position = _post(client, orgs, "while-paused")
        # Without a position the paused standby answers, as it stood: proof it is the reader.
        assert _life(client, orgs) == before
        # Naming the post's position, the read is never stale: the standby cannot reach it
        # within its wait, so the primary answers.
        started = time.monotonic()
        after = _life(client, orgs, position)
        assert after != before
        assert time.monotonic() - started < WITHIN_SECONDS
        standby.resume_replay()
        _until(lambda: _life(client, orgs) == after, 10, "the standby never caught up")
        assert _life(client, orgs, position) == after


def test_a_standby_lagging_past_the_bound_is_left_for_the_primary_and_readyz_says_so(
    pair: tuple[Any, Standby], tmp_path: Path
) -> None:
    _, standby = pair
    with _service(pair, tmp_path, max_lag=1) as (server, client, _):
        orgs = organizations(client)
        before = _life(client, orgs, _post(client, orgs, "before"))
        _until(lambda: _replica(server)["state"] == "ok", 10, "the standby never served")
        standby.pause_replay()
        _post(client, orgs, "while-paused")
        _until(lambda: _replica(server)["state"] == "lagging", 10, "the lag was not noticed")
        report = _replica(server)
        # The report rounds the lag to a hundredth: just past the bound may read as 1.0.
        assert report["serving"] == "primary" and report["lag_seconds"] >= 1, report
        # Reads without a position now come from the primary: they show the post.
        assert _life(client, orgs) != before
        standby.resume_replay()
        _until(lambda: _replica(server)["state"] == "ok", 10, "the standby never came back")


def test_a_standby_down_leaves_reads_to_the_primary_and_serves_again_once_restarted(
    pair: tuple[Any, Standby], tmp_path: Path
) -> None:
    _, standby = pair
    with _service(pair, tmp_path, max_lag=5) as (server, client, dbname):
        orgs = organizations(client)
        before = _life(client, orgs, _post(client, orgs, "before"))
        _until(lambda: _replica(server)["state"] == "ok", 10, "the standby never served")
        standby.stop()
        # The first read after the standby went away is answered (by the primary), at once.
        position = _post(client, orgs, "while-down")
        started = time.monotonic()
        after = _life(client, orgs, position)
        assert time.monotonic() - started < WITHIN_SECONDS
        assert after != before and _life(client, orgs) == after
        report = _replica(server)
        assert report["state"] == "unavailable" and report["serving"] == "primary", report
        standby.start()
        took = _until(lambda: _replica(server)["state"] == "ok", 10, "the standby never came back")
        assert took < 5, took
        _life(client, orgs, _post(client, orgs, "after"))
        assert standby.reading_sessions(dbname), "the standby serves no reads again"


def test_after_a_failover_to_the_promoted_standby_the_first_requests_are_served_within_2_s(
    pair: tuple[Any, Standby], tmp_path: Path
) -> None:
    primary, standby = pair
    proxy = Proxy(primary.port)  # the service's one database address
    try:
        with _service(pair, tmp_path, max_lag=5, proxy=proxy, workers=2) as (server, client, _):
            orgs = organizations(client)
            for n in range(6):
                _life(client, orgs, _post(client, orgs, f"warm-{n}"))
            time.sleep(2.0)  # idle: nothing touches the pools from here on
            primary.stop()
            standby.promote()
            proxy.switch(standby.port)
            for n in range(6):  # both workers, each first met after the failover
                started = time.monotonic()
                position = _post(client, orgs, f"after-{n}")
                posted = time.monotonic() - started
                _life(client, orgs, position)
                read = time.monotonic() - started - posted
                assert posted < WITHIN_SECONDS and read < WITHIN_SECONDS, (n, posted, read)
            # A worker that made its views just now says "starting" until its first check.
            promoted = lambda: _replica(server)["state"] == "not_in_recovery"  # noqa: E731
            _until(promoted, 5, "the promoted standby was still read as a replica")
            assert _replica(server)["serving"] == "primary"
    finally:
        proxy.close()


def test_a_busy_service_serves_posts_within_2_s_of_the_failover_to_the_promoted_standby(
    pair: tuple[Any, Standby], tmp_path: Path
) -> None:
    primary, standby = pair
    proxy = Proxy(primary.port)
    answers: list[tuple[float, int]] = []  # (when answered, status)
    stop = threading.Event()
    try:
        with _service(pair, tmp_path, max_lag=5, proxy=proxy, workers=2) as (_, client, _):
            orgs = organizations(client)

            def integrator(c: int) -> None:
                mine = Client(client.base, client.token, timeout=60)
                n = 0
                while not stop.is_set():
                    n += 1
                    item = branch_item(orgs, f"busy-{c}-{n}")
                    item.pop("type")
                    try:
                        status = mine.post("/api/v1/branches", item).status_code
                    except requests.RequestException:
                        status = 0
                    answers.append((time.monotonic(), status))
                    time.sleep(0.05)

            threads = [threading.Thread(target=integrator, args=(c,)) for c in range(4)]
            for thread in threads:
                thread.start()
            try:
                time.sleep(1.0)
                primary.stop()
                standby.promote()
                proxy.switch(standby.port)
                back = time.monotonic()
                time.sleep(WITHIN_SECONDS + 2.0)
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=120)
            first = min(at for at, status in answers if at >= back and status == 201)
            assert first - back < WITHIN_SECONDS
            late = [status for at, status in answers if at - back >= WITHIN_SECONDS]
            assert late and set(late) == {201}, late
    finally:
        proxy.close()
