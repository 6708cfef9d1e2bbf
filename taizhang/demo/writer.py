"""One branch's work in the campaign, built through the domain's commands: the eight ones."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import Any
from uuid import UUID

from taizhang.demo.data import (
    _PROBLEMS,
    _SHOWN_FORMATIONS,
    _SHOWN_RECTIFICATIONS,
    _STUDY_TOPICS,
    CAMPAIGN_ENDS,
    CAMPAIGN_STARTS,
    DEMO_TODAY,
    OFFICE_ACTOR,
    OFFICE_SOURCE,
    PARTY_PORTAL,
    _after,
    _between,
    _demo_uuid,
    _person,
    showcase,
)
from taizhang.demo.later_work import LaterWork
from taizhang.demo.organizations import (
    BranchState,
    DemoGenerator,
)
from taizhang.demo.rectifications import Rectifications
from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.problem import Problem
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import (
    BranchLevel,
    Formation,
    HostCategory,
    OpinionSource,
)


class BranchWorkWriter(Rectifications, LaterWork):
    """One branch's work in the campaign by mid-June, built through the domain commands."""

    def __init__(self, generator: DemoGenerator, state: BranchState) -> None:
        assert generator.campaign is not None
        self.g = generator
        self.state = state
        self.branch = state.aggregate
        self.campaign = generator.campaign
        self.show = showcase(state.index)
        self.rng = Random(f"taizhang-demo/{generator.seed}/work/{state.index}")
        self.work: BranchWork | None = None
        self.problems: list[Problem] = []
        self.start = CAMPAIGN_STARTS
        self.until = DEMO_TODAY
        # How far along the branch is: a diligent branch does more, and on time.
        self.diligence = self.rng.random()
        if "diligent" in self.show:
            self.diligence = 1.0
        elif "lazy" in self.show:
            self.diligence = 0.0
        elif self.show - {"enterprise", "social"} - set(_SHOWN_FORMATIONS):
            # A branch showing a mistake or a step must have done the work it concerns.
            self.diligence = max(self.diligence, 0.9)
        self.enterprise = self.branch.host_category is HostCategory.NON_PUBLIC_ENTERPRISE
        self.members = self.branch.full_members + self.branch.probationary_members

    # -- helpers -------------------------------------------------------------------------

    def reaches(self, threshold: float) -> bool:
        return self.diligence + self.rng.uniform(-0.12, 0.12) > threshold

    def late(self) -> bool:
        return self.rng.random() < 0.4 * (1 - self.diligence) and "diligent" not in self.show

    def when(self, lo: date, hi: date) -> date:
        lo = max(lo, self.start)
        return _between(self.rng, lo, max(hi, lo))

    def after(self, on: date, lo: int, hi: int) -> date:
        return _after(self.rng, on, lo, hi)

    def p(self, on: date, actor: str | None = None, source: str | None = None) -> Provenance:
        return self.g.provenance(
            self.rng, on, actor or f"书记 {self.state.secretary}", source or self.state.source
        )

    def fact(self, on: date, command: str, *, actor: str | None = None, **data: Any) -> Any:
        """Run a command on the branch's work; the fact, or None if it falls after today."""
        if on > self.until:
            return None
        provenance = self.p(on, actor)
        if self.work is None:
            # Opened by its first fact (as the service does), under an event id of its own.
            self.work = BranchWork.open(self.p(on, actor), self.campaign.id, self.branch.id)
        getattr(self.work, command)(provenance, **data)
        return self.work.pending_events[-1]

    def changed(self) -> list[LedgerAggregate]:
        found: list[LedgerAggregate] = [self.branch]
        if self.work is not None:
            found.append(self.work)
        found.extend(self.problems)
        found.append(self.campaign)
        return found

    def neighbours(self, most: int) -> list[UUID]:
        pool = [b for b in self.state.committee.small_branch_ids if b != self.branch.id]
        return self.rng.sample(pool, min(len(pool), self.rng.randint(1, most)))

    @property
    def organizer(self) -> str:
        return self.state.committee.organizer

    # -- the timeline --------------------------------------------------------------------

    def write(self) -> None:
        rng = self.rng
        withdrawn_on = None
        if (rng.random() < 0.003 and not self.show) or "withdrawn" in self.show:
            # The host closed down mid-campaign: the branch leaves the campaign.
            withdrawn_on = _between(rng, date(2014, 5, 20), date(2014, 6, 10))
            self.until = withdrawn_on - timedelta(days=1)
        surveyed = self.baseline_survey()
        awaiting = surveyed is not None and self.branch.is_rectification_target
        if awaiting and surveyed is not None and not self.reorganize(surveyed):
            self.supervision_visits()
            return
        if surveyed is not None:
            self.activity_plan(max(surveyed, self.start))
        if self.reaches(0.08):
            self.mobilization()
        self.thematic_study()
        self.investigation()
        self.life_meeting()
        self.problem_list()
        self.work_systems()
        self.service_work()
        self.optional_actions()
        self.supervision_visits()
        self.corrections()
        self.branch_changes()
        if withdrawn_on is not None:
            self.campaign.withdraw_branch(
                self.p(withdrawn_on, OFFICE_ACTOR, OFFICE_SOURCE),
                self.branch.id,
                "出资企业已注销，党组织关系整体转出",
            )

    def baseline_survey(self) -> date | None:
        if not self.reaches(0.03) and "target" not in self.show:
            return None
        # Only branches chosen to show it are weak, so the others show what they should.
        weak = self.rng.random() < 0.04 if not self.show else "target" in self.show
        on = (
            self.when(CAMPAIGN_STARTS, date(2014, 4, 13))
            if weak or not self.late()
            else self.when(date(2014, 4, 16), date(2014, 5, 10))
        )
        self.fact(
            on,
            "record_baseline_survey",
            leadership_complete=not weak or self.rng.random() < 0.5,
            full_members=self.branch.full_members,
            probationary_members=self.branch.probationary_members,
            weak_and_lax=weak,
            findings="班子不健全，组织生活长期不正常" if weak else "班子健全，党员队伍稳定",
        )
        if weak:
            self.branch.designate_rectification_target(
                self.p(on, self.organizer, PARTY_PORTAL),
                "摸底排查发现：书记长期不在岗，组织生活不正常",
            )
        return on

    def reorganize(self, surveyed: date) -> bool:
        if "target" in self.show:
            if "reorganized" not in self.show:
                return False
        elif self.rng.random() < 0.2:
            return False  # still awaiting reorganization in mid-June
        on = self.after(surveyed, 7, 35)
        if on > self.until:
            return False
        self.branch.reorganize(
            self.p(on, self.organizer, PARTY_PORTAL),
            leadership_completed=True,
            secretary_replaced=self.rng.random() < 0.7,
            notes="调整充实班子，选派党建指导员跟班指导",
        )
        self.start = on
        return True

    def activity_plan(self, surveyed: date) -> None:
        if not self.reaches(0.06):
            return
        submitted = self.after(surveyed, 1, 4) if not self.late() else self.after(surveyed, 8, 30)
        plan = {
            "goals": "提高党员素质，解决群众反映强烈的突出问题",
            "measures": "落实“八个一”规定动作，结合企业实际开展自选动作",
            "schedule": "4月动员学习，5月调查研究，6月查摆问题，7-9月整改落实",
        }
        if self.fact(submitted, "submit_plan", **plan) is None:
            return
        if self.rng.random() < 0.15 or "plan_returned" in self.show:
            returned = self.after(submitted, 1, 5)
            reasons = "活动安排不具体，未体现联系服务群众的内容"
            if self.fact(returned, "return_plan", actor=self.organizer, reasons=reasons) is None:
                return
            submitted = self.after(returned, 2, 8)
            if self.fact(submitted, "submit_plan", **plan) is None:
                return
        if self.reaches(0.12):
            self.fact(
                self.after(submitted, 1, 5),
                "approve_plan",
                actor=self.organizer,
                remarks="同意按计划实施",
            )

    def mobilization(self) -> None:
        rng = self.rng
        on = (
            self.when(date(2014, 4, 12), date(2014, 4, 20))
            if not self.late()
            else self.when(date(2014, 4, 21), date(2014, 5, 31))
        )
        joint = self.neighbours(3) if self.members < 5 and rng.random() < 0.5 else []
        remote = rng.randint(1, self.members) if self.branch.formation is Formation.MOBILE else 0
        # The upper level sends the committee's organizer (a post, named by the actor) or
        # the instructor (a person, by pseudonymous id).
        instructor = self.state.instructor.person
        self.fact(
            on,
            "hold_mobilization_meeting",
            participants=self.members + rng.randint(0, 10),
            joint_with=joint,
            upper_level_attendee=rng.choice(("", instructor)),
            remote_members_reached=remote,
            form="与周边小微企业党组织联合召开" if joint else "集中召开动员大会",
        )

    def thematic_study(self) -> None:
        rng = self.rng
        if not self.reaches(0.1):
            return
        # Study goes on all campaign long: party groups meet about weekly.
        on = self.when(date(2014, 4, 14), date(2014, 4, 30))
        for _ in range(4 + int(self.diligence * 10) + rng.randint(0, 3)):
            if on > self.until:
                break
            half_day = rng.random() < 0.6
            self.fact(
                on,
                "hold_study_session",
                topic=rng.choice(_STUDY_TOPICS),
                days=Decimal("0.5") if half_day else Decimal(1),
                hours=Decimal(rng.choice((2, 3, 4))) if half_day else Decimal(6),
                participants=max(1, self.members - rng.randint(0, 3)),
            )
            on = self.after(on, 3, 8)
        # Secretaries are trained by the district, two days in one of its sessions.
        if self.reaches(0.15):
            sessions = [date(2014, 4, 17), date(2014, 4, 24), date(2014, 4, 28)]
            start = rng.choice(sessions) if not self.late() else date(2014, 5, 15)
            start = max(start, self.start)
            if rng.random() < 0.85 or "diligent" in self.show:
                self.fact(
                    start,
                    "hold_secretary_training",
                    days=Decimal(2),
                    hours=Decimal(14),
                )
            else:
                # Only one day attended so far: not yet the two days required.
                self.fact(
                    start,
                    "hold_secretary_training",
                    days=Decimal(1),
                    hours=Decimal(7),
                )

    def investigation(self) -> None:
        rng = self.rng
        if self.reaches(0.3):
            sources = (
                [
                    OpinionSource.INVESTORS,
                    OpinionSource.EMPLOYEES,
                    OpinionSource.MEMBERS,
                    OpinionSource.SERVED_PEOPLE,
                ]
                if self.enterprise
                else [
                    OpinionSource.HEADS,
                    OpinionSource.COMPETENT_UNIT,
                    OpinionSource.MEMBER_UNITS,
                    OpinionSource.MEMBERS,
                    OpinionSource.SERVED_PEOPLE,
                ]
            )
            for _ in range(rng.randint(1, 5)):
                self.fact(
                    self.when(date(2014, 4, 25), date(2014, 6, 14)),
                    "collect_opinions",
                    count=rng.randint(8, 30 + self.branch.employees // 10),
                    sources=rng.sample(sources, rng.randint(2, len(sources))),
                    summary="通过座谈会、意见箱、个别访谈征集意见建议",
                )
        if self.reaches(0.38):
            found = rng.choice((0, 0, 1, 2, 3, 5))
            self.fact(
                self.when(date(2014, 5, 1), date(2014, 6, 14)),
                "screen_conflicts",
                disputes_found=found,
                disputes_resolved=rng.randint(0, found),
                summary="开展矛盾纠纷排查，重点关注劳资纠纷",
            )

    def life_meeting(self) -> None:
        rng = self.rng
        if not self.reaches(0.5):
            return
        talked = self.when(date(2014, 5, 10), date(2014, 6, 5))
        if self.fact(talked, "hold_heart_to_heart_talks", talks=max(1, self.members)) is None:
            return
        if not self.reaches(0.62):
            return
        met = self.after(talked, 3, 8)
        held = self.fact(
            met,
            "hold_organizational_life_meeting",
            participants=self.members,
            self_examination=True,
            criticism=rng.random() < 0.95,
            members_evaluated=self.branch.full_members,
            materials=(
                "党委班子对照检查材料"
                if self.branch.level is BranchLevel.PARTY_COMMITTEE
                else "书记个人对照检查发言提纲"
            ),
        )
        if held is not None and self.reaches(0.66):
            self.fact(
                self.after(met, 1, 2),
                "make_life_meeting_result_known",
                how=rng.choice(("在单位公告栏公示", "党员大会通报", "在党员微信群通报")),
            )

    def problem_list(self) -> None:
        rng = self.rng
        if not self.reaches(0.35):
            return
        listed = self.when(date(2014, 4, 28), date(2014, 6, 10))
        if "rectified" in self.show:
            listed = max(self.start, date(2014, 5, 6))
        if listed > self.until:
            return
        categories = list(_PROBLEMS)
        for number in range(4 + int(self.diligence * 5) + rng.randint(0, 3)):
            category = (
                categories[number % len(categories)] if number < 5 else rng.choice(categories)
            )
            description, measures = rng.choice(_PROBLEMS[category])
            on = listed if number < 4 else self.after(listed, 0, 3)
            if on > self.until:
                break
            problem = Problem.list_on_branch(
                self.p(on),
                campaign_id=self.campaign.id,
                branch_id=self.branch.id,
                category=category,
                description=description,
                measures=measures,
                responsible_person=rng.choice((self.state.secretary, _person(rng))),
                # Some deadlines are short, and have passed by mid-June.
                deadline=min(CAMPAIGN_ENDS, self.after(on, 10, 110)),
                id=_demo_uuid(rng),
            )
            self.problems.append(problem)
            if "rectified" in self.show and number < len(_SHOWN_RECTIFICATIONS):
                self.show_rectification(problem, on, _SHOWN_RECTIFICATIONS[number])
            else:
                self.rectify(problem, on)
        if self.reaches(0.48):
            self.fact(
                self.after(listed, 1, 8),
                "publicize_problem_list",
                how=rng.choice(
                    ("在厂区公告栏公示7天", "在单位网站和公告栏公示", "在员工大会上公布")
                ),
            )
