"""The event-sourced application: the one event store every fact goes into."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Recording, StoredEvent
from psycopg.sql import SQL, Identifier

from taizhang.config import Settings
from taizhang.domain.base import UnloadedFacts
from taizhang.evidence.chain_store import ChainStore
from taizhang.private_files import private_sqlite
from taizhang.store.aggregate_cache import AggregateCache
from taizhang.store.event_insert import insert_in_one_statement
from taizhang.store.pool_check import check_pool_quietly
from taizhang.store.pool_sessions import without_jit
from taizhang.store.transcoder import LedgerTranscoder
from taizhang.store.transcodings import register_transcodings

log = logging.getLogger(__name__)

PRELOAD_CHUNK = 500
# Writers in different processes that change the same aggregates take turns on them:
# PostgreSQL session advisory locks, always taken in one order (stripes, then aggregates,
# each ascending) so that they never wait on each other in a circle.
# - A writer of up to TURN_LOCKS_MAX aggregates locks each of them, so that batches on
#   different branches do not wait on each other, after taking their stripes shared.
# - A writer of more locks their stripes exclusively instead: advisory locks live in
#   PostgreSQL's shared lock table (max_locks_per_transaction × max_connections entries,
#   6,400 by default). Taken shared by the others, the stripes still make every writer of
#   an aggregate wait for the one changing it, whichever way each locked it.
# Other advisory locks of the project use other first keys.
TURN_LOCK_CLASS = 0x7462  # "tb": the second key names one aggregate
TURN_STRIPE_CLASS = 0x7473  # "ts": the second key names a stripe of aggregates
TURN_LOCKS_MAX = 256
TURN_STRIPES = 64
TURN_WAIT_MS = 10_000
# Writers holding turns at once in a process. Each holds one pooled connection for its
# locks besides the one its work uses: fewer holders than half the pool (5 + 10 overflow)
# leave connections for everyone else.
TURN_HOLDERS = 4


@dataclass(frozen=True)
class TurnLocks:
    """A writer's advisory locks, in the order to take them."""

    classes: list[int]
    keys: list[int]
    shared: list[bool]


