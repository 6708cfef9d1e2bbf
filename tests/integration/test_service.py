"""The service layer on the real event store: SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from taizhang import ledger as ledger_module
from taizhang import service as service_module
from taizhang import unit_of_work
from taizhang.config import Settings
from taizhang.domain.branch import Branch
from taizhang.domain.branch_life import branch_life_id
from taizhang.domain.branch_work import BranchWork, branch_work_id
from taizhang.domain.committee_life import committee_life_id
from taizhang.domain.errors import InvalidValue, NotFound, RuleViolation
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import UpgradingStatus
from taizhang.domain.host_organization import HostOrganization
from taizhang.domain.member_development import Candidate
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES
from taizhang.domain.problem import Problem
from taizhang.domain.suggestions import suggestion_id
from taizhang.domain.vocabulary import RectificationStatus
from taizhang.handlers import EVENT_TYPES
from taizhang.ledger import Ledger
from taizhang.plain_service import make_service
from taizhang.service import (
    Answer,
    BatchRejected,
    Caller,
    Conflict,
    LedgerService,
    Posting,
    PreconditionFailed,
)
from taizhang.store.aggregate_cache import AggregateCache

TODAY = date(2014, 6, 15)
START = date(2014, 4, 10)
END = date(2014, 9, 30)
SECRETARY = Caller(actor="李书记", source="oa-system")


class World:
    """A district with a committee, a branch and an eight-ones campaign it is enrolled in."""

    def __init__(self, settings: Settings) -> None:
        self.ledger = Ledger(settings)
        self.service = make_service(self.ledger, today=lambda: TODAY)
        self.posted: set[str] = set()
        self.district_id = self.post(
            "DistrictRegistered", {"name": "番禺区", "code": "440113"}, on=date(2014, 4, 1)
        ).aggregate_id
        self.committee_id = self.post(
            "CommitteeRegistered",
            {"district_id": self.district_id, "name": "大石街道党工委", "kind": "subdistrict"},
            on=date(2014, 4, 1),
        ).aggregate_id
        self.branch_id = self.register_branch("某科技公司党支部")
        self.campaign_id = self.post(
            "CampaignDefined",
            {
                "district_id": self.district_id,
                "name": "两新组织党的群众路线教育实践活动",
                "starts_on": START,
                "ends_on": END,
                "template_key": EIGHT_ONES.key,
                "phases": list(EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, END)),
            },
            on=date(2014, 4, 1),
        ).aggregate_id
        self.enrol(self.branch_id)

    def post(
        self,
        type: str,
        data: dict[str, Any],
        on: date = date(2014, 5, 1),
        client_event_id: str | None = None,
        expected_version: int | None = None,
    ) -> Answer:
        answer = self.service.post(
            SECRETARY,
            Posting(type, on, data, client_event_id),
            expected_version=expected_version,
        )
        # The answer names the stored event by the name it was posted under.
        assert answer.event_type == type
        self.posted.add(type)
        return answer

    def work(self, type: str, on: date = date(2014, 5, 1), **data: Any) -> Answer:
        return self.post(
            type, {"campaign_id": self.campaign_id, "branch_id": self.branch_id, **data}, on
        )

    def register_branch(self, name: str, **data: Any) -> UUID:
        values = {
            "district_id": self.district_id,
            "committee_id": self.committee_id,
            "name": name,
            "level": "branch",
            "formation": "standalone",
            "host_name": name.removesuffix("党支部"),
            "host_category": "non_public_enterprise",
            "employees": 80,
            "full_members": 4,
        }
        values.update(data)
        return self.post("BranchRegistered", values, on=date(2014, 4, 2)).aggregate_id

    def enrol(self, *branch_ids: UUID) -> Answer:
        return self.post(
            "BranchesEnrolled",
            {"campaign_id": self.campaign_id, "branch_ids": list(branch_ids)},
            on=date(2014, 4, 10),
        )

    def stored(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def branch_work(self) -> BranchWork:
        work: BranchWork = self.ledger.repository.get(
            branch_work_id(self.campaign_id, self.branch_id)
        )
        return work

    def study(self, on: date = date(2014, 5, 1), topic: str = "党章") -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "branch_id": self.branch_id,
            "topic": topic,
            "days": Decimal(1),
            "hours": Decimal("3.5"),
            "participants": 12,
        }


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = World(settings)
    yield w
    w.ledger.close()


def refused(kind: type[Exception], field: str, rule: str, call: Callable[[], Any]) -> Exception:
    with pytest.raises(kind) as caught:
        call()
    error: Any = caught.value
    assert (error.field, error.rule) == (field, rule), str(error)
    return caught.value


def member_path(w: World) -> UUID:
    """A person's whole path (seed 002) through the service, with one recorded exception."""
    votes = {"entitled": 5, "present": 5, "in_favour": 4, "against": 1, "abstaining": 0}
    answers: dict[str, UUID] = {}
    person = w.post(
        "MembershipApplied", {"branch_id": w.branch_id}, on=date(2010, 3, 1)
    ).aggregate_id
    for type_, on, data in [
        (
            "RecommendedByMassOrganization",
            date(2010, 4, 1),
            {
                "organization": "trade_union",
                "organization_name": "公司工会",
                "recommended_as": "activist",
                "votes": votes,
            },
        ),
        ("ExceptionGranted", date(2011, 2, 1), {"rule": "activist_after_a_year", "reason": "r"}),
        ("ActivistDesignated", date(2011, 2, 1), {}),
        ("ContactsNamed", date(2011, 2, 1), {"contact_ids": ["m-01"]}),
        ("ThoughtReportReceived", date(2011, 5, 1), {}),
        ("ActivistAssessed", date(2011, 8, 1), {"opinion": "好"}),
        (
            "DevelopmentCandidateDesignated",
            date(2012, 2, 1),
            {"opinions_heard": ["party_group", "contacts", "members", "non_members"]},
        ),
        ("PoliticalReviewDone", date(2012, 2, 10), {"passed": True}),
        ("TrainingCompleted", date(2012, 2, 20), {"days": 0, "class_hours": 40}),
        ("SponsorsNamed", date(2012, 2, 21), {"sponsor_ids": ["m-01", "m-02"]}),
        ("AdmissionVoted", date(2012, 3, 1), {"method": "secret_ballot", "votes": votes}),
        (
            "PublicityHeld",
            date(2012, 3, 2),
            {"starts_on": date(2012, 3, 2), "ends_on": date(2012, 3, 4)},
        ),
        ("AdmissionApproved", date(2012, 3, 5), {"approved": True}),
        (
            "ConversionVoted",
            date(2013, 3, 1),
            {"outcome": "convert", "method": "show_of_hands", "votes": votes},
        ),
        ("ConversionApproved", date(2013, 3, 5), {"approved": True}),
        ("PersonalDataRecorded", date(2013, 3, 6), {"sealed_name": "aesgcm1:AAAA"}),
        ("PersonErased", date(2013, 3, 7), {"reason": "本人申请"}),
    ]:
        answers[type_] = w.post(type_, {"candidate_id": person, **data}, on=on).event_id
    # A step corrected, the name withdrawn (001 §四5 纪实制: both kept, linked).
    w.post(
        "StepCorrected",
        {
            "candidate_id": person,
            "corrects": answers["ConversionApproved"],
            "reason": "文号录错",
            "changes": {"document_ids": ["doc-2013-2"]},
        },
        on=date(2013, 3, 8),
    )
    w.post(
        "StepWithdrawn",
        {"candidate_id": person, "withdraws": answers["PersonalDataRecorded"], "reason": "误录"},
        on=date(2013, 3, 9),
    )
    plan = {"committee_id": w.committee_id, "year": 2014, "targets": {"admitted": 2}}
    w.post(
        "DevelopmentPlanSet",
        {**plan, "guidance_document_id": "指导性计划", "guidance_admitted": 2},
        on=date(2014, 1, 6),
    )
    w.post("DevelopmentPlanRevised", {**plan, "reason": "上级调整"}, on=date(2014, 3, 6))
    return person


