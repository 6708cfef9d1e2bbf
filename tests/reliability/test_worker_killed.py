"""A gunicorn worker SIGKILLed while batches are in flight: retries store each event once."""

from __future__ import annotations

import os
import signal
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
    Server,
    branch_item,
    organizations,
    serve,
    stored_branch_names,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENTS = 4
BATCHES_PER_CLIENT = 25  # at least; they go on until the killing is over
MAX_BATCHES_PER_CLIENT = 400
BATCH_SIZE = 40
MAX_KILLS = 20


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=2, threads=4)


def post_until_stored(client: Client, key: str, items: list[dict[str, object]]) -> list[int]:
    """Post one batch until it is answered 201, as an integrator would; returns statuses seen."""
    seen = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            response = client.post("/api/v1/batches", {"items": items}, **{"Idempotency-Key": key})
        except requests.RequestException:
            seen.append(0)  # the connection died with the worker: retry the same batch
            time.sleep(0.1)
            continue
        seen.append(response.status_code)
        if response.status_code == 201:
            return seen
        assert response.status_code == 503, response.text
        time.sleep(float(response.headers.get("Retry-After", "1")))
    raise AssertionError(f"batch {key} not stored within 90 s: {seen}")


def test_worker_killed_mid_batch_loses_and_doubles_nothing(
    server: tuple[Server, str], private_pg_settings: Settings
) -> None:
    gunicorn, token = server
    orgs = organizations(Client(gunicorn.base, token))
    statuses: list[int] = []
    errors: list[BaseException] = []
    posted = [0] * CLIENTS
    # A batch takes milliseconds, so a kill often lands between requests: the integrators
    # keep posting until the killing is over, so that some kill cuts a request off.
    killing = threading.Event()
    killing.set()

    def integrator(c: int) -> None:
        client = Client(gunicorn.base, token)
        try:
            for b in range(MAX_BATCHES_PER_CLIENT):
                if b >= BATCHES_PER_CLIENT and not killing.is_set():
                    break
                items = [branch_item(orgs, f"c{c}-b{b}-i{i}") for i in range(BATCH_SIZE)]
                statuses.extend(post_until_stored(client, f"c{c}-b{b}", items))
                posted[c] = b + 1
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=integrator, args=(c,)) for c in range(CLIENTS)]
    for thread in threads:
        thread.start()
    killed = []
    # Kill workers while the integrators are posting, until a kill has cut a request off
    # (a batch takes only milliseconds, so a single kill may land between requests).
    while len(killed) < MAX_KILLS and any(t.is_alive() for t in threads):
        if len(killed) >= 3 and 0 in statuses:
            break
        time.sleep(0.3)
        pids = gunicorn.worker_pids()
        if pids:
            victim = pids[len(killed) % len(pids)]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            gunicorn.wait_healthy()
    killing.clear()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    assert killed, "the integrators finished before any worker could be killed"
    # Requests were cut off by the kills, and their retries were answered.
    assert statuses.count(0) >= 1, Counter(statuses)

    expected = [
        f"c{c}-b{b}-i{i}"
        for c in range(CLIENTS)
        for b in range(posted[c])
        for i in range(BATCH_SIZE)
    ]
    counts = Counter(stored_branch_names(private_pg_settings))
    doubled = {name: n for name, n in counts.items() if n > 1}
    missing = sorted(set(expected) - set(counts))
    assert not doubled, f"stored more than once: {sorted(doubled)[:10]}"
    assert not missing, f"never stored: {missing[:10]}"
    assert set(counts) == set(expected)
