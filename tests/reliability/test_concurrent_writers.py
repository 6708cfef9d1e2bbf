"""Writers racing on one branch with If-Match: losers are told (412/409), nothing is lost."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from taizhang.config import Settings
from taizhang.tools.load import set_up
from tests.reliability.harness import TODAY, Client, Server, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WRITERS = 6
FACTS_PER_WRITER = 8


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=2, threads=4)


def test_if_match_races_lose_nothing_and_end_as_if_sequential(server: tuple[Server, str]) -> None:
    gunicorn, token = server
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    world = set_up(session, gunicorn.base, branches=1, seed=7, wait_for_views=False)
    work = f"/api/v1/campaigns/{world.campaign}/branches/{world.branches[0]}"
    client = Client(gunicorn.base, token)
    first = client.post(
        work + "/events",
        {"type": "MobilizationMeetingHeld", "occurred_on": TODAY, "data": {"participants": 1}},
    )
    assert first.status_code == 201, first.text
    start_version = first.json()["version"]

    statuses: Counter[int] = Counter()
    stored: list[tuple[int, str]] = []  # (version, client_event_id)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        mine = Client(gunicorn.base, token)
        try:
            for k in range(FACTS_PER_WRITER):
                client_event_id = f"w{w}-k{k}-{uuid.uuid4().hex[:6]}"
                while True:
                    state = mine.get(work)
                    assert state.status_code == 200, state.text
                    response = mine.post(
                        work + "/events",
                        {
                            "type": "MobilizationMeetingHeld",
                            "occurred_on": TODAY,
                            "client_event_id": client_event_id,
                            "data": {"participants": 10 + w},
                        },
                        **{"If-Match": state.headers["ETag"]},
                    )
                    with lock:
                        statuses[response.status_code] += 1
                    if response.status_code == 201:
                        with lock:
                            stored.append((response.json()["version"], client_event_id))
                        break
                    assert response.status_code in (409, 412), response.text
                    assert response.headers["Content-Type"].startswith("application/problem+json")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert statuses[412] + statuses[409] >= 1, f"no race happened: {statuses}"

    # Every accepted write got its own version, one after the other, as if in sequence.
    versions = sorted(version for version, _ in stored)
    total = WRITERS * FACTS_PER_WRITER
    assert versions == list(range(start_version + 1, start_version + total + 1))
    assert len({cid for _, cid in stored}) == total
    final = client.get(work)
    assert final.headers["ETag"].strip('"') == str(start_version + total)
    history = client.get(work + "/history", limit=500)
    assert history.status_code == 200, history.text
    held = [i for i in history.json()["items"] if i["type"] == "MobilizationMeetingHeld"]
    assert len(held) == total + 1
