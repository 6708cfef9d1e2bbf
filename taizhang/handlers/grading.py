"""What the posted event types of grading rounds (分类定级, 晋位升级) and yearly reviews
(年度考核, funds and venues) do.

``taizhang.handlers`` registers these in ``EVENT_TYPES`` beside the others. Every branch a
post names is checked for existence and kind, for being of the round's (review's) district
and, in a committee's round (review), of that committee.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from uuid import uuid5

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch import Branch
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import require
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import TEMPLATES, CriterionDefinition, Grade
from taizhang.domain.provenance import Provenance
from taizhang.domain.yearly_review import YearlyReview
from taizhang.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Provenance, dict[str, Any]], LedgerAggregate]

# name -> (whether it creates the round, handler); every type concerns a grading round.
GRADING_HANDLERS: dict[str, tuple[bool, Handler]] = {}
# The same for yearly reviews.
REVIEW_HANDLERS: dict[str, tuple[bool, Handler]] = {}


def _handles(name: str, *, creates: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        GRADING_HANDLERS[name] = (creates, fn)
        return fn

    return register


def _owner_checked(uow: UnitOfWork, d: dict[str, Any]) -> None:
    """The district exists, and the committee named (if any) is of that district."""
    uow.read(District, d["district_id"], "district_id")
    committee_id = d.get("committee_id")
    if committee_id is not None:
        committee = uow.read(Committee, committee_id, "committee_id")
        require(
            committee.district_id == d["district_id"],
            "committee_id",
            "same_district",
            "the committee belongs to another district",
        )


def _branch_of(uow: UnitOfWork, owner: GradingRound | YearlyReview, branch_id: Any) -> Branch:
    """A branch a round or review may name: of its district, and of its committee if any."""
    branch = uow.branch(branch_id)
    require(
        branch.district_id == owner.district_id,
        "branch_id",
        "same_district",
        f"branch {branch.id} belongs to another district",
    )
    if owner.committee_id is not None:
        require(
            branch.committee_id == owner.committee_id,
            "branch_id",
            "of_round_committee",
            "a committee's round or review concerns the committee's own branches",
        )
    return branch


@_handles("GradingRoundDefined", creates=True)
def _round_defined(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    _owner_checked(uow, d)
    template_key = d.get("template_key", "")
    given = d.get("criteria") or list(TEMPLATES.get(template_key, ()))
    criteria = [
        c if isinstance(c, CriterionDefinition) else CriterionDefinition(**c) for c in given
    ]
    return uow.add(
        GradingRound.define(
            p,
            district_id=d["district_id"],
            committee_id=d.get("committee_id"),
            name=d["name"],
            year=d["year"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            criteria=criteria,
            template_key=template_key,
            id=d.get("id"),
        )
    )


def _round_and_branch(uow: UnitOfWork, d: dict[str, Any]) -> tuple[GradingRound, Branch]:
    round_ = uow.get(GradingRound, d.pop("round_id"), "round_id")
    return round_, _branch_of(uow, round_, d["branch_id"])


def _round_command(name: str, method: str) -> None:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        round_, branch = _round_and_branch(uow, d)
        getattr(round_, method)(p, today=uow.today, **d)
        grade = d.get("grade")
        if grade is not None and Grade.of(grade, "grade") is Grade.LAGGING:
            # 000 §五(二): a weak branch is rectified and upgraded before it takes part
            # (整顿，晋位升级后再开展活动): a lagging grade makes it a rectification
            # target, as a weak baseline survey does, with an event id of its own.
            designation = dataclasses.replace(p, event_id=uuid5(p.event_id, "designated"))
            uow.get(Branch, branch.id, "branch_id").designate_if_weak(
                designation, f"分类定级为后进：{d['evidence']}"
            )
        return round_

    GRADING_HANDLERS[name] = (False, handle)


for _name, _method in {
    "OrganizationSurveyed": "survey",
    "OrganizationGraded": "grade",
    "GradeObjected": "object_to_grade",
    "OrganizationRegraded": "regrade",
    "GradeCorrected": "correct_grade",
    "GradeWithdrawn": "withdraw_grade",
    "UpgradingPlanSet": "set_upgrading_plan",
    "UpgradingProgressed": "progress_upgrading",
    "UpgradingDone": "complete_upgrading",
    "UpgradingVerified": "verify_upgrading",
}.items():
    _round_command(_name, _method)


# -- yearly reviews ------------------------------------------------------------------------


def _review_opened(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    _owner_checked(uow, d)
    return uow.add(
        YearlyReview.open(
            p,
            district_id=d["district_id"],
            committee_id=d.get("committee_id"),
            year=d["year"],
            name=d["name"],
            id=d.get("id"),
        )
    )


REVIEW_HANDLERS["YearlyReviewOpened"] = (True, _review_opened)


def _review_command(name: str, method: str) -> None:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        review = uow.get(YearlyReview, d.pop("review_id"), "review_id")
        _branch_of(uow, review, d["branch_id"])
        getattr(review, method)(p, today=uow.today, **d)
        return review

    REVIEW_HANDLERS[name] = (False, handle)


for _name, _method in {
    "SecretaryAssessed": "assess_secretary",
    "VenueChecked": "check_venue",
    "FundsRecorded": "record_funds",
    "FundsInspected": "inspect_funds",
}.items():
    _review_command(_name, _method)
