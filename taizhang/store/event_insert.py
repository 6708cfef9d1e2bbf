"""Events go into PostgreSQL in one statement: a function that does the library's steps.

The library (eventsourcing 9.5.6) stores events in a pipelined transaction: BEGIN, SET
LOCAL lock_timeout, LOCK TABLE … IN EXCLUSIVE MODE, NOTIFY, the insert, a sync, COMMIT.
Each step costs the client a round of psycopg's pipeline machinery: 0.76 ms of CPU and
1.46 ms of wall time for four events, against 0.30 ms and 0.85 ms for one call of a
function doing the same steps (measured here, same connection pool). A post waits for
that transaction, and every thread of its process for the interpreter lock it takes back
after each round trip.

The function takes the same table lock before inserting, so notification ids are still
issued in commit order and never interleave between writers: unlike the library's own
database function (``POSTGRES_ENABLE_DB_FUNCTIONS``, which we never set), which inserts
without it. Called on an autocommit connection, the statement is its own transaction, so
the lock is held until its commit. Events go in as four parallel arrays, in binary,
rather than one array of composites, which psycopg would escape in Python twice (in the
row, then in the array).

The function belongs to the event table, so it is created with the library's tables
(``TAIZHANG_CREATE_TABLES``, or ``taizhang migrate``). A service role that creates nothing
finds it there, or refuses to start.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composed, Identifier, Literal

from taizhang.evidence.chain import chain_table, checkpoints_table
from taizhang.evidence.chained_recorders import NOT_CHAINED
from taizhang.store.library_patches import replace, restore

# Another advisory lock class of the project's (see taizhang.ledger): processes creating
# the function at once would otherwise fail on "tuple concurrently updated".
CREATE_LOCK = (0x7466, 1)


def function_name(recorder: Any) -> str:
    """The insert function of the recorder's events table, named after it."""
    name = f"{recorder.events_table_name}_append"
    recorder.check_identifier_length(name)
    return name


# A link of the hash chain (taizhang.evidence.chain) in SQL: the same bytes hashed in the
# same order.
_LINK = (
    "sha256(previous || int8send(positions[i]) || sha256(uuid_send(ids[i])"
    " || int8send(versions[i])"
    " || CASE WHEN topics[i] IS NULL THEN '\\xffffffff'::bytea ELSE"
    " int4send(octet_length(convert_to(topics[i], 'UTF8'))) || convert_to(topics[i], 'UTF8')"
    " END"
    " || CASE WHEN states[i] IS NULL THEN '\\xffffffff'::bytea ELSE"
    " int4send(octet_length(states[i])) || states[i] END))"
)


def _create_tables(recorder: Any) -> list[Composed]:
    """The chain's table and the signed checkpoints' (taizhang.evidence.chain), as migration
    0011."""
    schema = Identifier(recorder.datastore.schema)
    return [
        SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{chain} "
            "(notification_id bigint PRIMARY KEY, hash bytea NOT NULL)"
        ).format(schema=schema, chain=Identifier(chain_table(recorder.events_table_name))),
        SQL(
            "CREATE TABLE IF NOT EXISTS {schema}.{checkpoints} "
            "(position bigint PRIMARY KEY, hash bytea NOT NULL, signed_at text NOT NULL, "
            "public_key bytea NOT NULL, signature bytea NOT NULL, heads text)"
        ).format(
            schema=schema, checkpoints=Identifier(checkpoints_table(recorder.events_table_name))
        ),
    ]