def turn_keys(aggregate_ids: Iterable[UUID]) -> TurnLocks | None:
    """The advisory locks of a writer's turns on these aggregates, or None for none."""
    ids = set(aggregate_ids)
    if not ids:
        return None
    stripes = sorted({i.int % TURN_STRIPES for i in ids})
    if len(ids) > TURN_LOCKS_MAX:
        return TurnLocks([TURN_STRIPE_CLASS] * len(stripes), stripes, [False] * len(stripes))
    # The second key is an int4: 32 of the id's random bits. Two aggregates sharing them
    # only wait on each other.
    own = sorted({(i.int & 0xFFFFFFFF) - 0x80000000 for i in ids})
    return TurnLocks(
        [TURN_STRIPE_CLASS] * len(stripes) + [TURN_LOCK_CLASS] * len(own),
        stripes + own,
        [True] * len(stripes) + [False] * len(own),
    )


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` against a
    runtime-checkable protocol, which cost more than applying the event: reading a branch's
    work of a few hundred facts afresh spent most of its time there (py-spy, load run)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def chained_recorder(settings: Settings) -> dict[str, str]:
    """The library's setting that names our recorder class: it keeps the hash chain."""
    name = "ChainedPostgresRecorder" if settings.is_postgres else "ChainedSQLiteRecorder"
    return {"APPLICATION_RECORDER_TOPIC": f"taizhang.evidence.chained_recorders:{name}"}


class Ledger(Application[UUID]):
    name = "Ledger"
    # No library cache: it fast-forwards cached aggregates in place, which races with
    # threads reading them. ``self.cache`` replaces entries whole instead.
    env = {"AGGREGATE_CACHE_MAXSIZE": "", "COMPRESSOR_TOPIC": ""}

    def __init__(self, settings: Settings, *, migrating: bool = False, **env: str) -> None:
        self.settings = settings
        # Aggregates kept in memory between requests, up to ``settings.cache_events``.
        # Campaigns are read on every post (to admit the branch), so they must not be
        # replayed each time.
        self.cache = AggregateCache(settings.cache_events)
        self._turn_holders = threading.BoundedSemaphore(TURN_HOLDERS)
        if not settings.is_postgres:
            private_sqlite(settings.sqlite_path())
        # Another store named in ``env`` (tests' in-memory one) keeps its own recorder.
        recorder = {} if "PERSISTENCE_MODULE" in env else chained_recorder(settings)
        super().__init__(env={**settings.eventsourcing_env(), **recorder, **env})
        # Its insert function is created when the library creates its tables (by the
        # library's own decision: settings, or an env override; in-memory stores have
        # none), and when migrating, as a role that may create, if it is missing.
        creates = getattr(self.factory, "env_create_table", None)
        insert_in_one_statement(
            self.recorder, create=bool(creates and creates()), if_missing=migrating
        )
        check_pool_quietly(self.recorder)
        without_jit(self.recorder)

    def construct_transcoder(self) -> LedgerTranscoder:
        transcoder = LedgerTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    @property
    def events_table(self) -> str:
        return str(self.recorder.events_table_name)  # type: ignore[attr-defined]

    def _on_events(self, statement: str) -> Any:
        """``statement`` with ``{schema}.{table}`` naming this application's events table,
        qualified as the library's own statements are (the connection's search_path need
        not name our schema)."""
        recorder: Any = self.recorder
        return SQL(statement).format(
            schema=Identifier(recorder.datastore.schema), table=Identifier(self.events_table)
        )

    def _rows(self, statement: Any, params: Any) -> list[Any]:
        """The rows of one read of the store, in a transaction of its own.

        Arrays of ids are passed as binary (``%b``): psycopg writes a text array element by
        element in Python, a few milliseconds for a batch's thousand ids.
        """
        recorder: Any = self.recorder
        if self.settings.is_postgres:
            # On an autocommit connection one statement is its own transaction: one round
            # trip, where BEGIN and ROLLBACK around it would take three.
            with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(statement, params)
                return list(curs.fetchall())
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, params)
            return list(curs.fetchall())

    def chain_store(self) -> ChainStore:
        """The log with its hash chain and signed checkpoints, as stored."""
        return ChainStore(self.recorder, dialect=self.settings.dialect)

    def link_of(self, position: int | None) -> bytes | None:
        """The chain's link of the event stored at ``position`` (a receipt names it): the
        one kept as it was stored, else read."""
        recent = getattr(self.recorder, "recent_links", None)
        if position is None or recent is None:
            return None
        return recent.get(position) or self.chain_store().link_at(position)

    def position_of(self, aggregate_id: UUID, version: int) -> int | None:
        """The log position (notification id) of one stored event, for replayed answers."""
        if self.settings.is_postgres:
            # Qualified like the library's own statements: the connection's search_path
            # need not name our schema, and another schema may hold a same-named table.
            statement = self._on_events(
                "SELECT notification_id FROM {schema}.{table} "
                "WHERE originator_id = %s AND originator_version = %s"
            )
            rows = self._rows(statement, (aggregate_id, version))
            return int(rows[0]["notification_id"]) if rows else None
        statement = (
            f"SELECT rowid FROM {self.events_table} "
            "WHERE originator_id = ? AND originator_version = ?"
        )
        rows = self._rows(statement, (aggregate_id.hex, version))
        return int(rows[0][0]) if rows else None

    def log_head(self) -> int:
        """The log's last position, read once: the library's own read retries ten times,
        and a readiness check must answer within a probe's timeout, not wait out a pool
        reconnecting after an outage."""
        recorder: Any = self.recorder
        if not self.settings.is_postgres:
            return int(recorder.max_notification_id() or 0)
        rows = self._rows(recorder.max_notification_id_statement, None)
        return int(rows[0]["max"] or 0) if rows else 0

    def latest_versions(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, int]:
        """Each aggregate's version in the store (its last event's), for those that have
        events: a look at the index, without reading any event."""
        ids = list(set(aggregate_ids))
        if not ids:
            return {}
        if self.settings.is_postgres:
            # One look at the end of each aggregate's index range: grouping the rows of
            # ``originator_id = ANY(...)`` read every version of every aggregate.
            statement = self._on_events(
                "SELECT c.id AS originator_id, v.version FROM unnest(%b::uuid[]) AS c(id) "
                "CROSS JOIN LATERAL (SELECT max(originator_version) AS version "
                "FROM {schema}.{table} WHERE originator_id = c.id) AS v "
                "WHERE v.version IS NOT NULL"
            )
            return {r["originator_id"]: int(r["version"]) for r in self._rows(statement, (ids,))}
        found: dict[UUID, int] = {}
        for start in range(0, len(ids), PRELOAD_CHUNK):
            chunk = ids[start : start + PRELOAD_CHUNK]
            statement = (
                "SELECT originator_id, max(originator_version) "
                f"FROM {self.events_table} WHERE originator_id IN ({','.join('?' * len(chunk))}) "
                "GROUP BY originator_id"
            )
            rows = self._rows(statement, [i.hex for i in chunk])
            found.update({UUID(r[0]): int(r[1]) for r in rows})
        return found

    def preload(self, aggregate_ids: Iterable[UUID]) -> set[UUID]:
        """Read many aggregates' events in one query and put the aggregates in the cache.

        A batch of a thousand posts on a thousand branches would otherwise read the store
        a few thousand times, one aggregate at a time. Returns the ids that do not exist.
        """
        missing = [i for i in set(aggregate_ids) if i not in self.cache]
        found: set[UUID] = set()
        for start in range(0, len(missing), PRELOAD_CHUNK):
            events: dict[UUID, list[Any]] = defaultdict(list)
            for stored in self._select_events_of(missing[start : start + PRELOAD_CHUNK]):
                event = self.mapper.to_domain_event(stored)
                events[event.originator_id].append(event)
            for aggregate_id, aggregate_events in events.items():
                aggregate = replay(None, aggregate_events)
                found.add(aggregate_id)
                if aggregate is not None:
                    self.cache.put(aggregate)
        return set(missing) - found

    def catch_up(self, aggregate_ids: Iterable[UUID]) -> None:
        """Bring cached aggregates up to date with the events stored since, in one query.

        For a batch that has just taken its turns (``turns``): another process's batch may
        have changed the same aggregates, and a stale state would collide on save. Reads
        only the newer events, not the aggregates' histories.
        """
        cached = {i: a for i in set(aggregate_ids) if (a := self.cache.get(i)) is not None}
        if not cached or not self.settings.is_postgres:
            return
        # Each aggregate's newer events through its own index range. As a plain join, the
        # planner estimated hundreds of rows an aggregate, hashed the ids and scanned the
        # whole log in parallel for every batch (40-60 ms at half a million events, with
        # nothing newer found); a subquery with ORDER BY is not flattened into a join.
        statement = self._on_events(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%b::uuid[], %b::bigint[]) AS c(id, version) "
            "CROSS JOIN LATERAL (SELECT * FROM {schema}.{table} AS n "
            "WHERE n.originator_id = c.id AND n.originator_version > c.version "
            "ORDER BY n.originator_version) AS e "
            "ORDER BY e.originator_id, e.originator_version"
        )
        ids = list(cached)
        rows = self._rows(statement, (ids, [cached[i].version for i in ids]))
        newer: dict[UUID, list[Any]] = defaultdict(list)
        for r in rows:
            stored = StoredEvent(
                originator_id=r["originator_id"],
                originator_version=r["originator_version"],
                topic=r["topic"],
                state=bytes(r["state"]),
            )
            newer[stored.originator_id].append(self.mapper.to_domain_event(stored))
        for aggregate_id, aggregate in cached.items():
            events = newer.get(aggregate_id)
            # Put back even when nothing is newer: the entry is now confirmed current,
            # which is what a consulted aggregate's age measures.
            self.cache.put(aggregate if not events else replay(deepcopy(aggregate), events))

    def _select_events_of(self, ids: list[UUID]) -> list[StoredEvent]:
        if self.settings.is_postgres:
            statement = self._on_events(
                "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
                "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version"
            )
            rows = self._rows(statement, (ids,))
            return [
                StoredEvent(
                    originator_id=r["originator_id"],
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in rows
            ]
        marks = ",".join("?" * len(ids))
        statement = (
            "SELECT originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE originator_id IN ({marks}) "
            "ORDER BY originator_id, originator_version"
        )
        rows = self._rows(statement, [i.hex for i in ids])
        return [
            StoredEvent(
                originator_id=UUID(r["originator_id"]),
                originator_version=r["originator_version"],
                topic=r["topic"],
                state=r["state"],
            )
            for r in rows
        ]

    @contextmanager
    def turns(self, aggregate_ids: Iterable[UUID]) -> Iterator[None]:
        """Take turns with other processes changing any of these aggregates (PostgreSQL).

        Optimistic concurrency stays what keeps the store right; this only spares big
        batches on the same aggregates from colliding on save, each collision throwing
        away all of a batch's work. A wait that runs out goes on without the turns.
        """
        keys = turn_keys(aggregate_ids)
        if not self.settings.is_postgres or not keys:
            yield
            return
        datastore: Any = self.recorder.datastore  # type: ignore[attr-defined]
        with self._turn_holders, datastore.get_connection() as conn:
            try:
                # statement_timeout bounds the whole wait; lock_timeout alone bounds each
                # lock, so a batch on many aggregates could wait many times over.
                conn.execute(f"SET statement_timeout = {TURN_WAIT_MS}")
                conn.execute(
                    "SELECT CASE WHEN t.shared THEN pg_advisory_lock_shared(t.c, t.k) "
                    "ELSE pg_advisory_lock(t.c, t.k) END FROM "
                    "(SELECT * FROM unnest(%b::int[], %b::int[], %b::bool[]) "
                    "WITH ORDINALITY AS u(c, k, shared, n) ORDER BY u.n) AS t",
                    (keys.classes, keys.keys, keys.shared),
                )
            except Exception as error:  # noqa: BLE001 - go on without turns
                log.warning("no turns on %d advisory locks: %r", len(keys.keys), error)
            try:
                yield
            finally:
                try:
                    # Also after a wait that ran out: the locks taken before it stay
                    # held by the session, and the connection goes back to the pool.
                    conn.execute("SELECT pg_advisory_unlock_all()")
                    conn.execute("RESET statement_timeout")
                except Exception:  # noqa: BLE001
                    # Never hand a connection holding turns back to the pool.
                    conn.close()

    def consult(self, aggregate_id: UUID, *, max_age: float) -> Any:
        """An aggregate to read, not change: shared, and at most ``max_age`` seconds old.

        Rules that only consult another aggregate (is the branch enrolled? is it a
        rectification target?) accept a state up to ``max_age`` seconds stale; a refusal
        is always checked again on fresh state (see ``LedgerService``).
        """
        aggregate = self.cache.get(aggregate_id, max_age=max_age)
        if aggregate is None:
            aggregate = self._as_stored(aggregate_id)
            self.cache.put(aggregate)
        return aggregate

    def fresh(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored now, a private copy for the caller to change."""
        aggregate = self._as_stored(aggregate_id)
        self.cache.put(aggregate)
        return deepcopy(aggregate)

    def _as_stored(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored now, never changed after: the cached state brought up to
        date with only the events stored after it, so that reading an aggregate afresh
        does not replay its whole history. A cached state is always one that was stored
        (``remember`` is called after a save), so the newer events follow on from it."""
        cached = self.cache.get(aggregate_id)
        if cached is None:
            return self.repository.get(aggregate_id, projector_func=replay)
        newer = list(self.events.get(aggregate_id, gt=cached.version))
        if not newer:
            return cached
        return replay(deepcopy(cached), newer)

    def cached(self, aggregate_id: UUID) -> Any | None:
        """The cached aggregate itself (to read, never to change), or None."""
        return self.cache.get(aggregate_id)

    def cached_copy(self, aggregate_id: UUID) -> Any | None:
        """A private copy of the cached aggregate, without reading the store, or None."""
        aggregate = self.cache.get(aggregate_id)
        return None if aggregate is None else deepcopy(aggregate)

    def record(self, events: Sequence[Any]) -> list[Recording[UUID]]:
        """Store events (already collected from their aggregates) in one transaction.

        What ``save`` does for events, without its per-object protocol checks (a
        runtime-checkable ``isinstance`` costs ~10 µs, a batch's largest single item) and
        its snapshot and notification hooks, which this application does not use.
        """
        return self.events.put(list(events))

    def remember(self, aggregates: Iterable[Any]) -> None:
        """Keep just-saved aggregates, which no one changes again, for the next post.

        Not one whose facts were never read (``UnloadedFacts``): it is not the state."""
        for aggregate in aggregates:
            if not isinstance(getattr(aggregate, "facts", None), UnloadedFacts):
                self.cache.put(aggregate)
