"""Properties: replaying an aggregate's events rebuilds it, and every event survives the
ledger's transcoder unchanged. Command sequences are generated; refused commands are part
of the sequence and must leave nothing behind."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.config import Settings
from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.errors import DomainError
from taizhang.domain.progress import milestones
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import Formation, OpinionSource, WorkSystemChange
from taizhang.ledger import Ledger
from tests.unit.factories import branch as new_branch
from tests.unit.factories import problem as new_problem

FIRST_DAY = date(2014, 4, 10)
EXAMPLES = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Small pools, so that generated commands often hit the same thing and the rules bite.
SYSTEMS = [UUID(int=i) for i in range(1, 4)]
COMMITMENTS = [UUID(int=i) for i in range(11, 14)]
TEAMS = [UUID(int=i) for i in range(21, 23)]
INSTRUCTORS = [UUID(int=i) for i in range(31, 34)]
COMMITTEES = [UUID(int=i) for i in range(41, 43)]

days = st.integers(min_value=0, max_value=150)
counts = st.integers(min_value=-1, max_value=40)
amounts = st.decimals(min_value=-1, max_value=5, places=2)
texts = st.sampled_from(["", "党章学习", "整改", "会议", "公示栏", "说明"])
moments = days.map(lambda d: FIRST_DAY + timedelta(d))


def prov(day: int) -> Provenance:
    return Provenance(uuid4(), FIRST_DAY + timedelta(days=day), "书记", "property-test")


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("replay")
    app = Ledger(
        Settings.from_env(
            {
                "TAIZHANG_DATABASE_URL": f"sqlite:///{path / 'ledger.sqlite'}",
                "TAIZHANG_DATA_DIR": str(path / "var"),
            }
        )
    )
    yield app
    app.close()


def run(aggregate: LedgerAggregate, commands: list[tuple[str, int, dict[str, Any]]]) -> int:
    """Apply commands; a refused one must leave the aggregate as it was. Returns refusals."""
    refusals = 0
    for method, day, kwargs in commands:
        kwargs = dict(kwargs)
        target = kwargs.pop("target", None)
        if target is not None:
            facts = list(aggregate.facts.current) + sorted(aggregate.facts.withdrawn)  # type: ignore[attr-defined]
            if not facts:
                continue
            kwargs[target[0]] = facts[target[1] % len(facts)]
        version = aggregate.version
        try:
            getattr(aggregate, method)(prov(day), **kwargs)
        except DomainError:
            refusals += 1
            assert aggregate.version == version
    return refusals


def replayed(aggregate: LedgerAggregate) -> tuple[list[Any], Any]:
    events = aggregate.collect_events()
    rebuilt: Any = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    return events, rebuilt


def assert_transcodes(ledger: Ledger, events: list[Any]) -> None:
    for event in events:
        stored = ledger.mapper.to_stored_event(event)
        assert ledger.mapper.to_domain_event(stored) == event


# -- BranchWork --------------------------------------------------------------------------------


def work_command() -> st.SearchStrategy[tuple[str, int, dict[str, Any]]]:
    def command(method: str, **kwargs: st.SearchStrategy[Any]) -> Any:
        return st.tuples(st.just(method), days, st.fixed_dictionaries(kwargs))

    fact_ref = st.tuples(st.just("corrects"), st.integers(0, 50))
    facts = st.one_of(
        command(
            "record_baseline_survey",
            leadership_complete=st.booleans(),
            full_members=counts,
            probationary_members=counts,
            weak_and_lax=st.booleans(),
        ),
        command("submit_plan", goals=texts, measures=st.just("m"), schedule=st.just("s")),
        command("return_plan", reasons=texts),
        command("approve_plan", remarks=texts),
        command(
            "hold_mobilization_meeting",
            participants=counts,
            joint_with=st.lists(st.sampled_from(SYSTEMS), max_size=2),
        ),
        command(
            "hold_study_session", topic=texts, days=amounts, hours=amounts, participants=counts
        ),
        command("hold_secretary_training", days=amounts, hours=amounts),
        command(
            "collect_opinions",
            count=counts,
            sources=st.lists(st.sampled_from(list(OpinionSource)), max_size=3),
        ),
        command("screen_conflicts", disputes_found=counts, disputes_resolved=counts),
        command("hold_heart_to_heart_talks", talks=counts),
        command(
            "hold_organizational_life_meeting",
            participants=counts,
            self_examination=st.booleans(),
            criticism=st.booleans(),
            members_evaluated=counts,
        ),
        command("make_life_meeting_result_known", how=texts),
        command("publicize_problem_list", how=texts),
        command(
            "change_work_system",
            system_id=st.sampled_from(SYSTEMS),
            name=st.just("三会一课制度"),
            change=st.sampled_from(list(WorkSystemChange)),
        ),
        command(
            "set_up_volunteer_team",
            team_id=st.sampled_from(TEAMS),
            name=texts,
            service_kinds=st.lists(st.sampled_from(["养老助老", "法律援助"]), max_size=2),
            members=counts,
        ),
        command(
            "make_service_commitment",
            commitment_id=st.sampled_from(COMMITMENTS),
            member=st.just("P000101"),
            content=texts,
        ),
        command("fulfil_service_commitment", commitment_id=st.sampled_from(COMMITMENTS)),
        command("record_optional_action", title=texts),
        command(
            "record_phase_work", phase_key=st.sampled_from(["grade", "review"]), done=st.booleans()
        ),
    )
    # Weighted so that corrections and withdrawals often meet each other and the facts they
    # name (one_of flattens nested choices, so the weight comes from choosing a strategy).
    correction = command(
        "correct",
        target=fact_ref,
        reason=st.just("录错"),
        changes=st.one_of(
            st.fixed_dictionaries({"occurred_on": moments}),
            st.fixed_dictionaries({"occurred_on": moments}),
            st.fixed_dictionaries({"participants": counts, "occurred_on": moments}),
            st.fixed_dictionaries({"hours": amounts}),
            st.fixed_dictionaries({"days": amounts}),
            st.fixed_dictionaries({"how": texts}),
            st.fixed_dictionaries({"system_id": st.just(SYSTEMS[0])}),
        ),
    )
    withdrawal = command(
        "withdraw_fact", target=st.tuples(st.just("withdraws"), st.integers(0, 50)), reason=texts
    )
    return st.sampled_from([facts] * 3 + [correction] * 2 + [withdrawal]).flatmap(lambda s: s)


@EXAMPLES
@given(commands=st.lists(work_command(), min_size=3, max_size=30))
def test_branch_work_replay_rebuilds_equal_state(ledger: Ledger, commands: list[Any]) -> None:
    work = BranchWork.open(prov(0), UUID(int=100), UUID(int=200))
    run(work, commands)
    events, rebuilt = replayed(work)
    assert rebuilt.id == work.id and rebuilt.version == work.version == len(events)
    assert rebuilt.facts == work.facts
    assert rebuilt.plan_status() == work.plan_status()
    assert rebuilt.work_systems() == work.work_systems()
    assert rebuilt.commitments() == work.commitments()
    assert rebuilt.secretary_training_days() == work.secretary_training_days()
    assert milestones(rebuilt.facts.current.values()) == milestones(work.facts.current.values())
    assert_transcodes(ledger, events)


# -- Problem -----------------------------------------------------------------------------------


def problem_command() -> st.SearchStrategy[tuple[str, int, dict[str, Any]]]:
    def command(method: str, **kwargs: st.SearchStrategy[Any]) -> Any:
        return st.tuples(st.just(method), st.integers(50, 120), st.fixed_dictionaries(kwargs))

    return st.one_of(
        command("start_rectification", note=texts),
        command("record_progress", note=texts, percent_done=st.integers(-5, 105)),
        command("complete_rectification", outcome=texts),
        command("verify_rectification", remarks=texts, passed=st.booleans()),
        command(
            "revise",
            measures=texts,
            responsible_person=st.just("P000202"),
            deadline=st.integers(40, 200).map(lambda d: FIRST_DAY + timedelta(d)),
        ),
        command(
            "correct",
            target=st.tuples(st.just("corrects"), st.integers(0, 20)),
            reason=st.just("r"),
            changes=st.one_of(
                st.fixed_dictionaries({"percent_done": st.integers(-5, 105)}),
                st.fixed_dictionaries({"note": texts}),
                st.fixed_dictionaries({"passed": st.booleans()}),
                st.fixed_dictionaries({"remarks": texts}),
            ),
        ),
        command(
            "withdraw_fact",
            target=st.tuples(st.just("withdraws"), st.integers(0, 20)),
            reason=texts,
        ),
        command("withdraw", reason=texts),
    )


@EXAMPLES
@given(commands=st.lists(problem_command(), min_size=3, max_size=25))
def test_problem_replay_rebuilds_equal_state(ledger: Ledger, commands: list[Any]) -> None:
    problem = new_problem(listed_on=FIRST_DAY + timedelta(50), deadline=date(2014, 7, 31))
    run(problem, commands)
    events, rebuilt = replayed(problem)
    assert rebuilt.version == problem.version == len(events)
    assert rebuilt.facts == problem.facts
    assert rebuilt.status() is problem.status()
    assert rebuilt.withdrawn == problem.withdrawn
    assert (rebuilt.measures, rebuilt.responsible_person, rebuilt.deadline) == (
        problem.measures,
        problem.responsible_person,
        problem.deadline,
    )
    for day in (date(2014, 7, 31), date(2014, 8, 1), date(2014, 12, 1)):
        assert rebuilt.is_overdue(day) == problem.is_overdue(day)
    assert_transcodes(ledger, events)


# -- Branch ------------------------------------------------------------------------------------


def branch_command() -> st.SearchStrategy[tuple[str, int, dict[str, Any]]]:
    def command(method: str, **kwargs: st.SearchStrategy[Any]) -> Any:
        return st.tuples(st.just(method), days, st.fixed_dictionaries(kwargs))

    return st.one_of(
        command("change_membership", full_members=counts, probationary_members=counts),
        command("count_employees", employees=counts),
        command(
            "change_formation",
            formation=st.sampled_from(list(Formation)),
            covered_units=st.lists(st.sampled_from("甲乙丙丁戊己庚"), max_size=7),
        ),
        command("move_to_committee", committee_id=st.sampled_from(COMMITTEES)),
        command("assign_instructor", instructor_id=st.sampled_from(INSTRUCTORS)),
        command("unassign_instructor", instructor_id=st.sampled_from(INSTRUCTORS)),
        command("designate_rectification_target", reasons=texts),
        command(
            "reorganize",
            leadership_completed=st.booleans(),
            secretary_replaced=st.booleans(),
        ),
    )


@EXAMPLES
@given(commands=st.lists(branch_command(), min_size=3, max_size=25))
def test_branch_replay_rebuilds_equal_state(ledger: Ledger, commands: list[Any]) -> None:
    branch = new_branch(committee_id=COMMITTEES[0])
    run(branch, commands)
    events, rebuilt = replayed(branch)
    fields = (
        "version",
        "committee_id",
        "formation",
        "covered_units",
        "full_members",
        "probationary_members",
        "employees",
        "advisories",
        "instructor_ids",
        "is_rectification_target",
        "reorganized",
    )
    assert {f: getattr(rebuilt, f) for f in fields} == {f: getattr(branch, f) for f in fields}
    assert rebuilt.covers_without_rectification == branch.covers_without_rectification
    assert_transcodes(ledger, events)
