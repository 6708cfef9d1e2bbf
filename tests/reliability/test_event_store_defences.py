"""The database itself refuses to change or delete stored events (migration 0003)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.service import Caller, Posting
from tests.conftest import PG_DBNAME, PG_HOST, PG_PORT, admin_conninfo, create_schema, drop_schema

REPO = Path(__file__).resolve().parents[2]
CALLER = Caller(actor="secretary", source="integrator-a")


def _post_district(ledger: Ledger, code: str) -> None:
    posting = Posting(
        type="DistrictRegistered",
        occurred_on=date(2014, 3, 1),
        data={"name": "番禺区", "code": code},
        client_event_id=f"district-{code}",
    )
    make_service(ledger).post(CALLER, posting)


def _count_events(ledger: Ledger) -> int:
    return len(ledger.recorder.select_notifications(start=1, limit=1000))


def _service_settings(settings: Settings, user: str = "taizhang_app") -> Settings:
    p = settings.postgres_params()
    return Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": (
                f"postgresql://{user}@{p.host}:{p.port}/{p.dbname}?schema={p.schema}"
            ),
            "TAIZHANG_DATA_DIR": settings.data_dir,
        }
    )


def _refusals_postgres(settings: Settings, table: str) -> dict[str, str]:
    """Try each forbidden statement in its own transaction; return the database's answers."""
    answers = {}
    with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as conn:
        for statement in (
            f"UPDATE {table} SET topic = topic || 'x'",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            try:
                conn.execute(statement)
            except psycopg.Error as error:
                answers[statement.split()[0]] = str(error)
            else:
                answers[statement.split()[0]] = "ALLOWED"
    return answers


def test_event_log_refuses_update_delete_truncate_but_takes_new_events(settings: Settings) -> None:
    upgrade(settings)
    ledger = Ledger(settings)
    _post_district(ledger, "440113")
    table = ledger.events_table
    stored = _count_events(ledger)  # the district and the post's receipt
    assert stored >= 1

    if settings.is_postgres:
        answers = _refusals_postgres(settings, table)
        assert set(answers) == {"UPDATE", "DELETE", "TRUNCATE"}
        for operation, answer in answers.items():
            assert f"{operation} on " in answer and "append-only" in answer, answer
    else:
        conn = sqlite3.connect(settings.sqlite_path())
        for statement in (f"UPDATE {table} SET topic = topic || 'x'", f"DELETE FROM {table}"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                conn.execute(statement)
            conn.rollback()
        conn.close()

    # Nothing was touched, and the library still appends and reads.
    assert _count_events(ledger) == stored
    _post_district(ledger, "440114")
    assert _count_events(ledger) == 2 * stored
    ledger.close()


def test_migration_is_idempotent_and_keeps_defences(settings: Settings) -> None:
    upgrade(settings)
    # Running the library's table creation and the migrations again changes nothing.
    upgrade(settings)
    ledger = Ledger(settings)
    _post_district(ledger, "440113")
    if settings.is_postgres:
        answers = _refusals_postgres(settings, ledger.events_table)
        assert all("append-only" in a for a in answers.values()), answers
    else:
        conn = sqlite3.connect(settings.sqlite_path())
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(f"DELETE FROM {ledger.events_table}")
        conn.close()
    ledger.close()


@pytest.mark.postgres
def test_service_role_is_refused_by_grants(postgres_settings: Settings) -> None:
    upgrade(postgres_settings)
    admin_ledger = Ledger(postgres_settings)
    _post_district(admin_ledger, "440113")
    stored = _count_events(admin_ledger)
    table = admin_ledger.events_table
    admin_ledger.close()

    service = _service_settings(postgres_settings)
    # The service role may not create or alter tables, so the library must not try.
    ledger = Ledger(service, CREATE_TABLE="n")
    _post_district(ledger, "440114")
    assert _count_events(ledger) == 2 * stored

    answers = _refusals_postgres(service, table)
    assert "permission denied" in answers["DELETE"], answers
    assert "permission denied" in answers["TRUNCATE"], answers
    # UPDATE is granted only for the library's table lock; the trigger refuses it.
    assert "append-only" in answers["UPDATE"], answers

    with psycopg.connect(service.psycopg_conninfo(), autocommit=True) as conn:
        for statement in (
            f"ALTER TABLE {table} DISABLE TRIGGER refuse_event_change",
            "CREATE TABLE sneaky (id int)",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(psycopg.Error):
                conn.execute(statement)
        # Read models stay writable for the projections.
        conn.execute("UPDATE projection_position SET position = position")
    assert _count_events(ledger) == 2 * stored
    ledger.close()


@pytest.mark.postgres
def test_owner_can_deliberately_lift_the_defence(postgres_settings: Settings) -> None:
    """The documented owner action (ops/README.md) works, and only inside its transaction."""
    upgrade(postgres_settings)
    ledger = Ledger(postgres_settings)
    _post_district(ledger, "440113")
    stored = _count_events(ledger)
    _post_district(ledger, "440199")
    table = ledger.events_table
    with psycopg.connect(postgres_settings.psycopg_conninfo()) as conn, conn.transaction():
        conn.execute("SET LOCAL ROLE taizhang_owner")
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER refuse_event_change")
        conn.execute(
            f"DELETE FROM {table} WHERE notification_id = (SELECT max(notification_id) "
            f"FROM {table})"
        )
        conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER refuse_event_change")
    assert _count_events(ledger) == 2 * stored - 1
    answers = _refusals_postgres(postgres_settings, table)
    assert "append-only" in answers["DELETE"]
    ledger.close()


MIGRATE_WITH_ROLES = """
import sys
from alembic import command
from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.migrate import alembic_config

url, data_dir, owner, service = sys.argv[1:]
settings = Settings.from_env({"TAIZHANG_DATABASE_URL": url, "TAIZHANG_DATA_DIR": data_dir})
Ledger(settings).close()
config = alembic_config(settings)
config.attributes["owner_role"] = owner
config.attributes["service_role"] = service
command.upgrade(config, "head")
"""


@pytest.mark.postgres
def test_concurrent_migrations_create_the_shared_roles_once(tmp_path: Path) -> None:
    """Roles are cluster-wide: several schemas migrating at once must all succeed."""
    suffix = uuid.uuid4().hex[:10]
    owner, service = f"tz_owner_{suffix}", f"tz_app_{suffix}"
    schemas = [create_schema() for _ in range(3)]
    try:
        # Separate processes: alembic's op/context proxies are process-global.
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    MIGRATE_WITH_ROLES,
                    f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{PG_DBNAME}?schema={schema}",
                    str(tmp_path / schema),
                    owner,
                    service,
                ],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for schema in schemas
        ]
        for process in processes:
            output, _ = process.communicate(timeout=120)
            assert process.returncode == 0, output
        with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
            roles = conn.execute(
                "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY(%s) "
                "ORDER BY rolname",
                ([owner, service],),
            ).fetchall()
            assert sorted(roles) == sorted([(service, True), (owner, False)])
            for schema in schemas:
                owner_of = conn.execute(
                    "SELECT tableowner FROM pg_tables WHERE schemaname = %s "
                    "AND tablename = 'ledger_events'",
                    (schema,),
                ).fetchone()
                assert owner_of == (owner,)
    finally:
        for schema in schemas:
            drop_schema(schema)
        with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
            for role in (owner, service):
                if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