def test_every_posted_event_type_is_stored(world: World) -> None:
    w = world
    other_committee = w.post(
        "CommitteeRegistered",
        {"district_id": w.district_id, "name": "区非公经济组织党工委", "kind": "non_public_sector"},
        on=date(2014, 4, 1),
    ).aggregate_id
    w.post("CommitteeRenamed", {"committee_id": w.committee_id, "name": "大石街道党工委(新)"})
    w.post(
        "ContactPointChosen",
        {"committee_id": w.committee_id, "member": "P000121", "branch_id": w.branch_id},
    )
    w.post(
        "MembershipChanged",
        {"branch_id": w.branch_id, "full_members": 5, "probationary_members": 1},
    )
    w.post("EmployeesCounted", {"branch_id": w.branch_id, "employees": 95})
    joint = w.register_branch("联合党支部", formation="joint", covered_units=["甲公司", "乙公司"])
    w.post(
        "FormationChanged",
        {"branch_id": joint, "formation": "joint", "covered_units": ["甲", "乙", "丙"]},
    )
    w.post("MovedToCommittee", {"branch_id": joint, "committee_id": other_committee})
    instructor = w.post(
        "InstructorRegistered", {"district_id": w.district_id, "person": "P000301"}
    ).aggregate_id
    w.post("InstructorAssigned", {"branch_id": joint, "instructor_id": instructor})
    w.post("InstructorUnassigned", {"branch_id": joint, "instructor_id": instructor})
    group = w.post(
        "SupervisionGroupRegistered",
        {"district_id": w.district_id, "name": "区委第一督导组", "kind": "supervision"},
    ).aggregate_id
    w.post(
        "ScopeAssigned",
        {"group_id": group, "committee_ids": [w.committee_id], "branch_ids": [joint]},
    )
    w.post("ScopeUnassigned", {"group_id": group, "branch_ids": [joint]})
    w.enrol(joint)
    w.post(
        "BranchWithdrawn", {"campaign_id": w.campaign_id, "branch_id": joint, "reason": "企业迁出"}
    )
    w.post(
        "PhaseDeadlineChanged",
        {
            "campaign_id": w.campaign_id,
            "phase_key": "thematic_study",
            "deadline": date(2014, 5, 15),
        },
    )
    w.post(
        "DesignatedRectificationTarget",
        {"branch_id": w.branch_id, "reasons": "班子不健全"},
        on=date(2014, 4, 11),
    )
    w.post(
        "RectificationTargetWaived",
        {"branch_id": w.branch_id, "reasons": "党委研究决定"},
        on=date(2014, 4, 11),
    )
    w.post(
        "DesignatedRectificationTarget",
        {"branch_id": w.branch_id, "reasons": "班子不健全"},
        on=date(2014, 4, 11),
    )
    w.work(
        "BaselineSurveyRecorded",
        on=date(2014, 4, 12),
        leadership_complete=False,
        full_members=5,
        probationary_members=1,
        weak_and_lax=True,
        findings="书记长期不在岗",
    )
    w.post(
        "Reorganized",
        {
            "branch_id": w.branch_id,
            "leadership_completed": True,
            "secretary_replaced": True,
            "notes": "新书记到任",
        },
        on=date(2014, 4, 13),
    )
    w.work("PlanSubmitted", on=date(2014, 4, 14), goals="学习", measures="八个一", schedule="4-9月")
    w.work("PlanReturned", on=date(2014, 4, 15), reasons="措施不具体")
    w.work(
        "PlanSubmitted", on=date(2014, 4, 16), goals="学习", measures="细化措施", schedule="4-9月"
    )
    w.work("PlanApproved", on=date(2014, 4, 17), remarks="同意")
    w.work(
        "MobilizationMeetingHeld",
        on=date(2014, 4, 18),
        participants=25,
        remote_members_reached=2,
        form="现场+短信",
    )
    study = w.work(
        "StudySessionHeld",
        on=date(2014, 4, 22),
        topic="党章",
        days=Decimal("0.5"),
        hours=Decimal(4),
        participants=20,
    )
    w.work(
        "SecretaryTrainingHeld",
        on=date(2014, 4, 25),
        days=Decimal(2),
        hours=Decimal(14),
    )
    w.work("OpinionsCollected", count=30, sources=["employees", "investors"], summary="意见30条")
    w.work("ConflictScreeningDone", disputes_found=2, disputes_resolved=2, summary="化解2起")
    w.work("HeartToHeartTalksHeld", on=date(2014, 5, 20), talks=10)
    w.work(
        "OrganizationalLifeMeetingHeld",
        on=date(2014, 6, 1),
        participants=6,
        self_examination=True,
        criticism=True,
        members_evaluated=6,
        materials="对照检查材料",
    )
    w.work("LifeMeetingResultMadeKnown", on=date(2014, 6, 3), how="公示栏")
    w.work("ProblemListPublicized", on=date(2014, 6, 5), how="厂区公告栏")
    w.work(
        "WorkSystemChanged",
        on=date(2014, 6, 6),
        system_id=uuid4(),
        name="三会一课制度",
        change="established",
    )
    w.work(
        "VolunteerTeamSetUp",
        team_id=uuid4(),
        name="党员志愿服务队",
        service_kinds=["养老助老"],
        members=8,
    )
    commitment = uuid4()
    w.work("ServiceCommitmentMade", commitment_id=commitment, member="P000101", content="帮扶2户")
    w.work(
        "ServiceCommitmentFulfilled",
        on=date(2014, 6, 10),
        commitment_id=commitment,
        outcome="已帮扶",
    )
    w.work("OptionalActionRecorded", title="党员示范岗", description="设5个岗")
    visit = w.work(
        "SupervisionVisitRecorded",
        group_id=group,
        findings="台账齐全",
        suggestions="继续",
        suggestion_items=["补齐台账"],
    )
    item = suggestion_id(visit.event_id, 0)
    w.work("SuggestionReferred", item_id=item, note="需区里协调")
    w.work("SuggestionAnswered", item_id=item, answer="已补齐", closed=True)
    w.work("PhaseWorkRecorded", phase_key="work_systems", done=False, note="起草中")
    w.work(
        "FactCorrected", corrects=study.event_id, reason="人数录错", changes={"participants": 22}
    )
    optional = w.work("OptionalActionRecorded", title="重复录入")
    w.work("FactWithdrawn", withdraws=optional.event_id, reason="重复")

    problem_data = {
        "campaign_id": w.campaign_id,
        "branch_id": w.branch_id,
        "category": "four_winds",
        "description": "会议多",
        "measures": "精简会议",
        "responsible_person": "P000113",
        "deadline": date(2014, 7, 31),
    }
    problem_id = w.post("ProblemListed", problem_data, on=date(2014, 6, 4)).aggregate_id
    w.post("RectificationStarted", {"problem_id": problem_id, "note": "开始"}, on=date(2014, 6, 5))
    progressed = w.post(
        "RectificationProgressed",
        {"problem_id": problem_id, "note": "过半", "percent_done": 50},
        on=date(2014, 6, 6),
    )
    w.post(
        "ProblemRevised",
        {
            "problem_id": problem_id,
            "measures": "精简会议和文件",
            "responsible_person": "P000114",
            "deadline": date(2014, 8, 31),
        },
    )
    w.post(
        "FactCorrected",
        {
            "problem_id": problem_id,
            "corrects": progressed.event_id,
            "reason": "r",
            "changes": {"percent_done": 60},
        },
    )
    done = w.post(
        "RectificationDone", {"problem_id": problem_id, "outcome": "会议减半"}, on=date(2014, 6, 7)
    )
    w.post(
        "RectificationVerified",
        {
            "problem_id": problem_id,
            "passed": True,
            "remarks": "合格",
        },
        on=date(2014, 6, 8),
    )
    second = w.post(
        "ProblemListed", {**problem_data, "description": "误列"}, on=date(2014, 6, 4)
    ).aggregate_id
    noted = w.post("RectificationStarted", {"problem_id": second, "note": "x"}, on=date(2014, 6, 5))
    w.post("FactWithdrawn", {"problem_id": second, "withdraws": noted.event_id, "reason": "重复"})
    w.post("ProblemWithdrawn", {"problem_id": second, "reason": "误列"}, on=date(2014, 6, 9))
    assert (done.event_type, done.aggregate_id, done.replayed) == (
        "RectificationDone",
        problem_id,
        False,
    )
    life = {"branch_id": w.branch_id}
    held = w.post(
        "LifeActivityHeld",
        {
            **life,
            "activity": "themed_party_day",
            "topic": "主题党日",
            "participants": 9,
            "parts": ["dues_paid"],
            "own_activities": [],
            "upper_level_theme": "",
        },
        on=date(2014, 5, 20),
    )
    assert held.aggregate_id == branch_life_id(w.branch_id)
    delay = {**life, "duty": "democratic_life_meeting", "period": "2014-H1"}
    delay["until"] = date(2014, 7, 31)
    w.post("LifeMeetingDelayRequested", {**delay, "reason": "书记外出"}, on=date(2014, 6, 10))
    w.post("LifeMeetingDelayApproved", {**delay, "note": ""}, on=date(2014, 6, 12))
    w.post(
        "EducationAttended",
        {**life, "members": ["P000101"], "days": 2, "topic": "党史学习"},
        on=date(2014, 6, 13),
    )
    visit = w.post(
        "CommitteeActivityHeld",
        {
            "committee_id": w.committee_id,
            "activity": "exchange_visit",
            "topic": "观摩交流",
            "participants": 20,
            "branches_present": 6,
        },
        on=date(2014, 6, 14),
    )
    assert visit.aggregate_id == committee_life_id(w.committee_id)
    w.post(
        "LifeProgrammeSet",
        {
            "district_id": w.district_id,
            "year": 2014,
            "duties": [{"key": "lecture", "activity": "party_lecture", "cadence": "quarterly"}],
            "education_days": 12,
            "note": "",
        },
        on=date(2014, 1, 1),
    )

    theme = w.post(
        "ThemePublished",
        {
            "district_id": w.district_id,
            "month": "2014-06",
            "theme": "学党章",
            "unified_on": date(2014, 6, 14),
        },
        on=date(2014, 6, 1),
    )
    w.post(
        "ThemeRevised",
        {
            "theme_id": theme.aggregate_id,
            "theme": "学党史",
            "unified_on": date(2014, 6, 14),
            "reason": "改题",
        },
        on=date(2014, 6, 2),
    )
    w.post(
        "ThemeWithdrawn", {"theme_id": theme.aggregate_id, "reason": "误发"}, on=date(2014, 6, 3)
    )

    grading_and_yearly_review(w)
    person = member_path(w)
    org = post_register_events(w, instructor, other_committee)
    assert w.posted == set(EVENT_TYPES)
    candidate: Candidate = w.ledger.repository.get(person)
    assert (candidate.stage, candidate.exceptions) == ("full_member", set())

    # What was stored is read back as the domain sees it.
    stored: HostOrganization = w.ledger.repository.get(org)
    assert stored.closed and stored.employees == 130 and stored.branch_id is None
    work = w.branch_work()
    assert work.plan_status() == "approved"
    assert work.secretary_training_days() == Decimal(2)
    assert work.facts.current[study.event_id].participants == 22
    assert optional.event_id in work.facts.withdrawn
    problem: Problem = w.ledger.repository.get(problem_id)
    assert problem.status() is RectificationStatus.VERIFIED
    assert problem.facts.current[progressed.event_id].percent_done == 60
    assert problem.deadline == date(2014, 8, 31)
    assert w.ledger.repository.get(second).withdrawn
    branch: Branch = w.ledger.repository.get(w.branch_id)
    assert branch.reorganized and branch.full_members == 5 and branch.employees == 95


