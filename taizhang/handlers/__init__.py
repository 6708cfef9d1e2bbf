"""What each posted event type does: which aggregate it concerns, and which command it runs.

The names are the past-tense event names integrators post, e.g. ``MobilizationMeetingHeld``.
``data`` has already been validated and deserialized by the API's schemas (or built by the
demo generator); the domain checks the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from uuid import UUID, uuid5

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch import Branch
from taizhang.domain.branch_life import BranchLife, branch_life_id
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import NotFound, require
from taizhang.domain.instructor import Instructor
from taizhang.domain.phases import PhaseDefinition
from taizhang.domain.problem import Problem
from taizhang.domain.provenance import Provenance
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.handlers import host as host_handlers
from taizhang.handlers.event_types import EVENT_TYPES, EventType, Handler, handles
from taizhang.handlers.grading import GRADING_HANDLERS, REVIEW_HANDLERS
from taizhang.handlers.life import LIFE_HANDLERS
from taizhang.handlers.member import MEMBER_HANDLERS, PLAN_HANDLERS
from taizhang.handlers.theme import check_followed_theme
from taizhang.unit_of_work import UnitOfWork

# The register's commands live in their own module; importing it registers them.
__all__ = ["EVENT_TYPES", "EventType", "Handler", "handles", "host_handlers"]


def _pop(data: dict[str, Any], *names: str) -> list[Any]:
    return [data.pop(n) for n in names]


# -- organizations -------------------------------------------------------------------------


@handles("DistrictRegistered", "district", creates=True)
def _district_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    return uow.add(District.register(p, d["name"], d["code"], id=d.get("id")))


@handles("CommitteeRegistered", "committee", creates=True)
def _committee_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    return uow.add(Committee.register(p, d["district_id"], d["name"], d["kind"], id=d.get("id")))


@handles("CommitteeRenamed", "committee")
def _committee_renamed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    committee = uow.get(Committee, d["committee_id"], "committee_id")
    committee.rename(p, d["name"])
    return committee


@handles("ContactPointChosen", "committee")
def _contact_point_chosen(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    committee = uow.get(Committee, d["committee_id"], "committee_id")
    uow.branch(d["branch_id"])
    committee.choose_contact_point(p, d["member"], d["branch_id"], d.get("member_name", ""))
    return committee


@handles("BranchRegistered", "branch", creates=True)
def _branch_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    committee = uow.read(Committee, d["committee_id"], "committee_id")
    require(
        committee.district_id == d["district_id"],
        "committee_id",
        "same_district",
        "the committee belongs to another district",
    )
    return uow.add(Branch.register(p, **d))


@handles("MembershipChanged", "branch")
def _membership_changed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.change_membership(p, d["full_members"], d["probationary_members"])
    return branch


@handles("EmployeesCounted", "branch")
def _employees_counted(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.count_employees(p, d["employees"])
    return branch


@handles("FormationChanged", "branch")
def _formation_changed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.change_formation(p, d["formation"], d.get("covered_units", []))
    host_handlers.follow_formation(uow, p, branch)
    return branch


@handles("MovedToCommittee", "branch")
def _moved_to_committee(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    committee = uow.read(Committee, d["committee_id"], "committee_id")
    require(
        committee.district_id == branch.district_id,
        "committee_id",
        "same_district",
        "the committee belongs to another district",
    )
    branch.move_to_committee(p, d["committee_id"])
    return branch


@handles("InstructorRegistered", "instructor", creates=True)
def _instructor_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    return uow.add(
        Instructor.register(
            p, d["district_id"], d["person"], d.get("person_name", ""), id=d.get("id")
        )
    )


@handles("InstructorAssigned", "branch")
def _instructor_assigned(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    uow.read(Instructor, d["instructor_id"], "instructor_id")
    branch.assign_instructor(p, d["instructor_id"])
    return branch


@handles("InstructorUnassigned", "branch")
def _instructor_unassigned(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.unassign_instructor(p, d["instructor_id"])
    return branch


@handles("DesignatedRectificationTarget", "branch")
def _designated_target(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.designate_rectification_target(p, d["reasons"])
    return branch


@handles("RectificationTargetWaived", "branch")
def _target_waived(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.waive_rectification_target(p, d["reasons"])
    return branch


@handles("Reorganized", "branch")
def _reorganized(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    branch = uow.get(Branch, d["branch_id"], "branch_id")
    branch.reorganize(p, d["leadership_completed"], d["secretary_replaced"], d.get("notes", ""))
    return branch


@handles("SupervisionGroupRegistered", "supervision_group", creates=True)
def _group_registered(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    return uow.add(
        SupervisionGroup.register(p, d["district_id"], d["name"], d["kind"], id=d.get("id"))
    )


def _check_scope(uow: UnitOfWork, district_id: UUID, d: dict[str, Any]) -> None:
    for committee_id in d.get("committee_ids", []):
        committee = uow.read(Committee, committee_id, "committee_ids")
        require(
            committee.district_id == district_id,
            "committee_ids",
            "same_district",
            "another district",
        )
    for branch_id in d.get("branch_ids", []):
        branch = uow.branch(branch_id)
        require(
            branch.district_id == district_id, "branch_ids", "same_district", "another district"
        )


@handles("ScopeAssigned", "supervision_group")
def _scope_assigned(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    group = uow.get(SupervisionGroup, d["group_id"], "group_id")
    _check_scope(uow, group.district_id, d)
    group.assign(p, d.get("committee_ids", []), d.get("branch_ids", []))
    return group


@handles("ScopeUnassigned", "supervision_group")
def _scope_unassigned(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    group = uow.get(SupervisionGroup, d["group_id"], "group_id")
    group.unassign(p, d.get("committee_ids", []), d.get("branch_ids", []))
    return group


# -- campaigns -----------------------------------------------------------------------------


@handles("CampaignDefined", "campaign", creates=True)
def _campaign_defined(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    uow.read(District, d["district_id"], "district_id")
    phases = [
        p_ if isinstance(p_, PhaseDefinition) else PhaseDefinition(**p_) for p_ in d["phases"]
    ]
    return uow.add(
        Campaign.define(
            p,
            district_id=d["district_id"],
            name=d["name"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            phases=phases,
            template_key=d.get("template_key", ""),
            id=d.get("id"),
        )
    )


@handles("BranchesEnrolled", "campaign")
def _branches_enrolled(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    campaign = uow.get(Campaign, d["campaign_id"], "campaign_id")
    for branch_id in d["branch_ids"]:
        branch = uow.branch(branch_id)
        require(
            branch.district_id == campaign.district_id,
            "branch_ids",
            "same_district",
            f"branch {branch_id} belongs to another district",
        )
    campaign.enrol(p, d["branch_ids"])
    return campaign


@handles("BranchWithdrawn", "campaign")
def _branch_withdrawn(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    campaign = uow.get(Campaign, d["campaign_id"], "campaign_id")
    campaign.withdraw_branch(p, d["branch_id"], d["reason"])
    return campaign


@handles("PhaseDeadlineChanged", "campaign")
def _deadline_changed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    campaign = uow.get(Campaign, d["campaign_id"], "campaign_id")
    campaign.change_deadline(p, d["phase_key"], d["deadline"])
    return campaign


# -- a branch's work in a campaign ---------------------------------------------------------

# Before a rectification target is reorganized, only these may be recorded (000 §三(一)).
_ALLOWED_BEFORE_REORGANIZATION = {
    "BaselineSurveyRecorded",
    "SupervisionVisitRecorded",
    "SuggestionAnswered",
    "SuggestionReferred",
}


def _work_command(name: str, method: str) -> None:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        campaign_id, branch_id = _pop(d, "campaign_id", "branch_id")
        work = uow.branch_work(p, campaign_id, branch_id)
        if name not in _ALLOWED_BEFORE_REORGANIZATION:
            require(
                uow.branch(branch_id).covers_without_rectification,
                "branch_id",
                "reorganized_first",
                "a rectification target is reorganized before it starts the campaign",
            )
        if name == "SupervisionVisitRecorded":
            uow.read(SupervisionGroup, d["group_id"], "group_id")
        if name == "MobilizationMeetingHeld":
            # The meeting counts for every branch it names, so each must be in the campaign.
            campaign = uow.read(Campaign, campaign_id, "campaign_id")
            for joint in d.get("joint_with") or ():
                require(
                    joint in campaign.branch_ids,
                    "joint_with",
                    "enrolled_in_campaign",
                    f"branch {joint} is not enrolled in this campaign",
                )
        if name == "PhaseWorkRecorded":
            uow.read(Campaign, campaign_id, "campaign_id").phase(d["phase_key"])
        getattr(work, method)(p, **d)
        if name == "BaselineSurveyRecorded" and d["weak_and_lax"]:
            # Seed 000 §三(一): a branch found weak and lax is reorganized first; the
            # designation is an event of its own, with an event id of its own.
            designation = dataclasses.replace(p, event_id=uuid5(p.event_id, "designated"))
            uow.get(Branch, branch_id, "branch_id").designate_if_weak(
                designation, d.get("findings", "")
            )
        return work

    EVENT_TYPES[name] = EventType(name, "branch_work", False, handle)


for _name, _method in {
    "BaselineSurveyRecorded": "record_baseline_survey",
    "PlanSubmitted": "submit_plan",
    "PlanReturned": "return_plan",
    "PlanApproved": "approve_plan",
    "MobilizationMeetingHeld": "hold_mobilization_meeting",
    "StudySessionHeld": "hold_study_session",
    "SecretaryTrainingHeld": "hold_secretary_training",
    "OpinionsCollected": "collect_opinions",
    "ConflictScreeningDone": "screen_conflicts",
    "HeartToHeartTalksHeld": "hold_heart_to_heart_talks",
    "OrganizationalLifeMeetingHeld": "hold_organizational_life_meeting",
    "LifeMeetingResultMadeKnown": "make_life_meeting_result_known",
    "ProblemListPublicized": "publicize_problem_list",
    "WorkSystemChanged": "change_work_system",
    "VolunteerTeamSetUp": "set_up_volunteer_team",
    "ServiceCommitmentMade": "make_service_commitment",
    "ServiceCommitmentFulfilled": "fulfil_service_commitment",
    "OptionalActionRecorded": "record_optional_action",
    "SupervisionVisitRecorded": "record_supervision_visit",
    "SuggestionAnswered": "answer_suggestion",
    "SuggestionReferred": "refer_suggestion",
    "PhaseWorkRecorded": "record_phase_work",
}.items():
    _work_command(_name, _method)


def _check_correction_dates(uow: UnitOfWork, campaign_id: UUID, d: Mapping[str, Any]) -> None:
    if "occurred_on" in d.get("changes", {}):
        campaign = uow.read(Campaign, campaign_id, "campaign_id")
        new_date = d["changes"]["occurred_on"]
        require(
            campaign.starts_on <= new_date <= uow.today,
            "changes.occurred_on",
            "within_campaign_and_not_future",
            f"corrected date {new_date} is before the campaign or in the future",
        )


@handles("FactCorrected", "branch_work")
def _fact_corrected(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    """Corrects a fact of a branch's work, of a problem when ``problem_id`` is given, or of
    the branch's organizational life when no ``campaign_id`` is."""
    if "problem_id" in d:
        return _problem_step(uow, p, d, "correct")
    if "campaign_id" not in d:
        life = _life_of(uow, p, d.pop("branch_id"))
        new_date = d["changes"].get("occurred_on")
        require(
            new_date is None or new_date <= uow.today,
            "changes.occurred_on",
            "not_in_future",
            f"corrected date {new_date} is after today",
        )
        life.correct(p, **d)
        return life
    campaign_id, branch_id = _pop(d, "campaign_id", "branch_id")
    work = uow.branch_work(p, campaign_id, branch_id)
    _check_correction_dates(uow, campaign_id, d)
    work.correct(p, **d)
    return work


