"""The database refuses writes (disk full, read-only standby): clear 503s, reads keep working."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=1, threads=4)


def set_read_only(private_pg: PrivatePostgres, dbname: str, on: bool) -> None:
    value = "on" if on else "off"
    private_pg.execute(f"ALTER DATABASE {dbname} SET default_transaction_read_only = {value}")
    # Sessions take the setting when they start: end the service's, its pool reconnects.
    private_pg.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{dbname}' AND pid <> pg_backend_pid()"
    )


def test_read_only_database_refuses_writes_clearly_and_still_serves_reads(
    server: tuple[Server, str], private_pg: PrivatePostgres, private_pg_settings: Settings
) -> None:
    gunicorn, token = server
    client = Client(gunicorn.base, token)
    orgs = organizations(client)
    first = branch_item(orgs, "before")
    first.pop("type")
    branch = client.created("/api/v1/branches", first["data"], client_event_id="before")
    dbname = private_pg_settings.postgres_params().dbname

    set_read_only(private_pg, dbname, True)
    try:
        batch = [branch_item(orgs, f"refused-{i}") for i in range(5)]
        for _ in range(3):  # the first request may meet a terminated pooled connection
            refused = client.post("/api/v1/batches", {"items": batch}, **{"Idempotency-Key": "k"})
            assert refused.status_code in (503, 507), refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert "Retry-After" in refused.headers
        assert "read-only" in refused.json()["detail"] or "unavailable" in refused.json()["detail"]

        # Reads of the log go on.
        state = client.get(f"/api/v1/branches/{branch['aggregate_id']}")
        assert state.status_code == 200, state.text
        assert state.json()["name"] == "before"
        history = client.get(f"/api/v1/branches/{branch['aggregate_id']}/history")
        assert history.status_code == 200, history.text
    finally:
        set_read_only(private_pg, dbname, False)

    assert stored_branch_names(private_pg_settings) == ["before"]
    # Writable again: the same batch, same key, goes through once.
    for _ in range(3):
        accepted = client.post("/api/v1/batches", {"items": batch}, **{"Idempotency-Key": "k"})
        if accepted.status_code != 503:
            break
    assert accepted.status_code == 201, accepted.text
    assert sorted(stored_branch_names(private_pg_settings)) == sorted(
        ["before"] + [f"refused-{i}" for i in range(5)]
    )