def grading_and_yearly_review(w: World) -> None:
    """Seed 001 §二 (分类定级, 晋位升级) and 003 §二–三 (述职评议考核, 经费, “六有”)."""
    round_id = w.post(
        "GradingRoundDefined",
        {
            "district_id": w.district_id,
            "name": "2014年度分类定级",
            "year": 2014,
            "starts_on": date(2014, 5, 1),
            "ends_on": date(2014, 12, 31),
            "template_key": "five_goods",
        },
        on=date(2014, 5, 1),
    ).aggregate_id
    on = {"round_id": round_id, "branch_id": w.branch_id}
    grade = {"criteria_met": ["members"], "evidence": "评议记录"}
    for type_, data, day in [
        ("OrganizationSurveyed", {"findings": {"systems": "制度不全"}}, 5),
        ("OrganizationGraded", {"grade": "average", **grade}, 10),
        ("GradeObjected", {"grounds": "制度已补齐"}, 11),
        ("OrganizationRegraded", {"grade": "average", "reason": "维持", **grade}, 12),
        (
            "UpgradingPlanSet",
            {
                "target_grade": "advanced",
                "targets": "争创先进",
                "measures": "完善制度",
                "responsible_person": "P000010",
                "deadline": date(2014, 9, 30),
            },
            13,
        ),
        ("UpgradingProgressed", {"note": "", "percent_done": 50}, 14),
        ("UpgradingDone", {"outcome": "制度完善"}, 14),
        ("UpgradingVerified", {"passed": True, "remarks": ""}, 15),
    ]:
        w.post(type_, {**on, **data}, on=date(2014, 6, day))
    again = w.post("OrganizationRegraded", {**on, "grade": "advanced", "reason": "新材料", **grade},
                   on=date(2014, 6, 15))  # fmt: skip
    w.post("GradeCorrected", {**on, "corrects": again.event_id, "grade": "average",
                              "reason": "录错", **grade}, on=date(2014, 6, 15))  # fmt: skip
    w.post("GradeWithdrawn", {**on, "withdraws": again.event_id, "reason": "误录"},
           on=date(2014, 6, 15))  # fmt: skip
    review_id = w.post(
        "YearlyReviewOpened",
        {"district_id": w.district_id, "year": 2014, "name": "年度考核"},
        on=date(2014, 6, 1),
    ).aggregate_id
    in_review = {"review_id": review_id, "branch_id": w.branch_id}
    for type_, data in [
        (
            "SecretaryAssessed",
            {"secretary": "P000011", "result": "excellent", "stars": 5, "evidence": "述职"},
        ),
        ("VenueChecked", {"present": ["site", "flag"], "notes": ""}),
        (
            "FundsRecorded",
            {"kind": "award", "amount": Decimal(10000), "purpose": "五星支部奖励"},
        ),
        ("FundsInspected", {"compliant": True, "findings": "专款专用"}),
    ]:
        w.post(type_, {**in_review, **data}, on=date(2014, 6, 15))
    graded: GradingRound = w.ledger.repository.get(round_id)
    assert graded.plans[w.branch_id].status is UpgradingStatus.VERIFIED


