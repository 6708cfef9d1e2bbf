"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Fixtures
--------
``settings``            parametrized ``sqlite`` / ``postgres``; a fresh, empty database.
``sqlite_settings``     SQLite only: a fresh file under ``tmp_path``.
``postgres_settings``   PostgreSQL only: a fresh schema ``t_<hex>`` in database ``test``,
                        dropped (CASCADE) at teardown.
``postgres_admin_conninfo``  libpq string for database ``test`` (no schema), session scope.

PostgreSQL location: ``TAIZHANG_TEST_PG_HOST`` (default 127.0.0.1), ``TAIZHANG_TEST_PG_PORT``
(5432), ``TAIZHANG_TEST_PG_USER`` (postgres), ``TAIZHANG_TEST_PG_PASSWORD`` (empty),
``TAIZHANG_TEST_PG_DBNAME`` (test).

When PostgreSQL is unreachable, PostgreSQL tests are skipped with a reason -- except when
``CI=true``, where they fail: CI must never pass by silently skipping the database.
Tests using the ``settings`` fixture get the ``postgres`` marker on their postgres
parametrization automatically, so ``-m "not postgres"`` deselects them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from taizhang.config import Settings

PG_HOST = os.environ.get("TAIZHANG_TEST_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("TAIZHANG_TEST_PG_PORT", "5432")
PG_USER = os.environ.get("TAIZHANG_TEST_PG_USER", "postgres")
PG_PASSWORD = os.environ.get("TAIZHANG_TEST_PG_PASSWORD", "")
PG_DBNAME = os.environ.get("TAIZHANG_TEST_PG_DBNAME", "test")
# The writer every test's service uses (taizhang.plain_service.make_service): `make test`
# runs the suite once with each.
WRITER = os.environ.get("TAIZHANG_WRITER", "fast")

BACKENDS = ["sqlite", "postgres"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def admin_conninfo() -> str:
    parts = [f"host={PG_HOST}", f"port={PG_PORT}", f"user={PG_USER}", f"dbname={PG_DBNAME}"]
    if PG_PASSWORD:
        parts.append(f"password={PG_PASSWORD}")
    parts.append("connect_timeout=5")
    return " ".join(parts)


def postgres_unavailable(reason: str) -> None:
    """Fail under CI=true, otherwise skip. Never returns."""
    message = f"PostgreSQL at {PG_HOST}:{PG_PORT} (database {PG_DBNAME!r}) unavailable: {reason}"
    if in_ci():
        pytest.fail(message + " -- CI=true, so this is a failure, not a skip", pytrace=False)
    pytest.skip(message)


_pg_probe: dict[str, str | None] = {}


def check_postgres() -> None:
    """Skip/fail the calling test if PostgreSQL cannot be reached (probed once)."""
    if "error" not in _pg_probe:
        try:
            with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
                conn.execute("SELECT 1")
            _pg_probe["error"] = None
        except psycopg.Error as e:
            _pg_probe["error"] = str(e).strip() or type(e).__name__
    error = _pg_probe["error"]
    if error is not None:
        postgres_unavailable(error)


def create_schema() -> str:
    """Create a fresh, empty schema in the test database and return its name."""
    check_postgres()
    schema = "t_" + uuid.uuid4().hex
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return schema


def drop_schema(schema: str) -> None:
    with psycopg.connect(admin_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# The live projection worker keeps only this many rows and index entries between batches in
# tests (default 20,000): nearly everything a batch folds is read back from the view tables,
# so the live == replay and exactly-once tests hold the working set's reads and evictions.
PROJECTOR_WORKING_SET = "5"


def postgres_env(schema: str, data_dir: str) -> dict[str, str]:
    auth = PG_USER + (f":{PG_PASSWORD}" if PG_PASSWORD else "")
    return {
        "TAIZHANG_DATABASE_URL": (
            f"postgresql://{auth}@{PG_HOST}:{PG_PORT}/{PG_DBNAME}?schema={schema}"
        ),
        "TAIZHANG_DATA_DIR": data_dir,
        "TAIZHANG_WRITER": WRITER,
        "TAIZHANG_PROJECTOR_WORKING_SET": PROJECTOR_WORKING_SET,
    }


def sqlite_env(tmp_path: Any) -> dict[str, str]:
    return {
        "TAIZHANG_DATABASE_URL": "sqlite:///" + str(tmp_path / "taizhang.sqlite"),
        "TAIZHANG_DATA_DIR": str(tmp_path / "var"),
        "TAIZHANG_WRITER": WRITER,
        "TAIZHANG_PROJECTOR_WORKING_SET": PROJECTOR_WORKING_SET,
    }


@pytest.fixture(scope="session")
def postgres_admin_conninfo() -> str:
    """Connection string for the test database itself (public schema); checks reachability."""
    check_postgres()
    return admin_conninfo()


@pytest.fixture
def sqlite_settings(tmp_path: Any) -> Settings:
    return Settings.from_env(sqlite_env(tmp_path))


@pytest.fixture
def postgres_settings(tmp_path: Any) -> Iterator[Settings]:
    schema = create_schema()
    try:
        yield Settings.from_env(postgres_env(schema, str(tmp_path / "var")))
    finally:
        drop_schema(schema)


@pytest.fixture(params=BACKENDS, ids=BACKENDS)
def settings(request: pytest.FixtureRequest) -> Settings:
    """A fresh, empty database: parametrized over SQLite and PostgreSQL."""
    name = "sqlite_settings" if request.param == "sqlite" else "postgres_settings"
    result: Settings = request.getfixturevalue(name)
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        fixturenames = getattr(item, "fixturenames", ())
        uses_pg = "postgres_settings" in fixturenames or "postgres_admin_conninfo" in fixturenames
        if callspec is not None and callspec.params.get("settings") == "postgres":
            uses_pg = True
        if uses_pg:
            item.add_marker(pytest.mark.postgres)
