"""The demo generator: deterministic, idempotent, complete, and true to the domain's rules."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from taizhang.cli import main
from taizhang.config import Settings
from taizhang.demo import (
    CAMPAIGN_STARTS,
    COMMITTEES,
    DEMO_TODAY,
    GENERATED_EVENT_TYPES,
    DemoSummary,
    generate,
)
from taizhang.domain.branch import JOINT_COVERS_TOO_MANY_UNITS
from taizhang.domain.branch_life import branch_life_id
from taizhang.domain.records import event_record
from taizhang.domain.vocabulary import Formation, HostCategory
from taizhang.ledger import Ledger
from taizhang.projections.fold.party_life import branch_year, history_of

SMALL = 40
ALLOWED_BEFORE_REORGANIZATION = ("BaselineSurveyRecorded", "SupervisionVisitRecorded")


def is_a(event: Any, qualname: str) -> bool:
    return type(event).__qualname__ == qualname


def stored_events(ledger: Ledger) -> list[Any]:
    events = []
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=5000)
        if not page:
            return events
        events.extend(ledger.mapper.to_domain_event(n) for n in page)
        start = page[-1].id + 1


def comparable(event: Any) -> dict[str, Any]:
    """What the seed fixes: everything but the time the event was recorded."""
    record = event_record(event)
    del record["recorded_at"]
    record["type"] = type(event).__qualname__
    return record


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    app = Ledger(settings)
    yield app
    app.close()


@pytest.fixture
def small_demo(ledger: Ledger) -> tuple[Ledger, DemoSummary, list[Any]]:
    summary = generate(ledger, branches=SMALL, seed=7, progress=False)
    return ledger, summary, stored_events(ledger)


def in_memory_ledger(tmp_path: Path) -> Ledger:
    """A second, fresh store: the library's in-memory one."""
    settings = Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": f"sqlite:///{tmp_path}/unused.sqlite",
            "TAIZHANG_DATA_DIR": str(tmp_path),
        }
    )
    return Ledger(settings, PERSISTENCE_MODULE="eventsourcing.popo")


def test_same_seed_gives_the_same_log(
    small_demo: tuple[Ledger, DemoSummary, list[Any]], tmp_path: Path
) -> None:
    _, summary, events = small_demo
    in_memory = in_memory_ledger(tmp_path)
    again = generate(in_memory, branches=SMALL, seed=7, progress=False)
    assert [comparable(e) for e in stored_events(in_memory)] == [comparable(e) for e in events]
    assert again.events_by_type == summary.events_by_type
    assert len(events) == summary.events

    other_seed = in_memory_ledger(tmp_path)
    different = generate(other_seed, branches=SMALL, seed=8, progress=False)
    assert different.district_id != summary.district_id
    assert [comparable(e) for e in stored_events(other_seed)] != [comparable(e) for e in events]


def test_loading_the_same_seed_again_adds_nothing(
    small_demo: tuple[Ledger, DemoSummary, list[Any]],
) -> None:
    ledger, summary, events = small_demo
    assert not summary.already_loaded
    before = ledger.recorder.max_notification_id()
    again = generate(ledger, branches=SMALL, seed=7, progress=False)
    assert again.already_loaded
    assert again.events == 0
    assert again.district_id == summary.district_id
    assert again.committee_ids == summary.committee_ids
    assert ledger.recorder.max_notification_id() == before


def test_small_demo_covers_every_formation_category_and_claimed_event_type(
    small_demo: tuple[Ledger, DemoSummary, list[Any]],
) -> None:
    _, summary, events = small_demo
    types = {type(e).__qualname__ for e in events}
    assert types >= GENERATED_EVENT_TYPES, sorted(GENERATED_EVENT_TYPES - types)
    assert types <= GENERATED_EVENT_TYPES, sorted(types - GENERATED_EVENT_TYPES)
    registered = [e for e in events if type(e).__qualname__ == "Branch.Registered"]
    assert len(registered) == SMALL == len(summary.branch_ids)
    assert {e.formation for e in registered} == set(Formation)
    assert {e.host_category for e in registered} == set(HostCategory)
    assert any(JOINT_COVERS_TOO_MANY_UNITS in e.advisories for e in registered)
    verifications = [e for e in events if type(e).__qualname__ == "Problem.RectificationVerified"]
    assert {e.passed for e in verifications} == {True, False}
    assert len(summary.committee_ids) == len(COMMITTEES)