def post_register_events(w: World, instructor: UUID, industry: UUID) -> UUID:
    """The register of two-new organizations (taizhang.domain.host_organization)."""
    org = w.post(
        "HostOrganizationRegistered",
        {
            "district_id": w.district_id,
            "committee_id": w.committee_id,
            "name": "某电子有限公司",
            "category": "non_public_enterprise",
            "employees": 120,
            "full_members": 2,
        },
        on=date(2014, 4, 2),
    ).aggregate_id
    on = {"host_organization_id": org}
    w.post("StaffCounted", {**on, "employees": 130, "full_members": 3, "above_scale": False})
    w.post("OrganizationRelocated", {**on, "location_kind": "park", "location_name": "天安科技园"})
    w.post(
        "OrganizationCommitteesChanged",
        {**on, "committee_id": w.committee_id, "industry_committee_id": industry},
    )
    w.post("CoveredByBranch", {**on, "branch_id": w.branch_id, "mode": "standalone"})
    w.post("CoverageEnded", {**on, "reason": "支部撤销"})
    w.post("FollowerSent", {**on, "kind": "instructor", "instructor_id": instructor})
    w.post("FollowerRecalled", {**on, "instructor_id": instructor})
    mass = {**on, "kind": "trade_union", "leader": "P-1", "workers_heard": True}
    w.post("MassOrganizationSetUp", mass)
    w.post("MassOrganizationLeadershipChosen", {**mass, "leader": "P-2"})
    w.post("MassOrganizationDissolved", {**on, "kind": "trade_union", "reason": "合并"})
    w.post("OrganizationClosed", {**on, "reason": "注销"})
    return org


# -- refusals --------------------------------------------------------------------------------


def test_unknown_event_type(world: World) -> None:
    before = world.stored()
    refused(InvalidValue, "type", "known_event_type", lambda: world.post("MeetingHeld", {}))
    assert world.stored() == before


def test_not_found_names_the_field_and_the_kind(world: World) -> None:
    missing = uuid4()
    with pytest.raises(NotFound) as caught:
        world.post("CommitteeRenamed", {"committee_id": missing, "name": "x"})
    assert (caught.value.field, caught.value.kind, caught.value.aggregate_id) == (
        "committee_id",
        "committee",
        missing,
    )
    with pytest.raises(NotFound) as caught:
        world.post("StudySessionHeld", {**world.study(), "campaign_id": missing})
    assert (caught.value.field, caught.value.kind) == ("campaign_id", "campaign")
    with pytest.raises(NotFound) as caught:
        world.post("RectificationStarted", {"problem_id": missing, "note": ""})
    assert (caught.value.field, caught.value.kind) == ("problem_id", "problem")
    # An id of the wrong kind is not found either.
    with pytest.raises(NotFound) as caught:
        world.post("CommitteeRenamed", {"committee_id": world.branch_id, "name": "x"})
    assert caught.value.kind == "committee"


