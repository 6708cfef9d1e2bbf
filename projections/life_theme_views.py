"""The upper level's themes of the month and whether branches followed them, as of a
business date: a part of ``queries.Views`` (the "1" of "1+6+X", seed 003 §二).

The themes are the progress projection's ``life_theme`` rows; a branch's themed days are its
``party_life`` history. A branch follows, for a month, the themes standing on D of its
committee (as it stood on the month's last day, or on D if earlier) and of its district
(``fold.life_themes.theme_month``). The district's grid folds every branch, so it is cached
and shared like the other roll-ups (``Views._cached``); a branch's months read its rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from taizhang.projections.fold.dated import branch_on
from taizhang.projections.fold.life_themes import (
    STATUSES,
    follow_rate,
    months_of,
    theme_month,
    theme_on,
    themed_days,
)
from taizhang.projections.fold.party_life import facts_on
from taizhang.projections.view_part import ViewPart, loaded


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


class ThemeViews(ViewPart):
    def _standing_themes(
        self, district_id: str | None, year: int, day: str
    ) -> list[dict[str, Any]]:
        """The district's and its committees' themes of ``year`` standing on ``day``."""
        if district_id is None:
            return []
        found = []
        for row in self._rows(
            "SELECT theme_id, scope_kind, scope_id, district_id, month, history FROM life_theme"
            " WHERE district_id = ? AND year = ? ORDER BY month, theme_id",
            (district_id, year),
        ):
            theme = theme_on(row, loaded(row["history"]) or [], day)
            if theme is not None:
                found.append(theme)
        return found

    @staticmethod
    def _months(
        themes: list[dict[str, Any]],
        district_id: str,
        register: list[Any],
        history: list[Any],
        year: int,
        as_of: date,
    ) -> list[dict[str, Any]]:
        """A branch's months of ``year`` against its themes, as of ``as_of``."""
        day = as_of.isoformat()
        days = themed_days(facts_on(history, day))
        found = []
        for month in months_of(year):
            last = min(f"{month}-31", day)
            standing = branch_on(register, last) or branch_on(register, day) or {}
            committee = standing.get("committee_id")
            mine = [t for t in themes if t["month"] == month and t["scope_id"] == committee]
            mine += [t for t in themes if t["month"] == month and t["scope_id"] == district_id]
            found.append(theme_month(month, mine, days, as_of))
        return found

    def branch_themes(self, branch_id: UUID, year: int, as_of: date) -> list[dict[str, Any]]:
        """Each month of a branch's year: the theme it was to follow and whether it did."""
        rows = self._rows(
            "SELECT district_id, history FROM view_branch WHERE branch_id = ?", (str(branch_id),)
        )
        if not rows:
            return []
        district_id = rows[0]["district_id"]
        themes = self._standing_themes(district_id, year, as_of.isoformat())
        life = self._rows("SELECT history FROM party_life WHERE owner_id = ?", (str(branch_id),))
        history = loaded(life[0]["history"]) if life else []
        register = loaded(rows[0]["history"]) or []
        return self._months(themes, district_id, register, history, year, as_of)

    def party_life_themes(
        self,
        district_id: UUID,
        year: int,
        as_of: date,
        committee_id: UUID | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """The themes and the grid (``_party_life_themes``), cached (never change it)."""
        wanted = str(committee_id) if committee_id is not None else None
        return self._rendered(
            ("party_life_themes", str(district_id), wanted, as_of.isoformat(), year),
            lambda: self._party_life_themes(district_id, year, as_of, committee_id),
            min_position,
        )

    def _party_life_themes(
        self, district_id: UUID, year: int, as_of: date, committee_id: UUID | None = None
    ) -> dict[str, Any]:
        """The themes of the year standing on ``as_of``; each branch's months (of the
        district, or of one committee on D); and the counts of months by status per
        committee with the follow rate (months followed among those judged)."""
        day = as_of.isoformat()
        district = str(district_id)
        wanted = str(committee_id) if committee_id is not None else None
        themes = self._standing_themes(district, year, day)
        branches: list[dict[str, Any]] = []
        committees: dict[str, dict[str, Any]] = {}
        for row in self._rows(
            "SELECT b.branch_id, b.name, b.history AS register, l.history FROM view_branch b "
            "LEFT JOIN party_life l ON l.owner_id = b.branch_id "
            "WHERE b.district_id = ? ORDER BY b.branch_id",
            (district,),
        ):
            register = loaded(row["register"]) or []
            values = branch_on(register, day)
            if values is None or (wanted is not None and values["committee_id"] != wanted):
                continue
            history = loaded(row["history"]) or []
            months = self._months(themes, district, register, history, year, as_of)
            counts = empty_counts()
            for month in months:
                counts[month["status"]] += 1
            entry = committees.setdefault(
                values["committee_id"],
                {"committee_id": values["committee_id"], "branches": 0, "counts": empty_counts()},
            )
            entry["branches"] += 1
            for status, count in counts.items():
                entry["counts"][status] += count
            branches.append(
                {
                    "branch_id": row["branch_id"],
                    "name": values.get("name", row["name"]),
                    "committee_id": values["committee_id"],
                    "counts": counts,
                    "follow_rate": follow_rate(counts),
                    "months": months,
                }
            )
        for entry in committees.values():
            entry["follow_rate"] = follow_rate(entry["counts"])
        total = empty_counts()
        for entry in committees.values():
            for status, count in entry["counts"].items():
                total[status] += count
        shown = [t for t in themes if wanted is None or t["scope_id"] in (wanted, district)]
        branches.sort(
            key=lambda b: (
                -(b["counts"]["missed"] + b["counts"]["not_followed"] + b["counts"]["off_date"]),
                b["branch_id"],
            )
        )
        return {
            "year": year,
            "as_of": day,
            "known_at": self.known_at,
            "district_id": district,
            "committee_id": wanted,
            "themes": shown,
            "counts": total,
            "follow_rate": follow_rate(total),
            "committees": sorted(
                committees.values(), key=lambda c: (-(c["follow_rate"] or 0.0), c["committee_id"])
            ),
            "branches": branches,
        }