def test_the_log_keeps_the_domains_rules(
    small_demo: tuple[Ledger, DemoSummary, list[Any]],
) -> None:
    _, summary, events = small_demo
    by_aggregate: dict[Any, list[Any]] = defaultdict(list)
    for event in events:
        by_aggregate[event.originator_id].append(event)
    event_ids = Counter(e.provenance.event_id for e in events)
    assert max(event_ids.values()) == 1, "every event has an event id of its own"

    targets = {
        e.originator_id for e in events if type(e).__name__ == "DesignatedRectificationTarget"
    }
    reorganized_on = {
        e.originator_id: e.provenance.occurred_on
        for e in events
        if type(e).__name__ == "Reorganized"
    }
    for stream in by_aggregate.values():
        kind = type(stream[0]).__qualname__.split(".")[0]
        assert [e.originator_version for e in stream] == list(range(1, len(stream) + 1))
        if kind == "BranchWork":
            check_branch_work(stream, targets, reorganized_on)
        elif kind == "Problem":
            check_problem(stream)
    for event in events:
        assert event.provenance.occurred_on <= DEMO_TODAY
        assert event.provenance.actor.strip() and event.provenance.source.strip()


def check_branch_work(
    stream: list[Any], targets: set[Any], reorganized_on: dict[Any, date]
) -> None:
    branch_id = stream[0].branch_id
    plan = "none"
    ids = set()
    meeting_on = None
    made: dict[Any, date] = {}
    for event in stream[1:]:
        name = type(event).__name__
        on = event.provenance.occurred_on
        assert CAMPAIGN_STARTS <= on <= DEMO_TODAY
        if branch_id in targets and name not in (
            "BaselineSurveyRecorded",
            "SupervisionVisitRecorded",
        ):
            assert branch_id in reorganized_on and on >= reorganized_on[branch_id], name
        if name == "PlanSubmitted":
            assert plan in ("none", "returned")
            plan, submitted_on = "submitted", on
        elif name in ("PlanApproved", "PlanReturned"):
            assert plan == "submitted" and on >= submitted_on
            plan = "approved" if name == "PlanApproved" else "returned"
        elif name == "OrganizationalLifeMeetingHeld":
            meeting_on = on
        elif name == "LifeMeetingResultMadeKnown":
            assert meeting_on is not None and on >= meeting_on
        elif name == "ServiceCommitmentMade":
            made[event.commitment_id] = on
        elif name == "ServiceCommitmentFulfilled":
            assert on >= made.pop(event.commitment_id)
        elif name == "FactCorrected":
            assert event.corrects in ids
        elif name == "FactWithdrawn":
            assert event.withdraws in ids
        ids.add(event.provenance.event_id)


def check_problem(stream: list[Any]) -> None:
    listed = stream[0]
    assert listed.deadline >= listed.provenance.occurred_on
    status, last = "listed", listed.provenance.occurred_on
    allowed = {
        "RectificationStarted": ({"listed"}, "in_progress"),
        "RectificationProgressed": ({"in_progress"}, "in_progress"),
        "RectificationDone": ({"in_progress"}, "done"),
    }
    for event in stream[1:]:
        name = type(event).__name__
        assert status != "withdrawn"
        if name in allowed:
            before, after = allowed[name]
            assert status in before, f"{name} on a problem that is {status}"
            status = after
            assert event.provenance.occurred_on >= last
            last = event.provenance.occurred_on
        elif name == "RectificationVerified":
            assert status == "done"
            status = "verified" if event.passed else "in_progress"
        elif name == "Withdrawn":
            status = "withdrawn"