def test_branch_not_enrolled(world: World) -> None:
    stranger = world.register_branch("未参加党支部")
    before = world.stored()
    refused(
        RuleViolation,
        "branch_id",
        "enrolled_in_campaign",
        lambda: world.post("StudySessionHeld", {**world.study(), "branch_id": stranger}),
    )
    refused(
        RuleViolation,
        "branch_id",
        "enrolled_in_campaign",
        lambda: world.post(
            "ProblemListed",
            {
                "campaign_id": world.campaign_id,
                "branch_id": stranger,
                "category": "four_winds",
                "description": "d",
                "measures": "m",
                "responsible_person": "p",
                "deadline": date(2014, 7, 1),
            },
        ),
    )
    assert world.stored() == before


def test_before_the_campaign_started_and_in_the_future(world: World) -> None:
    before = world.stored()
    refused(
        InvalidValue,
        "occurred_on",
        "not_before_campaign",
        lambda: world.post("StudySessionHeld", world.study(), on=date(2014, 4, 9)),
    )
    refused(
        InvalidValue,
        "occurred_on",
        "not_in_future",
        lambda: world.post("StudySessionHeld", world.study(), on=date(2014, 6, 16)),
    )
    refused(
        InvalidValue,
        "occurred_on",
        "not_in_future",
        lambda: world.post("DistrictRegistered", {"name": "n", "code": "c"}, on=date(2015, 1, 1)),
    )
    assert world.stored() == before
    world.post("StudySessionHeld", world.study(), on=TODAY)


def test_rectification_target_is_reorganized_before_campaign_work(world: World) -> None:
    world.post(
        "DesignatedRectificationTarget",
        {"branch_id": world.branch_id, "reasons": "软弱涣散"},
        on=date(2014, 4, 11),
    )
    survey = world.work(
        "BaselineSurveyRecorded",
        on=date(2014, 4, 12),
        leadership_complete=False,
        full_members=3,
        probationary_members=0,
        weak_and_lax=True,
    )
    assert survey.version == 2  # opened, then surveyed
    before = world.stored()
    refused(
        RuleViolation,
        "branch_id",
        "reorganized_first",
        lambda: world.post("StudySessionHeld", world.study()),
    )
    refused(
        RuleViolation,
        "branch_id",
        "reorganized_first",
        lambda: world.post(
            "ProblemListed",
            {
                "campaign_id": world.campaign_id,
                "branch_id": world.branch_id,
                "category": "organization_building",
                "description": "d",
                "measures": "m",
                "responsible_person": "p",
                "deadline": date(2014, 7, 1),
            },
        ),
    )
    assert world.stored() == before
    world.post(
        "Reorganized",
        {"branch_id": world.branch_id, "leadership_completed": True, "secretary_replaced": False},
    )
    assert world.post("StudySessionHeld", world.study()).version == 3


def test_a_refused_first_fact_does_not_open_the_branch_work(world: World) -> None:
    before = world.stored()
    refused(
        InvalidValue,
        "phase_key",
        "known_phase",
        lambda: world.work("PhaseWorkRecorded", phase_key="grading", done=True),
    )
    refused(
        InvalidValue,
        "topic",
        "required",
        lambda: world.post("StudySessionHeld", {**world.study(), "topic": " "}),
    )
    assert world.stored() == before
    assert branch_work_id(world.campaign_id, world.branch_id) not in world.ledger.repository


def test_domain_errors_pass_through_with_field_and_rule(world: World) -> None:
    refused(
        RuleViolation,
        "plan",
        "submitted_before_approval",
        lambda: world.work("PlanApproved"),
    )
    refused(
        InvalidValue,
        "kind",
        "known_value",
        lambda: world.post(
            "CommitteeRegistered",
            {"district_id": world.district_id, "name": "n", "kind": "village"},
        ),
    )
    refused(
        InvalidValue,
        "id",
        "server_made",
        lambda: world.post(
            "DistrictRegistered", {"name": "n", "code": "c", "id": world.district_id}
        ),
    )


