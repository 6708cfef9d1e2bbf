"""PostgreSQL restarted while integrators post: 503 with Retry-After, then everything once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

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
    stored_branch_names,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENTS = 4
# Longer than a request's whole retry budget (config.POSTGRES_CONNECT_TIMEOUT), so that
# requests in the middle of the outage run out of retries and must be answered 503.
DOWN_SECONDS = 25.0
# A request is answered, 201 or 503, within this, below gunicorn's 60 s worker timeout.
ANSWER_WITHIN_SECONDS = 40.0


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=2, threads=4)


def test_database_restart_under_load_answers_503_and_recovers(
    server: tuple[Server, str], private_pg: PrivatePostgres, private_pg_settings: Settings
) -> None:
    gunicorn, token = server
    orgs = organizations(Client(gunicorn.base, token))
    statuses: Counter[int] = Counter()
    refusals: list[str] = []
    slowest = [0.0]
    errors: list[BaseException] = []
    stop = threading.Event()
    posted: list[str] = []

    def integrator(c: int) -> None:
        client = Client(gunicorn.base, token, timeout=ANSWER_WITHIN_SECONDS)
        try:
            n = 0
            while not stop.is_set():
                n += 1
                item = branch_item(orgs, f"c{c}-n{n}")
                item.pop("type")
                while True:
                    started = time.monotonic()
                    response = client.post("/api/v1/branches", item)
                    slowest[0] = max(slowest[0], time.monotonic() - started)
                    statuses[response.status_code] += 1
                    if response.status_code == 201:
                        posted.append(item["data"]["name"])
                        break
                    if response.status_code != 503 or "Retry-After" not in response.headers:
                        refusals.append(f"{response.status_code} {response.text[:300]}")
                        break
                    assert response.headers["Content-Type"].startswith("application/problem+json")
                    time.sleep(min(float(response.headers["Retry-After"]), 1.0))
                time.sleep(0.02)
        except (requests.RequestException, AssertionError) as error:
            errors.append(error)

    threads = [threading.Thread(target=integrator, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    private_pg.restart(down_seconds=DOWN_SECONDS)
    time.sleep(3.0)  # posts go on after the database is back, with retries still pending
    stop.set()
    for thread in threads:
        thread.join(timeout=240)

    assert not errors, errors
    assert not refusals, refusals[:5]
    assert statuses[503] >= 1, f"the restart was not noticed: {statuses}"
    assert set(statuses) <= {201, 503}, statuses
    assert slowest[0] < ANSWER_WITHIN_SECONDS

    # The service recovered by itself: a fresh post goes straight through.
    client = Client(gunicorn.base, token)
    item = branch_item(orgs, "after-restart")
    item.pop("type")
    assert client.post("/api/v1/branches", item).status_code == 201

    names = Counter(stored_branch_names(private_pg_settings))
    expected = {*posted, "after-restart"}
    assert {name for name, n in names.items() if n > 1} == set()
    assert set(names) == expected
