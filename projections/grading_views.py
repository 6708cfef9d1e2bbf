"""The grading views (分类定级, 晋位升级): a part of ``queries.Views``.

Every view is judged on a business date D (``as_of``): a branch's grade, objection and
upgrading plan are what its entry's history made of them by D (``fold.grading.entry_on``),
and a branch counts under the committee it belonged to on D (``fold.dated.branch_on``).
Views known at a time T run the same code over the replay of what was recorded by T.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from taizhang.domain.grading_criteria import Grade, UpgradingStatus
from taizhang.projections.fold.dated import branch_on
from taizhang.projections.fold.grading import entry_on, grade_history, movement
from taizhang.projections.view_part import ViewPart, loaded
from taizhang.projections.view_sql import _day

GRADES = tuple(g.value for g in Grade)


def _counts() -> dict[str, int]:
    return dict.fromkeys(GRADES, 0)


class GradingViews(ViewPart):
    def grading_round(self, round_id: UUID) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT round_id, district_id, committee_id, name, year, starts_on, ends_on, "
            "defined_on, criteria FROM grading_round WHERE round_id = ?",
            (str(round_id),),
        )
        if not rows:
            return None
        found = rows[0]
        found["criteria"] = loaded(found["criteria"])
        return found

    def _graded_on(
        self, round_id: UUID, day: str, committee_id: UUID | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The round (as defined by ``day``) and its branches' entries as they stood on
        ``day``, each with the branch's name and committee then."""
        found = self.grading_round(round_id)
        if found is None or found["defined_on"] > day:
            return found or {}, []
        branches = {
            row["branch_id"]: row
            for row in self._rows(
                "SELECT b.branch_id, b.name, b.committee_id, b.history FROM view_branch b "
                "JOIN grading_entry e ON e.branch_id = b.branch_id WHERE e.round_id = ?",
                (str(round_id),),
            )
        }
        entries = []
        for row in self._rows(
            "SELECT branch_id, history FROM grading_entry WHERE round_id = ? ORDER BY branch_id",
            (str(round_id),),
        ):
            branch = branches.get(row["branch_id"], {})
            values = branch_on(loaded(branch.get("history")) or [], day) or {}
            committee = values.get("committee_id", branch.get("committee_id"))
            if committee_id is not None and committee != str(committee_id):
                continue
            entry = entry_on(loaded(row["history"]), day)
            entry.update(branch_id=row["branch_id"], name=branch.get("name"))
            entry["committee_id"] = committee
            entries.append(entry)
        return found, entries

    def _committee_names(self, district_id: str) -> dict[str, str]:
        rows = self._rows(
            "SELECT committee_id, name FROM view_committee WHERE district_id = ?", (district_id,)
        )
        return {r["committee_id"]: r["name"] for r in rows}

    def grade_distribution(
        self, round_id: UUID, *, as_of: date | None = None, committee_id: UUID | None = None
    ) -> dict[str, Any]:
        """How many branches are advanced, average and lagging on ``as_of``, in the district
        (or the committee named) and per committee."""
        day = _day(as_of).isoformat()
        found, entries = self._graded_on(round_id, day, committee_id)
        grades, per_committee = _counts(), {}
        surveyed_only = objections = 0
        for entry in entries:
            if entry["grade"] is None:
                surveyed_only += entry["surveyed"]
                continue
            grades[entry["grade"]] += 1
            objections += entry["objection_open"]
            per_committee.setdefault(entry["committee_id"], _counts())[entry["grade"]] += 1
        names = self._committee_names(found["district_id"]) if found else {}
        return {
            "round_id": str(round_id),
            "round": _round_summary(found),
            "as_of": day,
            "known_at": self.known_at,
            "committee_id": str(committee_id) if committee_id is not None else None,
            "graded": sum(grades.values()),
            "grades": grades,
            "surveyed_not_graded": surveyed_only,
            "objections_open": objections,
            "committees": [
                {
                    "committee_id": cid,
                    "name": names.get(cid),
                    "graded": sum(counts.values()),
                    "grades": counts,
                }
                for cid, counts in sorted(per_committee.items(), key=lambda kv: str(kv[0]))
            ],
        }

    def grade_transitions(
        self,
        from_round: UUID,
        to_round: UUID,
        *,
        as_of: date | None = None,
        committee_id: UUID | None = None,
    ) -> dict[str, Any]:
        """From one round's grades to the next's, on ``as_of``: a matrix (rows: the grade
        in ``from_round``; columns: in ``to_round``) of the branches graded in both, and how
        many moved up, stayed and moved down (001 §二3 晋位升级)."""
        day = _day(as_of).isoformat()
        before_round, before = self._graded_on(from_round, day, committee_id)
        after_round, after = self._graded_on(to_round, day, committee_id)
        earlier = {e["branch_id"]: e["grade"] for e in before if e["grade"] is not None}
        later = {e["branch_id"]: e["grade"] for e in after if e["grade"] is not None}
        matrix = {g: _counts() for g in GRADES}
        moves = {"up": 0, "stayed": 0, "down": 0}
        for branch_id in sorted(earlier.keys() & later.keys()):
            matrix[earlier[branch_id]][later[branch_id]] += 1
            moves[movement(earlier[branch_id], later[branch_id])] += 1
        return {
            "from_round": _round_summary(before_round) | {"round_id": str(from_round)},
            "to_round": _round_summary(after_round) | {"round_id": str(to_round)},
            "as_of": day,
            "known_at": self.known_at,
            "committee_id": str(committee_id) if committee_id is not None else None,
            "matrix": matrix,
            "moved_up": moves["up"],
            "stayed": moves["stayed"],
            "moved_down": moves["down"],
            "graded_in_both": sum(moves.values()),
            "only_in_from": len(earlier.keys() - later.keys()),
            "only_in_to": len(later.keys() - earlier.keys()),
        }

    def upgrading(
        self,
        round_id: UUID,
        *,
        as_of: date | None = None,
        committee_id: UUID | None = None,
        grades: tuple[str, ...] = ("lagging",),
    ) -> dict[str, Any]:
        """The branches graded ``grades`` (lagging by default) on ``as_of``, each with its
        upgrading plan and where it stands (no plan, planned, in progress, done, verified;
        overdue: an open plan past its deadline), and how many stand where."""
        day = _day(as_of).isoformat()
        _, entries = self._graded_on(round_id, day, committee_id)
        items = []
        statuses = dict.fromkeys(["no_plan", *(s.value for s in UpgradingStatus)], 0)
        overdue = 0
        for entry in entries:
            if entry["grade"] not in grades:
                continue
            plan = entry["plan"]
            status = plan["status"] if plan is not None else "no_plan"
            statuses[status] += 1
            overdue += bool(plan and plan["overdue"])
            items.append(
                {
                    "branch_id": entry["branch_id"],
                    "name": entry["name"],
                    "committee_id": entry["committee_id"],
                    "grade": entry["grade"],
                    "graded_on": entry["graded_on"],
                    "grader": entry["grader"],
                    "objection_open": entry["objection_open"],
                    "upgrading_status": status,
                    "plan": plan,
                }
            )
        return {
            "round_id": str(round_id),
            "as_of": day,
            "known_at": self.known_at,
            "grades": list(grades),
            "statuses": statuses,
            "overdue": overdue,
            "items": items,
        }

    def grading_rounds(self, district_id: UUID, *, as_of: date | None = None) -> dict[str, Any]:
        """The rounds of a district defined by ``as_of``, the latest first."""
        day = _day(as_of).isoformat()
        rows = self._rows(
            "SELECT round_id, district_id, committee_id, name, year, starts_on, ends_on, "
            "defined_on, criteria FROM grading_round WHERE district_id = ? AND defined_on <= ? "
            "ORDER BY year DESC, starts_on DESC, round_id",
            (str(district_id), day),
        )
        for row in rows:
            row["criteria"] = loaded(row["criteria"])
        return {"district_id": str(district_id), "as_of": day, "known_at": self.known_at,
                "items": rows}  # fmt: skip

    def grade_results(
        self, round_id: UUID, *, as_of: date | None = None, committee_id: UUID | None = None
    ) -> dict[str, Any]:
        """Every organization graded in the round, with its grade on ``as_of``, who graded
        it and when, the criteria met and whether a correction stands (分类定级结果)."""
        day = _day(as_of).isoformat()
        found, entries = self._graded_on(round_id, day, committee_id)
        items = [
            {
                "branch_id": e["branch_id"],
                "name": e["name"],
                "committee_id": e["committee_id"],
                "grade": e["grade"],
                "graded_on": e["graded_on"],
                "grader": e["grader"],
                "criteria_met": e["criteria_met"],
                "corrected_by": e["corrected_by"],
                "objection_open": e["objection_open"],
            }
            for e in entries
            if e["grade"] is not None
        ]
        return {
            "round_id": str(round_id),
            "round": _round_summary(found),
            "as_of": day,
            "known_at": self.known_at,
            "committee_id": str(committee_id) if committee_id is not None else None,
            "committee_names": self._committee_names(found["district_id"]) if found else {},
            "items": items,
        }

    def grading_timeline(self, branch_id: UUID, *, as_of: date | None = None) -> dict[str, Any]:
        """An organization's grades over the rounds that graded it, as they stood on
        ``as_of``: per round (in the order of their years and starts) its grade, the move
        from the round before it that graded it (001 §二3 晋位升级), and its grades'
        history with their corrections and withdrawals, linked both ways."""
        day = _day(as_of).isoformat()
        rows = self._rows(
            "SELECT r.round_id, r.district_id, r.committee_id, r.name, r.year, r.starts_on, "
            "r.ends_on, r.defined_on, r.criteria, e.history FROM grading_entry e "
            "JOIN grading_round r ON r.round_id = e.round_id WHERE e.branch_id = ? "
            "ORDER BY r.year, r.starts_on, r.round_id",
            (str(branch_id),),
        )
        rounds, previous = [], None
        for row in rows:
            if row["defined_on"] > day:
                continue
            history = loaded(row["history"])
            entry = entry_on(history, day)
            move = None
            if entry["grade"] is not None:
                if previous is not None:
                    move = movement(previous, entry["grade"])
                previous = entry["grade"]
            row["criteria"] = loaded(row["criteria"])
            rounds.append(
                {
                    "round_id": row["round_id"],
                    "round": _round_summary(row),
                    "surveyed": entry["surveyed"],
                    "grade": entry["grade"],
                    "graded_on": entry["graded_on"],
                    "grader": entry["grader"],
                    "criteria_met": entry["criteria_met"],
                    "corrected_by": entry["corrected_by"],
                    "objection_open": entry["objection_open"],
                    "movement": move,
                    "upgrading": entry["plan"],
                    "grades": grade_history(history, day),
                }
            )
        return {
            "branch_id": str(branch_id),
            "as_of": day,
            "known_at": self.known_at,
            "rounds": rounds,
        }


def _round_summary(found: dict[str, Any]) -> dict[str, Any]:
    if not found:
        return {}
    return {
        "name": found["name"],
        "year": found["year"],
        "district_id": found["district_id"],
        "committee_id": found["committee_id"],
        "criteria": found["criteria"],
    }
