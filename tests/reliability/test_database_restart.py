"""PostgreSQL restarted while integrators post: quick 503s with Retry-After, then everything once.

The circuit breaker (taizhang.store.breaker) answers at once while the database is down; without it
each outage answer took ~22 s (the library's retries).
"""

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
# Outage answers come from the open breaker; only those in flight when the database went away
# (and a probe) may take longer.
OUTAGE_P95_SECONDS = 2.0
# The breaker is half-open 5 s after opening; the service is back within a few probes.
RECOVERED_WITHIN_SECONDS = 15.0


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
    outage_answers: list[float] = []
    circuit_open: list[int] = []
    # (when the request was sent, status, circuit state)
    readiness: list[tuple[float, int, str | None]] = []

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
                    took = time.monotonic() - started
                    slowest[0] = max(slowest[0], took)
                    statuses[response.status_code] += 1
                    if response.status_code == 503:
                        outage_answers.append(took)
                        circuit_open.append(response.json().get("circuit") == "open")
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

    def operator() -> None:
        while not stop.is_set():
            try:
                sent = time.monotonic()
                answer = requests.get(gunicorn.base + "/readyz", timeout=ANSWER_WITHIN_SECONDS)
                circuit = answer.json()["checks"].get("circuit", {})
                readiness.append((sent, answer.status_code, circuit.get("state")))
            except requests.RequestException as error:
                errors.append(error)
            time.sleep(0.5)

    threads = [threading.Thread(target=integrator, args=(c,)) for c in range(CLIENTS)]
    threads.append(threading.Thread(target=operator))
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    private_pg.restart(down_seconds=DOWN_SECONDS)
    back = time.monotonic()
    accepted_before = statuses[201]
    # The service recovers by itself: posts go through again without anyone restarting it.
    while time.monotonic() - back < RECOVERED_WITHIN_SECONDS and statuses[201] == accepted_before:
        time.sleep(0.1)
    recovered_after = time.monotonic() - back
    # Each worker has a breaker of its own, and one may have opened just before the database
    # came back: it refuses until its open period ends. Posts and readiness checks go on past
    # that, so that every worker is seen closed again.
    all_closed_from = back + private_pg_settings.breaker_open_seconds + 1.0

    def settled() -> list[tuple[int, str | None]]:
        return [(status, state) for sent, status, state in readiness if sent >= all_closed_from]

    # A pool reconnecting after the outage can keep a worker unready a while longer.
    deadline = all_closed_from + RECOVERED_WITHIN_SECONDS
    while time.monotonic() < deadline and (
        len(settled()) < 4 or settled()[-2:] != [(200, "closed")] * 2
    ):
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=240)

    assert not errors, errors
    assert not refusals, refusals[:5]
    assert statuses[503] >= 1, f"the restart was not noticed: {statuses}"
    assert set(statuses) <= {201, 503}, statuses
    assert slowest[0] < ANSWER_WITHIN_SECONDS
    outage_answers.sort()
    p95 = outage_answers[int(0.95 * (len(outage_answers) - 1))]
    print(
        f"outage answers: {len(outage_answers)}, p50 {outage_answers[len(outage_answers) // 2]:.3f}"
        f" s, p95 {p95:.3f} s, slowest {slowest[0]:.3f} s; recovered {recovered_after:.1f} s"
        f" after the database was back; statuses {dict(statuses)}"
    )
    assert len(outage_answers) >= 20, "the outage should be met by many quick refusals"
    assert p95 < OUTAGE_P95_SECONDS, outage_answers[-10:]
    assert sum(circuit_open) >= len(outage_answers) // 2
    assert recovered_after < RECOVERED_WITHIN_SECONDS
    # /readyz told operators the circuit was open, and closed again afterwards: once every
    # worker's open period has ended, nothing opens it again, since the database answers.
    answers = [(status, state) for _, status, state in readiness]
    assert (503, "open") in answers, answers
    assert all(status == 503 for status, state in answers if state == "open")
    after = settled()
    assert len(after) >= 4, readiness[-10:]
    assert all(state != "open" for _, state in after), after
    assert after[-1] == (200, "closed"), after

    # The service recovered by itself: a fresh post goes straight through.
    client = Client(gunicorn.base, token)
    item = branch_item(orgs, "after-restart")
    item.pop("type")
    assert client.post("/api/v1/branches", item).status_code == 201

    names = Counter(stored_branch_names(private_pg_settings))
    expected = {*posted, "after-restart"}
    assert {name for name, n in names.items() if n > 1} == set()
    assert set(names) == expected
