"""What the HTTP layer reads: the views, as plain JSON-ready dicts and lists.

Phase statuses depend on the day they are judged on, so rows hold dates and every query
takes ``as_of`` (default: today in Beijing time). For one branch the status comes from
``domain.progress.phase_progress`` itself; aggregated views compare the stored dates in SQL
(``projections.fold.work.status_on`` is the same comparison, tested against the domain's).
The aggregated views are a pure function of (query, as_of, projection positions), so they
are cached: see ``Views._cached`` for how fresh a cached view is, and
``projections.shared_views`` for how server processes share what one of them computed.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg_pool import ConnectionPool

from domain.business_day import business_today
from domain.errors import InvalidValue, NotFound
from domain.progress import phase_progress
from domain.vocabulary import (
    STANDALONE_RATE_TARGET,
    HostCategory,
    PhaseStatus,
    ProblemCategory,
    RectificationStatus,
)
from projections.fold.dated import deadline_on
from projections.fold.work import phase_definition
from projections.reach import Reach
from projections.schema import TABLES_BY_NAME
from projections.shared_views import Rendered, SharedViews, Stamp, covers
from projections.store import Database
from taizhang.config import DEFAULT_VIEW_MAX_AGE_SECONDS, Settings
from taizhang.pool_check import check_before_use

log = logging.getLogger(__name__)

SILENT_DAYS = 30
CACHE_SIZE = 256
# A cached view older than this share of the bound (Settings.view_max_age_seconds) is checked
# against the projections' positions in the background while it still answers, so that under
# steady reads a new view is ready before the old one runs out.
REFRESH_SHARE = 0.5
MAX_LIMIT = 500
REFRESH_THREAD = "taizhang-view-refresh"
# A progress row's columns without the projection's own bookkeeping (every fact of the
# branch, its problems' dates), which grows with the branch's work and no read shows.
_PROGRESS_COLUMNS = ", ".join(f"bp.{name}" for name in TABLES_BY_NAME["progress_span"].column_names)
_CATEGORIES = [c.value for c in HostCategory]
_STATUSES = [s.value for s in PhaseStatus]
# A phase named alone filters to the branches that had started it.
_STARTED = ("in_progress", "done", "overdue")


def _at(alias: str, day: str) -> str:
    """The span of ``alias`` that holds on ``day`` (an ISO date's text, never user text, so
    it is safe to inline)."""
    return f"{alias}.from_on <= '{day}' AND {alias}.until_on > '{day}'"


def _problem_overdue_sql(day: str, alias: str = "pl") -> str:
    # Problem.is_overdue: not yet rectified, deadline passed (withdrawn ones have no span).
    return f"({alias}.status IN ('listed', 'in_progress') AND {alias}.deadline < '{day}')"


def _deadlines(campaign: dict[str, Any], day: str) -> dict[str, str | None]:
    """Each phase's deadline on ``day``."""
    return {p["key"]: deadline_on(p, day) for p in campaign["phases"]}


def _phase_sql(phase_key: str, status: str, deadline: str | None, day: str) -> str:
    """Whether a branch (alias bp) had phase ``phase_key`` in ``status`` on ``day``: the
    domain's rule (``domain.progress.phase_progress``) over the phase's span, where no span
    means not started. ``phase_key`` is one of the campaign's keys (checked by callers)."""
    passed = deadline is not None and deadline < day
    row = (
        "SELECT 1 FROM phase_span ph WHERE ph.campaign_id = bp.campaign_id "
        f"AND ph.branch_id = bp.branch_id AND ph.phase_key = '{phase_key}' AND {_at('ph', day)}"
    )
    # due_on: the day what the deadline binds was reached (done_on where it binds all).
    if status == "done":
        return f"EXISTS ({row} AND ph.done_on IS NOT NULL)"
    if status == "overdue":
        met = "(ph.done_on IS NOT NULL OR ph.due_on IS NOT NULL)"
        return f"NOT EXISTS ({row} AND {met})" if passed else "1 = 0"
    if status == "in_progress":
        if passed:
            return f"EXISTS ({row} AND ph.done_on IS NULL AND ph.due_on IS NOT NULL)"
        return f"EXISTS ({row} AND ph.done_on IS NULL)"
    return "1 = 0" if passed else f"NOT EXISTS ({row})"


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def _uncursor(cursor: str | None, kind: type[int] | type[UUID]) -> Any:
    """The key a cursor this API gave holds: a position (int) or an id (UUID); anything
    else, however it was encoded, is the caller's mistake."""
    if cursor is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if kind is int and type(value) is int and 0 <= value < 2**63:
            return value
        if kind is UUID and isinstance(value, str):
            return UUID(value)
    except (ValueError, TypeError):
        pass
    raise InvalidValue("after", "valid_cursor", "the cursor is not one this API gave")


