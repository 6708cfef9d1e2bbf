"""Regular organizational life as of a business date: a branch's year, a committee's and a
district's roll-ups, the committees' own duties, members' education days and the lists of
what is due and overdue; a part of ``queries.Views``.

The projection's worker keeps each branch's and committee's history (``party_life``) and
the programmes (``life_programme``); a view on D reads them as the records dated D or
earlier made them (``fold.party_life``). A branch counts under the committee it belonged
to on D (``fold.dated.branch_on``) and owes the programme in force on D: its committee's
for the year, else its district's, else the seeds' own. As known at T, the same queries
run over the replay of the log recorded by T (``taizhang.projections.report``).

The roll-ups and the district's ranking read the branches' spans (``life_span``, kept by
``fold.life_spans``): one row a branch on D, the ranking summed by the database; a year no
span covers is folded from the histories. A committee's own duties and the lists fold the
histories. All are cached and shared like the other aggregated views (``Views._cached``),
keyed by district (and committee), day and year: a cached one answers only while it
reflects the projections' positions as the read requires (``min_position``), never a
rebuild's new tables from the old ones. A branch's year reads one row and is not cached.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from taizhang.domain.life_programme import COMMITTEE_SCOPE, duty_data
from taizhang.domain.party_life import BRANCH, COMMITTEE
from taizhang.projections.fold.dated import branch_on
from taizhang.projections.fold.life_spans import span_floor
from taizhang.projections.fold.party_life import Programmes, education_year, owner_year
from taizhang.projections.view_part import ViewPart, loaded

# How far ahead "due this week" looks: the day and the six after it.
WEEK = timedelta(days=6)


def compliance(counts: dict[str, int]) -> float | None:
    """Periods done among those done or overdue; None when none is judged yet."""
    judged = counts["done"] + counts["overdue"]
    return round(counts["done"] / judged, 4) if judged else None


def empty_roll_up(committee_id: str) -> dict[str, Any]:
    return {
        "committee_id": committee_id,
        "counts": {"done": 0, "due": 0, "overdue": 0, "late": 0},
        "duties": {},
        "branches": [],
        "compliance": None,
    }


def _ranked(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The roll-up's entries with their compliance rates, branches most overdue first."""
    for entry in found.values():
        entry["compliance"] = compliance(entry["counts"])
        for counts in entry["duties"].values():
            counts["compliance"] = compliance(counts)
        entry["branches"].sort(key=lambda b: (-b["overdue"], b["branch_id"]))
    return found