@handles("FactWithdrawn", "branch_work")
def _fact_withdrawn(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    if "problem_id" in d:
        return _problem_step(uow, p, d, "withdraw_fact")
    if "campaign_id" not in d:
        life = _life_of(uow, p, d.pop("branch_id"))
        life.withdraw_fact(p, **d)
        return life
    campaign_id, branch_id = _pop(d, "campaign_id", "branch_id")
    work = uow.branch_work(p, campaign_id, branch_id)
    work.withdraw_fact(p, **d)
    return work


# -- a branch's regular organizational life -----------------------------------------------


def _branch_life(uow: UnitOfWork, p: Provenance, branch_id: UUID) -> BranchLife:
    """The branch's organizational life, opened on its first fact; nothing in the future."""
    uow.branch(branch_id)
    require(
        p.occurred_on <= uow.today,
        "occurred_on",
        "not_in_future",
        f"occurred_on {p.occurred_on} is after today ({uow.today})",
    )
    try:
        return uow.get(BranchLife, branch_life_id(branch_id), "branch_id")
    except NotFound:
        # The opening is an event of its own, so it gets an event id of its own.
        opening = dataclasses.replace(p, event_id=uuid5(p.event_id, "opened"))
        return uow.add(BranchLife.open(opening, branch_id))


def _life_of(uow: UnitOfWork, p: Provenance, branch_id: UUID) -> BranchLife:
    """The branch's organizational life, to correct or withdraw one of its facts."""
    require(
        p.occurred_on <= uow.today,
        "occurred_on",
        "not_in_future",
        f"occurred_on {p.occurred_on} is after today ({uow.today})",
    )
    return uow.get(BranchLife, branch_life_id(branch_id), "branch_id")


def _life_command(name: str, method: str) -> None:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        (branch_id,) = _pop(d, "branch_id")
        life = _branch_life(uow, p, branch_id)
        if name == "LifeActivityHeld":
            check_followed_theme(uow, p, branch_id, d)
        getattr(life, method)(p, **d)
        return life

    EVENT_TYPES[name] = EventType(name, "branch_life", False, handle)


for _name, _method in {
    "LifeActivityHeld": "hold_activity",
    "LifeMeetingDelayRequested": "request_delay",
    "LifeMeetingDelayApproved": "approve_delay",
    "EducationAttended": "attend_education",
}.items():
    _life_command(_name, _method)
# A committee's own activities and the programmes of a year (taizhang.handlers.life).
for _name, (_concerns, _life_handle) in LIFE_HANDLERS.items():
    EVENT_TYPES[_name] = EventType(_name, _concerns, False, _life_handle)


# -- problems and their rectification ------------------------------------------------------


@handles("ProblemListed", "problem", creates=True)
def _problem_listed(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    campaign = uow.read(Campaign, d["campaign_id"], "campaign_id")
    campaign.admit(d["branch_id"], p.occurred_on, uow.today)
    require(
        uow.branch(d["branch_id"]).covers_without_rectification,
        "branch_id",
        "reorganized_first",
        "a rectification target is reorganized before it starts the campaign",
    )
    return uow.add(Problem.list_on_branch(p, **d))


def _problem_step(
    uow: UnitOfWork, p: Provenance, d: dict[str, Any], method: str
) -> LedgerAggregate:
    problem = uow.get(Problem, d.pop("problem_id"), "problem_id")
    campaign = uow.read(Campaign, problem.campaign_id, "campaign_id")
    campaign.admit(problem.branch_id, p.occurred_on, uow.today)
    if method == "correct":
        _check_correction_dates(uow, problem.campaign_id, d)
    getattr(problem, method)(p, **d)
    return problem


def _problem_command(name: str, method: str) -> None:
    def handle(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
        return _problem_step(uow, p, d, method)

    EVENT_TYPES[name] = EventType(name, "problem", False, handle)


for _name, _method in {
    "RectificationStarted": "start_rectification",
    "RectificationProgressed": "record_progress",
    "RectificationDone": "complete_rectification",
    "RectificationVerified": "verify_rectification",
    "ProblemRevised": "revise",
    "ProblemWithdrawn": "withdraw",
}.items():
    _problem_command(_name, _method)


# -- grading rounds (taizhang.handlers.grading) ---------------------------------------------

for _name, (_creates, _handle) in GRADING_HANDLERS.items():
    EVENT_TYPES[_name] = EventType(_name, "grading_round", _creates, _handle)
for _name, (_creates, _handle) in REVIEW_HANDLERS.items():
    EVENT_TYPES[_name] = EventType(_name, "yearly_review", _creates, _handle)
# -- a person's path to membership (发展党员, 推优) -------------------------------------------

for _name, (_creates, _handle) in MEMBER_HANDLERS.items():
    EVENT_TYPES[_name] = EventType(_name, "candidate", _creates, _handle)
# A committee's yearly development plan, posted to the committee.
for _name, (_creates, _handle) in PLAN_HANDLERS.items():
    EVENT_TYPES[_name] = EventType(_name, "committee", _creates, _handle)
