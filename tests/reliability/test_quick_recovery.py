"""After PostgreSQL restarts, the first request once it is back is served normally within 2 s,
whether the service was idle or busy (issue 24: "the first request after the database is back
is served normally within 2 s, idle or busy").

The restart is of the private cluster (tests.reliability.harness), never the shared server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from taizhang.config import Settings
from tests.reliability.harness import (
    Client,
    PrivatePostgres,
    Server,
    branch_item,
    organizations,
    serve,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WITHIN_SECONDS = 2.0


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=2, threads=4)


def _timed(call: object) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = call()  # type: ignore[operator]
    return response, time.monotonic() - started


def test_an_idle_service_serves_its_first_post_and_readiness_at_once_after_a_restart(
    server: tuple[Server, str], private_pg: PrivatePostgres
) -> None:
    """Measured before: the next post 5.5-6.5 s late, /readyz "database unavailable"."""
    gunicorn, token = server
    client = Client(gunicorn.base, token, timeout=60)
    orgs = organizations(client)
    # Every worker's pools hold sessions: several posts and readiness checks.
    for n in range(8):
        item = branch_item(orgs, f"warm-{n}")
        item.pop("type")
        assert client.post("/api/v1/branches", item).status_code == 201
        assert requests.get(gunicorn.base + "/readyz", timeout=60).status_code == 200
    time.sleep(2.0)  # idle: nothing touches the pools from here on
    private_pg.restart()
    for n in range(6):  # both workers, each first met after the restart
        item = branch_item(orgs, f"after-{n}")
        item.pop("type")
        posted, took = _timed(lambda item=item: client.post("/api/v1/branches", item))
        assert posted.status_code == 201, posted.text[:300]
        assert took < WITHIN_SECONDS, (n, took)
        ready, took = _timed(lambda: requests.get(gunicorn.base + "/readyz", timeout=60))
        assert ready.status_code == 200, ready.text[:300]
        assert took < WITHIN_SECONDS, (n, took)


# The busy case's clock is four clients' answers on a two-core machine that CI shares with
# the rest of the suite: a round whose recovery misses the bound is measured once more, and
# the test fails only when both miss (with both rounds' figures).
BUSY_ROUNDS = 2


def test_a_busy_service_serves_posts_again_within_two_seconds_of_the_database_being_back(
    server: tuple[Server, str], private_pg: PrivatePostgres
) -> None:
    gunicorn, token = server
    orgs = organizations(Client(gunicorn.base, token, timeout=60))
    missed = []
    for round_ in range(BUSY_ROUNDS):
        verdict = _busy_outage(gunicorn, token, orgs, private_pg, f"r{round_}")
        if verdict is None:
            return
        missed.append(verdict)
    pytest.fail(f"not back within {WITHIN_SECONDS} s in any round: {missed}")


def _busy_outage(
    gunicorn: Server, token: str, orgs: Any, private_pg: PrivatePostgres, tag: str
) -> str | None:
    """One outage under four posting clients: None when posts were served again within
    ``WITHIN_SECONDS`` of the database being back, else what was seen."""
    answers: list[tuple[float, int, str]] = []  # (when answered, status, problem)
    sent: list[tuple[float, float, int]] = []  # (when sent, when answered, status)
    stop = threading.Event()

    def integrator(c: int) -> None:
        client = Client(gunicorn.base, token, timeout=60)
        n = 0
        while not stop.is_set():
            n += 1
            item = branch_item(orgs, f"busy-{tag}-{c}-{n}")
            item.pop("type")
            started = time.monotonic()
            try:
                response = client.post("/api/v1/branches", item)
                status, text = response.status_code, response.text[:200]
            except requests.RequestException as error:
                status, text = 0, repr(error)
            answered = time.monotonic()
            answers.append((answered, status, "" if status == 201 else text))
            sent.append((started, answered, status))
            time.sleep(0.05)

    threads = [threading.Thread(target=integrator, args=(c,)) for c in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)
        down = time.monotonic()
        private_pg.stop()
        stopped = time.monotonic()
        time.sleep(3.0)
        private_pg.start()
        back = time.monotonic()
        time.sleep(WITHIN_SECONDS + 2.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    # The traffic overlapped the outage: some post was in flight while the database was down.
    # (Whether it was refused with 503 or held until the database was back depends on where
    # the outage met it; both are right.)
    assert any(started < back and answered > down for started, answered, _ in sent), sent
    during = {status for at, status, _ in answers if down <= at < back}
    assert during <= {201, 503}, [answer for answer in answers if down <= answer[0] < back]
    # The outage was real: nothing sent once the database had stopped was stored before it
    # was back.
    stored_while_down = [
        (started, answered)
        for started, answered, status in sent
        if started >= stopped and answered < back and status == 201
    ]
    assert not stored_while_down, stored_while_down
    # From 2 s after the database is back, every post is served normally.
    late = [(round(at - back, 2), status, text) for at, status, text in answers]
    late = [answer for answer in late if answer[0] >= WITHIN_SECONDS]
    if not late or {status for _, status, _ in late} != {201}:
        return f"posts {WITHIN_SECONDS} s after the database was back: {late[:8]}"
    first = min(at for at, status, _ in answers if at >= back and status == 201)
    if first - back >= WITHIN_SECONDS:
        return f"the first post served {first - back:.2f} s after the database was back"
    return None
