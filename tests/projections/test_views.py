"""The read models on SQLite and PostgreSQL: statuses, counts, corrections, rebuild, as-of."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from taizhang.domain.errors import InvalidValue, NotFound
from taizhang.projections import digest
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.report import report_as_of
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker
from tests.projections.scenario import make_district, story

D = date(2014, 6, 15)


@pytest.fixture
def world(settings):
    district = make_district(settings)
    ids = story(district)
    worker = Worker(settings)
    worker.catch_up()
    views = Views(settings)
    yield district, ids, worker, views
    views.close()
    worker.close()


def phases(item):
    return {p["key"]: p["status"] for p in item["phases"]}


def test_every_phase_status_on_the_day_it_is_judged(world):
    d, _, _, views = world
    a = views.branch_progress(d.campaign, d.branches["a"], as_of=D)
    assert set(phases(a).values()) == {"done"}
    b = phases(views.branch_progress(d.campaign, d.branches["b"], as_of=D))
    assert b["baseline_survey"] == "done"  # done late is still done
    assert b["activity_plan"] == "overdue"  # submitted, never approved, deadline 20 April
    assert b["mobilization_meeting"] == "done"
    assert b["investigation"] == "not_started"
    early = phases(views.branch_progress(d.campaign, d.branches["b"], as_of=date(2014, 4, 19)))
    assert early["activity_plan"] == "not_started"  # submitted only on 21 April
    assert early["baseline_survey"] == "overdue"
    on_21 = phases(views.branch_progress(d.campaign, d.branches["b"], as_of=date(2014, 4, 21)))
    assert on_21["activity_plan"] == "overdue"
    assert on_21["baseline_survey"] == "done"
    in_progress = phases(
        views.branch_progress(d.campaign, d.branches["a"], as_of=date(2014, 4, 23))
    )
    assert in_progress["thematic_study"] == "in_progress"  # studied, secretary not yet trained
    c = views.branch_progress(d.campaign, d.branches["c"], as_of=D)
    assert phases(c)["baseline_survey"] == "overdue"
    assert phases(c)["work_systems"] == "not_started"
    late = {
        p["key"]: p["late"]
        for p in views.branch_progress(d.campaign, d.branches["b"], as_of=D)["phases"]
    }
    assert late["baseline_survey"] is True


def test_every_count_of_a_branch(world):
    d, _, _, views = world
    a = views.branch_progress(d.campaign, d.branches["a"], as_of=D)
    assert (a["meetings"], a["study_days"], a["opinions_collected"]) == (2, "1.5", 12)
    assert (a["problems_listed"], a["problems_rectified"], a["problems_overdue"]) == (2, 1, 1)
    assert (a["work_systems"], a["volunteer_teams"]) == (2, 1)
    assert (a["commitments_made"], a["commitments_fulfilled"]) == (2, 1)
    assert a["last_activity_on"] == "2014-06-12"
    assert a["silent"] is False
    assert a["category"] == "non_public_enterprise"
    assert a["rectification_target"] == "not_target"
    c = views.branch_progress(d.campaign, d.branches["c"], as_of=D)
    assert c["silent"] is True and c["meetings"] == 0


def test_supervision_view_of_the_district_and_its_ranking(world):
    d, _, _, views = world
    view = views.supervision_view(d.campaign, scope="district", scope_id=d.district, as_of=D)
    assert view["branches"] == 3
    baseline = next(p for p in view["phases"] if p["key"] == "baseline_survey")
    assert (baseline["done"], baseline["overdue"], baseline["done_share"]) == (2, 1, 0.6667)
    assert view["all_phases_done"] == 1
    assert (view["problems_listed"], view["problems_rectified"], view["problems_overdue"]) == (
        2,
        1,
        1,
    )
    assert view["rectification_rate"] == 0.5
    assert (view["volunteer_teams"], view["commitments_made"], view["commitments_fulfilled"]) == (
        1,
        2,
        1,
    )
    # Seed 000 §四(一)1 "全区非公有制经济组织党组织的…单独组建率力争达到30%": the rate is
    # among non-public enterprises (a and c, both standalone; b is a social organization).
    assert view["standalone_branches"] == 2 and view["enterprises_covered"] == 2
    assert view["standalone_rate"] == 1.0 and view["standalone_target_met"] is True
    assert view["silent_branches"] == 2  # b last active on 21 April, c never
    assert view["by_category"]["social_organization"]["branches"] == 1
    assert view["by_category"]["non_public_enterprise"]["all_phases_done"] == 1
    assert view["labels"]["phases"]["baseline_survey"]["zh"] == "开展一次摸底排查"
    ranking = views.committee_ranking(d.campaign, d.district, as_of=D)
    assert [c["committee_id"] for c in ranking] == [str(d.town), str(d.sector)]
    assert ranking[1]["phases_done_share"] == 0.0


def test_supervision_view_of_a_committee_and_of_a_group(world):
    d, _, _, views = world
    town = views.supervision_view(d.campaign, scope="committee", scope_id=d.town, as_of=D)
    assert town["branches"] == 2 and town["problems_listed"] == 2
    group = views.supervision_view(d.campaign, scope="group", scope_id=d.group, as_of=D)
    assert group["branches"] == 2  # the sector's branch c, and branch b assigned alone
    assert group["problems_listed"] == 0
    social = views.supervision_view(
        d.campaign, scope="group", scope_id=d.group, as_of=D, category="social_organization"
    )
    assert social["branches"] == 1


def test_lists_filter_and_paginate(world):
    d, _, _, views = world
    items, cursor = views.list_branch_progress(d.campaign, as_of=D, limit=2)
    more, end = views.list_branch_progress(d.campaign, as_of=D, limit=2, after=cursor)
    assert cursor is not None and end is None
    assert len({i["branch_id"] for i in items + more}) == 3
    overdue, _ = views.list_branch_progress(d.campaign, as_of=D, overdue=True)
    assert {i["branch_name"] for i in overdue} == {"b", "c"}
    by_phase, _ = views.list_branch_progress(
        d.campaign, as_of=D, phase_key="activity_plan", phase_status="done"
    )
    assert [i["branch_name"] for i in by_phase] == ["a"]
    sector, _ = views.list_branch_progress(d.campaign, as_of=D, committee_id=d.sector)
    assert [i["branch_name"] for i in sector] == ["c"]


def test_problem_ledger_flags_overdue_for_the_day(world):
    d, ids, _, views = world
    rows, _ = views.problem_ledger(d.campaign, as_of=D)
    by_id = {r["problem_id"]: r for r in rows}
    late = by_id[str(ids["late_problem"])]
    assert late["overdue"] is True and late["status"] == "listed"
    assert late["committee_id"] == str(d.town) and late["responsible_person"] == "P000102"
    done = by_id[str(ids["problem"])]
    assert done["status"] == "done" and done["overdue"] is False
    assert done["rectified_on"] == "2014-06-10"
    early, _ = views.problem_ledger(d.campaign, as_of=date(2014, 5, 30), overdue=True)
    assert early == []


def test_corrections_are_followed_and_withdrawals_not_counted(world):
    d, ids, worker, views = world
    d.work(
        "FactCorrected",
        "a",
        date(2014, 6, 14),
        corrects=ids["study"],
        reason="记错",
        changes={"days": Decimal(3)},
    )
    d.work("FactWithdrawn", "b", date(2014, 6, 14), withdraws=ids["b_meeting"], reason="未召开")
    d.post("ProblemWithdrawn", date(2014, 6, 14), problem_id=ids["late_problem"], reason="重复")
    worker.catch_up()
    a = views.branch_progress(d.campaign, d.branches["a"], as_of=D)
    assert a["study_days"] == "3" and a["problems_listed"] == 1 and a["problems_overdue"] == 0
    b = views.branch_progress(d.campaign, d.branches["b"], as_of=D)
    assert b["meetings"] == 0
    assert phases(b)["mobilization_meeting"] == "overdue"
    rows, _ = views.problem_ledger(d.campaign, as_of=D)
    assert [r["problem_id"] for r in rows] == [str(ids["problem"])]
    timeline, _ = views.branch_timeline(d.branches["b"])
    meeting = next(t for t in timeline if t["event_id"] == str(ids["b_meeting"]))
    withdrawal = next(t for t in timeline if t["type"] == "FactWithdrawn")
    assert meeting["withdrawn_by"] == withdrawal["event_id"]
    timeline_a, _ = views.branch_timeline(d.branches["a"], limit=1000)
    study = next(t for t in timeline_a if t["event_id"] == str(ids["study"]))
    assert study["corrected_by"] is not None and study["data"]["days"] == "1.5"
    assert digest(d.service.ledger.settings) == _rebuilt_digest(d.service.ledger.settings)


def _rebuilt_digest(settings):
    rebuild(settings)
    return digest(settings)


def test_branch_timeline_in_order_with_both_times(world):
    d, _, _, views = world
    first, cursor = views.branch_timeline(d.branches["a"], limit=10)
    rest, end = views.branch_timeline(d.branches["a"], after=cursor, limit=1000)
    events = first + rest
    assert end is None and len(events) == 1 + 1 + 18 + 4  # registered, opened, work, problems
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)
    assert events[0]["type"] == "BranchRegistered" and events[0]["actor"] == "张书记"
    assert {"occurred_on", "recorded_at", "source", "data"} <= set(events[0])
    only, _ = views.branch_timeline(d.branches["a"], types=["ProblemListed"])
    assert len(only) == 2


def test_rebuild_twice_gives_the_same_views_as_the_live_worker(world):
    d, _, _, views = world
    settings = d.service.ledger.settings
    live = digest(settings)
    assert _rebuilt_digest(settings) == live
    assert _rebuilt_digest(settings) == live
    assert views.branch_progress(d.campaign, d.branches["a"], as_of=D)["meetings"] == 2


def test_report_as_of_a_business_date_and_a_knowledge_time(world):
    d, ids, worker, views = world
    settings = d.service.ledger.settings
    d.work(
        "FactCorrected",
        "a",
        date(2014, 6, 14),
        corrects=ids["study"],
        reason="记错",
        changes={"occurred_on": date(2014, 4, 14)},
    )
    report = report_as_of(
        settings, d.campaign, "district", d.district, business_date=date(2014, 4, 16)
    )
    baseline = next(p for p in report["phases"] if p["key"] == "baseline_survey")
    assert (baseline["done"], baseline["overdue"]) == (1, 2)  # b's survey came on 20 April
    assert report["problems_listed"] == 0 and report["as_of"] == "2014-04-16"
    study = next(p for p in report["phases"] if p["key"] == "thematic_study")
    # The correction counts from its own business date (14 June): on 16 April the study
    # still stood on its first date, after the 16th.
    assert study["in_progress"] == 0
    with pytest.raises(NotFound):  # nobody knew of the campaign in 2000
        report_as_of(
            settings, d.campaign, "district", d.district, known_at=datetime(2000, 1, 1, tzinfo=UTC)
        )
    survey, _ = views.branch_timeline(d.branches["a"], types=["BaselineSurveyRecorded"])
    just_before = datetime.fromisoformat(survey[0]["recorded_at"]) - timedelta(microseconds=1)
    before = report_as_of(settings, d.campaign, "district", d.district, known_at=just_before)
    assert before["branches"] == 3
    assert next(p for p in before["phases"] if p["key"] == "baseline_survey")["done"] == 0
    now = report_as_of(settings, d.campaign, "district", d.district, known_at=datetime.now(UTC))
    assert now["branches"] == 3 and now["problems_listed"] == 2


def test_a_rebuild_of_a_log_no_worker_has_read_switches_to_full_views(settings):
    d = make_district(settings)
    story(d)
    head = d.service.ledger.recorder.max_notification_id()
    assert rebuild(settings) == head
    db = Database(settings)
    conn = db.connect()
    try:
        # Read on a fresh connection: only what the rebuild committed is seen.
        assert db.positions(conn) == {"progress": (head, 1), "timeline": (head, 1)}
        (timeline_rows,) = db.fetchall(conn, "SELECT count(*) FROM branch_timeline")[0]
        (progress_rows,) = db.fetchall(conn, "SELECT count(*) FROM branch_progress")[0]
    finally:
        conn.close()
    assert timeline_rows > 20 and progress_rows == 3
    rebuild(settings)
    conn = db.connect()
    try:
        assert db.positions(conn) == {"progress": (head, 2), "timeline": (head, 2)}
    finally:
        conn.close()


def _collations(settings) -> dict[tuple[str, str], str | None]:
    import psycopg

    schema = settings.postgres_params().schema
    with psycopg.connect(settings.psycopg_conninfo()) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = %s AND data_type = 'text'",
            (schema,),
        ).fetchall()
    return {(table, column): collation for table, column, collation in rows}


@pytest.mark.postgres
def test_code_columns_compare_byte_by_byte_after_migration_and_rebuild(postgres_settings):
    from alembic import command

    from taizhang.migrate import alembic_config, upgrade
    from taizhang.projections.schema import TABLES, TEXT

    upgrade(postgres_settings)
    codes = {(t.name, c) for t in TABLES for c in t.code_columns}
    texts = {(t.name, c) for t in TABLES for c, kind in t.columns if kind == TEXT}
    assert ("branch_timeline", "branch_id") in codes and ("view_branch", "name") in texts

    def check() -> None:
        collations = _collations(postgres_settings)
        assert {key: collations[key] for key in codes} == dict.fromkeys(codes, "C")
        assert {key: collations[key] for key in texts} == dict.fromkeys(texts)  # the default

    check()
    command.downgrade(alembic_config(postgres_settings), "0005")
    collations = _collations(postgres_settings)
    assert {collations.get(key) for key in codes} == {None}  # absent or the default
    command.upgrade(alembic_config(postgres_settings), "head")
    check()
    # A rebuild's fresh tables are made collated too.
    make_district(postgres_settings)
    rebuild(postgres_settings)
    check()


def test_replays_of_the_same_time_are_served_from_the_first(world, monkeypatch):
    """Issue 15: "repeated identical requests are served from the first answer"; a time
    within the settling window is replayed each time, and the future is refused."""
    from taizhang.projections import report

    d, _, _, _ = world
    settings = d.service.ledger.settings
    calls = []
    real = report.replayed_views

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "replayed_views", counted)
    replays = report.Replays(settings)
    past = datetime.now(UTC) - timedelta(minutes=5)
    first = replays.views(past, wait=1.0)
    assert replays.views(past, wait=1.0) is first and len(calls) == 1
    recent = datetime.now(UTC)
    replays.views(recent, wait=1.0)
    replays.views(recent, wait=1.0)
    assert len(calls) == 3
    with pytest.raises(InvalidValue):
        replays.views(datetime.now(UTC) + timedelta(minutes=1), wait=1.0)


def test_the_replays_kept_are_bounded_for_the_process_not_per_ledger(monkeypatch) -> None:
    """A province serves many ledgers in one process: the replays kept (each a whole set of
    views in memory) are bounded for the process, not once per district."""
    from types import SimpleNamespace

    from taizhang.projections import report

    monkeypatch.setattr(report, "_kept", report.LRU(report.KEPT_REPLAYS))
    made: list[tuple[str, datetime]] = []

    def replayed(settings, known_at, wait):
        made.append((settings.database_url, known_at))
        return object()

    monkeypatch.setattr(report, "replayed_views", replayed)
    ledgers = [
        report.Replays(SimpleNamespace(database_url=f"sqlite:///{n}", postgres_schema=None))
        for n in ("a", "b", "c")
    ]
    past = datetime.now(UTC) - timedelta(minutes=5)
    first = [replays.views(past, wait=1.0) for replays in ledgers]
    assert len(made) == 3 and len(set(map(id, first))) == 3  # one replay a ledger
    assert len(report._kept) == report.KEPT_REPLAYS
    assert ledgers[2].views(past, wait=1.0) is first[2]  # the latest kept
    assert ledgers[0].views(past, wait=1.0) is not first[0]  # the oldest let go
    assert len(made) == 4
