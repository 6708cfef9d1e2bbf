"""ops/backup.sh then ops/restore.sh into a fresh database gives the same log and the same views."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from taizhang.commands.evidence import verify_log
from taizhang.config import Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.digest import digest
from taizhang.projections.worker import Worker
from tests.conftest import PG_HOST, PG_PORT, PG_USER, admin_conninfo

ROOT = Path(__file__).resolve().parents[2]


def _log(settings: Settings) -> list[tuple[object, ...]]:
    ledger = Ledger(settings)
    try:
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)
        ]
    finally:
        ledger.close()


def _run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(ROOT / "ops" / script), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A database name for the restore; dropped afterwards."""
    name = "tz_restore_" + uuid.uuid4().hex[:12]
    yield name
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _target(settings: Settings, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if settings.is_postgres:
        database = request.getfixturevalue("fresh_database")
        url = (
            f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
            f"?schema={settings.postgres_schema}"
        )
    else:
        url = "sqlite:///" + str(tmp_path / "restored" / "taizhang.sqlite")
    return Settings.from_env(
        {"TAIZHANG_DATABASE_URL": url, "TAIZHANG_DATA_DIR": str(tmp_path / "restored-var")}
    )


def test_restore_into_a_fresh_database_gives_identical_log_and_views(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    upgrade(settings)
    ledger = Ledger(settings)
    generate(ledger, branches=12, progress=False)
    ledger.close()
    worker = Worker(settings)
    worker.catch_up()
    worker.close()
    views = digest(settings)
    log = _log(settings)
    assert len(log) > 100

    backup = _run("backup.sh", "-o", str(tmp_path / "backups"), settings.database_url).strip()
    assert Path(backup).is_file() and Path(backup).parent == tmp_path / "backups"
    assert not list((tmp_path / "backups").glob("*.partial"))

    target = _target(settings, tmp_path, request)
    _run("restore.sh", backup, target.database_url)

    assert _log(target) == log
    assert digest(target) == views
    # The restored log checks out against its hash chain, to the same head.
    restored_chain = Ledger(target)
    try:
        result, finding = verify_log(restored_chain, [], progress=False)
    finally:
        restored_chain.close()
    assert finding is None and result.events == len(log)
    # The restored log is still append-only: the defences came back with it.
    restored = Ledger(target)
    table = restored.events_table
    restored.close()
    if target.is_postgres:
        with (
            psycopg.connect(target.psycopg_conninfo(), autocommit=True) as conn,
            pytest.raises(psycopg.Error, match="append-only"),
        ):
            conn.execute(f"DELETE FROM {table}")
    else:
        import sqlite3

        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            sqlite3.connect(target.sqlite_path()).execute(f"DELETE FROM {table}")

    # A second restore into the same, now non-empty, target is refused, nothing changed.
    again = subprocess.run(
        [str(ROOT / "ops" / "restore.sh"), backup, target.database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0
    assert "fresh" in again.stderr
    assert _log(target) == log
