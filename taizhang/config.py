"""Configuration: the one place taizhang reads its environment.

Everything else receives a :class:`Settings` object. ``Settings.from_env()`` reads
``os.environ`` (or a mapping passed in, which is what tests do) and validates it; bad
values raise :class:`ConfigurationError` naming the offending variable.

Database selection, first match wins:

1. ``TAIZHANG_DATABASE_URL``, then ``DATABASE_URL``:
   ``sqlite:///<path>`` (``sqlite:////abs/path`` or a path relative to the working
   directory, as in SQLAlchemy) or
   ``postgresql://user[:password]@host[:port]/dbname[?schema=NAME]``
   (``postgres://`` is accepted as an alias).
2. ``POSTGRES_DBNAME`` (with ``POSTGRES_HOST``, ``POSTGRES_PORT``, ``POSTGRES_USER``,
   ``POSTGRES_PASSWORD``, ``POSTGRES_SCHEMA``), the names the eventsourcing library uses.
3. Otherwise a SQLite file ``<data dir>/taizhang.sqlite``.

Other variables: ``TAIZHANG_DATA_DIR`` (default ``./var``), ``TAIZHANG_HOST`` (default
``127.0.0.1``), ``TAIZHANG_PORT`` (default ``8000``), ``TAIZHANG_CREATE_TABLES`` (default
yes; no when the service connects as a role that may not create tables),
``TAIZHANG_BREAKER_OPEN_SECONDS`` (default 1; how long the API refuses at once after a
confirmed database outage, 0 turns the circuit breaker off) and
``TAIZHANG_BREAKER_CHECK_SECONDS`` (default 1; the connect timeout of the check that confirms
an outage), ``TAIZHANG_CACHE_EVENTS`` (default 20000; how many events the aggregates a
process keeps in memory may hold together, which bounds its memory),
``TAIZHANG_PROJECTOR_WORKING_SET`` (default 20000; how many view rows and index entries the
projection worker keeps between batches, least recently used out first, which bounds its
memory; what it does not hold it reads from the view tables),
``TAIZHANG_REBUILD_HOLD_EVENTS`` (default 1000000; a rebuild of a log up to this long holds its
views in memory, which is fastest; a longer log is rebuilt through the projector's working
set, written to the fresh tables page by page, so its memory is bounded like the worker's),
``TAIZHANG_VIEW_MAX_AGE_SECONDS`` (default 2; a view read without ``min_position`` reflects
the projections as they stood at most this long before the read, in every process) and
``TAIZHANG_WRITER`` (default ``fast``; ``plain`` stores each post as the library's examples
do: get, command, save) and ``TAIZHANG_PAGE_SECRET`` (the key that signs the pages' session
cookies; default: a key kept in the data directory, taizhang.api.pages.session).
Signed checkpoints of the log (taizhang.evidence.checkpoints): ``TAIZHANG_CHECKPOINT_KEY``
(the Ed25519 private key, PEM or the base64 of its 32 bytes; never shown), else
``TAIZHANG_CHECKPOINT_KEY_FILE`` (a PEM file, owner only; default
``<data dir>/checkpoint-key.pem``, made when missing), ``TAIZHANG_CHECKPOINT_EVENTS``
(default 1000; sign the head after this many new events) and ``TAIZHANG_CHECKPOINT_MINUTES``
(default 10; and after this long, if anything was stored since).
Reads from a streaming replica (taizhang.projections.replica): ``TAIZHANG_READ_REPLICA_URL`` (a
``postgresql://`` URL of a hot standby of the same database; default none: every read goes to
the primary), ``TAIZHANG_REPLICA_MAX_LAG_SECONDS`` (default 5; a standby further behind than
this serves nothing until it catches up) and ``TAIZHANG_REPLICA_WAIT_SECONDS`` (default 1; how
long a read naming ``min_position`` waits for the standby before the primary answers it).
``TAIZHANG_DISTRICTS`` (default none: one ledger, the database above) names a TOML file
listing a province's district ledgers (taizhang.districts): the service then serves each
district under ``/districts/<key>/`` and the province's roll-up under ``/province/``.

A PostgreSQL schema named by ``?schema=`` / ``POSTGRES_SCHEMA`` must already exist:
the eventsourcing library qualifies its tables with it but does not create it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from taizhang.config_values import (
    TRUE_STRINGS,
    ConfigurationError,
    PostgresParams,
    build_postgres_url,
    check_schema,
    conninfo_quote,
    mask_url,
    parse_count,
    parse_flag,
    parse_in_range,
    parse_port,
    parse_postgres_url,
    parse_seconds,
    parse_sqlite_url,
)
from taizhang.store.dialect import Dialect, dialect_of

__all__ = ["ConfigurationError", "PostgresParams", "Settings"]

DEFAULT_DATA_DIR = "./var"
DEFAULT_SQLITE_FILENAME = "taizhang.sqlite"
DEFAULT_CHECKPOINT_KEY_FILENAME = "checkpoint-key.pem"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

# Pool sizing handed to the eventsourcing PostgresDatastore (per Application instance).
POSTGRES_POOL_SIZE = 5
POSTGRES_MAX_OVERFLOW = 10
# Also the pool's wait for a free connection. The library retries a failed database call 10
# times, so a request waits at most about 10 x (this + 0.2) s: with the database down it gets
# its 503 in ~20 s, well inside gunicorn's 60 s timeout (with 30 it waited ~5 minutes and the
# worker was killed). A busy pool is retried the same way, so a short wait loses nothing.
POSTGRES_CONNECT_TIMEOUT = 2
SQLITE_LOCK_TIMEOUT = 30
# How long a worker refuses at once before its half-open probe asks the database again (a
# connection attempt, refused in a millisecond while it is down): traffic is back within this
# of the database being back. With 5 s a busy service stayed refused for up to 5 s after a
# restart; the first request after the database is back is to be served within 2 s.
DEFAULT_BREAKER_OPEN_SECONDS = 1.0
DEFAULT_BREAKER_CHECK_SECONDS = 1.0
MAX_BREAKER_SECONDS = 300.0
# A cached event costs a few KB (the fact, its provenance, the aggregate's indexes): the
# default keeps a process's cache near 100 MB however long the service runs, and still holds
# every branch's work of a district-sized campaign. Evicted aggregates are read again.
DEFAULT_CACHE_EVENTS = 20_000
MAX_CACHE_EVENTS = 10_000_000
# Rows and index entries the projection worker keeps from one batch to the next (a row is
# a few KB at most: a branch's progress with its days, a problem, a span): enough for the
# branches a district posts to in a busy minute; what it does not hold it reads again.
DEFAULT_PROJECTOR_WORKING_SET = 20_000
# A rebuild held in memory costs ~1.5-3.5 kB an event: a million events stays near 3 GB.
DEFAULT_REBUILD_HOLD_EVENTS = 1_000_000
MAX_REBUILD_HOLD_EVENTS = 1_000_000_000
# How far behind the projections a view read without ``min_position`` may be: a person
# refreshing a dashboard sees what was posted a moment ago, and a busy process computes a
# view about once a second, not once per read (taizhang.projections.queries.Views._cached).
DEFAULT_VIEW_MAX_AGE_SECONDS = 2.0
WRITERS = frozenset({"fast", "plain"})
DEFAULT_WRITER = "fast"
MAX_VIEW_MAX_AGE_SECONDS = 60.0
DEFAULT_CHECKPOINT_EVENTS = 1000
DEFAULT_CHECKPOINT_MINUTES = 10.0
# A standby that is this far behind the primary is not read: views served from it would be
# older than a person refreshing a page expects (the views' own bound is 2 s).
DEFAULT_REPLICA_MAX_LAG_SECONDS = 5.0
# Inside MIN_POSITION_WAIT (taizhang.api.runtime, 2 s): what is left is the primary's to answer in.
DEFAULT_REPLICA_WAIT_SECONDS = 1.0
MAX_REPLICA_SECONDS = 300.0


@dataclass(frozen=True)
class Settings:
    """Validated configuration. Build it with :meth:`from_env`.

    ``database_url`` is normalised: ``sqlite:///`` + absolute path, or
    ``postgresql://user[:pw]@host:port/db[?schema=NAME]``. ``postgres_schema`` always
    equals the URL's ``schema`` parameter (it is filled in from it when omitted).
    """

    database_url: str
    data_dir: str
    postgres_schema: str | None = None
    listen_host: str = DEFAULT_HOST
    listen_port: int = DEFAULT_PORT
    # False when the service connects as a role that may not create tables (taizhang_app):
    # the tables then come from `taizhang migrate`, run as the owner.
    create_tables: bool = True
    # The API's circuit breaker (taizhang.store.breaker); 0 seconds open turns it off.
    breaker_open_seconds: float = DEFAULT_BREAKER_OPEN_SECONDS
    breaker_check_seconds: float = DEFAULT_BREAKER_CHECK_SECONDS
    # Events the cached aggregates of a process may hold together (taizhang.store.aggregate_cache).
    cache_events: int = DEFAULT_CACHE_EVENTS
    projector_working_set: int = DEFAULT_PROJECTOR_WORKING_SET
    # The longest log a rebuild holds in memory (taizhang.projections.rebuild).
    rebuild_hold_events: int = DEFAULT_REBUILD_HOLD_EVENTS
    # How old a view read without ``min_position`` may be (taizhang.projections.queries).
    view_max_age_seconds: float = DEFAULT_VIEW_MAX_AGE_SECONDS
    # How posts are stored: "fast" (taizhang.service) or "plain" (taizhang.plain_service).
    writer: str = DEFAULT_WRITER
    # Signs the pages' session cookies; never shown (repr) or logged.
    page_secret: str = field(default="", repr=False)
    # Signed checkpoints (taizhang.evidence.checkpoints); the key is never shown (repr) or logged.
    checkpoint_key: str = field(default="", repr=False)
    checkpoint_key_file: str = ""
    checkpoint_events: int = DEFAULT_CHECKPOINT_EVENTS
    checkpoint_minutes: float = DEFAULT_CHECKPOINT_MINUTES
    # A hot standby that serves the views (taizhang.projections.replica); "" reads from the primary.
    read_replica_url: str = field(default="", repr=False)
    replica_max_lag_seconds: float = DEFAULT_REPLICA_MAX_LAG_SECONDS
    replica_wait_seconds: float = DEFAULT_REPLICA_WAIT_SECONDS
    # A province's district ledgers (taizhang.districts); empty: this one ledger alone.
    districts_file: str = ""

    def __post_init__(self) -> None:
        if self.database_url.startswith("sqlite:"):
            path = parse_sqlite_url(self.database_url, "database_url")
            object.__setattr__(self, "database_url", "sqlite:///" + path)
            if self.postgres_schema is not None:
                raise ConfigurationError("postgres_schema: only meaningful with PostgreSQL")
        elif self.database_url.startswith(("postgresql:", "postgres:")):
            params = parse_postgres_url(self.database_url, "database_url")
            schema = self.postgres_schema
            if schema is not None:
                check_schema(schema, "postgres_schema")
                if params.schema is not None and params.schema != schema:
                    raise ConfigurationError(
                        f"postgres_schema: {schema!r} conflicts with the database URL's "
                        f"schema parameter {params.schema!r}"
                    )
            else:
                schema = params.schema
            object.__setattr__(self, "postgres_schema", schema)
            object.__setattr__(
                self, "database_url", build_postgres_url(params._replace(schema=schema))
            )
        else:
            raise ConfigurationError(
                "database_url: unsupported scheme (expected 'sqlite:///' or "
                f"'postgresql://'): {mask_url(self.database_url)!r}"
            )
        if self.read_replica_url:
            if not self.database_url.startswith("postgresql:"):
                raise ConfigurationError(
                    "read_replica_url (TAIZHANG_READ_REPLICA_URL): only with a PostgreSQL primary"
                )
            replica = parse_postgres_url(self.read_replica_url, "read_replica_url")
            object.__setattr__(self, "read_replica_url", build_postgres_url(replica))
        object.__setattr__(self, "data_dir", os.path.abspath(self.data_dir))
        if not isinstance(self.listen_port, int) or not 0 < self.listen_port < 65536:
            raise ConfigurationError(f"listen_port: invalid port {self.listen_port!r}")

    def __repr__(self) -> str:
        return (
            f"Settings(database_url={mask_url(self.database_url)!r}, "
            f"data_dir={self.data_dir!r}, postgres_schema={self.postgres_schema!r}, "
            f"listen_host={self.listen_host!r}, listen_port={self.listen_port!r})"
        )

    # ------------------------------------------------------------------ reading

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``).

        Creates the data directory when the default SQLite database is used.
        """
        env: Mapping[str, str] = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            if value is None or not value.strip():
                return None
            return value.strip()

        _refuse_db_functions(env)

        data_dir = os.path.abspath(get("TAIZHANG_DATA_DIR") or DEFAULT_DATA_DIR)
        listen_host = get("TAIZHANG_HOST") or DEFAULT_HOST
        port_str = get("TAIZHANG_PORT")
        listen_port = parse_port(port_str, "TAIZHANG_PORT") if port_str else DEFAULT_PORT
        create_tables = parse_flag(get("TAIZHANG_CREATE_TABLES"), "TAIZHANG_CREATE_TABLES")
        breaker_open_seconds = parse_seconds(
            get("TAIZHANG_BREAKER_OPEN_SECONDS"),
            "TAIZHANG_BREAKER_OPEN_SECONDS",
            DEFAULT_BREAKER_OPEN_SECONDS,
            zero=True,
            high=MAX_BREAKER_SECONDS,
        )
        breaker_check_seconds = parse_seconds(
            get("TAIZHANG_BREAKER_CHECK_SECONDS"),
            "TAIZHANG_BREAKER_CHECK_SECONDS",
            DEFAULT_BREAKER_CHECK_SECONDS,
            zero=False,
            high=MAX_BREAKER_SECONDS,
        )
        cache_events = parse_count(
            get("TAIZHANG_CACHE_EVENTS"),
            "TAIZHANG_CACHE_EVENTS",
            DEFAULT_CACHE_EVENTS,
            MAX_CACHE_EVENTS,
        )
        projector_working_set = int(
            parse_in_range(
                get("TAIZHANG_PROJECTOR_WORKING_SET"),
                "TAIZHANG_PROJECTOR_WORKING_SET",
                DEFAULT_PROJECTOR_WORKING_SET,
                kind=int,
                low=0,
                high=MAX_CACHE_EVENTS,
                unit="entries",
            )
        )
        rebuild_hold_events = int(
            parse_in_range(
                get("TAIZHANG_REBUILD_HOLD_EVENTS"),
                "TAIZHANG_REBUILD_HOLD_EVENTS",
                DEFAULT_REBUILD_HOLD_EVENTS,
                kind=int,
                low=0,
                high=MAX_REBUILD_HOLD_EVENTS,
                unit="events",
            )
        )
        writer = get("TAIZHANG_WRITER") or DEFAULT_WRITER
        if writer not in WRITERS:
            raise ConfigurationError(
                f"TAIZHANG_WRITER: {writer!r} is not one of {', '.join(sorted(WRITERS))}"
            )
        view_max_age_seconds = parse_in_range(
            get("TAIZHANG_VIEW_MAX_AGE_SECONDS"),
            "TAIZHANG_VIEW_MAX_AGE_SECONDS",
            DEFAULT_VIEW_MAX_AGE_SECONDS,
            kind=float,
            low=0.0,
            high=MAX_VIEW_MAX_AGE_SECONDS,
            unit="seconds",
        )

        checkpoint_events = int(
            parse_in_range(
                get("TAIZHANG_CHECKPOINT_EVENTS"),
                "TAIZHANG_CHECKPOINT_EVENTS",
                DEFAULT_CHECKPOINT_EVENTS,
                kind=int,
                low=1,
                high=MAX_CACHE_EVENTS,
                unit="events",
            )
        )
        checkpoint_minutes = parse_in_range(
            get("TAIZHANG_CHECKPOINT_MINUTES"),
            "TAIZHANG_CHECKPOINT_MINUTES",
            DEFAULT_CHECKPOINT_MINUTES,
            kind=float,
            low=0.1,
            high=24 * 60,
            unit="minutes",
        )

        replica_url = get("TAIZHANG_READ_REPLICA_URL") or ""
        if replica_url:
            replica_url = build_postgres_url(
                parse_postgres_url(replica_url, "TAIZHANG_READ_REPLICA_URL")
            )
        replica_max_lag_seconds, replica_wait_seconds = (
            parse_seconds(get(name), name, default, zero=True, high=MAX_REPLICA_SECONDS)
            for name, default in (
                ("TAIZHANG_REPLICA_MAX_LAG_SECONDS", DEFAULT_REPLICA_MAX_LAG_SECONDS),
                ("TAIZHANG_REPLICA_WAIT_SECONDS", DEFAULT_REPLICA_WAIT_SECONDS),
            )
        )

        schema: str | None = None
        url_var = next((v for v in ("TAIZHANG_DATABASE_URL", "DATABASE_URL") if get(v)), None)
        if url_var is not None:
            url = get(url_var)
            assert url is not None
            if url.startswith("sqlite:"):
                database_url = "sqlite:///" + parse_sqlite_url(url, url_var)
            elif url.startswith(("postgresql:", "postgres:")):
                params = parse_postgres_url(url, url_var)
                schema = params.schema
                database_url = build_postgres_url(params)
            else:
                raise ConfigurationError(
                    f"{url_var}: unsupported database URL scheme in {mask_url(url)!r} "
                    "(expected 'sqlite:///<path>' or 'postgresql://user@host:port/db')"
                )
        elif get("POSTGRES_DBNAME"):
            port_str = get("POSTGRES_PORT")
            user = get("POSTGRES_USER")
            if user is None:
                raise ConfigurationError("POSTGRES_USER: required when POSTGRES_DBNAME is set")
            schema_str = get("POSTGRES_SCHEMA")
            schema = check_schema(schema_str, "POSTGRES_SCHEMA") if schema_str else None
            params = PostgresParams(
                dbname=get("POSTGRES_DBNAME") or "",
                host=get("POSTGRES_HOST") or DEFAULT_HOST,
                port=parse_port(port_str, "POSTGRES_PORT") if port_str else 5432,
                user=user,
                password=env.get("POSTGRES_PASSWORD", ""),
                schema=schema,
            )
            database_url = build_postgres_url(params)
        else:
            os.makedirs(data_dir, mode=0o700, exist_ok=True)
            database_url = "sqlite:///" + os.path.join(data_dir, DEFAULT_SQLITE_FILENAME)

        districts_file = get("TAIZHANG_DISTRICTS")
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            postgres_schema=schema,
            listen_host=listen_host,
            listen_port=listen_port,
            create_tables=create_tables,
            breaker_open_seconds=breaker_open_seconds,
            breaker_check_seconds=breaker_check_seconds,
            cache_events=cache_events,
            projector_working_set=projector_working_set,
            rebuild_hold_events=rebuild_hold_events,
            view_max_age_seconds=view_max_age_seconds,
            writer=writer,
            page_secret=(get("TAIZHANG_PAGE_SECRET") or "").strip(),
            checkpoint_key=(get("TAIZHANG_CHECKPOINT_KEY") or "").strip(),
            checkpoint_key_file=os.path.abspath(
                get("TAIZHANG_CHECKPOINT_KEY_FILE")
                or os.path.join(data_dir, DEFAULT_CHECKPOINT_KEY_FILENAME)
            ),
            checkpoint_events=checkpoint_events,
            checkpoint_minutes=checkpoint_minutes,
            read_replica_url=replica_url,
            replica_max_lag_seconds=replica_max_lag_seconds,
            replica_wait_seconds=replica_wait_seconds,
            districts_file=os.path.abspath(districts_file) if districts_file else "",
        )

    # ------------------------------------------------------------------ derived

    @property
    def dialect(self) -> Dialect:
        """What the SQL says differently on this database (``taizhang.store.dialect``)."""
        return dialect_of(self.database_url)

    @property
    def is_postgres(self) -> bool:
        """A PostgreSQL server (pools, LISTEN/NOTIFY, outages); SQL asks ``dialect``."""
        return self.dialect.postgres

    def postgres_params(self) -> PostgresParams:
        """The parsed PostgreSQL connection parameters (raises for SQLite)."""
        if not self.is_postgres:
            raise ConfigurationError("database_url: not a PostgreSQL database")
        return parse_postgres_url(self.database_url, "database_url")

    def sqlite_path(self) -> str:
        """Absolute path of the SQLite database file (raises for PostgreSQL)."""
        if self.is_postgres:
            raise ConfigurationError("database_url: not a SQLite database")
        return parse_sqlite_url(self.database_url, "database_url")

    def eventsourcing_env(self) -> dict[str, str]:
        """Environment for ``eventsourcing`` ``Application(env=...)``.

        Note that ``Application`` merges ``os.environ`` under this mapping, so every key
        that matters is set explicitly here.
        """
        if not self.is_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": self.sqlite_path(),
                "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT),
                "CREATE_TABLE": "y" if self.create_tables else "n",
            }
        p = self.postgres_params()
        # POSTGRES_ENABLE_DB_FUNCTIONS is deliberately NEVER set. In eventsourcing 9.5.6
        # it makes the application recorder insert through a database function that
        # skips the table lock, so concurrent writers' notification ids interleave
        # (a reader can pass over an id that commits later) and tracking records are
        # silently dropped -- projections would miss events. from_env() refuses it.
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": p.dbname,
            "POSTGRES_HOST": p.host,
            "POSTGRES_PORT": str(p.port),
            "POSTGRES_USER": p.user,
            "POSTGRES_PASSWORD": p.password,
            # "" means the library default, "public".
            "POSTGRES_SCHEMA": self.postgres_schema or "",
            "POSTGRES_POOL_SIZE": str(POSTGRES_POOL_SIZE),
            "POSTGRES_MAX_OVERFLOW": str(POSTGRES_MAX_OVERFLOW),
            "POSTGRES_CONNECT_TIMEOUT": str(POSTGRES_CONNECT_TIMEOUT),
            # Reconnect transparently after a server restart instead of failing once.
            "POSTGRES_PRE_PING": "y",
            "CREATE_TABLE": "y" if self.create_tables else "n",
        }

    def psycopg_conninfo(self, *, replica: bool = False) -> str:
        """libpq connection string for our own psycopg connections (projections); with
        ``replica``, of the read replica (same database, so the same schema).

        When a schema is configured, ``search_path`` is set to it, so unqualified
        table names resolve there.
        """
        p = (
            parse_postgres_url(self.read_replica_url, "read_replica_url")
            if replica
            else self.postgres_params()
        )
        items = [
            ("dbname", p.dbname),
            ("host", p.host),
            ("port", str(p.port)),
            ("user", p.user),
        ]
        if p.password:
            items.append(("password", p.password))
        items.append(("connect_timeout", str(POSTGRES_CONNECT_TIMEOUT)))
        if self.postgres_schema:
            items.append(("options", f"-csearch_path={self.postgres_schema}"))
        return " ".join(f"{k}={conninfo_quote(v)}" for k, v in items)


def _refuse_db_functions(env: Mapping[str, str]) -> None:
    # The library reads POSTGRES_ENABLE_DB_FUNCTIONS (optionally prefixed with an
    # application name) straight from os.environ; refuse to start with it switched on.
    for key, value in env.items():
        named = key == "POSTGRES_ENABLE_DB_FUNCTIONS" or key.endswith(
            "_POSTGRES_ENABLE_DB_FUNCTIONS"
        )
        if named and value.strip().lower() in TRUE_STRINGS:
            raise ConfigurationError(
                f"{key}: must not be enabled; eventsourcing 9.5.6's database "
                "functions let concurrent writers' notification ids interleave and "
                "drop tracking records"
            )
