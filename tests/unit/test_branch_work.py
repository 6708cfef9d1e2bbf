from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from taizhang.domain import branch_facts
from taizhang.domain.base import FactsNotLoaded, UnloadedFacts
from taizhang.domain.branch_work import BranchWork, branch_work_id
from taizhang.domain.errors import InvalidValue, RuleViolation
from taizhang.domain.vocabulary import OpinionSource, WorkSystemChange
from tests.unit.factories import prov, refused, work

MAY = date(2014, 5, 1)
SEALED = "aesgcm1:AAAA"  # sealed text (the domain checks only that it is not clear)


def last_event(w: BranchWork) -> BranchWork.Event:
    return w.pending_events[-1]


def test_opened_with_a_derived_id_per_campaign_and_branch():
    campaign_id, branch_id = uuid4(), uuid4()
    w = BranchWork.open(prov(), campaign_id, branch_id)
    assert w.id == branch_work_id(campaign_id, branch_id)
    assert w.id != branch_work_id(branch_id, campaign_id)
    assert w.is_empty() and w.plan_status() == "none"


# Every command, the fact it records, and the values the fact holds afterwards.
COMMANDS = [
    (
        "record_baseline_survey",
        dict(leadership_complete=True, full_members=4, probationary_members=1, weak_and_lax=False),
        BranchWork.BaselineSurveyRecorded,
    ),
    (
        "hold_mobilization_meeting",
        dict(participants=30, upper_level_attendee="P000401", remote_members_reached=3),
        BranchWork.MobilizationMeetingHeld,
    ),
    (
        "hold_study_session",
        dict(topic="党章", days=Decimal("0.5"), hours=Decimal("3.5"), participants=12),
        BranchWork.StudySessionHeld,
    ),
    (
        "hold_secretary_training",
        dict(days=Decimal(2), hours=Decimal(14), organizer="P000402"),
        BranchWork.SecretaryTrainingHeld,
    ),
    (
        "screen_conflicts",
        dict(disputes_found=3, disputes_resolved=2),
        BranchWork.ConflictScreeningDone,
    ),
    ("hold_heart_to_heart_talks", dict(talks=8), BranchWork.HeartToHeartTalksHeld),
    (
        "hold_organizational_life_meeting",
        dict(participants=10, self_examination=True, criticism=True, members_evaluated=9),
        BranchWork.OrganizationalLifeMeetingHeld,
    ),
    ("publicize_problem_list", dict(how="厂区公告栏"), BranchWork.ProblemListPublicized),
    (
        "record_optional_action",
        dict(title="党员示范岗", description="设立5个示范岗"),
        BranchWork.OptionalActionRecorded,
    ),
    (
        "record_supervision_visit",
        dict(group_id=uuid4(), findings="台账不全", suggestions="补齐"),
        BranchWork.SupervisionVisitRecorded,
    ),
    (
        "record_phase_work",
        dict(phase_key="grading", done=True, note="评为先进"),
        BranchWork.PhaseWorkRecorded,
    ),
]


@pytest.mark.parametrize(
    ("method", "kwargs", "event_class"), COMMANDS, ids=[c[0] for c in COMMANDS]
)
def test_each_command_records_its_fact(method, kwargs, event_class):
    w = work()
    p = prov()
    getattr(w, method)(p, **kwargs)
    event = last_event(w)
    assert type(event) is event_class
    assert event.provenance == p
    for name, value in kwargs.items():
        assert getattr(event, name) == value
    assert w.facts.current == {p.event_id: event}
    assert w.version == 2


def test_mobilization_meeting_held_jointly_with_other_branches():
    w = work()
    a, b = uuid4(), uuid4()
    w.hold_mobilization_meeting(prov(), participants=40, joint_with=[b, a, b])
    assert last_event(w).joint_with == sorted([a, b])
    with refused(InvalidValue, "joint_with", "other_branches"):
        w.hold_mobilization_meeting(prov(), participants=40, joint_with=[w.branch_id])


