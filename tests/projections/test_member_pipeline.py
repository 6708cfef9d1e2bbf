"""The member-development pipeline has the one meaning of time of every view (property test).

Generated paths of pseudonymous people (seed 002 发展党员工作制度: "(1)本人申请" …
"(13)党委审批" … "按期转正"), each step dated by the generator and refused or accepted by
the domain, are posted through the service, and some corrected (``StepCorrected``: a
step's date) or withdrawn (``StepWithdrawn``), as seed 001 §四5 "纪实制" keeps them. The
live pipeline (the projection worker's ``member_path`` rows, caught up between posts) then
equals a replay of the log for the same business date D and knowledge time T
(``taizhang.projections.report``):

* for T = now, on every date anything was dated, and the days before;
* for each earlier T (right after each post), the live pipeline as it was answered then;
* on the last day, the counts by stage equal the people's stages as the domain holds them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taizhang.domain.errors import DomainError
from taizhang.domain.member_development import Candidate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.queries import Views
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
from taizhang.service import Posting
from tests.projections.scenario import CALLER, TODAY, District, make_district

START = date(2010, 1, 1)
DAYS = (TODAY - START).days
VOTES = {"entitled": 5, "present": 5, "in_favour": 4, "against": 1, "abstaining": 0}
OPINIONS = ["party_group", "contacts", "members", "non_members"]


def steps_of(on: date) -> list[tuple[str, dict[str, Any]]]:
    """Each step of the path, in order, as posted on ``on``."""
    return [
        ("ActivistDesignated", {}),
        ("ContactsNamed", {"contact_ids": ["m-1"]}),
        ("ThoughtReportReceived", {}),
        ("ActivistAssessed", {"opinion": "好"}),
        ("DevelopmentCandidateDesignated", {"opinions_heard": OPINIONS}),
        ("PoliticalReviewDone", {"passed": True}),
        ("TrainingCompleted", {"days": 6, "class_hours": 0}),
        ("SponsorsNamed", {"sponsor_ids": ["m-1", "m-2"]}),
        ("AdmissionVoted", {"method": "show_of_hands", "votes": VOTES}),
        ("PublicityHeld", {"starts_on": on, "ends_on": on + timedelta(days=2)}),
        ("AdmissionApproved", {"approved": True}),
        ("ThoughtReportReceived", {}),
        ("ConversionVoted", {"outcome": "convert", "method": "show_of_hands", "votes": VOTES}),
        ("ConversionApproved", {"approved": True}),
    ]


# A person taken the whole way: gaps of a year where seed 002 asks for one.
WHOLE_PATH = [
    ("apply", "a", 0),
    *(("advance", 0, gap) for gap in (366, 0, 10, 10, 366, 1, 1, 1, 1, 0, 5, 30, 366, 10)),
    ("apply", "c", 30),
    ("advance", 1, 366),
]

# A report's date corrected, then the report withdrawn, then recorded again.
AMENDED_PATH = [
    ("apply", "a", 0),
    *(("advance", 0, gap) for gap in (366, 0, 10)),
    ("redate", 0, 5),
    ("withdraw", 0, 3),
    ("advance", 0, 12),
]

actions = st.one_of(
    st.tuples(st.just("apply"), st.sampled_from("abc"), st.integers(0, DAYS)),
    # The person's next step, some days after their last accepted one.
    st.tuples(st.just("advance"), st.integers(0, 5), st.integers(0, 420)),
    st.tuples(st.just("late_report"), st.integers(0, 5), st.integers(0, DAYS)),
    # The person's last step withdrawn, or its date corrected, some days after it.
    st.tuples(st.just("withdraw"), st.integers(0, 5), st.integers(0, 60)),
    st.tuples(st.just("redate"), st.integers(0, 5), st.integers(-20, 20)),
)


@pytest.fixture
def world(settings):
    upgrade(settings)
    service = make_service(Ledger(settings), today=lambda: TODAY)
    worker = Worker(settings, batch_size=5)  # many small batches: incremental folding
    views = Views(settings)
    yield settings, service, worker, views
    views.close()
    worker.close()
    service.ledger.close()


def scopes(d: District) -> list[dict[str, UUID]]:
    return [{"committee_id": d.town}, {"committee_id": d.sector}, {"branch_id": d.branches["a"]}]


def answers(views: Views, d: District, days: list[date]) -> list[Any]:
    found = []
    for on in days:
        for where in scopes(d):
            body = views.member_pipeline(as_of=on, **where)
            body.pop("known_at")
            found.append(body)
    return found


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=30))
@example(steps=WHOLE_PATH)
@example(steps=AMENDED_PATH)
def test_live_pipeline_equals_the_replay_for_every_d_and_t(world, steps):
    settings, service, worker, views = world
    d = make_district(settings, service=service)
    ledger = service.ledger
    # id, accepted dates, next step, the accepted steps' event ids
    people: list[tuple[UUID, list[date], int, list[UUID]]] = []
    seen: list[tuple[datetime, list[Any]]] = []
    checked = [START, TODAY]
    for step in steps:
        on: date
        if step[0] == "apply":
            on = START + timedelta(days=step[2])
            answer = d.post("MembershipApplied", on, branch_id=d.branches[step[1]])
            people.append((answer.aggregate_id, [on], 0, []))
        elif not people:
            continue
        elif step[0] in ("withdraw", "redate"):
            index = step[1] % len(people)
            person, dated, next_step, ids = people[index]
            if not ids:
                continue
            if step[0] == "withdraw":
                on = dated[-1] + timedelta(days=step[2])
                posting = Posting(
                    "StepWithdrawn",
                    on,
                    {"candidate_id": person, "withdraws": ids[-1], "reason": "误录"},
                )
                after = (person, dated[:-1], next_step - 1, ids[:-1])
            else:
                new_on = dated[-1] + timedelta(days=step[2])
                on = max(new_on, dated[-1])
                changes = {"occurred_on": new_on.isoformat()}
                posting = Posting(
                    "StepCorrected",
                    on,
                    {
                        "candidate_id": person,
                        "corrects": ids[-1],
                        "reason": "记错",
                        "changes": changes,
                    },
                )
                after = (person, [*dated[:-1], new_on], next_step, ids)
            if on > TODAY:
                continue
            try:
                service.post(CALLER, posting)
            except DomainError:
                continue
            people[index] = after
        else:
            index = step[1] % len(people)
            person, dated, next_step, ids = people[index]
            if step[0] == "late_report":
                on, (type_, data) = START + timedelta(days=step[2]), steps_of(START)[2]
            elif next_step < 14:
                on = dated[-1] + timedelta(days=step[2])
                type_, data = steps_of(on)[next_step]
            else:
                continue
            if on > TODAY:
                continue
            try:
                answer = service.post(CALLER, Posting(type_, on, {"candidate_id": person, **data}))
            except DomainError:
                continue
            if step[0] == "advance":
                people[index] = (person, [*dated, on], next_step + 1, [*ids, answer.event_id])
        checked += [on, on - timedelta(days=1), on + timedelta(days=93)]
        worker.catch_up()
        seen.append((datetime.now(UTC), answers(views, d, [on, TODAY])))
    days = sorted(set(checked))
    # T = now: the live fold, caught up step by step, equals a fresh replay on every D.
    worker.catch_up()
    assert answers(views, d, days) == answers(replayed_views(settings, None, None), d, days)
    # Each earlier T: the replay of what was recorded by then equals what was answered then.
    for known_at, answered in seen:
        replayed = replayed_views(settings, known_at, None)
        step_day = date.fromisoformat(answered[0]["as_of"])
        assert answers(replayed, d, [step_day, TODAY]) == answered, known_at
    # On the last day, the counts are the domain's own stages.
    counts: dict[str, int] = {}
    for person, *_ in people:
        candidate: Candidate = ledger.repository.get(person)
        counts[candidate.stage] = counts.get(candidate.stage, 0) + 1
    viewed: dict[str, int] = {}
    for where in ({"committee_id": d.town}, {"committee_id": d.sector}):
        for row in views.member_pipeline(as_of=TODAY, **where)["stages"]:
            if row["count"]:
                viewed[row["stage"]] = viewed.get(row["stage"], 0) + row["count"]
    assert viewed == counts
    if steps == WHOLE_PATH:
        assert counts == {"full_member": 1, "activist": 1}
