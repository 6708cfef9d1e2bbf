"""The database runs out of space: a clear 507, nothing half-written, reads go on, then once.

Both backends meet a genuine "no space" from the database itself:

- SQLite: ``PRAGMA max_page_count`` set to the file's current size on the service's
  connections, so any write that needs a new page fails with SQLITE_FULL.
- PostgreSQL: the test database lives in a tablespace on a small tmpfs mounted for the test
  (we are root in the sandbox), which a ballast file then fills: extending a table or index
  fails with ENOSPC, SQLSTATE 53100. WAL stays on the cluster's own disk, as on a server whose
  data volume, not its WAL volume, filled up.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from taizhang.api import create_app
from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.migrate import upgrade
from tests.conftest import in_ci
from tests.reliability.harness import (
    TODAY,
    Client,
    Organizations,
    PrivatePostgres,
    Server,
    branch_item,
    organizations,
    serve,
    stored_branch_names,
)

BATCH = 100  # enough rows that storing them must extend the tables and indexes
KEY = "disk-full-batch"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class Api:
    """What the scenario needs of a service, in-process or over HTTP."""

    post: Callable[[str, Any, dict[str, str]], Reply]
    get: Callable[[str], Reply]
    orgs: Organizations


@dataclass
class Disk:
    fill: Callable[[], None]
    free: Callable[[], None]


def run_scenario(api: Api, disk: Disk, settings: Settings) -> None:
    first = branch_item(api.orgs, "before")
    first.pop("type")
    created = api.post("/api/v1/branches", first, {})
    assert created.status == 201, created.body
    branch = created.body["aggregate_id"]
    batch = [branch_item(api.orgs, f"full-{i}") for i in range(BATCH)]

    disk.fill()
    try:
        refused = api.post("/api/v1/batches", {"items": batch}, {"Idempotency-Key": KEY})
        assert refused.status == 507, refused.body
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert int(refused.headers["Retry-After"]) > 0
        assert "no space" in refused.body["detail"]
        assert "circuit" not in refused.body  # a full disk is not an outage
        # Not one event of the batch was stored. (A single small post may still fit in a
        # page's free space: the database refuses only what needs new space.)
        assert stored_branch_names(settings) == ["before"]

        # Reads of state and history keep working, again and again.
        for _ in range(3):
            state = api.get(f"/api/v1/branches/{branch}")
            assert state.status == 200, state.body
            assert state.body["name"] == "before"
            assert api.get(f"/api/v1/branches/{branch}/history").status == 200
    finally:
        disk.free()

    accepted = api.post("/api/v1/batches", {"items": batch}, {"Idempotency-Key": KEY})
    assert accepted.status == 201, accepted.body
    again = api.post("/api/v1/batches", {"items": batch}, {"Idempotency-Key": KEY})
    assert again.status == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.body == accepted.body
    names = stored_branch_names(settings)
    assert sorted(names) == sorted(["before"] + [f"full-{i}" for i in range(BATCH)])


# ---------------------------------------------------------------------------- SQLite


class PageLimit:
    """``PRAGMA max_page_count`` on every connection of the ledger's pool, now and later."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.limit: int | None = None
        create = pool._create_connection

        def limited() -> Any:
            conn = create()
            self._apply(conn)
            return conn

        pool._create_connection = limited

    def _apply(self, conn: Any) -> None:
        if self.limit is not None:
            conn._sqlite_conn.execute(f"PRAGMA max_page_count = {self.limit}")

    def _apply_all(self) -> None:
        assert self.pool._pool, "the test client returns its connection to the pool"
        for conn in list(self.pool._pool):
            self._apply(conn)

    def fill(self) -> None:
        conn = self.pool._pool[0]
        self.limit = int(conn._sqlite_conn.execute("PRAGMA page_count").fetchone()[0])
        self._apply_all()

    def free(self) -> None:
        self.limit = 1_073_741_823  # SQLite's default maximum
        self._apply_all()