def test_a_clash_of_a_server_made_id_is_a_conflict_and_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, finding 2: ids are the server's; should one ever name an existing aggregate,
    the post answers 409 (id, unique) and stores nothing, never a 500."""
    made = service_module.new_ids

    def clashing(n: int) -> list[UUID]:
        # The last id drawn is the new aggregate's: make it the existing branch's.
        return [*made(n - 1), world.branch_id]

    monkeypatch.setattr(service_module, "new_ids", clashing)
    before = world.stored()
    listing = {
        "campaign_id": world.campaign_id,
        "branch_id": world.branch_id,
        "category": "mass_interests",
        "description": "d",
        "measures": "m",
        "responsible_person": "P000111",
        "deadline": date(2014, 6, 30),
    }
    instructor = {"district_id": world.district_id, "person": "P000301"}
    refused(RuleViolation, "id", "unique", lambda: world.post("ProblemListed", listing))
    refused(RuleViolation, "id", "unique", lambda: world.post("InstructorRegistered", instructor))
    assert world.stored() == before
    branch: Branch = world.ledger.repository.get(world.branch_id)
    assert isinstance(branch, Branch) and branch.version == 1


# -- exactly once ------------------------------------------------------------------------------


def test_idempotent_retry_returns_the_first_answer_and_stores_nothing(world: World) -> None:
    posting = Posting("StudySessionHeld", date(2014, 5, 2), world.study(), "oa-123")
    first = world.service.post(SECRETARY, posting)
    stored = world.stored()
    again = world.service.post(SECRETARY, Posting(**{**posting.__dict__}))
    assert not first.replayed and again.replayed
    assert (again.event_id, again.version, again.position, again.aggregate_id) == (
        first.event_id,
        first.version,
        first.position,
        first.aggregate_id,
    )
    assert first.position is not None
    assert world.stored() == stored
    # The same client event id from another source is another event.
    other = world.service.post(Caller("王", "wechat"), posting)
    assert not other.replayed and other.event_id != first.event_id


def test_same_client_event_id_with_different_content_is_a_conflict(world: World) -> None:
    world.service.post(
        SECRETARY, Posting("StudySessionHeld", date(2014, 5, 2), world.study(), "oa-7")
    )
    stored = world.stored()
    changed = Posting("StudySessionHeld", date(2014, 5, 3), world.study(), "oa-7")
    refused(
        Conflict,
        "client_event_id",
        "same_content_on_retry",
        lambda: world.service.post(SECRETARY, changed),
    )
    assert world.stored() == stored


def run_in_threads(count: int, call: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call(i)
        except Exception as error:  # reported by the assertions below
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_concurrent_duplicates_store_exactly_one_event(world: World) -> None:
    world.post("StudySessionHeld", world.study())  # the branch work exists
    version = world.branch_work().version
    posting = Posting("StudySessionHeld", date(2014, 5, 2), world.study(topic="并发"), "dup-1")
    answers = run_in_threads(8, lambda _: world.service.post(SECRETARY, posting))
    assert all(isinstance(a, Answer) for a in answers), answers
    assert len({a.event_id for a in answers}) == 1
    assert len({(a.version, a.position) for a in answers}) == 1
    assert sorted(a.replayed for a in answers) == [False] + [True] * 7
    work = world.branch_work()
    assert work.version == version + 1
    assert [f.topic for f in work.facts.current.values()].count("并发") == 1


def test_concurrent_writers_on_one_branch_all_succeed_with_contiguous_versions(
    world: World,
) -> None:
    world.post("StudySessionHeld", world.study())
    version = world.branch_work().version
    answers = run_in_threads(
        8,
        lambda i: world.service.post(
            SECRETARY, Posting("StudySessionHeld", date(2014, 5, 3), world.study(topic=f"第{i}次"))
        ),
    )
    assert all(isinstance(a, Answer) for a in answers), answers
    assert sorted(a.version for a in answers) == list(range(version + 1, version + 9))
    assert len({a.position for a in answers}) == 8
    assert world.branch_work().version == version + 8


# -- batches ---------------------------------------------------------------------------------


def test_a_batch_with_bad_items_stores_nothing_and_reports_every_bad_index(world: World) -> None:
    stored = world.stored()
    batch = [
        Posting("StudySessionHeld", date(2014, 5, 1), world.study()),
        Posting("StudySessionHeld", date(2014, 5, 1), {**world.study(), "participants": -1}),
        Posting("HeartToHeartTalksHeld", date(2014, 5, 2), {**ids(world), "talks": 0}),
        Posting("NoSuchThing", date(2014, 5, 2), {}),
        Posting("StudySessionHeld", date(2014, 7, 1), world.study()),
    ]
    with pytest.raises(BatchRejected) as caught:
        world.service.post_batch(SECRETARY, batch)
    errors = {i: (type(e), e.field, e.rule) for i, e in caught.value.errors}  # type: ignore[attr-defined]
    assert errors == {
        1: (InvalidValue, "participants", "non_negative"),
        2: (InvalidValue, "talks", "positive"),
        3: (InvalidValue, "type", "known_event_type"),
        4: (InvalidValue, "occurred_on", "not_in_future"),
    }
    assert world.stored() == stored
    assert branch_work_id(world.campaign_id, world.branch_id) not in world.ledger.repository


def test_a_good_batch_is_stored_in_order(world: World) -> None:
    answers = world.service.post_batch(
        SECRETARY,
        [
            Posting(
                "PlanSubmitted",
                date(2014, 4, 14),
                {**ids(world), "goals": "g", "measures": "m", "schedule": "s"},
            ),
            Posting("PlanApproved", date(2014, 4, 15), {**ids(world)}),
        ],
    )
    assert [a.version for a in answers] == [2, 3]
    assert answers[0].position < answers[1].position
    assert world.branch_work().plan_status() == "approved"


def ids(world: World) -> dict[str, UUID]:
    return {"campaign_id": world.campaign_id, "branch_id": world.branch_id}


def test_batch_idempotency_key_replays_the_first_answers(world: World) -> None:
    batch = [
        Posting("StudySessionHeld", date(2014, 5, 1), world.study(topic="一")),
        Posting("StudySessionHeld", date(2014, 5, 2), world.study(topic="二")),
    ]
    first = world.service.post_batch(SECRETARY, batch, idempotency_key="batch-9")
    stored = world.stored()
    again = world.service.post_batch(SECRETARY, batch, idempotency_key="batch-9")
    assert [a.replayed for a in again] == [True, True]
    assert [(a.event_id, a.version, a.position) for a in again] == [
        (a.event_id, a.version, a.position) for a in first
    ]
    assert world.stored() == stored
    refused(
        Conflict,
        "Idempotency-Key",
        "same_content_on_retry",
        lambda: world.service.post_batch(SECRETARY, batch[:1], idempotency_key="batch-9"),
    )
    assert world.stored() == stored


def test_batch_reusing_a_client_event_id_is_refused(world: World) -> None:
    batch = [
        Posting("StudySessionHeld", date(2014, 5, 1), world.study(topic="一"), "same"),
        Posting("StudySessionHeld", date(2014, 5, 2), world.study(topic="二"), "same"),
    ]
    with pytest.raises(BatchRejected) as caught:
        world.service.post_batch(SECRETARY, batch)
    [(index, error)] = caught.value.errors
    assert index == 1 and isinstance(error, Conflict) and error.rule == "unique_in_batch"


def test_empty_batch_is_refused(world: World) -> None:
    refused(InvalidValue, "events", "non_empty", lambda: world.service.post_batch(SECRETARY, []))


# -- If-Match --------------------------------------------------------------------------------


def test_expected_version_mismatch_is_a_failed_precondition(world: World) -> None:
    first = world.post("StudySessionHeld", world.study())
    assert first.version == 2
    stored = world.stored()
    with pytest.raises(PreconditionFailed) as caught:
        world.post("StudySessionHeld", world.study(), expected_version=1)
    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert caught.value.aggregate_id == first.aggregate_id
    assert world.stored() == stored
    assert world.post("StudySessionHeld", world.study(), expected_version=2).version == 3


# -- cost independent of history -------------------------------------------------------------


def test_a_post_neither_copies_nor_replays_the_facts_already_held(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.service = LedgerService(world.ledger, today=lambda: TODAY)  # the fast writer's
    from taizhang.domain import base

    for start in (0, 1000):
        world.service.post_batch(
            SECRETARY,
            [
                Posting("OptionalActionRecorded", date(2014, 5, 1), {**ids(world), "title": f"{n}"})
                for n in range(start, start + 1000)
            ],
        )
    written: list[Any] = []
    decoded: list[Any] = []
    append, decode = base._Log.append, world.ledger.mapper.to_domain_event

    def counting_append(log: Any, event_id: Any, fact: Any) -> None:
        written.append(event_id)
        append(log, event_id, fact)

    def counting_decode(stored: Any) -> Any:
        decoded.append(stored)
        return decode(stored)

    monkeypatch.setattr(base._Log, "append", counting_append)
    monkeypatch.setattr(world.ledger.mapper, "to_domain_event", counting_decode)

    fast = world.post("OptionalActionRecorded", {**ids(world), "title": "快"})
    assert fast.version == 2002
    assert (len(written), len(decoded)) == (1, 0)

    # Another process moves the branch's work on: this one's cached state is stale, the
    # save collides, and the careful retry reads only the event it had not seen.
    other = Ledger(settings)
    try:
        make_service(other, today=lambda: TODAY).post(
            SECRETARY,
            Posting("OptionalActionRecorded", date(2014, 5, 1), {**ids(world), "title": "他"}),
        )
    finally:
        other.close()
    written.clear()
    careful = world.post("OptionalActionRecorded", {**ids(world), "title": "慢"})
    assert careful.version == 2004
    assert len(written) <= 3 and len(decoded) <= 3, (len(written), len(decoded))
    titles = [f.title for f in world.branch_work().facts.values()]
    assert titles[-3:] == ["快", "他", "慢"] and len(titles) == 2003


def test_concurrent_batches_of_two_processes_on_the_same_branches_all_succeed(
    world: World, settings: Settings
) -> None:
    second = world.register_branch("另一公司党支部")
    world.enrol(second)
    branches = (world.branch_id, second)
    other = Ledger(settings)
    services = (world.service, make_service(other, today=lambda: TODAY))

    def batch(i: int) -> list[Answer]:
        postings = [
            Posting(
                "OptionalActionRecorded",
                date(2014, 5, 1),
                {"campaign_id": world.campaign_id, "branch_id": b, "title": f"{i}-{n}"},
            )
            for n in range(20)
            for b in branches
        ]
        return services[i % 2].post_batch(SECRETARY, postings)

    try:
        results = run_in_threads(4, batch)
    finally:
        other.close()
    assert all(isinstance(r, list) for r in results), results
    for branch_id in branches:
        work: BranchWork = world.ledger.repository.get(branch_work_id(world.campaign_id, branch_id))
        versions = sorted(a.version for r in results for a in r if a.aggregate_id == work.id)
        assert versions == list(range(2, 2 + 80)) and work.version == 81
        titles = sorted(f.title for f in work.facts.values())
        assert titles == sorted(f"{i}-{n}" for i in range(4) for n in range(20))


def test_a_batch_consults_a_campaign_no_older_than_a_single_post_does(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process withdraws the branch after this one cached the campaign: a batch must
    # not admit the branch's facts on the cached enrolment once it is older than allowed
    # (0 s here, so any cached state counts as old without sleeping).
    ids = {"campaign_id": world.campaign_id, "branch_id": world.branch_id}

    def batch(tag: str) -> list[Posting]:
        return [
            Posting("OptionalActionRecorded", date(2014, 5, 1), {**ids, "title": f"{tag}{n}"})
            for n in range(2)
        ]

    world.service.post_batch(SECRETARY, batch("warm"))
    other = Ledger(settings)
    try:
        make_service(other, today=lambda: TODAY).post(
            SECRETARY, Posting("BranchWithdrawn", date(2014, 6, 1), {**ids, "reason": "撤出"})
        )
    finally:
        other.close()
    monkeypatch.setattr(unit_of_work, "CONSULT_MAX_AGE_SECONDS", 0.0)
    with pytest.raises(BatchRejected) as caught:
        world.service.post_batch(SECRETARY, batch("after-withdrawal"))
    assert "not enrolled" in str(caught.value)
    work: BranchWork = world.ledger.repository.get(
        branch_work_id(world.campaign_id, world.branch_id)
    )
    assert sorted(f.title for f in work.facts.values()) == ["warm0", "warm1"]


def test_turns_that_ran_out_leave_no_lock_held(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.is_postgres:
        pytest.skip("turns between processes are PostgreSQL advisory locks")
    import psycopg

    ledger = Ledger(settings)
    monkeypatch.setattr(ledger_module, "TURN_WAIT_MS", 300)
    held_elsewhere = psycopg.connect(settings.psycopg_conninfo(), autocommit=True)
    first, second = UUID(int=1), UUID(int=2)
    locks = ledger_module.turn_keys([first, second])
    assert locks is not None
    *_, first_key, second_key = locks.keys
    try:
        # The second aggregate's lock is taken by another session: the wait runs out after
        # the stripes and the first one's were taken.
        held_elsewhere.execute(
            "SELECT pg_advisory_lock(%s, %s)", (ledger_module.TURN_LOCK_CLASS, second_key)
        )
        with ledger.turns([first, second]):
            pass
        held_elsewhere.execute("SELECT pg_advisory_unlock_all()")
        taken = held_elsewhere.execute(
            "SELECT pg_try_advisory_lock(%s, %s), pg_try_advisory_lock(%s, %s)",
            (ledger_module.TURN_LOCK_CLASS, first_key, ledger_module.TURN_STRIPE_CLASS, 1),
        ).fetchone()
        assert taken == (True, True), "locks still held by a pooled connection"
    finally:
        held_elsewhere.close()
        ledger.close()


def test_batches_on_different_aggregates_hold_their_turns_at_once(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers of 250 aggregates each, none shared: neither waits for the other.

    With turns striped over 256 locks, two such batches shared a stripe nearly always, and
    every batch of the district waited for the one before it."""
    import psycopg

    ledger = Ledger(postgres_settings)
    monkeypatch.setattr(ledger_module, "TURN_WAIT_MS", 300)
    ours, theirs = [uuid4() for _ in range(250)], [uuid4() for _ in range(250)]
    try:
        with (
            ledger.turns(ours),
            ledger.turns(theirs),
            psycopg.connect(postgres_settings.psycopg_conninfo(), autocommit=True) as looking,
        ):
            held = looking.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = %s AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())",
                (ledger_module.TURN_LOCK_CLASS,),
            ).fetchone()
        assert held == (500,)
    finally:
        ledger.close()


