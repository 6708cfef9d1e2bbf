"""Domain values round-trip through the real event store, and old event versions are upcast."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from taizhang.config import Settings
from taizhang.domain.branch import Branch
from taizhang.domain.branch_life import BranchLife
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.campaign import Campaign
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES, PhaseDefinition
from taizhang.domain.problem import Problem
from taizhang.domain.provenance import Provenance
from taizhang.domain.receipt import Receipt
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.domain.vocabulary import (
    BranchLevel,
    Formation,
    HostCategory,
    OpinionSource,
    ProblemCategory,
    SupervisionGroupKind,
    WorkSystemChange,
)
from taizhang.ledger import Ledger

START = date(2014, 4, 10)
END = date(2014, 9, 30)


def prov(on: date = date(2014, 5, 1), client_event_id: str | None = None) -> Provenance:
    return Provenance(uuid4(), on, "李书记", "oa-system", client_event_id)


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    app = Ledger(settings)
    yield app
    app.close()


def read_back(settings: Settings, aggregate_id: Any) -> tuple[list[Any], Any]:
    """The stored events and the aggregate, read by a fresh application (no cache)."""
    fresh = Ledger(settings)
    try:
        return list(fresh.events.get(aggregate_id)), fresh.repository.get(aggregate_id)
    finally:
        fresh.close()


def test_campaign_dates_and_phase_definitions_round_trip(settings: Settings, ledger: Ledger):
    custom = PhaseDefinition(
        "grade",
        "分类定级",
        "Grade",
        9,
        deadline=None,
        done_when=("phase:grade",),
        started_by=(),
    )
    phases = [*EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, END), custom]
    campaign = Campaign.define(
        prov(START),
        district_id=uuid4(),
        name="教育实践活动",
        starts_on=START,
        ends_on=END,
        phases=phases,
        template_key="eight_ones",
    )
    campaign.change_deadline(prov(), "thematic_study", date(2014, 5, 15))
    enrolled = [uuid4(), uuid4()]
    campaign.enrol(prov(), enrolled)
    originals = campaign.collect_events()
    ledger.save(*originals)

    events, stored = read_back(settings, campaign.id)
    assert events == originals
    assert stored.phases == campaign.phases
    assert all(isinstance(p, PhaseDefinition) for p in stored.phases)
    assert stored.phase("grade").deadline is None
    assert stored.phase("thematic_study").deadline == date(2014, 5, 15)
    assert type(stored.starts_on) is date and stored.ends_on == END
    assert stored.branch_ids == set(enrolled)
    assert events[0].provenance == originals[0].provenance
    assert type(events[0].provenance.occurred_on) is date


def test_vocabularies_and_lists_round_trip(settings: Settings, ledger: Ledger):
    branch = Branch.register(
        prov(START),
        district_id=uuid4(),
        committee_id=uuid4(),
        name="联合党支部",
        level=BranchLevel.GENERAL_BRANCH,
        formation=Formation.JOINT,
        host_name="甲公司",
        host_category=HostCategory.SOCIAL_ORGANIZATION,
        employees=40,
        full_members=2,
        covered_units=[f"单位{i}" for i in range(6)],
    )
    branch.assign_instructor(prov(), uuid4())
    group = SupervisionGroup.register(prov(), branch.district_id, "指导组", "guidance")
    group.assign(prov(), [uuid4(), uuid4()], [branch.id])
    originals = branch.collect_events()
    group_events = group.collect_events()
    ledger.save(*originals, *group_events)

    events, stored = read_back(settings, branch.id)
    assert events == originals
    assert stored.level is BranchLevel.GENERAL_BRANCH
    assert stored.formation is Formation.JOINT
    assert stored.host_category is HostCategory.SOCIAL_ORGANIZATION
    assert stored.covered_units == branch.covered_units
    assert stored.advisories == branch.advisories != []
    assert stored.instructor_ids == branch.instructor_ids
    events, stored_group = read_back(settings, group.id)
    assert events == group_events
    assert stored_group.kind is SupervisionGroupKind.GUIDANCE
    assert stored_group.committee_ids == group.committee_ids
    assert events[1].committee_ids == sorted(group.committee_ids)


def test_branch_work_decimals_uuid_lists_and_corrections_round_trip(
    settings: Settings, ledger: Ledger
):
    work = BranchWork.open(prov(START), uuid4(), uuid4())
    partners = sorted([uuid4(), uuid4()])
    work.hold_mobilization_meeting(prov(), participants=30, joint_with=partners)
    session = prov()
    work.hold_study_session(
        session, topic="党章", days=Decimal("0.5"), hours=Decimal("3.25"), participants=9
    )
    work.hold_secretary_training(prov(), days=Decimal("1.5"), hours=Decimal(10))
    work.collect_opinions(prov(), count=3, sources=[OpinionSource.SERVED_PEOPLE, "members"])
    work.change_work_system(prov(), system_id=uuid4(), name="学习制度", change="established")
    work.correct(
        prov(),
        corrects=session.event_id,
        reason="录错",
        changes={"hours": Decimal("4.75"), "occurred_on": date(2014, 4, 30)},
    )
    originals = work.collect_events()
    ledger.save(*originals)

    events, stored = read_back(settings, work.id)
    assert events == originals
    assert stored.facts == work.facts
    fact = stored.facts.current[session.event_id]
    assert fact.hours == Decimal("4.75") and type(fact.hours) is Decimal
    assert fact.days == Decimal("0.5") and type(fact.days) is Decimal
    assert fact.provenance.occurred_on == date(2014, 4, 30)
    assert stored.secretary_training_days() == Decimal("1.5")
    [meeting] = stored.facts.of_type(BranchWork.MobilizationMeetingHeld)
    assert meeting.joint_with == partners
    [opinions] = stored.facts.of_type(BranchWork.OpinionsCollected)
    assert opinions.sources == [OpinionSource.MEMBERS, OpinionSource.SERVED_PEOPLE]
    assert set(stored.work_systems().values()) == {WorkSystemChange.ESTABLISHED}


def test_problem_and_receipt_round_trip(settings: Settings, ledger: Ledger):
    problem = Problem.list_on_branch(
        prov(date(2014, 6, 1)),
        campaign_id=uuid4(),
        branch_id=uuid4(),
        category=ProblemCategory.MEMBER_AWARENESS,
        description="身份意识淡薄",
        measures="亮身份",
        responsible_person="P000114",
        deadline=date(2014, 8, 1),
    )
    problem.start_rectification(prov(date(2014, 6, 2)))
    receipt = Receipt.issue(
        prov(client_event_id="oa-1"),
        source="oa-system",
        client_event_id="oa-1",
        request_digest="d" * 64,
        answer={"event_id": str(uuid4()), "version": 2, "items": [{"a": 1}]},
    )
    originals = [*problem.collect_events(), *receipt.collect_events()]
    ledger.save(*originals)

    events, stored = read_back(settings, problem.id)
    assert events == originals[:2]
    assert stored.category is ProblemCategory.MEMBER_AWARENESS
    assert stored.deadline == date(2014, 8, 1) and stored.listed_on == date(2014, 6, 1)
    assert stored.status() == problem.status()
    events, stored_receipt = read_back(settings, receipt.id)
    assert stored_receipt.answer == receipt.answer
    assert events[0].provenance.client_event_id == "oa-1"


def test_study_session_stored_at_version_1_is_read_through_the_upcaster(
    settings: Settings, ledger: Ledger
):
    work = BranchWork.open(prov(START), uuid4(), uuid4())
    ledger.save(work)
    session = prov(date(2014, 4, 20))
    # How version 1 stored it: whole duration_hours, no days, no class_version.
    state = {
        "timestamp": work.modified_on,
        "provenance": session,
        "topic": "党章学习",
        "duration_hours": 3,
        "participants": 15,
    }
    stored_event = StoredEvent(
        originator_id=work.id,
        originator_version=2,
        topic=get_topic(BranchWork.StudySessionHeld),
        state=ledger.mapper.transcoder.encode(state),
    )
    ledger.recorder.insert_events([stored_event])

    events, stored = read_back(settings, work.id)
    upcast = events[1]
    assert type(upcast) is BranchWork.StudySessionHeld
    assert upcast.hours == Decimal(3) and type(upcast.hours) is Decimal
    assert upcast.days == Decimal(1) and type(upcast.days) is Decimal
    assert not hasattr(upcast, "duration_hours")
    assert stored.version == 2
    fact = stored.facts.current[session.event_id]
    assert (fact.topic, fact.participants, fact.provenance) == ("党章学习", 15, session)
    # Written again, it is stored at the current version and reads back the same.
    assert ledger.mapper.to_domain_event(ledger.mapper.to_stored_event(upcast)) == upcast


def test_work_system_change_stored_at_version_1_was_made_in_the_campaign(
    settings: Settings, ledger: Ledger
):
    """Version 1 knew only systems made in the campaign: read back with ``existing`` false."""
    work = BranchWork.open(prov(START), uuid4(), uuid4())
    ledger.save(work)
    system = uuid4()
    state = {
        "timestamp": work.modified_on,
        "provenance": prov(date(2014, 5, 20)),
        "system_id": system,
        "name": "学习制度",
        "change": WorkSystemChange.ESTABLISHED,
    }
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=work.id,
                originator_version=2,
                topic=get_topic(BranchWork.WorkSystemChanged),
                state=ledger.mapper.transcoder.encode(state),
            )
        ]
    )
    events, stored = read_back(settings, work.id)
    assert events[1].existing is False
    assert stored.work_systems() == {system: WorkSystemChange.ESTABLISHED}


def test_sign_offs_stored_at_version_1_keep_their_note_and_old_corrections_apply(
    settings: Settings, ledger: Ledger
):
    """Version 1 named the free-text note ``approver``/``verifier``: read back as
    ``approver_note``/``verifier_note``, and a correction stored then still applies."""
    work = BranchWork.open(prov(START), uuid4(), uuid4())
    work.submit_plan(prov(date(2014, 4, 12)), goals="g", measures="m", schedule="s")
    ledger.save(work)
    approval = prov(date(2014, 4, 14))
    correction = prov(date(2014, 4, 15))
    old_states = [
        (
            BranchWork.PlanApproved,
            {"provenance": approval, "approver": "镇党委", "remarks": "同意"},
        ),
        (
            BranchWork.FactCorrected,
            {
                "provenance": correction,
                "corrects": approval.event_id,
                "reason": "写错",
                "changes": {"approver": "镇党委书记"},
            },
        ),
    ]
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=work.id,
                originator_version=work.version + offset,
                topic=get_topic(cls),
                state=ledger.mapper.transcoder.encode({"timestamp": work.modified_on, **state}),
            )
            for offset, (cls, state) in enumerate(old_states, start=1)
        ]
    )

    events, stored = read_back(settings, work.id)
    assert events[2].approver_note == "镇党委" and not hasattr(events[2], "approver")
    assert stored.plan_status() == "approved"
    assert stored.facts.current[approval.event_id].approver_note == "镇党委书记"


def test_a_themed_day_stored_at_version_1_names_no_theme(settings: Settings, ledger: Ledger):
    """Version 1 of ``LifeActivityHeld`` knew no theme of the month (003 §二 "1"): read back
    with no ``theme_id`` and no reason, so it follows none."""
    life = BranchLife.open(prov(date(2014, 1, 2)), uuid4())
    ledger.save(life)
    held = prov(date(2014, 3, 20))
    state = {
        "timestamp": life.modified_on,
        "provenance": held,
        "activity": "themed_party_day",
        "topic": "主题党日",
        "participants": 8,
        "absent": 0,
        "absence_reasons": "",
        "parts": ["dues_paid"],
        "own_activities": [],
        "upper_level_theme": "践行群众路线",
    }
    stored_event = StoredEvent(
        originator_id=life.id,
        originator_version=2,
        topic=get_topic(BranchLife.LifeActivityHeld),
        state=ledger.mapper.transcoder.encode(state),
    )
    ledger.recorder.insert_events([stored_event])
    events, stored = read_back(settings, life.id)
    upcast = events[1]
    assert (upcast.theme_id, upcast.theme_reason) == (None, "")
    assert stored.facts.current[held.event_id].upper_level_theme == "践行群众路线"
    assert ledger.mapper.to_domain_event(ledger.mapper.to_stored_event(upcast)) == upcast
