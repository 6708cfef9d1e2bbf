"""The yearly review's view (年度考核): secretaries' assessment, five-star branches, funds and
venues per committee and district, as of a business date: a part of ``queries.Views``.

A branch counts under the committee it belonged to on the day (``fold.dated.branch_on``);
its entry is what its history made of it by then (``fold.yearly.entry_on``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from taizhang.domain.yearly_review import SIX_HAVES, AssessmentResult, FundKind
from taizhang.projections.fold.dated import branch_on
from taizhang.projections.fold.yearly import entry_on
from taizhang.projections.view_part import ViewPart, loaded
from taizhang.projections.view_sql import _day


def _part() -> dict[str, Any]:
    return {
        "branches": 0,
        "assessed": 0,
        "results": {r.value: 0 for r in AssessmentResult},
        "five_star": 0,
        "venues_checked": 0,
        "six_haves": 0,
        "missing": dict.fromkeys(SIX_HAVES, 0),
        "funds": {k.value: Decimal(0) for k in FundKind},
        "management_expense_deductible": Decimal(0),
        "inspected": 0,
        "not_compliant": 0,
    }


def _add(part: dict[str, Any], entry: dict[str, Any]) -> None:
    part["branches"] += 1
    assessment = entry["assessment"]
    if assessment is not None:
        part["assessed"] += 1
        part["results"][assessment["result"]] += 1
        part["five_star"] += assessment["stars"] == 5
    venue = entry["venue"]
    if venue is not None:
        part["venues_checked"] += 1
        part["six_haves"] += len(venue) == len(SIX_HAVES)
        for item in SIX_HAVES:
            part["missing"][item] += item not in venue
    for kind, amount in entry["funds"].items():
        part["funds"][kind] += amount
    part["management_expense_deductible"] += entry["deductible"]
    if entry["inspections"]:
        part["inspected"] += 1
        part["not_compliant"] += entry["compliant"] is False


def _plain(part: dict[str, Any]) -> dict[str, Any]:
    """Amounts as decimal text, as the API writes every decimal."""
    return {
        **part,
        "funds": {k: str(v) for k, v in part["funds"].items()},
        "management_expense_deductible": str(part["management_expense_deductible"]),
    }


class YearlyViews(ViewPart):
    def yearly_review_row(self, review_id: UUID) -> dict[str, Any] | None:
        rows = self._rows(
            "SELECT review_id, district_id, committee_id, year, name, opened_on "
            "FROM yearly_review WHERE review_id = ?",
            (str(review_id),),
        )
        return rows[0] if rows else None

    def yearly_summary(
        self, review_id: UUID, *, as_of: date | None = None, committee_id: UUID | None = None
    ) -> dict[str, Any]:
        """The review on ``as_of``: assessments and their results, five-star branches (003
        §二), venues against the 六有 and funds by kind with the deductible part of management
        expenses (003 §三), inspections of their use (000 §五(三)); in all and per committee."""
        day = _day(as_of).isoformat()
        review = self.yearly_review_row(review_id) or {}
        total, per_committee = _part(), {}
        if review and review["opened_on"] <= day:
            branches = {
                row["branch_id"]: row
                for row in self._rows(
                    "SELECT b.branch_id, b.committee_id, b.history FROM view_branch b "
                    "JOIN yearly_entry e ON e.branch_id = b.branch_id WHERE e.review_id = ?",
                    (str(review_id),),
                )
            }
            for row in self._rows(
                "SELECT branch_id, history FROM yearly_entry WHERE review_id = ? "
                "ORDER BY branch_id",
                (str(review_id),),
            ):
                branch = branches.get(row["branch_id"], {})
                values = branch_on(loaded(branch.get("history")) or [], day) or {}
                committee = values.get("committee_id", branch.get("committee_id"))
                if committee_id is not None and committee != str(committee_id):
                    continue
                entry = entry_on(loaded(row["history"]), day)
                if (
                    entry["assessment"] is None
                    and entry["venue"] is None
                    and not any(entry["funds"].values())
                    and not entry["inspections"]
                ):
                    continue  # nothing of it had happened by then
                _add(total, entry)
                _add(per_committee.setdefault(committee, _part()), entry)
        return {
            "review_id": str(review_id),
            "year": review.get("year"),
            "name": review.get("name"),
            "as_of": day,
            "known_at": self.known_at,
            "committee_id": str(committee_id) if committee_id is not None else None,
            **_plain(total),
            "committees": [
                {"committee_id": cid, **_plain(part)}
                for cid, part in sorted(per_committee.items(), key=lambda kv: str(kv[0]))
            ],
        }