class PartyLifeViews(ViewPart):
    def _programmes(self, district_id: str | None, year: int) -> Programmes:
        if district_id is None:
            return Programmes([])
        return Programmes(
            {"scope_id": row["scope_id"], "versions": loaded(row["versions"])}
            for row in self._rows(
                "SELECT scope_id, versions FROM life_programme WHERE district_id = ? AND year = ?",
                (district_id, year),
            )
        )

    def _history(self, owner_id: str) -> list[Any]:
        rows = self._rows("SELECT history FROM party_life WHERE owner_id = ?", (owner_id,))
        return loaded(rows[0]["history"]) if rows else []

    def _branches(self, district_id: str, day: str) -> list[tuple[str, str, list[Any]]]:
        """(branch, its committee on ``day``, its history) for each branch of the district's
        register registered by then, in branch order."""
        return [(b, c, h) for b, c, h, _ in self._named_branches(district_id, day)]

    def _named_branches(self, district_id: str, day: str) -> list[tuple[str, str, list[Any], str]]:
        """The same, with each branch's name on ``day``."""
        found = []
        for row in self._rows(
            "SELECT b.branch_id, b.name, b.history AS register, l.history FROM view_branch b "
            "LEFT JOIN party_life l ON l.owner_id = b.branch_id "
            "WHERE b.district_id = ? ORDER BY b.branch_id",
            (district_id,),
        ):
            values = branch_on(loaded(row["register"]) or [], day)
            if values is not None:
                history = loaded(row["history"]) or []
                name = values.get("name", row["name"])
                found.append((row["branch_id"], values["committee_id"], history, name))
        return found

    def party_life_branch(self, branch_id: UUID, year: int, as_of: date) -> dict[str, Any]:
        """A branch's year as of ``as_of`` under the programme then in force for it."""
        day = as_of.isoformat()
        rows = self._rows(
            "SELECT district_id, history FROM view_branch WHERE branch_id = ?", (str(branch_id),)
        )
        district_id = rows[0]["district_id"] if rows else None
        values = branch_on(loaded(rows[0]["history"]) or [], day) if rows else None
        committee_id = values["committee_id"] if values else None
        duties, education_days, source = self._programmes(district_id, year).in_force(
            district_id, committee_id, day
        )
        history = self._history(str(branch_id))
        body = owner_year(history, year, as_of, duties, BRANCH)
        body["programme"] = source
        body["education"] = education_year(history, year, as_of, education_days)
        return body

    def party_life_roll_up(
        self,
        district_id: UUID,
        year: int,
        as_of: date,
        min_position: int | None = None,
        committee_id: UUID | None = None,
    ) -> dict[str, Any]:
        """The district's roll-up (``_party_life_roll_up``), or one committee's entry of
        it, cached (never change it: it is shared by every reader)."""
        wanted = str(committee_id) if committee_id is not None else None
        return self._rendered(
            ("party_life_roll_up", str(district_id), wanted, as_of.isoformat(), year),
            lambda: self._party_life_roll_up(district_id, year, as_of, wanted),
            min_position,
        )

    def _party_life_roll_up(
        self, district_id: UUID, year: int, as_of: date, committee_id: str | None = None
    ) -> dict[str, Any]:
        """Per committee (as its branches stood on ``as_of``): its branches' periods by
        status, per duty and in all, the compliance rate (done among the periods done or
        overdue), and its branches with their counts, most overdue first. Read from the
        branches' spans (``fold.life_spans``): one row per branch."""
        if not self._has_spans(str(district_id), year):
            rolled = self._party_life_roll_up_folded(district_id, year, as_of)
            if committee_id is None:
                return rolled
            return {c: e for c, e in rolled.items() if c == committee_id}
        day = as_of.isoformat()
        found: dict[str, dict[str, Any]] = {}
        text = (
            "SELECT owner_id, committee_id, upcoming, due, done, overdue, late, duties"
            " FROM life_span WHERE district_id = ? AND year = ? AND from_on >= ?"
            " AND from_on <= ? AND until_on > ?"
        )
        params: tuple[Any, ...] = (str(district_id), year, span_floor(year, day), day, day)
        if committee_id is not None:
            text += " AND committee_id = ?"
            params += (committee_id,)
        for row in self._rows(text + " ORDER BY owner_id", params):
            entry = found.setdefault(row["committee_id"], empty_roll_up(row["committee_id"]))
            counts = {s: int(row[s]) for s in ("upcoming", "due", "done", "overdue", "late")}
            entry["branches"].append({"branch_id": row["owner_id"], **counts})
            for duty, (done, due, overdue) in loaded(row["duties"]).items():
                per_duty = entry["duties"].setdefault(duty, {"done": 0, "due": 0, "overdue": 0})
                per_duty["done"] += done
                per_duty["due"] += due
                per_duty["overdue"] += overdue
            for status in ("done", "due", "overdue", "late"):
                entry["counts"][status] += counts[status]
        return _ranked(found)

    def _has_spans(self, district_id: str, year: int) -> bool:
        """Whether the district's branches have spans for the year: none before a fact of
        its life falls in the year or the next (``fold.life_spans``)."""
        return bool(
            self._rows(
                "SELECT 1 AS found FROM life_span WHERE district_id = ? AND year = ? LIMIT 1",
                (district_id, year),
            )
        )

    def party_life_ranking(
        self, district_id: UUID, year: int, as_of: date, min_position: int | None = None
    ) -> list[dict[str, Any]]:
        """The district's committees by their branches' counts on ``as_of`` (cached)."""
        return self._rendered(
            ("party_life_ranking", str(district_id), as_of.isoformat(), year),
            lambda: self._party_life_ranking(district_id, year, as_of),
            min_position,
        )

    def _party_life_ranking(
        self, district_id: UUID, year: int, as_of: date
    ) -> list[dict[str, Any]]:
        """Each committee's branches and their periods by status on ``as_of``, summed by the
        database over the branches' spans, in committee order."""
        if not self._has_spans(str(district_id), year):
            rolled = self._party_life_roll_up_folded(district_id, year, as_of)
            return [
                {"committee_id": c, "branches": len(e["branches"]), "counts": e["counts"]}
                for c, e in sorted(rolled.items())
            ]
        day = as_of.isoformat()
        return [
            {
                "committee_id": row["committee_id"],
                "branches": int(row["branches"]),
                "counts": {s: int(row[s]) for s in ("done", "due", "overdue", "late")},
            }
            for row in self._rows(
                "SELECT committee_id, COUNT(*) AS branches, SUM(due) AS due, SUM(done) AS done,"
                " SUM(overdue) AS overdue, SUM(late) AS late FROM life_span"
                " WHERE district_id = ? AND year = ? AND from_on >= ? AND from_on <= ?"
                " AND until_on > ? GROUP BY committee_id ORDER BY committee_id",
                (str(district_id), year, span_floor(year, day), day, day),
            )
        ]

    def _party_life_roll_up_folded(
        self, district_id: UUID, year: int, as_of: date
    ) -> dict[str, Any]:
        """The roll-up folded from every branch's history on read: what the spans hold,
        for a year they do not cover (and the benchmark's baseline)."""
        day = as_of.isoformat()
        programmes = self._programmes(str(district_id), year)
        found: dict[str, dict[str, Any]] = {}
        for branch_id, committee_id, history in self._branches(str(district_id), day):
            duties, _, _ = programmes.in_force(str(district_id), committee_id, day)
            year_of = owner_year(history, year, as_of, duties, BRANCH)
            entry = found.setdefault(committee_id, empty_roll_up(committee_id))
            entry["branches"].append({"branch_id": branch_id, **year_of["counts"]})
            for duty in year_of["duties"]:
                counts = entry["duties"].setdefault(
                    duty["duty"], {"done": 0, "due": 0, "overdue": 0}
                )
                for period in duty["periods"]:
                    if period["status"] in counts:
                        counts[period["status"]] += 1
            for status in ("done", "due", "overdue", "late"):
                entry["counts"][status] += year_of["counts"][status]
        return _ranked(found)

    def party_life_committee_own(
        self,
        committee_id: UUID,
        district_id: UUID,
        year: int,
        as_of: date,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """The committee's own duties (``_party_life_committee_own``), cached like the
        roll-up it is read beside (never change it)."""
        return self._rendered(
            (
                "party_life_committee_own",
                str(committee_id),
                str(district_id),
                as_of.isoformat(),
                year,
            ),
            lambda: self._party_life_committee_own(committee_id, district_id, year, as_of),
            min_position,
        )

    def _party_life_committee_own(
        self, committee_id: UUID, district_id: UUID, year: int, as_of: date
    ) -> dict[str, Any]:
        """The committee's own duties (观摩交流, 述职评议考核) under the programme in force."""
        day = as_of.isoformat()
        duties, _, source = self._programmes(str(district_id), year).in_force(
            str(district_id), str(committee_id), day
        )
        body = owner_year(self._history(str(committee_id)), year, as_of, duties, COMMITTEE)
        return {"counts": body["counts"], "duties": body["duties"], "programme": source}

    def party_life_programme(
        self, scope_kind: str, scope_id: UUID, district_id: UUID, year: int, as_of: date
    ) -> dict[str, Any]:
        """The programme in force for a district or committee on ``as_of``, and its
        versions as known."""
        day = as_of.isoformat()
        programmes = self._programmes(str(district_id), year)
        committee = str(scope_id) if scope_kind == COMMITTEE_SCOPE else None
        duties, education_days, source = programmes.in_force(str(district_id), committee, day)
        versions = programmes.by_scope.get(str(scope_id)) or []
        return {
            "year": year,
            "as_of": day,
            "known_at": self.known_at,
            "scope": scope_kind,
            "scope_id": str(scope_id),
            "in_force": source,
            "education_days": education_days,
            "duties": [duty_data(d) for d in duties],
            "versions": [
                {"effective_on": on, "duties_count": len(v["duties"]), "note": v["note"]}
                for on, v in versions
            ],
        }

    def party_life_due(
        self,
        district_id: UUID,
        year: int,
        as_of: date,
        committee_id: UUID | None = None,
        min_position: int | None = None,
    ) -> dict[str, Any]:
        """The lists (``_party_life_due``), cached (never change them: they are shared)."""
        wanted = str(committee_id) if committee_id is not None else None
        return self._rendered(
            ("party_life_due", str(district_id), wanted, as_of.isoformat(), year),
            lambda: self._party_life_due(district_id, year, as_of, committee_id),
            min_position,
        )

    def _party_life_due(
        self, district_id: UUID, year: int, as_of: date, committee_id: UUID | None = None
    ) -> dict[str, Any]:
        """What is due within the week from ``as_of`` and what is overdue on it: each
        branch's and committee's duties by period, and members short of their education
        days; in the district, or one committee's part of it."""
        day = as_of.isoformat()
        week_end = (as_of + WEEK).isoformat()
        programmes = self._programmes(str(district_id), year)
        due: list[dict[str, Any]] = []
        overdue: list[dict[str, Any]] = []
        education: list[dict[str, Any]] = []

        def sort(
            owner: str, owner_id: str, name: str, committee: str, view: dict[str, Any]
        ) -> None:
            for duty in view["duties"]:
                for period in duty["periods"]:
                    item = {
                        "owner": owner,
                        "owner_id": owner_id,
                        "name": name,
                        "committee_id": committee,
                        "duty": duty["duty"],
                        "label": duty["label"],
                        "period": period["period"],
                        "due_on": period["due_on"],
                        "status": period["status"],
                        "missing_parts": period["missing_parts"],
                        "delayed_until": period["delayed_until"],
                    }
                    if period["status"] == "overdue":
                        overdue.append(item)
                    elif period["status"] == "due" and period["due_on"] <= week_end:
                        due.append(item)

        wanted = str(committee_id) if committee_id is not None else None
        for branch_id, committee, history, name in self._named_branches(str(district_id), day):
            if wanted is not None and committee != wanted:
                continue
            duties, education_days, _ = programmes.in_force(str(district_id), committee, day)
            year_of = owner_year(history, year, as_of, duties, BRANCH)
            sort(BRANCH, branch_id, name, committee, year_of)
            for member in education_year(history, year, as_of, education_days):
                if member["status"] != "done":
                    education.append(
                        {"branch_id": branch_id, "name": name, "committee_id": committee, **member}
                    )
        committees = self._rows(
            "SELECT committee_id, name FROM view_committee WHERE district_id = ?"
            " ORDER BY committee_id",
            (str(district_id),),
        )
        for row in committees:
            committee = row["committee_id"]
            if wanted is not None and committee != wanted:
                continue
            duties, _, _ = programmes.in_force(str(district_id), committee, day)
            view = owner_year(self._history(committee), year, as_of, duties, COMMITTEE)
            sort(COMMITTEE, committee, row["name"], committee, view)
        due.sort(key=lambda i: (i["due_on"], i["owner_id"], i["duty"], i["period"]))
        overdue.sort(key=lambda i: (i["due_on"], i["owner_id"], i["duty"], i["period"]))
        return {
            "year": year,
            "as_of": day,
            "known_at": self.known_at,
            "district_id": str(district_id),
            "committee_id": wanted,
            "week_ends_on": week_end,
            "due": due,
            "overdue": overdue,
            "education_short": education,
        }
