"""What the HTTP layer reads: the views, as plain JSON-ready dicts and lists.

Phase statuses depend on the day they are judged on, so rows hold dates and every query
takes ``as_of`` (default: today in Beijing time). For one branch the status comes from
``taizhang.domain.progress.phase_progress`` itself; aggregated views compare the stored dates in SQL
(``taizhang.projections.fold.phase_status.status_on`` is the same comparison, tested against the
domain's). The aggregated views are a pure function of (query, as_of, projection positions), so they
are cached: see ``Views._cached`` for how fresh a cached view is, and
``taizhang.projections.shared_views`` for how server processes share what one of them computed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from taizhang.config import DEFAULT_VIEW_MAX_AGE_SECONDS, Settings
from taizhang.domain.errors import InvalidValue, NotFound
from taizhang.domain.progress import phase_progress
from taizhang.domain.vocabulary import (
    HostCategory,
    PhaseStatus,
    ProblemCategory,
    RectificationStatus,
)
from taizhang.lru import LRU
from taizhang.projections.coverage_views import CoverageViews
from taizhang.projections.fold.phase_status import phase_definition
from taizhang.projections.grading_views import GradingViews
from taizhang.projections.ledger_views import LedgerViews
from taizhang.projections.life_theme_views import ThemeViews
from taizhang.projections.member_views import MemberViews
from taizhang.projections.party_life import PartyLifeViews
from taizhang.projections.reach import Reach
from taizhang.projections.replica import ReplicaReads, one_server
from taizhang.projections.shared_views import CacheEntry, Flight, SharedViews, Stamp, covers
from taizhang.projections.store import Database
from taizhang.projections.supervision_views import SupervisionViews
from taizhang.projections.view_sql import (
    _PROGRESS_COLUMNS,
    _STARTED,
    _STATUSES,
    CACHE_SIZE,
    REFRESH_SHARE,
    REFRESH_THREAD,
    SILENT_DAYS,
    _any,
    _at,
    _cursor,
    _day,
    _deadlines,
    _equal,
    _group_scope_sql,
    _limit,
    _phase_sql,
    _uncursor,
    _within,
)
from taizhang.projections.yearly_views import YearlyViews
from taizhang.store.dialect import SQLITE
from taizhang.store.pool_check import check_before_use

log = logging.getLogger(__name__)


class Views(
    SupervisionViews,
    LedgerViews,
    CoverageViews,
    GradingViews,
    YearlyViews,
    PartyLifeViews,
    ThemeViews,
    MemberViews,
):
    def __init__(self, settings: Settings | None, *, connect: Callable[[], Any] | None = None):
        self.db = Database(settings) if settings is not None else None
        self.settings = settings
        self._pool: Any = None
        self._connect = connect
        self._connect_lock = threading.Lock()
        self._cache: LRU[Any, CacheEntry] = LRU(CACHE_SIZE)
        self._flights: dict[Any, Flight] = {}
        self._cache_lock = threading.Lock()
        # No view read without ``min_position`` reflects the projections as they stood
        # longer than ``max_age_seconds`` before the read; past ``refresh_seconds`` a view is
        # checked (and if need be recomputed) in the background while it still answers.
        self.max_age_seconds = (
            settings.view_max_age_seconds if settings is not None else DEFAULT_VIEW_MAX_AGE_SECONDS
        )
        self.refresh_seconds = self.max_age_seconds * REFRESH_SHARE
        self.clock: Callable[[], float] = time.monotonic
        self.dialect = settings.dialect if settings is not None else SQLITE
        self._pg = self.dialect.postgres
        self._pinned_conn = threading.local()
        # The knowledge time of views replayed from the log (None: live, known now).
        self.known_at: str | None = None
        # Views over a database of their own (the as-of reports' replay) share nothing.
        self.shared: SharedViews | None = None
        if settings is not None:
            self.shared = SharedViews(
                self._pinned if self._pg else self._conn, dialect=self.dialect
            )
        if self._pg:
            assert settings is not None
            self._pool = ConnectionPool(
                settings.psycopg_conninfo(),
                min_size=1,
                max_size=8,
                open=True,
                kwargs={"autocommit": True},
                # A session the server ended (restart, failover) is replaced before use,
                # instead of failing the next read of a view with a 503.
                check=check_before_use,
            )
        self.replica = (  # a hot standby serving reads (taizhang.projections.replica)
            ReplicaReads(settings, self._pool) if settings and settings.read_replica_url else None
        )

    @classmethod
    def over_connection(cls, conn: sqlite3.Connection) -> Views:
        """Views over one SQLite connection (the as-of reports' in-memory database)."""
        views = cls(None, connect=lambda: conn)
        return views

    def close(self) -> None:
        if self.replica is not None:
            self.replica.close()
        if self._pool is not None:
            self._pool.close()

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        pinned = getattr(self._pinned_conn, "conn", None)
        if pinned is not None:
            yield pinned
        elif self._pool is not None:
            with self._pool.connection() as conn:
                yield conn
        elif self._connect is not None:
            with self._connect_lock:  # one connection, shared by the threads reading it
                yield self._connect()
        else:
            assert self.db is not None
            conn = self.db.connect()
            try:
                yield conn
            finally:
                conn.close()

    @contextmanager
    def _pinned(self) -> Iterator[Any]:
        """One pool connection for everything this thread reads until it is let go."""
        with self._pool.connection() as conn:
            self._pinned_conn.conn = conn
            try:
                yield conn
            finally:
                self._pinned_conn.conn = None

    def _rows(self, text: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        text = self.dialect.sql(text)

        def fetch(conn: Any) -> list[dict[str, Any]]:
            cursor = conn.execute(text, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        if self.replica is not None and getattr(self._pinned_conn, "conn", None) is None:
            return self.replica.run(fetch)
        with self._conn() as conn:
            return fetch(conn)

    def select(self, text: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a query over the read models, for the modules beside this one
        (``taizhang.projections.reach``)."""
        return self._rows(text, params)

    def _cached(
        self, key: tuple[Any, ...], compute: Callable[[], Any], min_position: int | None = None
    ) -> Any:
        """The view named by ``key``, computed once for all concurrent identical calls.

        A view answers a read only if it reflects the projections as they stood at most
        ``max_age_seconds`` before the read arrived (its entry's ``checked``) and, with
        ``min_position`` (read-your-writes), only if it reflects that position. Past
        ``refresh_seconds`` one caller starts a check in the background (read the positions;
        if they moved, compute the view again) while the view still answers; a view past the
        bound never answers: callers wait for the check under way, or make one.
        """
        asked = self.clock()
        while True:
            now = self.clock()
            with self._cache_lock:
                entry = self._cache.peek(key)
                usable = entry is not None and entry.serves(
                    min_position, asked - self.max_age_seconds
                )
                flight = self._flights.get(key)
                if entry is not None and usable:
                    due = entry.checked < now - self.refresh_seconds
                    if flight is not None or not due:
                        self._cache.touch(key)
                        return entry.value
                if flight is None:
                    flight = self._flights[key] = Flight(now)
                    mine = True
                else:
                    mine = False
            if not mine:
                flight.done.wait()
                if flight.error is not None:
                    raise flight.error
                continue  # its view may still not do for this caller: look again
            if entry is not None and usable:
                refresh = threading.Thread(
                    target=self._fill,
                    args=(key, compute, flight),
                    name=REFRESH_THREAD,
                    daemon=True,
                )
                refresh.start()
                return entry.value
            return self._fill(key, compute, flight)

    def _fill(self, key: tuple[Any, ...], compute: Callable[[], Any], flight: Flight) -> Any:
        """Check the view ``key`` against the projections' positions and compute it again
        if they moved; it then reflects the projections as they stood at ``flight.started``
        (positions only grow, and a rebuild's tables come with a new generation)."""
        try:
            # Stamp and view from one server: a stamp read on the primary would overstate
            # a view computed on its standby.
            with one_server(self.replica) as on_replica:
                stamp = self._position_stamp()
                with self._cache_lock:
                    entry = self._cache.get(key)
                    if entry is not None and covers(entry.stamp, stamp):
                        entry.checked = max(entry.checked, flight.started)
                        return entry.value
                if self.shared is not None and not on_replica:
                    # Stamped as found: another process may have computed it further on.
                    value, stamp = self.shared.get(key, stamp, compute)
                else:
                    value = compute()
        except BaseException as error:
            flight.error = error
            if threading.current_thread().name == REFRESH_THREAD:
                log.warning("refreshing view %s failed: %r", key[0], error)
                return None
            raise
        else:
            with self._cache_lock:
                self._cache.put(key, CacheEntry(value, stamp, flight.started))
            return value
        finally:
            with self._cache_lock:
                del self._flights[key]
            flight.done.set()

    def _position_stamp(self) -> Stamp:
        rows = self._rows(
            "SELECT name, position, generation FROM projection_position ORDER BY name"
        )
        return tuple((r["name"], int(r["position"]), int(r["generation"])) for r in rows)

    def _campaign(self, campaign_id: UUID | str) -> dict[str, Any]:
        rows = self._rows(
            "SELECT campaign_id, district_id, name, starts_on, ends_on, phases FROM view_campaign "
            "WHERE campaign_id = ?",
            (str(campaign_id),),
        )
        if not rows:
            raise NotFound("campaign_id", "campaign", UUID(str(campaign_id)))
        campaign = rows[0]
        campaign["phases"] = json.loads(campaign["phases"])
        return campaign

    @staticmethod
    def labels(campaign: dict[str, Any]) -> dict[str, Any]:
        return {
            "phases": {
                p["key"]: {"zh": p["name_zh"], "en": p["name_en"]} for p in campaign["phases"]
            },
            "categories": HostCategory.labels(),
            "phase_statuses": PhaseStatus.labels(),
            "problem_categories": ProblemCategory.labels(),
            "rectification_statuses": RectificationStatus.labels(),
        }

    # -- positions -----------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        """The projections' positions on the primary."""
        with one_server(self.replica, False):
            return {name: position for name, position, _ in self._position_stamp()}

    def wait_for(self, position: int, timeout: float) -> bool:
        """Whether the views reach ``position`` within ``timeout``
        (taizhang.projections.replica)."""
        deadline = time.monotonic() + timeout
        if self.replica is not None:
            self.replica.need(position)
            if self.replica.wait_for(position, min(timeout, self.replica.wait_seconds)):
                return True
        while True:
            if min(self.positions().values(), default=0) >= position:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    # -- one branch, and lists of branches -----------------------------------------------

    def branch_progress(
        self, campaign_id: UUID, branch_id: UUID, as_of: date | None = None
    ) -> dict[str, Any] | None:
        """The branch's progress on ``as_of``; None when it was not enrolled by then."""
        campaign = self._campaign(campaign_id)
        day = _day(as_of)
        rows = self._rows(
            f"SELECT {_PROGRESS_COLUMNS} FROM progress_span bp "
            f"WHERE bp.campaign_id = ? AND bp.branch_id = ? AND {_at('bp', day.isoformat())}",
            (str(campaign_id), str(branch_id)),
        )
        if not rows:
            return None
        return self._progress_items(campaign, rows, day)[0]

    def _progress_items(
        self, campaign: dict[str, Any], rows: list[dict[str, Any]], day: date
    ) -> list[dict[str, Any]]:
        d = day.isoformat()
        deadlines = _deadlines(campaign, d)
        phases = [
            phase_definition({**p, "deadline": deadlines[p["key"]]}) for p in campaign["phases"]
        ]
        problems = self._problem_counts(
            campaign["campaign_id"], [r["branch_id"] for r in rows], day
        )
        silent_before = (day - timedelta(days=SILENT_DAYS)).isoformat()
        items = []
        for row in rows:
            reached = {k: date.fromisoformat(v) for k, v in json.loads(row["milestones"]).items()}
            phase_items = []
            for phase in phases:
                progress = phase_progress(phase, reached, day)
                phase_items.append(
                    {
                        "key": phase.key,
                        "name_zh": phase.name_zh,
                        "name_en": phase.name_en,
                        "status": progress.status.value,
                        "status_zh": progress.status.zh,
                        "status_en": progress.status.en,
                        "done_on": progress.done_on.isoformat() if progress.done_on else None,
                        "deadline": phase.deadline.isoformat() if phase.deadline else None,
                        "late": progress.late,
                    }
                )
            counts = problems.get(row["branch_id"], (0, 0, 0))
            target = (
                "not_target"
                if not row["rectification_target"]
                else ("reorganized" if row["reorganized"] else "pending")
            )
            last = row["last_activity_on"]
            items.append(
                {
                    "campaign_id": row["campaign_id"],
                    "branch_id": row["branch_id"],
                    "branch_name": row["branch_name"],
                    "enrolled": bool(row["enrolled"]),
                    "withdrawn_on": row["withdrawn_on"],
                    "district_id": row["district_id"],
                    "committee_id": row["committee_id"],
                    "category": row["category"],
                    "category_labels": HostCategory.labels().get(row["category"]),
                    "formation": row["formation"],
                    "as_of": d,
                    "known_at": self.known_at,
                    "phases": phase_items,
                    "meetings": row["meetings"],
                    "study_days": row["study_days"],
                    "opinions_collected": row["opinions_collected"],
                    "problems_listed": counts[0],
                    "problems_rectified": counts[1],
                    "problems_overdue": counts[2],
                    "work_systems": row["work_systems"],
                    "volunteer_teams": row["volunteer_teams"],
                    "commitments_made": row["commitments_made"],
                    "commitments_fulfilled": row["commitments_fulfilled"],
                    "optional_actions": row["optional_actions"],
                    "supervision_visits": row["supervision_visits"],
                    "rectification_target": target,
                    "last_activity_on": last,
                    "silent": last is None or last < silent_before,
                }
            )
        return items

    def _problem_counts(
        self, campaign_id: str, branch_ids: list[str], day: date
    ) -> dict[str, tuple[int, int, int]]:
        if not branch_ids:
            return {}
        d = day.isoformat()
        marks = ", ".join("?" for _ in branch_ids)
        rows = self._rows(
            "SELECT branch_id, SUM(listed) AS listed, SUM(rectified) AS rectified, "
            f"SUM(CASE WHEN deadline < '{d}' THEN unrectified ELSE 0 END) AS overdue "
            f"FROM problem_count_span pc WHERE campaign_id = ? AND {_at('pc', d)} "
            f"AND branch_id IN ({marks}) GROUP BY branch_id",
            (campaign_id, *branch_ids),
        )
        return {
            r["branch_id"]: (int(r["listed"]), int(r["rectified"] or 0), int(r["overdue"] or 0))
            for r in rows
        }

    def list_branch_progress(
        self,
        campaign_id: UUID,
        *,
        as_of: date | None = None,
        district_id: UUID | None = None,
        committee_id: UUID | None = None,
        group_id: UUID | None = None,
        reach: Reach | None = None,
        category: str | None = None,
        formation: str | None = None,
        phase_key: str | None = None,
        phase_status: str | None = None,
        overdue: bool | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        campaign = self._campaign(campaign_id)
        day = _day(as_of)
        d = day.isoformat()
        limit = _limit(limit)
        where = ["bp.campaign_id = ?", "bp.enrolled = 1", _at("bp", d)]
        params: list[Any] = [str(campaign_id)]
        _equal(
            where,
            params,
            {
                "bp.district_id": district_id,
                "bp.committee_id": committee_id,
                "bp.category": category,
                "bp.formation": formation,
            },
        )
        if group_id is not None:
            where.append(_group_scope_sql())
            params += [str(group_id), str(group_id)]
        if reach is not None:
            _within(reach, where, params)
        if phase_status is not None and phase_status not in _STATUSES:
            raise InvalidValue("phase_status", "known_status", f"one of {', '.join(_STATUSES)}")
        deadlines = _deadlines(campaign, d)
        if phase_key is not None and phase_key not in deadlines:
            raise InvalidValue(
                "phase_key", "known_phase", f"the campaign has no phase {phase_key!r}"
            )
        keys = [phase_key] if phase_key is not None else list(deadlines)
        if phase_status is not None:
            where.append(_any(_phase_sql(k, phase_status, deadlines[k], d) for k in keys))
        elif phase_key is not None:
            where.append(_any(_phase_sql(phase_key, s, deadlines[phase_key], d) for s in _STARTED))
        if overdue is not None:
            late = _any(_phase_sql(k, "overdue", deadlines[k], d) for k in deadlines)
            where.append(late if overdue else f"NOT {late}")
        last = _uncursor(after, UUID)
        if last is not None:
            where.append("bp.branch_id > ?")
            params.append(str(last))
        rows = self._rows(
            f"SELECT {_PROGRESS_COLUMNS} FROM progress_span bp WHERE {' AND '.join(where)} "
            f"ORDER BY bp.branch_id LIMIT {limit + 1}",
            tuple(params),
        )
        more = len(rows) > limit
        rows = rows[:limit]
        items = self._progress_items(campaign, rows, day)
        return items, (_cursor(rows[-1]["branch_id"]) if more else None)

    # -- supervision views ---------------------------------------------------------------
