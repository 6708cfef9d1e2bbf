"""Folds of yearly reviews (年度考核: secretaries, five-star branches, funds, venues), and how
a branch's entry stood on a day.

``yearly_review`` keeps a review's definition; ``yearly_entry`` each branch's history in it,
``[occurred_on, kind, values]`` in log order (amounts as decimal text). ``entry_on`` reads
it on a business date as every view does: the items dated that day or earlier, in log order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from taizhang.domain.yearly_review import FundKind, YearlyReview, deductible
from taizhang.projections.fold.common import iso
from taizhang.projections.state import ViewState

ASSESSED, VENUE, FUNDS, INSPECTED = "assessed", "venue", "funds", "inspected"


def review_opened(state: ViewState, e: YearlyReview.Opened) -> None:
    rid = str(e.originator_id)
    state.put(
        "yearly_review",
        (rid,),
        {
            "review_id": rid,
            "district_id": str(e.district_id),
            "committee_id": str(e.committee_id) if e.committee_id is not None else None,
            "year": e.year,
            "name": e.name,
            "opened_on": iso(e.provenance.occurred_on),
        },
    )


def _append(state: ViewState, e: Any, kind: str, values: dict[str, Any]) -> None:
    key = (str(e.originator_id), str(e.branch_id))
    row = state.get("yearly_entry", key)
    if row is None:
        review = state.get("yearly_review", (key[0],)) or {}
        row = {
            "review_id": key[0],
            "branch_id": key[1],
            "district_id": review.get("district_id"),
            "history": [],
        }
    row["history"].append([iso(e.provenance.occurred_on), kind, values])
    state.put("yearly_entry", key, row)


def assessed(state: ViewState, e: YearlyReview.SecretaryAssessed) -> None:
    values = {"result": e.result.value, "stars": e.stars, "assessor": e.provenance.actor}
    _append(state, e, ASSESSED, values)


def venue_checked(state: ViewState, e: YearlyReview.VenueChecked) -> None:
    _append(state, e, VENUE, {"present": list(e.present)})


def funds_recorded(state: ViewState, e: YearlyReview.FundsRecorded) -> None:
    values = {
        "kind": e.kind.value,
        "amount": str(e.amount),
        "wage_total": str(e.wage_total) if e.wage_total is not None else None,
    }
    _append(state, e, FUNDS, values)


def funds_inspected(state: ViewState, e: YearlyReview.FundsInspected) -> None:
    _append(state, e, INSPECTED, {"compliant": e.compliant, "inspector": e.provenance.actor})


HANDLERS: dict[type, Any] = {
    YearlyReview.Opened: review_opened,
    YearlyReview.SecretaryAssessed: assessed,
    YearlyReview.VenueChecked: venue_checked,
    YearlyReview.FundsRecorded: funds_recorded,
    YearlyReview.FundsInspected: funds_inspected,
}


def entry_on(history: list[list[Any]], day: str) -> dict[str, Any]:
    """A branch's review on ``day``: its secretary's assessment and stars, its venue's last
    check, its funds by kind (and the deductible part of management expenses, 003 §三), and
    its last inspection."""
    found: dict[str, Any] = {
        "assessment": None,
        "venue": None,
        "funds": {k.value: Decimal(0) for k in FundKind},
        "deductible": Decimal(0),
        "inspections": 0,
        "compliant": None,
    }
    for on, kind, values in history:
        if on > day:
            continue
        if kind == ASSESSED:
            found["assessment"] = values
        elif kind == VENUE:
            found["venue"] = values["present"]
        elif kind == FUNDS:
            amount = Decimal(values["amount"])
            found["funds"][values["kind"]] += amount
            if values["wage_total"] is not None:
                found["deductible"] += deductible(amount, Decimal(values["wage_total"]))
        elif kind == INSPECTED:
            found["inspections"] += 1
            found["compliant"] = values["compliant"]
    return found