def test_opinions_collected_keeps_each_source_once():
    w = work()
    w.collect_opinions(prov(), count=25, sources=["members", OpinionSource.INVESTORS, "members"])
    assert last_event(w).sources == [OpinionSource.INVESTORS, OpinionSource.MEMBERS]
    with refused(InvalidValue, "sources", "required"):
        w.collect_opinions(prov(), count=1, sources=[])
    with refused(InvalidValue, "sources", "known_value"):
        w.collect_opinions(prov(), count=1, sources=["neighbours"])


@pytest.mark.parametrize(
    ("method", "kwargs", "field", "rule"),
    [
        (
            "record_baseline_survey",
            dict(
                leadership_complete=True,
                full_members=-1,
                probationary_members=0,
                weak_and_lax=False,
            ),
            "full_members",
            "non_negative",
        ),
        (
            "record_baseline_survey",
            dict(
                leadership_complete=True,
                full_members=1,
                probationary_members=0,
                weak_and_lax=False,
                findings="x" * 4001,
            ),
            "findings",
            "too_long",
        ),
        ("submit_plan", dict(goals=" ", measures="m", schedule="s"), "goals", "required"),
        ("submit_plan", dict(goals="g", measures="m", schedule=""), "schedule", "required"),
        ("hold_mobilization_meeting", dict(participants=-5), "participants", "non_negative"),
        (
            "hold_study_session",
            dict(topic="", days=Decimal(1), hours=Decimal(1), participants=1),
            "topic",
            "required",
        ),
        (
            "hold_study_session",
            dict(topic="t", days=Decimal(1), hours=Decimal("-0.5"), participants=1),
            "hours",
            "non_negative",
        ),
        (
            "hold_secretary_training",
            dict(days=Decimal(-1), hours=Decimal(1)),
            "days",
            "non_negative",
        ),
        ("collect_opinions", dict(count=-1, sources=["members"]), "count", "non_negative"),
        (
            "screen_conflicts",
            dict(disputes_found=1, disputes_resolved=2),
            "disputes_resolved",
            "at_most_found",
        ),
        ("hold_heart_to_heart_talks", dict(talks=0), "talks", "positive"),
        (
            "hold_organizational_life_meeting",
            dict(participants=1, self_examination=True, criticism=True, members_evaluated=-1),
            "members_evaluated",
            "non_negative",
        ),
        ("publicize_problem_list", dict(how=""), "how", "required"),
        ("record_optional_action", dict(title=" "), "title", "required"),
        ("record_supervision_visit", dict(group_id=uuid4(), findings=""), "findings", "required"),
        (
            "set_up_volunteer_team",
            dict(team_id=uuid4(), name="", service_kinds=["养老助老"], members=3),
            "name",
            "required",
        ),
        (
            "set_up_volunteer_team",
            dict(team_id=uuid4(), name="队", service_kinds=[], members=3),
            "service_kinds",
            "required",
        ),
        (
            "set_up_volunteer_team",
            dict(team_id=uuid4(), name="队", service_kinds=["法律援助"], members=-1),
            "members",
            "non_negative",
        ),
        (
            "make_service_commitment",
            dict(commitment_id=uuid4(), member="P000101", content=" "),
            "content",
            "required",
        ),
        (
            "change_work_system",
            dict(system_id=uuid4(), name="", change="established"),
            "name",
            "required",
        ),
        (
            "change_work_system",
            dict(system_id=uuid4(), name="n" * 201, change="established"),
            "name",
            "too_long",
        ),
        (
            "change_work_system",
            dict(system_id=uuid4(), name="n", change="burned"),
            "change",
            "known_value",
        ),
    ],
)
def test_bad_values_are_refused_and_nothing_is_recorded(method, kwargs, field, rule):
    w = work()
    with refused(InvalidValue, field, rule):
        getattr(w, method)(prov(), **kwargs)
    assert w.version == 1 and w.is_empty()


