"""The breaker in the app: refusals and dropped connections never open it; open, it refuses at once.

The outage itself (a stopped cluster) is ``test_database_restart.py``; here the database stays
up, which is the point: nothing but an unreachable database may turn answers into 503s.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from taizhang.api import create_app
from taizhang.api.auth import TokenStore
from taizhang.api.breaker import breaker_of
from taizhang.config import Settings
from taizhang.migrate import upgrade
from taizhang.store.breaker import State
from tests.reliability.harness import TODAY


@pytest.fixture
def app(settings: Settings) -> Iterator[tuple[Flask, dict[str, str]]]:
    yield from served(settings)


@pytest.fixture
def pg_app(postgres_settings: Settings) -> Iterator[tuple[Flask, dict[str, str]]]:
    yield from served(postgres_settings)


def served(settings: Settings) -> Iterator[tuple[Flask, dict[str, str]]]:
    upgrade(settings)
    store = TokenStore(settings)
    token, _ = store.create("breaker-admin", "admin", source="reliability")
    store.close()
    app = create_app(settings)
    try:
        yield app, {"Authorization": f"Bearer {token}"}
    finally:
        app.extensions["taizhang"].close()


def district(client: FlaskClient, auth: dict[str, str], name: str) -> Any:
    body = {"occurred_on": TODAY, "data": {"name": name, "code": "440113"}}
    return client.post("/api/v1/districts", json=body, headers=auth)


def service_backends(app: Flask) -> list[int]:
    """The PostgreSQL sessions this app's pools hold idle (the event store's, the tokens')."""
    runtime = app.extensions["taizhang"]
    pools = [runtime.ledger.recorder.datastore.pool, runtime.tokens._pool]
    return [conn.info.backend_pid for pool in pools if pool is not None for conn in pool._pool]


def test_refusals_and_dropped_connections_never_open_the_breaker(
    app: tuple[Flask, dict[str, str]], settings: Settings
) -> None:
    flask_app, auth = app
    client = flask_app.test_client()
    breaker = breaker_of(flask_app)
    if not settings.is_postgres:
        assert breaker is None  # a local file has no outage to wait out
        assert district(client, auth, "番禺区").status_code == 201
        return
    assert breaker is not None
    assert district(client, auth, "番禺区").status_code == 201

    # The database refusing a request is the request's problem, not an outage.
    invalid = client.post(
        "/api/v1/districts", json={"occurred_on": TODAY, "data": {}}, headers=auth
    )
    assert invalid.status_code == 422
    assert client.get(f"/api/v1/branches/{uuid.uuid4()}", headers=auth).status_code == 404
    assert breaker.state is State.CLOSED

    # Every session of the service dropped under it (a failover, an administrator): the
    # database still answers, the pools replace the dead sessions, nothing is refused.
    pids = service_backends(flask_app)
    assert pids
    with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as admin:
        # With a timeout it returns once the sessions have ended: they were dropped before
        # the requests, not while one was in flight.
        admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) AS pid", (pids,)
        )
    flask_app.extensions["taizhang"].tokens._cache.clear()  # the lookup must meet its session
    answers = [district(client, auth, f"区{n}").status_code for n in range(3)]
    assert answers == [201, 201, 201], answers
    assert breaker.state is State.CLOSED and breaker.times_opened == 0
    ready = client.get("/readyz").get_json()
    assert ready["checks"]["circuit"]["state"] == "closed"


def test_while_open_requests_are_refused_at_once_without_touching_the_database(
    pg_app: tuple[Flask, dict[str, str]],
) -> None:
    flask_app, auth = pg_app
    client = flask_app.test_client()
    breaker = breaker_of(flask_app)
    assert breaker is not None
    assert district(client, auth, "番禺区").status_code == 201
    # As after a confirmed outage (the check says down once; the database is really up).
    real_check = breaker._reachable
    breaker._reachable = lambda: False
    assert breaker.failed("connection refused")
    breaker._reachable = real_check
    head = flask_app.extensions["taizhang"].ledger.recorder.max_notification_id()

    started = time.monotonic()
    refused = district(client, auth, "refused")
    took = time.monotonic() - started
    assert refused.status_code == 503 and took < 0.5
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json["circuit"] == "open"
    assert 1 <= int(refused.headers["Retry-After"]) <= 5
    # Health needs no database; readiness says why it is not ready; no token is still a 401.
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["circuit"]["state"] == "open"
    assert client.get("/api/v1/feed").status_code == 401

    # Half-open: the probe finds the database up, goes through, and closes the breaker.
    breaker._opened_at -= breaker.open_seconds
    assert district(client, auth, "probe").status_code == 201
    assert breaker.state is State.CLOSED
    assert district(client, auth, "after").status_code == 201
    stored = flask_app.extensions["taizhang"].ledger.recorder.max_notification_id()
    assert stored == head + 2  # the probe and the one after: the refused post stored nothing
