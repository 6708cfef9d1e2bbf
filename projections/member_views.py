"""The member-development views (发展党员, seed 002; 推优, seed 004): a part of ``queries.Views``.

The projection worker keeps one ``member_path`` row per person
(``taizhang.projections.fold.members``); a view on a business date D reads the rows of the branch or
committee asked for and rebuilds each person's path on D by the domain's rules. Views known at a
time T run the same code over the replay of what was recorded by T
(``taizhang.projections.report``), so the live view and a replay agree for the same D and T.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from taizhang.domain.development_plan import TARGET_NAMES, TARGETS
from taizhang.projections.fold.members import pipeline, steps_listed
from taizhang.projections.fold.plans import done_in_year, plan_on
from taizhang.projections.view_sql import _day

_COLUMNS = "candidate_id, branch_id, committee_id, applied_on, erased, history"


def _loaded(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row["history"], str):
        row["history"] = json.loads(row["history"])
    return row


class MemberViews:
    known_at: str | None

    def _rows(self, text: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError  # Views's

    def member_rows(
        self, *, branch_id: UUID | None = None, committee_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        """The people who applied to the branch (or the committee's branches), by id."""
        if branch_id is not None:
            where, value = "branch_id", branch_id
        elif committee_id is not None:
            where, value = "committee_id", committee_id
        else:
            raise ValueError("member_rows: name a branch or a committee")
        found = self._rows(
            f"SELECT {_COLUMNS} FROM member_path WHERE {where} = ? ORDER BY candidate_id",
            (str(value),),
        )
        return [_loaded(row) for row in found]

    def member_row(self, candidate_id: UUID) -> dict[str, Any] | None:
        found = self._rows(
            f"SELECT {_COLUMNS} FROM member_path WHERE candidate_id = ?", (str(candidate_id),)
        )
        return _loaded(found[0]) if found else None

    def member_pipeline(
        self,
        *,
        as_of: date | None = None,
        branch_id: UUID | None = None,
        committee_id: UUID | None = None,
        with_people: bool = True,
    ) -> dict[str, Any]:
        """How many people are at each step on ``as_of``, how long each has been there, what
        is overdue and the recommendations of mass organizations; with the people (by
        pseudonymous id, names still sealed) when ``with_people``."""
        rows = self.member_rows(branch_id=branch_id, committee_id=committee_id)
        body = pipeline(rows, _day(as_of), with_people=with_people)
        body["known_at"] = self.known_at
        return body

    def member_steps(self, candidate_id: UUID, *, as_of: date | None = None) -> dict[str, Any]:
        """A person's steps by ``as_of`` with their corrections and withdrawals, linked."""
        day = _day(as_of)
        row = self.member_row(candidate_id)
        items = steps_listed(row["history"], day.isoformat()) if row is not None else []
        return {
            "candidate_id": str(candidate_id),
            "as_of": day.isoformat(),
            "known_at": self.known_at,
            "items": items,
        }

    def development_plan(
        self, committee_id: UUID, year: int, *, as_of: date | None = None
    ) -> dict[str, Any]:
        """The committee's plan for ``year`` as it stood on ``as_of`` and the pipeline
        measured against it: for each target, what was planned, what was done in the year
        by then, the share, and what an even pace through the year would have reached."""
        day = _day(as_of)
        rows = self._rows(
            "SELECT history FROM development_plan WHERE committee_id = ? AND year = ?",
            (str(committee_id), year),
        )
        history = _loaded(rows[0])["history"] if rows else []
        plan = plan_on(history, day.isoformat())
        done = done_in_year(self.member_rows(committee_id=committee_id), year, day)
        elapsed = _year_elapsed(year, day)
        measures = []
        for key in TARGETS:
            planned = plan["targets"][key] if plan is not None else None
            pace = planned * elapsed[0] // elapsed[1] if planned is not None else None
            measures.append(
                {
                    "target": key,
                    "zh": TARGET_NAMES[key],
                    "planned": planned,
                    "done": done[key],
                    "share": round(done[key] / planned, 4) if planned else None,
                    "even_pace": pace,
                    "behind": pace is not None and done[key] < pace,
                }
            )
        return {
            "committee_id": str(committee_id),
            "year": year,
            "as_of": day.isoformat(),
            "known_at": self.known_at,
            "plan": plan,
            "measures": measures,
        }


def _year_elapsed(year: int, day: date) -> tuple[int, int]:
    """Days of ``year`` gone by ``day`` (inclusive), and the days of the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    length = (last - first).days + 1
    gone = min(max((day - first).days + 1, 0), length)
    return gone, length