def test_plan_submitted_returned_resubmitted_approved():
    w = work()
    with refused(RuleViolation, "plan", "submitted_before_return"):
        w.return_plan(prov(), reasons="no plan yet")
    with refused(RuleViolation, "plan", "submitted_before_approval"):
        w.approve_plan(prov())
    w.submit_plan(prov(date(2014, 4, 12)), goals="g", measures="m", schedule="s")
    assert w.plan_status() == "submitted"
    with refused(RuleViolation, "plan", "not_awaiting_review"):
        w.submit_plan(prov(), goals="g", measures="m", schedule="s")
    with refused(InvalidValue, "occurred_on", "not_before_plan_submission"):
        w.return_plan(prov(date(2014, 4, 11)), reasons="too vague")
    with refused(InvalidValue, "reasons", "required"):
        w.return_plan(prov(date(2014, 4, 13)), reasons="")
    w.return_plan(prov(date(2014, 4, 13)), reasons="措施不具体")
    assert w.plan_status() == "returned"
    with refused(RuleViolation, "plan", "submitted_before_approval"):
        w.approve_plan(prov())
    w.submit_plan(prov(date(2014, 4, 15)), goals="g2", measures="m2", schedule="s2")
    with refused(InvalidValue, "occurred_on", "not_before_plan_submission"):
        w.approve_plan(prov(date(2014, 4, 14)))
    # The signer's note is personal data: stored only sealed, under a named person's key.
    with refused(InvalidValue, "approver_note", "sealed"):
        w.approve_plan(prov(date(2014, 4, 16)), approver_person="P000403", approver_note="化名")
    with refused(InvalidValue, "approver_person", "required"):
        w.approve_plan(prov(date(2014, 4, 16)), approver_note=SEALED)
    w.approve_plan(prov(date(2014, 4, 16)), remarks="同意")
    assert w.plan_status() == "approved"
    with refused(RuleViolation, "plan", "not_approved_yet"):
        w.submit_plan(prov(), goals="g3", measures="m3", schedule="s3")
    assert [type(e).__name__ for e in w.pending_events] == [
        "Opened",
        "PlanSubmitted",
        "PlanReturned",
        "PlanSubmitted",
        "PlanApproved",
    ]


def test_a_withdrawn_approval_reopens_review():
    w = work()
    w.submit_plan(prov(), goals="g", measures="m", schedule="s")
    approval = prov()
    w.approve_plan(approval)
    w.withdraw_fact(prov(), withdraws=approval.event_id, reason="approved by mistake")
    assert w.plan_status() == "submitted"


def test_secretary_training_accumulates_to_two_days():
    w = work()
    w.hold_secretary_training(prov(date(2014, 4, 20)), days=Decimal("1"), hours=Decimal(7))
    w.hold_secretary_training(prov(date(2014, 4, 27)), days=Decimal("0.5"), hours=Decimal(4))
    assert w.secretary_training_days() == Decimal("1.5")
    w.hold_secretary_training(prov(date(2014, 4, 28)), days=Decimal("0.5"), hours=Decimal(4))
    assert w.secretary_training_days() == Decimal(2)


def test_study_session_days_and_hours_are_decimals():
    w = work()
    w.hold_study_session(prov(), topic="t", days=1, hours=2, participants=3)  # type: ignore[arg-type]
    event = last_event(w)
    assert isinstance(event.days, Decimal) and isinstance(event.hours, Decimal)


def test_life_meeting_result_is_made_known_after_the_meeting():
    w = work()
    with refused(RuleViolation, "how", "meeting_held_first"):
        w.make_life_meeting_result_known(prov(), how="公示栏")
    w.hold_organizational_life_meeting(
        prov(date(2014, 6, 10)),
        participants=10,
        self_examination=True,
        criticism=True,
        members_evaluated=10,
    )
    with refused(InvalidValue, "occurred_on", "not_before_life_meeting"):
        w.make_life_meeting_result_known(prov(date(2014, 6, 9)), how="公示栏")
    with refused(InvalidValue, "how", "required"):
        w.make_life_meeting_result_known(prov(date(2014, 6, 11)), how=" ")
    w.make_life_meeting_result_known(prov(date(2014, 6, 11)), how="公示栏")
    assert type(last_event(w)) is BranchWork.LifeMeetingResultMadeKnown