def _limit(limit: int, most: int = MAX_LIMIT) -> int:
    if not 1 <= limit <= most:
        raise InvalidValue("limit", "range", f"limit must be between 1 and {most}")
    return limit


def _day(as_of: date | None) -> date:
    if as_of is None:
        return business_today()
    if not isinstance(as_of, date):
        raise InvalidValue("as_of", "date", "as_of must be a date")
    return as_of if not isinstance(as_of, datetime) else as_of.date()


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Views:
    def __init__(self, settings: Settings | None, *, connect: Callable[[], Any] | None = None):
        self.db = Database(settings) if settings is not None else None
        self.settings = settings
        self._pool: Any = None
        self._connect = connect
        self._connect_lock = threading.Lock()
        self._cache: OrderedDict[Any, _Entry] = OrderedDict()
        self._flights: dict[Any, _Flight] = {}
        self._cache_lock = threading.Lock()
        # No view read without ``min_position`` reflects the projections as they stood
        # longer than ``max_age_seconds`` before the read; past ``refresh_seconds`` a view is
        # checked (and if need be recomputed) in the background while it still answers.
        self.max_age_seconds = (
            settings.view_max_age_seconds if settings is not None else DEFAULT_VIEW_MAX_AGE_SECONDS
        )
        self.refresh_seconds = self.max_age_seconds * REFRESH_SHARE
        self.clock: Callable[[], float] = time.monotonic
        self._pg = settings is not None and settings.is_postgres
        self._pinned_conn = threading.local()
        # The knowledge time of views replayed from the log (None: live, known now).
        self.known_at: str | None = None
        # Views over a database of their own (the as-of reports' replay) share nothing.
        self.shared: SharedViews | None = None
        if settings is not None:
            self.shared = SharedViews(self._pinned if self._pg else self._conn, postgres=self._pg)
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

    @classmethod
    def over_connection(cls, conn: sqlite3.Connection) -> Views:
        """Views over one SQLite connection (the as-of reports' in-memory database)."""
        views = cls(None, connect=lambda: conn)
        return views

    def close(self) -> None:
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
        if self._pg:
            text = text.replace("?", "%s")
        with self._conn() as conn:
            cursor = conn.execute(text, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def select(self, text: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a query over the read models, for the modules beside this one
        (``projections.reach``)."""
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
                entry = self._cache.get(key)
                usable = entry is not None and entry.serves(
                    min_position, asked - self.max_age_seconds
                )
                flight = self._flights.get(key)
                if entry is not None and usable:
                    due = entry.checked < now - self.refresh_seconds
                    if flight is not None or not due:
                        self._cache.move_to_end(key)
                        return entry.value
                if flight is None:
                    flight = self._flights[key] = _Flight(now)
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

    def _fill(self, key: tuple[Any, ...], compute: Callable[[], Any], flight: _Flight) -> Any:
        """Check the view ``key`` against the projections' positions and compute it again
        if they moved; it then reflects the projections as they stood at ``flight.started``
        (positions only grow, and a rebuild's tables come with a new generation)."""
        try:
            stamp = self._position_stamp()
            with self._cache_lock:
                entry = self._cache.get(key)
                if entry is not None and covers(entry.stamp, stamp):
                    entry.checked = max(entry.checked, flight.started)
                    self._cache.move_to_end(key)
                    return entry.value
            if self.shared is not None:
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
                self._cache[key] = _Entry(value, stamp, flight.started)
                self._cache.move_to_end(key)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
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
        return {name: position for name, position, _ in self._position_stamp()}

    def wait_for(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
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
        for column, value in (
            ("district_id", district_id),
            ("committee_id", committee_id),
            ("category", category),
            ("formation", formation),
        ):
            if value is not None:
                where.append(f"bp.{column} = ?")
                params.append(str(value))
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

    def supervision_view(
        self,
        campaign_id: UUID,
        *,
        scope: str,
        scope_id: UUID,
        as_of: date | None = None,
        category: str | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """``min_position``: the view reflects at least this log position (read-your-writes;
        the caller has waited for the projections to reach it)."""
        found: dict[str, Any] = self.supervision_rendered(
            campaign_id,
            scope=scope,
            scope_id=scope_id,
            as_of=as_of,
            category=category,
            min_position=min_position,
        ).value
        return found

    def supervision_rendered(
        self,
        campaign_id: UUID,
        *,
        scope: str,
        scope_id: UUID,
        as_of: date | None = None,
        category: str | None = None,
        min_position: int | None = None,
    ) -> Rendered:
        """The supervision view with its JSON, shared by every reader of the same view
        (never change it)."""
        day = _day(as_of)
        if scope not in ("district", "committee", "group"):
            raise InvalidValue("scope", "known_scope", "scope is district, committee or group")
        if category is not None and category not in _CATEGORIES:
            raise InvalidValue("category", "known_category", f"one of {', '.join(_CATEGORIES)}")
        key = ("supervision", str(campaign_id), scope, str(scope_id), day, category)
        return self._cached(  # type: ignore[no-any-return]
            key,
            lambda: Rendered.of(
                self._supervision(campaign_id, scope, str(scope_id), day, category)
            ),
            min_position,
        )

    def _supervision(
        self, campaign_id: UUID, scope: str, scope_id: str, day: date, category: str | None
    ) -> dict[str, Any]:
        campaign = self._campaign(campaign_id)
        d = day.isoformat()
        deadlines = _deadlines(campaign, d)
        where = ["bp.campaign_id = ?", "bp.enrolled = 1", _at("bp", d)]
        params: list[Any] = [str(campaign_id)]
        if scope == "group":
            where.append(_group_scope_sql())
            params += [scope_id, scope_id]
        else:
            where.append(f"bp.{scope}_id = ?")
            params.append(scope_id)
        if category is not None:
            where.append("bp.category = ?")
            params.append(category)
        base = " AND ".join(where)
        silent_before = (day - timedelta(days=SILENT_DAYS)).isoformat()
        branch_rows = self._rows(
            "SELECT bp.committee_id, bp.category, COUNT(*) AS branches, "
            "SUM(bp.volunteer_teams) AS volunteer_teams, "
            "SUM(bp.commitments_made) AS commitments_made, "
            "SUM(bp.commitments_fulfilled) AS commitments_fulfilled, "
            "SUM(CASE WHEN bp.rectification_target = 1 AND bp.reorganized = 1 THEN 1 ELSE 0 END)"
            " AS targets_reorganized, "
            "SUM(CASE WHEN bp.rectification_target = 1 AND bp.reorganized = 0 THEN 1 ELSE 0 END)"
            " AS targets_pending, "
            "SUM(CASE WHEN bp.formation = 'standalone' THEN 1 ELSE 0 END) AS standalone, "
            "SUM(bp.enterprises_covered) AS enterprises, "
            "SUM(CASE WHEN bp.formation = 'standalone' THEN bp.enterprises_covered ELSE 0 END)"
            " AS standalone_enterprises, "
            "SUM(CASE WHEN bp.last_activity_on IS NULL OR bp.last_activity_on < "
            f"'{silent_before}' THEN 1 ELSE 0 END) AS silent, "
            "SUM(CASE WHEN bp.all_phases_done_on IS NOT NULL THEN 1 ELSE 0 END) AS all_phases_done "
            f"FROM progress_span bp WHERE {base} GROUP BY bp.committee_id, bp.category",
            tuple(params),
        )
        phase_rows = self._rows(
            "SELECT bp.committee_id, bp.category, ph.phase_key, "
            "CASE WHEN ph.done_on IS NOT NULL THEN 'done' ELSE 'started' END AS reached, "
            "COUNT(*) AS n FROM phase_span ph JOIN progress_span bp ON "
            "bp.campaign_id = ph.campaign_id AND bp.branch_id = ph.branch_id "
            f"WHERE ph.campaign_id = ? AND {_at('ph', d)} AND {base} "
            "GROUP BY bp.committee_id, bp.category, ph.phase_key, "
            "CASE WHEN ph.done_on IS NOT NULL THEN 'done' ELSE 'started' END",
            (str(campaign_id), *params),
        )
        # Problem.is_overdue: not withdrawn (no span), not yet rectified, deadline passed.
        problem_rows = self._rows(
            "SELECT bp.committee_id, bp.category, SUM(pc.listed) AS listed, "
            "SUM(pc.rectified) AS rectified, "
            f"SUM(CASE WHEN pc.deadline < '{d}' THEN pc.unrectified ELSE 0 END) AS overdue "
            "FROM problem_count_span pc JOIN progress_span bp ON "
            "bp.campaign_id = pc.campaign_id AND bp.branch_id = pc.branch_id "
            f"WHERE pc.campaign_id = ? AND {_at('pc', d)} AND {base} "
            "GROUP BY bp.committee_id, bp.category",
            (str(campaign_id), *params),
        )
        cells: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: _empty(deadlines))
        for r in branch_rows:
            cell = cells[(r["committee_id"], r["category"])]
            for name in _BRANCH_SUMS:
                cell[name] += int(r[name] or 0)
        reached: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
        for r in phase_rows:
            reached[(r["committee_id"], r["category"], r["phase_key"])][r["reached"]] = int(r["n"])
        for (committee_id, cat), cell in cells.items():
            for phase_key, deadline in deadlines.items():
                counts = reached.get((committee_id, cat, phase_key), {})
                _phase_counts(cell["phases"][phase_key], cell["branches"], counts, deadline, d)
        for r in problem_rows:
            cell = cells[(r["committee_id"], r["category"])]
            cell["problems_listed"] += int(r["listed"] or 0)
            cell["problems_rectified"] += int(r["rectified"] or 0)
            cell["problems_overdue"] += int(r["overdue"] or 0)
        names = {
            r["committee_id"]: r["name"]
            for r in self._rows(
                "SELECT committee_id, name FROM view_committee WHERE district_id = ?",
                (campaign["district_id"],),
            )
        }
        phases = [{**p, "deadline": deadlines[p["key"]]} for p in campaign["phases"]]

        def total(selected: list[dict[str, Any]]) -> dict[str, Any]:
            return _metrics(_sum(selected, deadlines), phases)

        committees = []
        for committee_id in sorted({c for c, _ in cells}):
            mine = {cat: cell for (c, cat), cell in cells.items() if c == committee_id}
            committees.append(
                {
                    "committee_id": committee_id,
                    "name": names.get(committee_id),
                    **total(list(mine.values())),
                    "by_category": {
                        cat: total([mine[cat]]) if cat in mine else None for cat in _CATEGORIES
                    },
                }
            )
        _rank(committees)
        return {
            "campaign_id": str(campaign_id),
            "campaign_name": campaign["name"],
            "scope": scope,
            "scope_id": scope_id,
            "as_of": d,
            "known_at": self.known_at,
            "category": category,
            **total(list(cells.values())),
            "by_category": {
                cat: total([cell for (_, c), cell in cells.items() if c == cat])
                for cat in _CATEGORIES
            },
            "committees": committees,
            "labels": self.labels(campaign),
        }

    def committee_ranking(
        self,
        campaign_id: UUID,
        district_id: UUID,
        as_of: date | None = None,
        min_position: int | None = None,
    ) -> list[dict[str, Any]]:
        view = self.supervision_view(
            campaign_id,
            scope="district",
            scope_id=district_id,
            as_of=as_of,
            min_position=min_position,
        )
        return sorted(view["committees"], key=lambda c: c["rank"])

    # -- problem ledger and timeline -------------------------------------------------------

    def problem_ledger(
        self,
        campaign_id: UUID,
        *,
        branch_id: UUID | None = None,
        committee_id: UUID | None = None,
        group_id: UUID | None = None,
        reach: Reach | None = None,
        category: str | None = None,
        status: str | None = None,
        overdue: bool | None = None,
        branch_withdrawn: bool = False,
        as_of: date | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The problems as they stood on ``as_of``, of the branches enrolled then (as the
        supervision views count them), or of those withdrawn by then (``branch_withdrawn``)."""
        day = _day(as_of).isoformat()
        limit = _limit(limit)
        overdue_sql = _problem_overdue_sql(day)
        where = [
            "pl.campaign_id = ?",
            _at("pl", day),
            "bp.enrolled = 0" if branch_withdrawn else "bp.enrolled = 1",
        ]
        params: list[Any] = [str(campaign_id)]
        for column, value in (
            ("pl.branch_id", branch_id),
            ("bp.committee_id", committee_id),
            ("pl.category", category),
            ("pl.status", status),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        if group_id is not None:
            _within(Reach(group_id=group_id), where, params)
        if reach is not None:
            _within(reach, where, params)
        if overdue is not None:
            where.append(overdue_sql if overdue else f"NOT {overdue_sql}")
        last = _uncursor(after, UUID)
        if last is not None:
            where.append("pl.problem_id > ?")
            params.append(str(last))
        rows = self._rows(
            "SELECT pl.problem_id, pl.campaign_id, pl.branch_id, bp.branch_name, bp.committee_id, "
            "bp.district_id, bp.category AS host_category, bp.withdrawn_on AS branch_withdrawn_on, "
            "pl.category, pl.description, "
            "pl.measures, pl.responsible_person, pl.deadline, pl.listed_on, pl.status, "
            "pl.rectified_on, pl.verified_on, pl.verifier, pl.verification_passed, "
            f"pl.percent_done, CASE WHEN {overdue_sql} THEN 1 ELSE 0 END AS overdue "
            "FROM problem_span pl JOIN progress_span bp ON "
            f"bp.campaign_id = pl.campaign_id AND bp.branch_id = pl.branch_id AND {_at('bp', day)} "
            f"WHERE {' AND '.join(where)} ORDER BY pl.problem_id LIMIT {limit + 1}",
            tuple(params),
        )
        more = len(rows) > limit
        rows = rows[:limit]
        categories = ProblemCategory.labels()
        statuses = RectificationStatus.labels()
        for row in rows:
            row["overdue"] = bool(row["overdue"])
            passed = row["verification_passed"]
            row["verification_passed"] = None if passed is None else bool(passed)
            row["as_of"] = day
            row["known_at"] = self.known_at
            row["category_labels"] = categories.get(row["category"])
            row["status_labels"] = statuses.get(row["status"])
        return rows, (_cursor(rows[-1]["problem_id"]) if more else None)

    def branch_timeline(
        self,
        branch_id: UUID,
        *,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
        actor: str | None = None,
        types: list[str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], str | None]:
        limit = _limit(limit, 1000)
        where = ["branch_id = ?"]
        params: list[Any] = [str(branch_id)]
        if since is not None:
            where.append("recorded_at >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("recorded_at <= ?")
            params.append(until.isoformat())
        if actor is not None:
            where.append("actor = ?")
            params.append(actor)
        if types:
            where.append(f"type IN ({', '.join('?' for _ in types)})")
            params += list(types)
        last = _uncursor(after, int)
        if last is not None:
            where.append("position > ?")
            params.append(last)
        rows = self._rows(
            "SELECT position, branch_id, campaign_id, aggregate_kind, aggregate_id, version, "
            "event_id, type, occurred_on, recorded_at, actor, source, client_event_id, data, "
            f"corrected_by, withdrawn_by FROM branch_timeline WHERE {' AND '.join(where)} "
            f"ORDER BY position LIMIT {limit + 1}",
            tuple(params),
        )
        more = len(rows) > limit
        rows = rows[:limit]
        for row in rows:
            row["position"] = int(row["position"])
            row["data"] = json.loads(row["data"])
        return rows, (_cursor(rows[-1]["position"]) if more else None)


@dataclass(eq=False)
class _Entry:
    """A computed view and the projection positions it reflects at least."""

    value: Any
    stamp: Stamp
    # The clock (Views.clock) before the positions were last read and found at most
    # ``stamp``: the view reflects the projections as they stood then (or later).
    checked: float

    def serves(self, min_position: int | None, checked_since: float | None = None) -> bool:
        """Whether this view answers a read of ``min_position``, if confirmed current
        since ``checked_since`` (when given)."""
        if checked_since is not None and self.checked < checked_since:
            return False
        if min_position is None:
            return True
        return min((p for _, p, _ in self.stamp), default=0) >= min_position


@dataclass(eq=False)
class _Flight:
    """A check of a view (and its computation, if the positions moved) under way, which
    identical calls wait for; started at ``started`` (Views.clock)."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def _within(reach: Reach, where: list[str], params: list[Any]) -> None:
    """Keep the branches (``bp``) of a part of the district."""
    condition, values = reach.sql("bp")
    where.append(condition)
    params += values


def _group_scope_sql() -> str:
    return (
        "(bp.committee_id IN (SELECT scope_id FROM view_group_scope WHERE group_id = ? "
        "AND scope_kind = 'committee') OR bp.branch_id IN (SELECT scope_id FROM "
        "view_group_scope WHERE group_id = ? AND scope_kind = 'branch'))"
    )


_BRANCH_SUMS = (
    "branches",
    "enterprises",
    "standalone_enterprises",
    "volunteer_teams",
    "commitments_made",
    "commitments_fulfilled",
    "targets_reorganized",
    "targets_pending",
    "standalone",
    "silent",
    "all_phases_done",
)
_PROBLEM_SUMS = ("problems_listed", "problems_rectified", "problems_overdue")


def _any(conditions: Iterable[str]) -> str:
    return "(" + " OR ".join(conditions) + ")"


def _phase_counts(
    counts: dict[str, int],
    branches: int,
    reached: dict[str, int],
    deadline: str | None,
    day: str,
) -> None:
    """A phase's statuses among ``branches`` on ``day`` (``domain.progress.phase_progress``):
    done; else overdue once the deadline has passed; else in progress once started."""
    done, started = reached.get("done", 0), reached.get("started", 0)
    passed = deadline is not None and deadline < day
    counts["done"] += done
    counts["overdue"] += branches - done if passed else 0
    counts["in_progress"] += 0 if passed else started
    counts["not_started"] += 0 if passed else branches - done - started


def _empty(phase_keys: Iterable[str]) -> dict[str, Any]:
    cell: dict[str, Any] = {name: 0 for name in (*_BRANCH_SUMS, *_PROBLEM_SUMS)}
    cell["phases"] = {key: dict.fromkeys(_STATUSES, 0) for key in phase_keys}
    return cell


def _sum(cells: list[dict[str, Any]], phase_keys: Iterable[str]) -> dict[str, Any]:
    total = _empty(phase_keys)
    for cell in cells:
        for name in (*_BRANCH_SUMS, *_PROBLEM_SUMS):
            total[name] += cell[name]
        for key, statuses in cell["phases"].items():
            for status, n in statuses.items():
                total["phases"][key][status] += n
    return total


def _metrics(cell: dict[str, Any], campaign_phases: list[dict[str, Any]]) -> dict[str, Any]:
    """A cell's figures; ``campaign_phases`` carry the deadlines of the day judged on."""
    branches = cell["branches"]
    phases = []
    done_total = overdue_total = 0
    for p in campaign_phases:
        counts = cell["phases"][p["key"]]
        done_total += counts["done"]
        overdue_total += counts["overdue"]
        phases.append(
            {
                "key": p["key"],
                "name_zh": p["name_zh"],
                "name_en": p["name_en"],
                "deadline": p.get("deadline"),
                **counts,
                "done_share": _share(counts["done"], branches),
            }
        )
    listed = cell["problems_listed"]
    enterprises = cell["enterprises"]
    return {
        "branches": branches,
        "phases": phases,
        "phases_done_share": _share(done_total, branches * len(phases)),
        "phases_overdue": overdue_total,
        "all_phases_done": cell["all_phases_done"],
        "problems_listed": listed,
        "problems_rectified": cell["problems_rectified"],
        "problems_overdue": cell["problems_overdue"],
        "rectification_rate": _share(cell["problems_rectified"], listed),
        "volunteer_teams": cell["volunteer_teams"],
        "commitments_made": cell["commitments_made"],
        "commitments_fulfilled": cell["commitments_fulfilled"],
        "rectification_targets_reorganized": cell["targets_reorganized"],
        "rectification_targets_pending": cell["targets_pending"],
        "standalone_branches": cell["standalone"],
        # Seed 000 §四(一)1: among non-public enterprises, per enterprise covered.
        "enterprises_covered": enterprises,
        "standalone_enterprises": cell["standalone_enterprises"],
        "standalone_rate": _share(cell["standalone_enterprises"], enterprises),
        "standalone_rate_target": STANDALONE_RATE_TARGET,
        "standalone_target_met": (
            None
            if not enterprises
            else cell["standalone_enterprises"] / enterprises >= STANDALONE_RATE_TARGET
        ),
        "silent_branches": cell["silent"],
    }


def _rank(committees: list[dict[str, Any]]) -> None:
    """Rank 1 is the furthest on: most phases done, then fewest overdue; the last lags most."""
    ordered = sorted(
        committees,
        key=lambda c: (-(c["phases_done_share"] or 0.0), c["phases_overdue"], c["name"] or ""),
    )
    for rank, committee in enumerate(ordered, start=1):
        committee["rank"] = rank
