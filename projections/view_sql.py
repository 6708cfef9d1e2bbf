"""The pieces the views' SQL is made of, and the pure helpers that shape their answers:
the phase-status rule over spans (``_phase_sql``, held to ``fold.phase_status.status_on`` by a
property test), cursors, limits, shares and the sums of the supervision views."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from taizhang.domain.business_day import business_today
from taizhang.domain.errors import InvalidValue
from taizhang.domain.vocabulary import (
    STANDALONE_RATE_TARGET,
    HostCategory,
    PhaseStatus,
)
from taizhang.projections.fold.dated import deadline_on
from taizhang.projections.reach import Reach
from taizhang.projections.schema import TABLES_BY_NAME

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
    domain's rule (``taizhang.domain.progress.phase_progress``) over the phase's span, where no span
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


def _within(reach: Reach, where: list[str], params: list[Any]) -> None:
    """Keep the branches (``bp``) of a part of the district."""
    condition, values = reach.sql("bp")
    where.append(condition)
    params += values


def _equal(where: list[str], params: list[Any], columns: dict[str, Any]) -> None:
    """Keep the rows whose column equals the value given, for each value given (a filter
    the caller left out is None). Column names are the callers' own, never user text."""
    for column, value in columns.items():
        if value is not None:
            where.append(f"{column} = ?")
            params.append(str(value))


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
    """A phase's statuses among ``branches`` on ``day``
    (``taizhang.domain.progress.phase_progress``): done; else overdue once the deadline has passed;
    else in progress once started."""
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
