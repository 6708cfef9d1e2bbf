"""What each posted event of member development (发展党员) and 推优 does: the command it runs
on a person's ``Candidate`` (seeds 002, 004). ``taizhang.handlers`` registers them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.committee import Committee
from taizhang.domain.development_plan import DevelopmentPlan, development_plan_id
from taizhang.domain.errors import NotFound, RuleViolation, require
from taizhang.domain.member_corrections import correct_step, withdraw_step
from taizhang.domain.member_development import Candidate
from taizhang.domain.member_steps import COMMANDS
from taizhang.domain.provenance import Provenance
from taizhang.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Provenance, dict[str, Any]], LedgerAggregate]


def _applied(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    # The committee that approves is the branch's when the person applies.
    branch = uow.branch(d["branch_id"])
    return uow.add(
        Candidate.apply_for_membership(
            p, d["branch_id"], branch.committee_id, d.get("document_ids", []), id=d.get("id")
        )
    )


def _step(method: str) -> Handler:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        candidate = uow.get(Candidate, d.pop("candidate_id"), "candidate_id")
        getattr(candidate, method)(p, **d)
        return candidate

    return handle


def _corrected(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    candidate = uow.get(Candidate, d.pop("candidate_id"), "candidate_id")
    new_date = d["changes"].get("occurred_on")
    require(
        not isinstance(new_date, (str, date)) or str(new_date) <= uow.today.isoformat(),
        "changes.occurred_on",
        "not_in_future",
        f"corrected date {new_date} is after today",
    )
    correct_step(candidate, p, **d)
    return candidate


def _withdrawn(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    candidate = uow.get(Candidate, d.pop("candidate_id"), "candidate_id")
    withdraw_step(candidate, p, **d)
    return candidate


# Posted name → (creates the person's path, handler).
MEMBER_HANDLERS: dict[str, tuple[bool, Handler]] = {
    "MembershipApplied": (True, _applied),
    **{name: (False, _step(method)) for name, method in COMMANDS.items()},
    "StepCorrected": (False, _corrected),
    "StepWithdrawn": (False, _withdrawn),
}


# -- a committee's yearly development plan (taizhang.domain.development_plan)
# -----------------------


def _plan_set(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(Committee, d["committee_id"], "committee_id")
    plan_id = development_plan_id(d["committee_id"], d["year"])
    try:
        uow.get(DevelopmentPlan, plan_id, "year")
    except NotFound:
        return uow.add(DevelopmentPlan.set_plan(p, **d))
    raise RuleViolation(
        "year",
        "plan_set_once",
        f"the committee's plan for {d['year']} is set; change it by DevelopmentPlanRevised",
    )


def _plan_revised(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(Committee, d["committee_id"], "committee_id")
    plan: DevelopmentPlan = uow.get(
        DevelopmentPlan, development_plan_id(d.pop("committee_id"), d.pop("year")), "year"
    )
    plan.revise(p, **d)
    return plan


# Posted name → (creates, handler); posted to the committee (``committee_id``).
PLAN_HANDLERS: dict[str, tuple[bool, Handler]] = {
    "DevelopmentPlanSet": (False, _plan_set),
    "DevelopmentPlanRevised": (False, _plan_revised),
}
