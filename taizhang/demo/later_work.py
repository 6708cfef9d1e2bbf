"""The demo branch's work after the problem list: work systems, volunteer service, optional
actions, supervision visits, corrections and changes to the branch. A part of
``writer.BranchWorkWriter``."""

from __future__ import annotations

from datetime import date, timedelta
from random import Random
from typing import Any

from taizhang.demo.data import (
    _COMMITMENTS,
    _OPTIONAL_ACTIONS,
    _SERVICE_KINDS,
    _SUPERVISION_FINDINGS,
    _WORK_SYSTEMS,
    CAMPAIGN_STARTS,
    OFFICE_ACTOR,
    OFFICE_SOURCE,
    PARTY_PORTAL,
    _demo_uuid,
    _person,
)
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.provenance import Provenance
from taizhang.domain.suggestions import suggestion_id
from taizhang.domain.vocabulary import (
    CommitteeKind,
    Formation,
    WorkSystemChange,
)


class LaterWork:
    def work_systems(self) -> None:
        rng = self.rng
        if not self.reaches(0.45):
            return
        if rng.random() < 0.04 or "systems_changed" in self.show:
            # An interim rule, recorded when the campaign began, replaced by a proper one.
            interim = _demo_uuid(rng)
            on = self.when(date(2014, 4, 12), date(2014, 4, 30))
            name = "临时党小组活动办法"
            self.fact(
                on,
                "change_work_system",
                system_id=interim,
                name=name,
                change=WorkSystemChange.ESTABLISHED,
            )
            self.fact(
                self.after(on, 14, 40),
                "change_work_system",
                system_id=interim,
                name=name,
                change=WorkSystemChange.ABOLISHED,
            )
        for number, name in enumerate(rng.sample(_WORK_SYSTEMS, rng.randint(1, 5))):
            system = _demo_uuid(rng)
            on = self.when(date(2014, 4, 20), date(2014, 5, 31))
            if (
                self.fact(
                    on,
                    "change_work_system",
                    system_id=system,
                    name=name,
                    change=WorkSystemChange.ESTABLISHED,
                )
                is None
            ):
                continue
            if rng.random() < 0.15 or ("systems_changed" in self.show and number == 0):
                self.fact(
                    self.after(on, 7, 14),
                    "change_work_system",
                    system_id=system,
                    name=name + "(修订)",
                    change=WorkSystemChange.REVISED,
                )

    def service_work(self) -> None:
        rng = self.rng
        # Social organizations' "three ones" include a volunteer team.
        if self.reaches(0.6 if self.enterprise else 0.3):
            for number in range(1 if rng.random() < 0.85 else 2):
                kinds = rng.sample(_SERVICE_KINDS, rng.randint(1, 3))
                self.fact(
                    self.when(date(2014, 4, 25), date(2014, 6, 14)),
                    "set_up_volunteer_team",
                    team_id=_demo_uuid(rng),
                    name=f"{self.branch.host_name[-8:]}党员{kinds[0]}志愿服务队"
                    + ("" if number == 0 else "(二队)"),
                    service_kinds=kinds,
                    members=self.members + rng.randint(0, 20),
                    joint_with=self.neighbours(2) if rng.random() < 0.15 else [],
                )
        # Each member makes one or two service commitments (000 §四), and fulfils some.
        if not self.reaches(0.3):
            return
        for _ in range(min(self.members, 80)):
            if rng.random() > 0.92:
                continue
            member = _person(rng)
            for content in rng.sample(_COMMITMENTS, rng.choice((1, 2))):
                commitment = _demo_uuid(rng)
                made = self.when(date(2014, 4, 22), date(2014, 6, 10))
                if (
                    self.fact(
                        made,
                        "make_service_commitment",
                        actor=f"党员 {member}",
                        commitment_id=commitment,
                        member=member,
                        content=content,
                    )
                    is None
                ):
                    continue
                if rng.random() < 0.5:
                    self.fact(
                        self.after(made, 3, 30),
                        "fulfil_service_commitment",
                        actor=f"党员 {member}",
                        commitment_id=commitment,
                        outcome="已兑现",
                    )

    def optional_actions(self) -> None:
        rng = self.rng
        if not self.reaches(0.4):
            return
        for title, description in rng.sample(_OPTIONAL_ACTIONS, rng.randint(1, 3)):
            self.fact(
                self.when(date(2014, 4, 20), date(2014, 6, 14)),
                "record_optional_action",
                title=title,
                description=description,
            )

    def supervision_visits(self) -> None:
        rng = self.rng
        if rng.random() > 0.35 and "target" not in self.show:
            return
        for _ in range(rng.randint(1, 3)):
            group = rng.choice(self.state.committee.groups)
            findings, suggestions = rng.choice(_SUPERVISION_FINDINGS)
            leader = f"{group.name}组长 {_person(rng)}"
            visit = self.fact(
                self.when(date(2014, 5, 5), date(2014, 6, 14)),
                "record_supervision_visit",
                actor=leader,
                group_id=group.id,
                findings=findings,
                suggestions=suggestions,
                suggestion_items=[suggestions],
            )
            if visit is not None:
                self.follow_up(visit, leader)

    def follow_up(self, visit: Any, leader: str) -> None:
        """What became of a visit's suggestion: answered by the committee (and mostly closed),
        passed on to the campaign office, or still open. Drawn from a stream of its own, so
        the rest of the branch's work is as it was without it."""
        follow = Random(f"taizhang-demo/follow-up/{visit.provenance.event_id}")
        item = suggestion_id(visit.provenance.event_id, 0)
        made_on = visit.provenance.occurred_on
        chance = follow.random()
        assert self.work is not None
        if chance < 0.55:
            on = made_on + timedelta(days=follow.randint(3, 25))
            if on <= self.until:
                self.work.answer_suggestion(
                    Provenance(_demo_uuid(follow), on, self.organizer, PARTY_PORTAL),
                    item_id=item,
                    answer="已按督导组意见落实，相关制度已完善",
                    closed=follow.random() < 0.75,
                )
        elif chance < 0.65:
            on = made_on + timedelta(days=follow.randint(1, 7))
            if on <= self.until:
                self.work.refer_suggestion(
                    Provenance(_demo_uuid(follow), on, leader, OFFICE_SOURCE),
                    item_id=item,
                    note="涉及场地和经费，需区委实践办协调",
                )

    def corrections(self) -> None:
        """A few wrong entries, corrected or withdrawn as people notice them."""
        rng = self.rng
        if self.work is None:
            return
        facts = list(self.work.facts.current.values())
        meetings = [f for f in facts if isinstance(f, BranchWork.MobilizationMeetingHeld)]
        studies = [f for f in facts if isinstance(f, BranchWork.StudySessionHeld)]
        roll = rng.random()
        if "corrections" in self.show:
            roll = 0.0
        elif "date_correction" in self.show:
            roll = 0.035
        if roll < 0.03 and meetings:
            meeting = meetings[0]
            self.fact(
                self.after(meeting.provenance.occurred_on, 1, 10),
                "correct",
                corrects=meeting.provenance.event_id,
                reason="参会人数录入有误",
                changes={"participants": meeting.participants + rng.randint(1, 5)},
            )
        elif roll < 0.045 and studies:
            study = studies[0]
            earlier = max(
                CAMPAIGN_STARTS, self.start, study.provenance.occurred_on - timedelta(days=1)
            )
            self.fact(
                self.after(study.provenance.occurred_on, 1, 5),
                "correct",
                corrects=study.provenance.event_id,
                reason="学习日期填错",
                changes={"occurred_on": earlier},
            )
        if (roll < 0.015 or 0.045 <= roll < 0.06) and studies:
            # The same session posted twice by two systems; the copy is withdrawn.
            study = studies[0]
            copy = self.fact(
                study.provenance.occurred_on,
                "hold_study_session",
                topic=study.topic,
                days=study.days,
                hours=study.hours,
                participants=study.participants,
            )
            if copy is not None:
                self.fact(
                    self.after(copy.provenance.occurred_on, 0, 4),
                    "withdraw_fact",
                    withdraws=copy.provenance.event_id,
                    reason="重复录入",
                )

    def branch_changes(self) -> None:
        """Members, employees, formation and instructors change as the months go by."""
        rng = self.rng
        branch = self.branch
        reshaped = "reshaped" in self.show
        actor = f"{self.state.committee.plan.name}组织办"
        if rng.random() < 0.06 or reshaped:
            full = branch.full_members + rng.randint(1, 3)
            if reshaped:
                full = max(full, 3)
            on = self.when(date(2014, 4, 20), date(2014, 5, 20))
            branch.change_membership(
                self.p(on, actor, PARTY_PORTAL), full, branch.probationary_members
            )
            if branch.formation is Formation.AFFILIATED and full >= 3:
                # With three full members it can stand alone (000 §四).
                branch.change_formation(
                    self.p(self.after(on, 3, 20), actor, PARTY_PORTAL), Formation.STANDALONE, []
                )
        if rng.random() < 0.04 or reshaped:
            branch.count_employees(
                self.p(self.when(date(2014, 4, 20), self.until), actor, PARTY_PORTAL),
                max(3, branch.employees + rng.randint(-20, 40)),
            )
        if (rng.random() < 0.01 or reshaped) and len(self.g.instructors) > 1:
            on = self.when(date(2014, 5, 1), self.until)
            branch.unassign_instructor(
                self.p(on, OFFICE_ACTOR, OFFICE_SOURCE), self.state.instructor.id
            )
            others = [i for i in self.g.instructors if i.id != self.state.instructor.id]
            branch.assign_instructor(self.p(on, OFFICE_ACTOR, OFFICE_SOURCE), rng.choice(others).id)
        if rng.random() < 0.005 or reshaped:
            towns = [
                c
                for c in self.g.committees
                if c.plan.kind in (CommitteeKind.TOWN, CommitteeKind.SUBDISTRICT)
                and c is not self.state.committee
            ]
            if towns:
                branch.move_to_committee(
                    self.p(self.when(date(2014, 5, 1), self.until), OFFICE_ACTOR, OFFICE_SOURCE),
                    rng.choice(towns).aggregate.id,
                )
