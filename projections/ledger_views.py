"""The problem ledger and a branch's timeline: a part of ``queries.Views``."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from taizhang.domain.vocabulary import (
    ProblemCategory,
    RectificationStatus,
)
from taizhang.projections.reach import Reach
from taizhang.projections.view_part import ViewPart
from taizhang.projections.view_sql import (
    _at,
    _cursor,
    _day,
    _equal,
    _limit,
    _problem_overdue_sql,
    _uncursor,
    _within,
)


class LedgerViews(ViewPart):
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
        _equal(
            where,
            params,
            {
                "pl.branch_id": branch_id,
                "bp.committee_id": committee_id,
                "pl.category": category,
                "pl.status": status,
            },
        )
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
            "pl.measures, pl.responsible_person, pl.responsible_person_name, pl.deadline, "
            "pl.listed_on, pl.status, "
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

    def suggestions(
        self,
        campaign_id: UUID,
        *,
        branch_id: UUID | None = None,
        committee_id: UUID | None = None,
        made_by: UUID | None = None,
        reach: Reach | None = None,
        status: str = "open",
        referred: bool | None = None,
        as_of: date | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Supervision visits' suggestion items as they stood on ``as_of``: open (not yet
        closed by the committee), closed or all, made by a group (``made_by``), passed on to
        the campaign office or not (``referred``); each with its age in days."""
        when = _day(as_of)
        day = when.isoformat()
        limit = _limit(limit)
        where = ["s.campaign_id = ?", _at("s", day)]
        params: list[Any] = [str(campaign_id)]
        _equal(
            where,
            params,
            {"s.branch_id": branch_id, "bp.committee_id": committee_id, "s.group_id": made_by},
        )
        if reach is not None:
            _within(reach, where, params)
        if status == "open":
            where.append("s.closed_on IS NULL")
        elif status == "closed":
            where.append("s.closed_on IS NOT NULL")
        if referred is not None:
            where.append("s.referred_on IS NOT NULL" if referred else "s.referred_on IS NULL")
        last = _uncursor(after, UUID)
        if last is not None:
            where.append("s.item_id > ?")
            params.append(str(last))
        rows = self._rows(
            "SELECT s.item_id, s.campaign_id, s.branch_id, bp.branch_name, bp.committee_id, "
            "s.group_id, s.text, s.made_on, s.answered_on, s.closed_on, s.referred_on "
            "FROM suggestion_span s JOIN progress_span bp ON "
            f"bp.campaign_id = s.campaign_id AND bp.branch_id = s.branch_id AND {_at('bp', day)} "
            f"WHERE {' AND '.join(where)} ORDER BY s.item_id LIMIT {limit + 1}",
            tuple(params),
        )
        more = len(rows) > limit
        rows = rows[:limit]
        for row in rows:
            row["age_days"] = (when - date.fromisoformat(row["made_on"])).days
            row["as_of"] = day
            row["known_at"] = self.known_at
        return rows, (_cursor(rows[-1]["item_id"]) if more else None)

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
