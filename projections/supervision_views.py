"""The supervision views (district, committee, group) and the committee ranking: a part of
``queries.Views``, over its connection and cache."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from taizhang.domain.errors import InvalidValue
from taizhang.projections.shared_views import Rendered
from taizhang.projections.view_part import ViewPart
from taizhang.projections.view_sql import (
    _BRANCH_SUMS,
    _CATEGORIES,
    SILENT_DAYS,
    _at,
    _day,
    _deadlines,
    _empty,
    _group_scope_sql,
    _metrics,
    _phase_counts,
    _rank,
    _sum,
)


def week_ends(starts_on: date, until: date) -> list[date]:
    """The last day of each week of a campaign from its start (its seventh day, fourteenth,
    ...) up to ``until``, and ``until`` itself; none before the start."""
    days = []
    on = starts_on + timedelta(days=6)
    while on < until:
        days.append(on)
        on += timedelta(days=7)
    if until >= starts_on:
        days.append(until)
    return days


def _check_part(scope: str, category: str | None) -> None:
    if scope not in ("district", "committee", "group"):
        raise InvalidValue("scope", "known_scope", "scope is district, committee or group")
    if category is not None and category not in _CATEGORIES:
        raise InvalidValue("category", "known_category", f"one of {', '.join(_CATEGORIES)}")


def _part_sql(
    campaign_id: UUID, scope: str, scope_id: str, category: str | None, within: str
) -> tuple[str, list[Any]]:
    """The condition on the spans (``bp``) of the part's enrolled branches that hold
    ``within`` (a condition on the span's days), and its parameters."""
    where = ["bp.campaign_id = ?", "bp.enrolled = 1", within]
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
    return " AND ".join(where), params


class SupervisionViews(ViewPart):
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
        _check_part(scope, category)
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
        base, params = _part_sql(campaign_id, scope, scope_id, category, _at("bp", d))
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

    def weekly_done(
        self,
        campaign_id: UUID,
        *,
        scope: str,
        scope_id: UUID,
        as_of: date | None = None,
        category: str | None = None,
        min_position: int | None = None,
    ) -> Rendered:
        """The campaign week by week up to ``as_of``: on the last day of each week (and on
        ``as_of``), how many branches of the part were enrolled and how many had each phase
        done: the figures the supervision view gives for that day."""
        day = _day(as_of)
        _check_part(scope, category)
        key = ("weekly", str(campaign_id), scope, str(scope_id), day, category)
        return self._cached(  # type: ignore[no-any-return]
            key,
            lambda: Rendered.of(self._weekly(campaign_id, scope, str(scope_id), day, category)),
            min_position,
        )

    def _weekly(
        self, campaign_id: UUID, scope: str, scope_id: str, day: date, category: str | None
    ) -> dict[str, Any]:
        campaign = self._campaign(campaign_id)
        days = week_ends(
            date.fromisoformat(campaign["starts_on"]),
            min(day, date.fromisoformat(campaign["ends_on"])),
        )
        weeks = [{"on": on.isoformat(), "branches": 0, "done": {}} for on in days]
        if days:
            # The days are dates' ISO text, never user text: safe to inline.
            values = ", ".join(f"('{on.isoformat()}')" for on in days)
            within = "bp.from_on <= w.on_day AND bp.until_on > w.on_day"
            base, params = _part_sql(campaign_id, scope, scope_id, category, within)
            on_days = f"WITH w (on_day) AS (VALUES {values}) "
            branches = self._rows(
                on_days + "SELECT w.on_day, COUNT(*) AS n FROM w JOIN progress_span bp "
                f"ON {base} GROUP BY w.on_day",
                tuple(params),
            )
            done = self._rows(
                on_days + "SELECT w.on_day, ph.phase_key, COUNT(*) AS n FROM w "
                "JOIN progress_span bp ON " + base + " JOIN phase_span ph ON "
                "ph.campaign_id = bp.campaign_id AND ph.branch_id = bp.branch_id "
                "AND ph.from_on <= w.on_day AND ph.until_on > w.on_day "
                "AND ph.done_on IS NOT NULL GROUP BY w.on_day, ph.phase_key",
                tuple(params),
            )
            by_day = {week["on"]: week for week in weeks}
            for r in branches:
                by_day[r["on_day"]]["branches"] = int(r["n"])
            for r in done:
                by_day[r["on_day"]]["done"][r["phase_key"]] = int(r["n"])
        keys = [p["key"] for p in campaign["phases"]]
        for week in weeks:
            week["done"] = {key: week["done"].get(key, 0) for key in keys}
        return {
            "campaign_id": str(campaign_id),
            "scope": scope,
            "scope_id": scope_id,
            "as_of": day.isoformat(),
            "known_at": self.known_at,
            "category": category,
            "phases": [
                {"key": p["key"], "name_zh": p["name_zh"], "name_en": p["name_en"]}
                for p in campaign["phases"]
            ],
            "weeks": weeks,
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
