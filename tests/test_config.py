"""Settings.from_env: defaults, URL parsing, and errors that name the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taizhang.config import ConfigurationError, Settings


@pytest.fixture(autouse=True)
def _in_tmp_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Defaults are relative to the working directory; keep them out of the repo.
    monkeypatch.chdir(tmp_path)


def test_defaults_use_sqlite_under_var(tmp_path: Path) -> None:
    s = Settings.from_env({})
    assert s.data_dir == str(tmp_path / "var")
    assert os.path.isdir(s.data_dir)  # created for the default SQLite file
    assert s.database_url == "sqlite:///" + str(tmp_path / "var" / "taizhang.sqlite")
    assert s.sqlite_path() == str(tmp_path / "var" / "taizhang.sqlite")
    assert not s.is_postgres
    assert s.postgres_schema is None
    assert (s.listen_host, s.listen_port) == ("127.0.0.1", 8000)


def test_from_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TAIZHANG_DATABASE_URL", "DATABASE_URL", "POSTGRES_DBNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TAIZHANG_PORT", "8123")
    monkeypatch.setenv("TAIZHANG_DATA_DIR", str(tmp_path / "d"))
    s = Settings.from_env()
    assert s.listen_port == 8123
    assert s.data_dir == str(tmp_path / "d")


def test_data_dir_host_port(tmp_path: Path) -> None:
    s = Settings.from_env(
        {"TAIZHANG_DATA_DIR": "data", "TAIZHANG_HOST": "0.0.0.0", "TAIZHANG_PORT": " 9000 "}
    )
    assert s.data_dir == str(tmp_path / "data")
    assert s.sqlite_path() == str(tmp_path / "data" / "taizhang.sqlite")
    assert (s.listen_host, s.listen_port) == ("0.0.0.0", 9000)


def test_sqlite_url_absolute_and_relative(tmp_path: Path) -> None:
    s = Settings.from_env({"DATABASE_URL": "sqlite:////srv/x/ledger.db"})
    assert s.sqlite_path() == "/srv/x/ledger.db"
    assert s.database_url == "sqlite:////srv/x/ledger.db"
    s = Settings.from_env({"DATABASE_URL": "sqlite:///rel/ledger.db"})
    assert s.sqlite_path() == str(tmp_path / "rel" / "ledger.db")


def test_taizhang_database_url_wins_over_database_url() -> None:
    s = Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": "postgresql://a@h/one",
            "DATABASE_URL": "postgresql://b@h/two",
            "POSTGRES_DBNAME": "three",
        }
    )
    assert s.postgres_params().dbname == "one"


def test_postgres_url_parsing() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql://alice:p%40ss@db.example:6543/ledger"})
    assert s.is_postgres
    p = s.postgres_params()
    assert (p.user, p.password, p.host, p.port, p.dbname) == (
        "alice",
        "p@ss",
        "db.example",
        6543,
        "ledger",
    )
    assert s.postgres_schema is None
    assert "p@ss" not in repr(s) and "p%40ss" not in repr(s)


def test_postgres_url_defaults_and_alias() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgres://bob@/ledger"})
    p = s.postgres_params()
    assert (p.host, p.port, p.password) == ("127.0.0.1", 5432, "")
    assert s.database_url == "postgresql://bob@127.0.0.1:5432/ledger"


def test_schema_query_param() -> None:
    s = Settings.from_env(
        {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test?schema=t_ab12"}
    )
    assert s.postgres_schema == "t_ab12"
    assert s.database_url.endswith("/test?schema=t_ab12")
    env = s.eventsourcing_env()
    assert env["POSTGRES_SCHEMA"] == "t_ab12"
    assert "options='-csearch_path=t_ab12'" in s.psycopg_conninfo()


def test_postgres_variables_fallback() -> None:
    s = Settings.from_env(
        {
            "POSTGRES_DBNAME": "ledger",
            "POSTGRES_HOST": "pg",
            "POSTGRES_PORT": "5433",
            "POSTGRES_USER": "u",
            "POSTGRES_PASSWORD": "pw",
            "POSTGRES_SCHEMA": "s1",
        }
    )
    assert s.database_url == "postgresql://u:pw@pg:5433/ledger?schema=s1"
    assert s.postgres_schema == "s1"


def test_eventsourcing_env_sqlite(tmp_path: Path) -> None:
    s = Settings.from_env({"DATABASE_URL": "sqlite:///x.sqlite"})
    assert s.eventsourcing_env() == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "x.sqlite"),
        "SQLITE_LOCK_TIMEOUT": "30",
        "CREATE_TABLE": "y",
    }


def test_eventsourcing_env_postgres() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql://u:pw@h:5555/d"})
    env = s.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == (
        "d",
        "h",
        "5555",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("u", "pw")
    assert env["POSTGRES_SCHEMA"] == ""  # library default: public
    assert env["CREATE_TABLE"] == "y"
    assert int(env["POSTGRES_POOL_SIZE"]) >= 1
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in env
    conninfo = s.psycopg_conninfo()
    assert "search_path" not in conninfo
    assert "dbname='d'" in conninfo and "password='pw'" in conninfo


def test_psycopg_conninfo_quotes_values() -> None:
    s = Settings.from_env({"DATABASE_URL": "postgresql://u:it%27s%20x@h/d"})
    assert "password='it\\'s x'" in s.psycopg_conninfo()


def test_sqlite_has_no_postgres_params() -> None:
    s = Settings.from_env({"DATABASE_URL": "sqlite:///a.db"})
    with pytest.raises(ConfigurationError):
        s.postgres_params()
    with pytest.raises(ConfigurationError):
        s.psycopg_conninfo()
    with pytest.raises(ConfigurationError):
        Settings.from_env({"DATABASE_URL": "postgresql://u@h/d"}).sqlite_path()


def test_direct_construction_normalises() -> None:
    s = Settings(database_url="postgresql://u@h/d", data_dir="v", postgres_schema="abc")
    assert s.database_url == "postgresql://u@h:5432/d?schema=abc"
    assert os.path.isabs(s.data_dir)
    s2 = Settings(database_url="postgresql://u@h/d?schema=abc", data_dir="v")
    assert s2.postgres_schema == "abc"
    assert s == s2
    with pytest.raises(ConfigurationError, match="postgres_schema"):
        Settings(database_url="postgresql://u@h/d?schema=abc", data_dir="v", postgres_schema="x")


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"TAIZHANG_DATABASE_URL": "mysql://u@h/d"}, "TAIZHANG_DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u@h/d"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite://relative.db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///:memory:"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@h:notaport/d"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@h:99999/d"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@h/"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://h/d"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@h/d?schema=bad-name"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@h/d?sslmode=require"}, "DATABASE_URL"),
        ({"TAIZHANG_PORT": "eighty"}, "TAIZHANG_PORT"),
        ({"TAIZHANG_PORT": "0"}, "TAIZHANG_PORT"),
        ({"TAIZHANG_CACHE_EVENTS": "lots"}, "TAIZHANG_CACHE_EVENTS"),
        ({"TAIZHANG_CACHE_EVENTS": "-1"}, "TAIZHANG_CACHE_EVENTS"),
        ({"TAIZHANG_CACHE_EVENTS": "1e9"}, "TAIZHANG_CACHE_EVENTS"),
        ({"TAIZHANG_PROJECTOR_WORKING_SET": "all"}, "TAIZHANG_PROJECTOR_WORKING_SET"),
        ({"TAIZHANG_PROJECTOR_WORKING_SET": "-1"}, "TAIZHANG_PROJECTOR_WORKING_SET"),
        ({"TAIZHANG_VIEW_MAX_AGE_SECONDS": "soon"}, "TAIZHANG_VIEW_MAX_AGE_SECONDS"),
        ({"TAIZHANG_VIEW_MAX_AGE_SECONDS": "-1"}, "TAIZHANG_VIEW_MAX_AGE_SECONDS"),
        ({"TAIZHANG_VIEW_MAX_AGE_SECONDS": "nan"}, "TAIZHANG_VIEW_MAX_AGE_SECONDS"),
        ({"TAIZHANG_VIEW_MAX_AGE_SECONDS": "3600"}, "TAIZHANG_VIEW_MAX_AGE_SECONDS"),
        ({"POSTGRES_DBNAME": "d", "POSTGRES_USER": "u", "POSTGRES_PORT": "x"}, "POSTGRES_PORT"),
        ({"POSTGRES_DBNAME": "d"}, "POSTGRES_USER"),
        (
            {"POSTGRES_DBNAME": "d", "POSTGRES_USER": "u", "POSTGRES_SCHEMA": "a;b"},
            "POSTGRES_SCHEMA",
        ),
        ({"POSTGRES_ENABLE_DB_FUNCTIONS": "y"}, "POSTGRES_ENABLE_DB_FUNCTIONS"),
        ({"LEDGER_POSTGRES_ENABLE_DB_FUNCTIONS": "true"}, "LEDGER_POSTGRES_ENABLE_DB_FUNCTIONS"),
    ],
)
def test_bad_values_raise_naming_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError) as excinfo:
        Settings.from_env(environ)
    assert str(excinfo.value).startswith(variable)
    assert isinstance(excinfo.value, ValueError)


def test_password_not_in_error_messages() -> None:
    with pytest.raises(ConfigurationError) as excinfo:
        Settings.from_env({"DATABASE_URL": "postgresql://u:secret@h/"})
    assert "secret" not in str(excinfo.value)


def test_db_functions_explicitly_off_is_accepted() -> None:
    s = Settings.from_env({"POSTGRES_ENABLE_DB_FUNCTIONS": "no"})
    assert "POSTGRES_ENABLE_DB_FUNCTIONS" not in s.eventsourcing_env()


def test_settings_fixture_gives_working_backends(settings: Settings) -> None:
    if settings.is_postgres:
        assert settings.postgres_schema is not None
        assert settings.postgres_schema.startswith("t_")
    else:
        assert settings.sqlite_path().endswith("taizhang.sqlite")


def test_create_tables_can_be_switched_off_for_the_service_role() -> None:
    url = {"TAIZHANG_DATABASE_URL": "postgresql://taizhang_app@127.0.0.1:5432/test"}
    assert Settings.from_env(url).eventsourcing_env()["CREATE_TABLE"] == "y"
    off = Settings.from_env({**url, "TAIZHANG_CREATE_TABLES": "no"})
    assert off.eventsourcing_env()["CREATE_TABLE"] == "n"
    with pytest.raises(ConfigurationError, match="TAIZHANG_CREATE_TABLES"):
        Settings.from_env({**url, "TAIZHANG_CREATE_TABLES": "maybe"})


def test_cache_events_bound_the_ledger_cache(tmp_path: Path) -> None:
    env = {"TAIZHANG_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).cache_events == 20_000
    assert Settings.from_env({**env, "TAIZHANG_CACHE_EVENTS": " 500 "}).cache_events == 500
    assert Settings.from_env({**env, "TAIZHANG_CACHE_EVENTS": "0"}).cache_events == 0


def test_the_projectors_working_set_is_a_setting(tmp_path: Path) -> None:
    env = {"TAIZHANG_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).projector_working_set == 20_000
    working_set = {**env, "TAIZHANG_PROJECTOR_WORKING_SET": "300"}
    assert Settings.from_env(working_set).projector_working_set == 300
    stateless = {**env, "TAIZHANG_PROJECTOR_WORKING_SET": "0"}  # each batch reads anew
    assert Settings.from_env(stateless).projector_working_set == 0


def test_view_max_age_bounds_how_old_a_view_may_be(tmp_path: Path) -> None:
    env = {"TAIZHANG_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(env).view_max_age_seconds == 2.0
    assert (
        Settings.from_env({**env, "TAIZHANG_VIEW_MAX_AGE_SECONDS": "0.5"}).view_max_age_seconds
        == 0.5
    )
    assert (
        Settings.from_env({**env, "TAIZHANG_VIEW_MAX_AGE_SECONDS": "0"}).view_max_age_seconds == 0
    )


def test_a_read_replica_is_named_by_a_url_with_bounds_on_its_lag_and_wait(tmp_path: Path) -> None:
    env = {
        "TAIZHANG_DATA_DIR": str(tmp_path),
        "TAIZHANG_DATABASE_URL": "postgresql://app:secret@primary:5432/ledger?schema=tz",
    }
    plain = Settings.from_env(env)
    assert plain.read_replica_url == "" and plain.replica_max_lag_seconds == 5.0
    assert plain.replica_wait_seconds == 1.0
    settings = Settings.from_env(
        {
            **env,
            "TAIZHANG_READ_REPLICA_URL": "postgres://app:secret@standby/ledger",
            "TAIZHANG_REPLICA_MAX_LAG_SECONDS": "2.5",
            "TAIZHANG_REPLICA_WAIT_SECONDS": "0",
        }
    )
    assert settings.read_replica_url == "postgresql://app:secret@standby:5432/ledger"
    assert (settings.replica_max_lag_seconds, settings.replica_wait_seconds) == (2.5, 0.0)
    # The standby holds the same database: the primary's schema, the standby's address.
    conninfo = settings.psycopg_conninfo(replica=True)
    assert "host='standby'" in conninfo and "search_path=tz" in conninfo
    assert "secret" not in repr(settings)
    with pytest.raises(ConfigurationError, match="TAIZHANG_READ_REPLICA_URL"):
        Settings.from_env({**env, "TAIZHANG_READ_REPLICA_URL": "mysql://standby/ledger"})
    with pytest.raises(ConfigurationError, match="TAIZHANG_REPLICA_MAX_LAG_SECONDS"):
        Settings.from_env({**env, "TAIZHANG_REPLICA_MAX_LAG_SECONDS": "soon"})
    with pytest.raises(ConfigurationError, match="TAIZHANG_READ_REPLICA_URL"):
        Settings.from_env(
            {
                "TAIZHANG_DATA_DIR": str(tmp_path),
                "TAIZHANG_READ_REPLICA_URL": "postgresql://app@standby/ledger",
            }
        )