def test_work_systems_are_established_revised_and_abolished():
    w = work()
    system = uuid4()
    with refused(RuleViolation, "system_id", "in_force"):
        w.change_work_system(prov(), system_id=system, name="三会一课制度", change="revised")
    w.change_work_system(prov(), system_id=system, name="三会一课制度", change="established")
    assert w.work_systems() == {system: WorkSystemChange.ESTABLISHED}
    with refused(RuleViolation, "system_id", "not_established"):
        w.change_work_system(prov(), system_id=system, name="三会一课制度", change="established")
    w.change_work_system(prov(), system_id=system, name="三会一课制度", change="revised")
    w.change_work_system(
        prov(), system_id=system, name="三会一课制度", change=WorkSystemChange.ABOLISHED
    )
    assert w.work_systems() == {system: WorkSystemChange.ABOLISHED}
    with refused(RuleViolation, "system_id", "in_force"):
        w.change_work_system(prov(), system_id=system, name="三会一课制度", change="abolished")
    # An abolished system can be established anew.
    w.change_work_system(prov(), system_id=system, name="三会一课制度", change="established")
    assert w.work_systems() == {system: WorkSystemChange.ESTABLISHED}


def test_work_systems_in_force_before_the_campaign_are_revised_or_abolished():
    """Seed 000 §三(六): "对照查摆出来的问题，认真抓好制度的废、改、立工作" — the systems a
    branch already has are revised (改) or abolished (废); new ones are established (立)."""
    w = work()
    old, older = uuid4(), uuid4()
    w.change_work_system(
        prov(), system_id=old, name="党员学习制度", change="revised", existing=True
    )
    w.change_work_system(
        prov(), system_id=older, name="旧考勤制度", change="abolished", existing=True
    )
    assert w.work_systems() == {
        old: WorkSystemChange.REVISED,
        older: WorkSystemChange.ABOLISHED,
    }
    assert last_event(w).existing is True
    # Once in the ledger, a system is changed like any other.
    w.change_work_system(prov(), system_id=old, name="党员学习制度", change="revised")
    with refused(RuleViolation, "system_id", "named_once"):
        w.change_work_system(prov(), system_id=old, name="x", change="revised", existing=True)
    with refused(InvalidValue, "change", "revise_or_abolish"):
        w.change_work_system(
            prov(), system_id=uuid4(), name="新制度", change="established", existing=True
        )
    # Without ``existing``, a system unknown to the ledger still cannot be revised.
    with refused(RuleViolation, "system_id", "in_force"):
        w.change_work_system(prov(), system_id=uuid4(), name="x", change="abolished")


def test_volunteer_team_is_set_up_once():
    w = work()
    team = uuid4()
    partner = uuid4()
    w.set_up_volunteer_team(
        prov(),
        team_id=team,
        name="党员志愿服务队",
        service_kinds=["养老助老", "法律援助", "养老助老"],
        members=12,
        joint_with=[partner, partner],
    )
    event = last_event(w)
    assert event.service_kinds == sorted(["养老助老", "法律援助"])
    assert event.joint_with == [partner]
    with refused(RuleViolation, "team_id", "new_team"):
        w.set_up_volunteer_team(prov(), team_id=team, name="again", service_kinds=["x"], members=1)


def test_service_commitment_is_made_then_fulfilled_once():
    w = work()
    commitment = uuid4()
    with refused(RuleViolation, "commitment_id", "commitment_made"):
        w.fulfil_service_commitment(prov(), commitment_id=commitment)
    w.make_service_commitment(
        prov(date(2014, 5, 10)), commitment_id=commitment, member="P000101", content="帮扶2户"
    )
    assert w.commitments() == {commitment: False}
    with refused(RuleViolation, "commitment_id", "new_commitment"):
        w.make_service_commitment(
            prov(), commitment_id=commitment, member="P000101", content="again"
        )
    with refused(InvalidValue, "occurred_on", "not_before_commitment"):
        w.fulfil_service_commitment(prov(date(2014, 5, 9)), commitment_id=commitment)
    w.fulfil_service_commitment(prov(date(2014, 7, 1)), commitment_id=commitment, outcome="已帮扶")
    assert w.commitments() == {commitment: True}
    with refused(RuleViolation, "commitment_id", "not_fulfilled"):
        w.fulfil_service_commitment(prov(date(2014, 7, 2)), commitment_id=commitment)


