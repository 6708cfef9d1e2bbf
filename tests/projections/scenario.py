"""A small district posted through the service, for the projection tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from taizhang.config import Settings
from taizhang.demo import DemoSummary, generate
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.worker import Worker
from taizhang.service import Answer, Caller, LedgerService, Posting

TODAY = date(2014, 6, 15)
# Until migration 0002 lands, "head" is ambiguous; 0001 is all the read models need.
MIGRATION = "head"
CALLER = Caller(actor="张书记", source="test")


@dataclass
class District:
    service: LedgerService
    district: UUID = field(default_factory=uuid4)
    town: UUID = field(default_factory=uuid4)
    sector: UUID = field(default_factory=uuid4)
    campaign: UUID = field(default_factory=uuid4)
    group: UUID = field(default_factory=uuid4)
    branches: dict[str, UUID] = field(default_factory=dict)

    def post(self, type_: str, on: date, **data: Any) -> Answer:
        return self.service.post(CALLER, Posting(type_, on, data))

    def work(self, type_: str, branch: str, on: date, **data: Any) -> Answer:
        return self.post(
            type_, on, campaign_id=self.campaign, branch_id=self.branches[branch], **data
        )

    def branch(
        self, name: str, committee: UUID, category: str, formation: str = "standalone"
    ) -> UUID:
        branch_id = self.post(
            "BranchRegistered",
            date(2014, 3, 1),
            district_id=self.district,
            committee_id=committee,
            name=name,
            level="branch",
            formation=formation,
            host_name=f"{name} host",
            host_category=category,
            employees=60,
            full_members=5 if formation == "standalone" else 2,
        ).aggregate_id
        self.branches[name] = branch_id
        return branch_id


def make_district(
    settings: Settings, today: date = TODAY, service: LedgerService | None = None
) -> District:
    """A new district (new ids); ``service``: post through this one (its database is
    migrated already) instead of a new one."""
    if service is None:
        upgrade(settings, MIGRATION)
        service = make_service(Ledger(settings), today=lambda: today)
    d = District(service)
    # The ids are the service's to make.
    d.district = d.post(
        "DistrictRegistered", date(2014, 3, 1), name="番禺区", code="440113"
    ).aggregate_id
    d.town = d.post(
        "CommitteeRegistered",
        date(2014, 3, 1),
        district_id=d.district,
        name="大石街道",
        kind="subdistrict",
    ).aggregate_id
    d.sector = d.post(
        "CommitteeRegistered",
        date(2014, 3, 1),
        district_id=d.district,
        name="区非公党工委",
        kind="non_public_sector",
    ).aggregate_id
    d.branch("a", d.town, "non_public_enterprise")
    d.branch("b", d.town, "social_organization", "joint")
    d.branch("c", d.sector, "non_public_enterprise")
    phases = list(EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, date(2014, 9, 30)))
    d.campaign = d.post(
        "CampaignDefined",
        date(2014, 4, 1),
        district_id=d.district,
        name="2014 教育实践活动",
        starts_on=date(2014, 4, 1),
        ends_on=date(2014, 9, 30),
        phases=phases,
        template_key="eight_ones",
    ).aggregate_id
    d.post(
        "BranchesEnrolled",
        date(2014, 4, 1),
        campaign_id=d.campaign,
        branch_ids=list(d.branches.values()),
    )
    d.group = d.post(
        "SupervisionGroupRegistered",
        date(2014, 4, 1),
        district_id=d.district,
        name="第一督导组",
        kind="supervision",
    ).aggregate_id
    d.post(
        "ScopeAssigned",
        date(2014, 4, 2),
        group_id=d.group,
        committee_ids=[d.sector],
        branch_ids=[d.branches["b"]],
    )
    return d


def story(d: District) -> dict[str, Any]:
    """Branch a does everything; b some of it late; c nothing. Returns ids for corrections."""
    ids: dict[str, Any] = {}
    d.work(
        "BaselineSurveyRecorded",
        "a",
        date(2014, 4, 10),
        leadership_complete=True,
        full_members=5,
        probationary_members=1,
        weak_and_lax=False,
    )
    d.work("PlanSubmitted", "a", date(2014, 4, 12), goals="g", measures="m", schedule="s")
    d.work("PlanApproved", "a", date(2014, 4, 14))
    d.work("MobilizationMeetingHeld", "a", date(2014, 4, 18), participants=20)
    ids["study"] = d.work(
        "StudySessionHeld",
        "a",
        date(2014, 4, 22),
        topic="t",
        days=Decimal("1.5"),
        hours=Decimal(6),
        participants=18,
    ).event_id
    d.work("SecretaryTrainingHeld", "a", date(2014, 4, 25), days=Decimal(2), hours=Decimal(16))
    d.work("OpinionsCollected", "a", date(2014, 5, 5), count=12, sources=["members", "employees"])
    d.work("ConflictScreeningDone", "a", date(2014, 5, 6), disputes_found=2, disputes_resolved=1)
    d.work("HeartToHeartTalksHeld", "a", date(2014, 5, 10), talks=5)
    d.work(
        "OrganizationalLifeMeetingHeld",
        "a",
        date(2014, 5, 20),
        participants=5,
        self_examination=True,
        criticism=True,
        members_evaluated=5,
    )
    d.work("LifeMeetingResultMadeKnown", "a", date(2014, 5, 22), how="公告栏")
    problem = d.post(
        "ProblemListed",
        date(2014, 5, 25),
        campaign_id=d.campaign,
        branch_id=d.branches["a"],
        category="four_winds",
        description="会议多",
        measures="精简",
        responsible_person="P000101",
        deadline=date(2014, 6, 30),
    ).aggregate_id
    ids["problem"] = problem
    late = d.post(
        "ProblemListed",
        date(2014, 5, 26),
        campaign_id=d.campaign,
        branch_id=d.branches["a"],
        category="mass_interests",
        description="服务少",
        measures="增加",
        responsible_person="P000102",
        deadline=date(2014, 6, 1),
    ).aggregate_id
    ids["late_problem"] = late
    d.post("RectificationStarted", date(2014, 5, 27), problem_id=problem)
    d.post("RectificationDone", date(2014, 6, 10), problem_id=problem, outcome="已精简")
    d.work("ProblemListPublicized", "a", date(2014, 5, 28), how="公示栏")
    system = uuid4()
    d.work(
        "WorkSystemChanged",
        "a",
        date(2014, 6, 1),
        system_id=system,
        name="三会一课",
        change="established",
    )
    d.work(
        "WorkSystemChanged",
        "a",
        date(2014, 6, 2),
        system_id=uuid4(),
        name="学习制度",
        change="established",
    )
    d.work(
        "VolunteerTeamSetUp",
        "a",
        date(2014, 6, 3),
        team_id=uuid4(),
        name="志愿队",
        service_kinds=["养老助老"],
        members=6,
    )
    commitment = uuid4()
    d.work(
        "ServiceCommitmentMade",
        "a",
        date(2014, 6, 3),
        commitment_id=commitment,
        member="P000103",
        content="助老",
    )
    d.work(
        "ServiceCommitmentMade",
        "a",
        date(2014, 6, 3),
        commitment_id=uuid4(),
        member="P000104",
        content="助学",
    )
    d.work("ServiceCommitmentFulfilled", "a", date(2014, 6, 12), commitment_id=commitment)
    # b: baseline late (after 15 April), plan submitted but not approved.
    d.work(
        "BaselineSurveyRecorded",
        "b",
        date(2014, 4, 20),
        leadership_complete=True,
        full_members=2,
        probationary_members=0,
        weak_and_lax=False,
    )
    d.work("PlanSubmitted", "b", date(2014, 4, 21), goals="g", measures="m", schedule="s")
    ids["b_meeting"] = d.work(
        "MobilizationMeetingHeld", "b", date(2014, 4, 19), participants=9
    ).event_id
    return ids


def projected_demo(settings: Settings, branches: int = 60) -> DemoSummary:
    """The demo district (seed 2014) in a migrated database, projected."""
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(ledger, branches=branches, seed=2014)
    finally:
        ledger.close()
    worker = Worker(settings)
    try:
        worker.catch_up()
    finally:
        worker.close()
    return summary