def test_sqlite_full_refuses_writes_with_507_and_takes_the_batch_once_later(
    sqlite_settings: Settings,
) -> None:
    upgrade(sqlite_settings)
    store = TokenStore(sqlite_settings)
    token, _ = store.create("disk-full-admin", "admin", source="reliability")
    store.close()
    app = create_app(sqlite_settings)
    test_client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}

    def reply(response: Any) -> Reply:
        return Reply(response.status_code, dict(response.headers), response.get_json())

    def post(path: str, body: Any, headers: dict[str, str]) -> Reply:
        return reply(test_client.post(path, json=body, headers={**auth, **headers}))

    def get(path: str) -> Reply:
        return reply(test_client.get(path, headers=auth))

    class Direct:
        def created(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
            answer = post(path, {"occurred_on": TODAY, "data": data}, {})
            assert answer.status == 201, answer.body
            found: dict[str, Any] = answer.body
            return found

    try:
        orgs = organizations(Direct())  # type: ignore[arg-type]
        limit = PageLimit(app.extensions["taizhang"].ledger.recorder.datastore.pool)
        run_scenario(Api(post, get, orgs), Disk(limit.fill, limit.free), sqlite_settings)
    finally:
        app.extensions["taizhang"].close()


# ---------------------------------------------------------------------------- PostgreSQL


class SmallVolume:
    """A tmpfs of ``megabytes`` for a tablespace, and a ballast file that fills it."""

    def __init__(self, base: Path, megabytes: int) -> None:
        self.mount = base / f"volume-{uuid.uuid4().hex[:8]}"
        self.mount.mkdir()
        result = subprocess.run(
            [
                "mount",
                "-t",
                "tmpfs",
                "-o",
                f"size={megabytes}m,mode=0700",
                "tmpfs",
                str(self.mount),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            self.mount.rmdir()
            message = f"cannot mount a small tmpfs for the tablespace: {result.stderr.strip()}"
            if in_ci():
                pytest.fail(message + " -- CI=true, so this is a failure, not a skip")
            pytest.skip(message)
        self.tablespace_dir = self.mount / "tablespace"
        self.tablespace_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.mount, "postgres", "postgres")
            shutil.chown(self.tablespace_dir, "postgres", "postgres")
        self.ballast = self.mount / "ballast"

    def fill(self) -> None:
        """Write until the filesystem says ENOSPC even for one page."""
        chunk = 1 << 20
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while chunk >= 4096:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        finally:
            os.close(fd)
        assert shutil.disk_usage(self.mount).free < 8192

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def destroy(self) -> None:
        subprocess.run(["umount", str(self.mount)], capture_output=True, check=False)
        shutil.rmtree(self.mount, ignore_errors=True)


@pytest.fixture
def small_database(private_pg: PrivatePostgres, tmp_path: Path) -> Iterator[tuple[Settings, Disk]]:
    volume = SmallVolume(private_pg.base, megabytes=48)
    name = "t_" + uuid.uuid4().hex[:16]
    private_pg.execute(f"CREATE TABLESPACE {name} LOCATION '{volume.tablespace_dir}'")
    try:
        private_pg.execute(f"CREATE DATABASE {name} TABLESPACE {name}")
        settings = Settings.from_env(
            {
                "TAIZHANG_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{private_pg.port}/{name}",
                "TAIZHANG_DATA_DIR": str(tmp_path / "var"),
            }
        )
        yield settings, Disk(volume.fill, volume.free)
    finally:
        volume.free()
        private_pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        private_pg.execute(f"DROP TABLESPACE IF EXISTS {name}")
        volume.destroy()


@pytest.fixture
def server(small_database: tuple[Settings, Disk], tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(small_database[0], tmp_path, workers=1, threads=4)


@pytest.mark.e2e
@pytest.mark.slow
def test_postgres_disk_full_refuses_writes_with_507_and_takes_the_batch_once_later(
    server: tuple[Server, str], small_database: tuple[Settings, Disk]
) -> None:
    gunicorn, token = server
    settings, disk = small_database
    client = Client(gunicorn.base, token)

    def reply(response: Any) -> Reply:
        return Reply(response.status_code, dict(response.headers), response.json())

    def post(path: str, body: Any, headers: dict[str, str]) -> Reply:
        return reply(client.post(path, body, **headers))

    def get(path: str) -> Reply:
        return reply(client.get(path))

    run_scenario(Api(post, get, organizations(client)), disk, settings)