def test_unloaded_work_records_the_same_fact_as_the_full_one():
    full = work()
    full.hold_study_session(prov(MAY), topic="t", days=Decimal(1), hours=Decimal(2), participants=3)
    full.collect_events()
    unloaded = BranchWork.unloaded(full.campaign_id, full.branch_id, full.version)
    assert unloaded.id == full.id and isinstance(unloaded.facts, UnloadedFacts)
    same = prov(MAY)
    for w in (full, unloaded):
        w.hold_mobilization_meeting(same, participants=9, form="现场")
    a, b = last_event(full), last_event(unloaded)
    assert type(a) is type(b) and a.originator_version == b.originator_version == 3
    assert {**vars(a), "timestamp": None} == {**vars(b), "timestamp": None}


@pytest.mark.parametrize(
    "command",
    [
        lambda w: w.submit_plan(prov(MAY), goals="g", measures="m", schedule="s"),
        lambda w: w.make_life_meeting_result_known(prov(MAY), how="公示"),
        lambda w: w.make_service_commitment(
            prov(MAY), commitment_id=uuid4(), member="P000102", content="c"
        ),
        lambda w: w.set_up_volunteer_team(
            prov(MAY), team_id=uuid4(), name="n", service_kinds=["k"], members=3
        ),
        lambda w: w.change_work_system(
            prov(MAY), system_id=uuid4(), name="n", change=WorkSystemChange.ESTABLISHED
        ),
        lambda w: w.correct(prov(MAY), corrects=uuid4(), reason="r", changes={"talks": 2}),
        lambda w: w.withdraw_fact(prov(MAY), withdraws=uuid4(), reason="r"),
        lambda w: w.is_empty(),
    ],
)
def test_a_rule_that_needs_the_facts_says_they_were_not_loaded(command):
    unloaded = BranchWork.unloaded(uuid4(), uuid4(), 7)
    with pytest.raises(FactsNotLoaded):
        command(unloaded)
    assert unloaded.pending_events == [] and unloaded.version == 7


def test_the_facts_keep_the_topics_stored_in_every_log() -> None:
    """The facts are written in domain/branch_facts.py but stored, as always, under the
    aggregate's name: a log recorded before the move reads back, and new events are stored
    under the same topics."""
    names = [
        name
        for name, value in vars(branch_facts).items()
        if isinstance(value, type) and issubclass(value, branch_facts.Fact)
    ]
    assert len(names) == 23
    for name in names:
        cls = getattr(BranchWork, name)
        topic = f"taizhang.domain.branch_work:BranchWork.{name}"
        assert get_topic(cls) == topic
        assert resolve_topic(topic) is cls
        assert issubclass(cls, getattr(branch_facts, name)) and issubclass(cls, BranchWork.Fact)


def test_the_person_a_sealed_name_belongs_to_cannot_be_corrected():
    """A name or note is sealed under its person's key, bound to their id: corrected to
    another person, it could not be opened. Withdraw the fact and post it again instead."""
    w = work()
    w.submit_plan(prov(), goals="g", measures="m", schedule="s")
    approval = prov()
    w.approve_plan(approval, approver_person="P000405", approver_note=SEALED)
    with refused(InvalidValue, "changes.approver_person", "correctable_field"):
        w.correct(prov(), corrects=approval.event_id, reason="r", changes={"approver_person": "P1"})
    # Nor the sealed text itself: a correction's changes are not sealed under the person's key.
    for text in ("化名", SEALED):
        with refused(InvalidValue, "changes.approver_note", "correctable_field"):
            w.correct(
                prov(), corrects=approval.event_id, reason="r", changes={"approver_note": text}
            )
    meeting = prov()
    w.hold_mobilization_meeting(meeting, participants=3, upper_level_attendee="P000406")
    with refused(InvalidValue, "changes.upper_level_attendee", "correctable_field"):
        w.correct(
            prov(), corrects=meeting.event_id, reason="r", changes={"upper_level_attendee": "P2"}
        )