def function_statement(recorder: Any, *, chained: bool = True, name: str | None = None) -> Composed:
    schema = Identifier(recorder.datastore.schema)
    # The links are made from the arrays the rows were inserted from, the bytes the table
    # now holds, in the order their ids were issued; the previous link is the last one,
    # read under the table lock.
    chain = (
        "  SELECT c.hash INTO previous FROM {schema}.{chain} AS c "
        "WHERE c.notification_id < positions[1] ORDER BY c.notification_id DESC LIMIT 1;\n"
        "  IF previous IS NULL THEN\n"
        "    IF EXISTS (SELECT 1 FROM {schema}.{table} AS e "
        "WHERE e.notification_id < positions[1]) THEN\n"
        "      RAISE EXCEPTION USING MESSAGE = {not_chained};\n"
        "    END IF;\n"
        "    previous := decode(repeat('00', 32), 'hex');\n"
        "  END IF;\n"
        "  FOR i IN 1 .. coalesce(array_length(positions, 1), 0) LOOP\n"
        f"    previous := {_LINK};\n"
        "    links[i] := previous;\n"
        "  END LOOP;\n"
        "  INSERT INTO {schema}.{chain} (notification_id, hash) "
        "SELECT * FROM unnest(positions, links);\n"
    )
    return SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{function}("
        "ids {id_type}[], versions bigint[], topics text[], states bytea[], lock_timeout text, "
        "OUT positions bigint[], OUT links bytea[]) LANGUAGE plpgsql AS $body$\n"
        "DECLARE previous bytea; i integer;\n"
        "BEGIN\n"
        "  PERFORM set_config('lock_timeout', lock_timeout, true);\n"
        "  LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;\n"
        "  NOTIFY {channel};\n"
        "  WITH inserted AS (\n"
        "    INSERT INTO {schema}.{table} AS t "
        "(originator_id, originator_version, topic, state)\n"
        "    SELECT * FROM unnest(ids, versions, topics, states)\n"
        "    RETURNING t.notification_id)\n"
        # The ids of one insert are issued in the order of its rows, so in that order.
        "  SELECT array_agg(notification_id ORDER BY notification_id) INTO positions "
        "FROM inserted;\n" + (chain if chained else "") + "  RETURN;\n"
        "END\n"
        "$body$"
    ).format(
        schema=schema,
        function=Identifier(name or function_name(recorder)),
        id_type=Identifier(recorder.datastore.originator_id_type),
        table=Identifier(recorder.events_table_name),
        chain=Identifier(chain_table(recorder.events_table_name)),
        channel=Identifier(recorder.channel_name),
        not_chained=Literal(NOT_CHAINED),
    )


def create_insert_function(recorder: Any) -> None:
    """Create (or bring up to date) the events table's insert function, and the chain's
    tables it writes."""
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute("SELECT pg_advisory_xact_lock(%s, %s)", CREATE_LOCK)
        for statement in _create_tables(recorder):
            curs.execute(statement)
        curs.execute(function_statement(recorder))


def has_insert_function(recorder: Any) -> bool:
    qualified = f'"{recorder.datastore.schema}"."{function_name(recorder)}"'
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute("SELECT to_regproc(%s) IS NOT NULL AS found", (qualified,))
        row = curs.fetchone()
    return bool(row and row["found"])


def insert_in_one_statement(recorder: Any, *, create: bool, if_missing: bool = False) -> None:
    """Make a PostgreSQL application recorder store events through the insert function
    (in place): creating it first if ``create``, or if ``if_missing`` and it is missing.
    Recorders of any other kind keep the library's insert."""
    if not isinstance(recorder, PostgresApplicationRecorder):
        return
    if recorder.datastore.enable_db_functions:
        return
    if create or not has_insert_function(recorder):
        if not (create or if_missing):
            raise PersistenceError(
                f"the event store's insert function {function_name(recorder)} is missing in "
                f"schema {recorder.datastore.schema}: run `taizhang migrate` (or start once "
                "with TAIZHANG_CREATE_TABLES on) as a role that may create it"
            )
        create_insert_function(recorder)
    # The arrays go in binary: psycopg dumps a thousand-element array as text in Python,
    # escaping every element (17.6 ms for a batch's four arrays, 0.8 ms in binary).
    statement = SQL("SELECT * FROM {schema}.{function}(%b, %b, %b, %b, %s)").format(
        schema=Identifier(recorder.datastore.schema),
        function=Identifier(function_name(recorder)),
    )
    lock_timeout = f"{recorder.datastore.lock_timeout}s"

    # Retried as the library retries its own insert: a lost connection, a lock timeout.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(stored_events: Sequence[StoredEvent], **_: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        parameters = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
            lock_timeout,
        )
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            assert conn.autocommit  # the statement must be its own transaction
            curs.execute(statement, parameters, prepare=True)
            row = curs.fetchone()
        positions: list[int] = (row["positions"] if row else None) or []
        if len(positions) != len(stored_events):
            raise PersistenceError(
                f"stored {len(stored_events)} events but got {len(positions)} positions"
            )
        links = row["links"] if row else None
        recent = getattr(recorder, "recent_links", None)
        if links and recent is not None:
            recent.put(positions, [bytes(link) for link in links])
        return positions

    replace(recorder, "insert_events", insert_events)


def library_insert(recorder: Any) -> None:
    """Undo ``insert_in_one_statement``: the recorder stores events as the library does."""
    restore(recorder, "insert_events")