def test_demo_command_loads_once_and_prints_tokens(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TAIZHANG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TAIZHANG_DATA_DIR", settings.data_dir)
    assert main(["demo", "--branches", "12", "--committees", "4", "--no-progress"]) == 0
    first = capsys.readouterr().out
    assert "loaded 番禺区 with 12 branches" in first
    saved = json.loads((Path(settings.data_dir) / "demo-tokens.json").read_text("utf-8"))
    assert {t["role"] for t in saved["tokens"]} == {
        "admin",
        "office",
        "committee",
        "supervisor",
        "integrator",
    }
    for entry in saved["tokens"]:
        assert entry["token"] in first

    assert main(["demo", "--branches", "12", "--committees", "4", "--no-progress"]) == 0
    assert "already loaded; nothing added" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--branches", "0"], "--branches: must be at least 1"),
        (["--committees", "99"], f"at most {len(COMMITTEES)} committees"),
        (["--seed", "x"], "--seed: invalid int value"),
    ],
)
def test_demo_command_names_the_bad_option(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_default_scale_on_sqlite(sqlite_settings: Settings) -> None:
    """600 branches as the operator sees them: counts in the ranges a real district has."""
    ledger = Ledger(sqlite_settings)
    started = time.perf_counter()
    summary = generate(ledger, progress=False)
    elapsed = time.perf_counter() - started
    events = stored_events(ledger)
    ledger.close()
    count = summary.events_by_type
    assert len(events) == summary.events
    assert count["Branch.Registered"] == 600
    assert count["Committee.Registered"] == len(COMMITTEES)
    # The campaign's work (~44,000), and the year's party life, grading, the register and
    # member development beside it.
    assert 60_000 <= summary.events <= 100_000
    assert elapsed < 120, f"600 branches took {elapsed:.0f} s"

    registered = [e for e in events if type(e).__qualname__ == "Branch.Registered"]
    formations = Counter(e.formation for e in registered)
    assert 0.3 <= formations[Formation.STANDALONE] / 600 <= 0.55
    assert formations[Formation.MOBILE] >= 15 and formations[Formation.ONLINE] >= 15
    enterprises = sum(e.host_category is HostCategory.NON_PUBLIC_ENTERPRISE for e in registered)
    assert 0.5 <= enterprises / 600 <= 0.8

    # Most are past mobilization by mid-June; some are late, some have not done it yet.
    assert 0.9 <= count["BranchWork.BaselineSurveyRecorded"] / 600 <= 1
    assert 0.75 <= count["BranchWork.MobilizationMeetingHeld"] / 600 <= 0.97
    assert 0.7 <= count["BranchWork.PlanApproved"] / 600 <= 0.95
    assert count["BranchWork.PlanReturned"] >= 30
    late = [
        e
        for e in events
        if type(e).__qualname__ == "BranchWork.MobilizationMeetingHeld"
        and e.provenance.occurred_on > date(2014, 4, 20)
    ]
    assert 20 <= len(late) <= 200
    # The later phases are under way, not done.
    assert 0.2 <= count["BranchWork.OrganizationalLifeMeetingHeld"] / 600 <= 0.6
    problems = count["Problem.Listed"]
    assert 3 * 600 <= problems <= 9 * 600
    assert 0.02 * problems <= count["Problem.RectificationDone"] <= 0.4 * problems
    assert 10 <= count["Branch.DesignatedRectificationTarget"] <= 60
    assert count["BranchWork.FactCorrected"] >= 10 and count["BranchWork.FactWithdrawn"] >= 5


def test_the_demo_keeps_a_half_year_of_party_life_with_gaps(small_demo) -> None:
    """002 "支部党员大会、支部委员会、党小组会和党课每月进行一次" and 003 §二 "每月开展一次
    “主题党日”活动": the demo's branches keep most months of 2014 up to the demo's today,
    not all; some themed days lack a part; and the views show done, overdue and due."""
    ledger, summary, events = small_demo
    held = [e for e in events if is_a(e, "BranchLife.LifeActivityHeld")]
    assert all(e.provenance.occurred_on <= DEMO_TODAY for e in held)
    branches = {e.originator_id for e in held}
    assert len(branches) >= SMALL * 0.9
    themed = [e for e in held if e.activity == "themed_party_day"]
    assert any(len(e.parts) < 6 for e in themed) and any(len(e.parts) == 6 for e in themed)
    counts = {"done": 0, "overdue": 0, "due": 0}
    delayed = 0
    for branch_id in summary.branch_ids[:SMALL]:
        history = history_of(ledger.events.get(branch_life_id(branch_id)))
        view = branch_year(history, 2014, DEMO_TODAY)
        for key in counts:
            counts[key] += view["counts"][key]
        (meeting,) = [d for d in view["duties"] if d["duty"] == "democratic_life_meeting"]
        delayed += meeting["periods"][0]["delayed_until"] is not None
    assert counts["done"] > 3 * counts["overdue"] > 0, counts
    assert counts["due"] > 0, counts
    # 002 "遇有特殊情况需延期召开的,必须报告上级党组织同意": a few delays, approved.
    assert 0 < delayed < SMALL / 4