def test_a_writer_of_many_aggregates_and_one_of_few_take_turns_on_those_they_share(
    postgres_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locked as stripes by one and one by one by the other, a shared aggregate still makes
    the second writer wait (until its bounded wait runs out, here)."""
    ledger = Ledger(postgres_settings)
    monkeypatch.setattr(ledger_module, "TURN_WAIT_MS", 400)
    many = [uuid4() for _ in range(ledger_module.TURN_LOCKS_MAX + 44)]
    try:
        with ledger.turns(many):
            started = time.monotonic()
            with ledger.turns(many[:10]):
                waited = time.monotonic() - started
        assert waited >= 0.35
        # Nor the other way round.
        with ledger.turns(many[:10]):
            started = time.monotonic()
            with ledger.turns(many):
                waited = time.monotonic() - started
        assert waited >= 0.35
    finally:
        ledger.close()


def test_a_cache_smaller_than_the_work_evicts_and_loses_nothing(settings: Settings) -> None:
    """Posts and batches over more events than the cache may hold: evicted aggregates are
    read again, every fact counts once, and the cache never holds more than its budget."""
    w = World(dataclasses.replace(settings, cache_events=6))
    try:
        branches = [w.branch_id] + [w.register_branch(f"第{i}党支部") for i in range(3)]
        w.enrol(*branches[1:])
        for round_ in range(3):
            for branch in branches:
                w.post("StudySessionHeld", {**w.study(), "branch_id": branch})
                assert w.ledger.cache.events <= 6
            w.service.post_batch(
                SECRETARY,
                [
                    Posting(
                        "HeartToHeartTalksHeld",
                        date(2014, 5, 2),
                        {"campaign_id": w.campaign_id, "branch_id": b, "talks": round_ + 1},
                    )
                    for b in branches
                ],
            )
            assert w.ledger.cache.events <= 6
        for branch in branches:
            work: BranchWork = w.ledger.repository.get(branch_work_id(w.campaign_id, branch))
            assert len(work.facts) == 6
            assert work.version == 1 + 6  # opened, then three studies and three talks
    finally:
        w.ledger.close()


def _forget_cached(world: World) -> None:
    """As after the branch's work was evicted, or in another process."""
    world.ledger.cache = AggregateCache(world.ledger.settings.cache_events)


def test_a_fact_on_an_uncached_branch_work_is_stored_without_reading_its_history(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        world.work("StudySessionHeld", **world.study())
    _forget_cached(world)
    read: list[UUID] = []
    real_fresh = world.ledger.fresh
    monkeypatch.setattr(world.ledger, "fresh", lambda i: read.append(i) or real_fresh(i))

    answer = world.work("MobilizationMeetingHeld", participants=9)

    work_id = branch_work_id(world.campaign_id, world.branch_id)
    assert read == [] and work_id not in world.ledger.cache
    assert (answer.aggregate_id, answer.version) == (work_id, 5)  # opened, 3 studies, meeting
    stored = world.branch_work()
    assert stored.version == 5 and len(stored.facts) == 4
    assert isinstance(stored.facts.values()[-1], BranchWork.MobilizationMeetingHeld)


def test_rules_that_need_the_facts_hold_on_an_uncached_branch_work(world: World) -> None:
    plan = {"goals": "g", "measures": "m", "schedule": "s"}
    world.work("PlanSubmitted", **plan)
    _forget_cached(world)
    again = lambda: world.work("PlanSubmitted", **plan)  # noqa: E731
    refused(RuleViolation, "plan", "not_awaiting_review", again)
    _forget_cached(world)
    approved = world.work("PlanApproved")
    assert approved.version == 3
    assert world.branch_work().plan_status() == "approved"
    # A fact checked against nothing earlier, after that: stored on the version it follows.
    _forget_cached(world)
    assert world.work("HeartToHeartTalksHeld", talks=2).version == 4


def test_a_batch_on_uncached_branch_works_reads_versions_not_histories(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.service = LedgerService(world.ledger, today=lambda: TODAY)  # the fast writer's
    other = world.register_branch("另一公司党支部")
    world.enrol(other)
    world.work("StudySessionHeld", **world.study())
    _forget_cached(world)
    preloaded: list[set[UUID]] = []
    real_preload = world.ledger.preload
    monkeypatch.setattr(
        world.ledger, "preload", lambda ids: preloaded.append(set(ids)) or real_preload(ids)
    )
    work_id = branch_work_id(world.campaign_id, world.branch_id)
    new_work = branch_work_id(world.campaign_id, other)
    talks = {"campaign_id": world.campaign_id, "talks": 1}
    answers = world.service.post_batch(
        SECRETARY,
        [
            Posting("HeartToHeartTalksHeld", date(2014, 5, 2), {**talks, "branch_id": b})
            for b in (world.branch_id, other, world.branch_id)
        ],
    )
    # The existing work's history was not read; the new one was opened.
    assert work_id not in set().union(*preloaded) and new_work in set().union(*preloaded)
    assert [(a.aggregate_id, a.version) for a in answers] == [
        (work_id, 3),
        (new_work, 2),
        (work_id, 4),
    ]
    assert len(world.branch_work().facts) == 3
    # A batch whose rule needs the facts is still judged on them.
    plan = {"campaign_id": world.campaign_id, "branch_id": world.branch_id}
    plan |= {"goals": "g", "measures": "m", "schedule": "s"}
    world.service.post_batch(SECRETARY, [Posting("PlanSubmitted", date(2014, 5, 3), plan)])
    _forget_cached(world)
    with pytest.raises(BatchRejected) as rejected:
        world.service.post_batch(SECRETARY, [Posting("PlanSubmitted", date(2014, 5, 3), plan)])
    ((index, error),) = rejected.value.errors
    assert index == 0 and (error.field, error.rule) == ("plan", "not_awaiting_review")


def test_the_log_head_is_the_last_position_stored(world: World) -> None:
    ledger = world.ledger
    before = ledger.log_head()
    assert before == (ledger.recorder.max_notification_id() or 0) > 0
    world.register_branch("第九党支部")
    assert ledger.log_head() > before
    assert ledger.log_head() == ledger.recorder.max_notification_id()
