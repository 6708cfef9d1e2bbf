"""The supervision views' cache: one computation for concurrent identical reads, a bounded
staleness without ``min_position`` (held to its bound in test_view_freshness), and never older
than ``min_position`` with it."""

from __future__ import annotations

import threading
from datetime import date
from uuid import uuid4

import pytest

from taizhang.domain.errors import NotFound
from taizhang.projections.queries import Views
from taizhang.projections.worker import Worker
from tests.projections.scenario import make_district, story

D = date(2014, 6, 15)
READERS = 12


@pytest.fixture
def world(settings):
    district = make_district(settings)
    story(district)
    worker = Worker(settings)
    worker.catch_up()
    views = Views(settings)
    yield district, worker, views
    views.close()
    worker.close()


def _counting(views: Views, gate: threading.Event | None = None) -> list[int]:
    """Count the view's computations; ``gate`` holds each one until it is set."""
    calls: list[int] = []
    compute = views._supervision

    def counted(*args, **kwargs):
        calls.append(1)
        if gate is not None:
            assert gate.wait(10)
        return compute(*args, **kwargs)

    views._supervision = counted  # type: ignore[method-assign]
    return calls


def _read_together(n, read):
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = read()
        except Exception as error:  # noqa: BLE001 - the test looks at what each reader got
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _district(d, views, **kwargs):
    return views.supervision_view(
        d.campaign, scope="district", scope_id=d.district, as_of=D, **kwargs
    )


def _add_volunteer_team(d):
    return d.work(
        "VolunteerTeamSetUp",
        "b",
        date(2014, 6, 14),
        team_id=uuid4(),
        name="新志愿队",
        service_kinds=["养老助老"],
        members=3,
    )


def test_concurrent_readers_on_a_cold_cache_share_one_computation(world):
    d, _, views = world
    gate = threading.Event()
    calls = _counting(views, gate)
    threading.Timer(0.3, gate.set).start()  # the readers pile up behind the first one
    results = _read_together(READERS, lambda: _district(d, views))
    assert len(calls) == 1
    assert all(r == results[0] for r in results)
    assert results[0]["branches"] == 3 and results[0]["volunteer_teams"] == 1


def test_a_failed_computation_reaches_every_waiting_reader_and_is_not_cached(world):
    d, _, views = world
    gate = threading.Event()
    calls = _counting(views, gate)
    threading.Timer(0.3, gate.set).start()
    unknown = uuid4()
    results = _read_together(
        READERS,
        lambda: views.supervision_view(unknown, scope="district", scope_id=d.district, as_of=D),
    )
    assert len(calls) == 1
    assert all(isinstance(r, NotFound) for r in results)
    with pytest.raises(NotFound):
        views.supervision_view(unknown, scope="district", scope_id=d.district, as_of=D)
    assert len(calls) == 2


def test_within_the_bound_a_view_answers_and_past_the_refresh_interval_it_is_refreshed(world):
    d, worker, views = world
    views.max_age_seconds = views.refresh_seconds = 3600.0
    calls = _counting(views)
    assert _district(d, views)["volunteer_teams"] == 1
    _add_volunteer_team(d)
    worker.catch_up()
    # Within the refresh interval the cached view answers, without a computation.
    assert _district(d, views)["volunteer_teams"] == 1
    assert len(calls) == 1
    views.max_age_seconds, views.refresh_seconds = 3600.0, 0.0
    # Due: this reader still gets the previous view, and a refresh starts in the background.
    assert _district(d, views)["volunteer_teams"] == 1
    _settle(views)
    assert _district(d, views)["volunteer_teams"] == 2
    assert len(calls) == 2
    # Positions unchanged: the cached view is confirmed, not recomputed.
    assert _district(d, views)["volunteer_teams"] == 2
    assert len(calls) == 2


def test_min_position_is_never_answered_from_an_older_view(world):
    d, worker, views = world
    views.max_age_seconds = views.refresh_seconds = 3600.0
    calls = _counting(views)
    assert _district(d, views)["volunteer_teams"] == 1
    answer = _add_volunteer_team(d)
    worker.catch_up()
    assert views.wait_for(answer.position, timeout=5)
    fresh = _district(d, views, min_position=answer.position)
    assert fresh["volunteer_teams"] == 2 and len(calls) == 2
    # The fresh view now serves readers with or without that position.
    assert _district(d, views)["volunteer_teams"] == 2
    assert _district(d, views, min_position=answer.position)["volunteer_teams"] == 2
    assert len(calls) == 2
    ranking = views.committee_ranking(d.campaign, d.district, as_of=D, min_position=answer.position)
    assert len(ranking) == 2 and len(calls) == 2


def test_while_one_reader_refreshes_others_get_the_previous_view_at_once(world):
    d, worker, views = world
    views.max_age_seconds, views.refresh_seconds = 3600.0, 0.0
    assert _district(d, views)["volunteer_teams"] == 1
    answer = _add_volunteer_team(d)
    worker.catch_up()
    gate = threading.Event()
    calls = _counting(views, gate)
    try:
        # The reader who finds the view due gets the previous one at once; the new one is
        # computed in the background.
        assert _district(d, views)["volunteer_teams"] == 1
        for _ in range(200):
            if calls:
                break
            threading.Event().wait(0.01)
        assert calls, "the refresh did not start"
        # Stale but immediate for a reader who did not ask for the new position ...
        assert _district(d, views)["volunteer_teams"] == 1
        # ... while a reader who did waits for the refresh.
        got: list[dict] = []
        waiter = threading.Thread(
            target=lambda: got.append(_district(d, views, min_position=answer.position))
        )
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive() and not got
    finally:
        gate.set()
    waiter.join(10)
    assert got[0]["volunteer_teams"] == 2
    assert len(calls) == 1
    assert _district(d, views)["volunteer_teams"] == 2 and len(calls) == 1


def test_a_failed_background_refresh_keeps_the_previous_view(world):
    d, worker, views = world
    views.max_age_seconds, views.refresh_seconds = 3600.0, 0.0
    assert _district(d, views)["volunteer_teams"] == 1
    _add_volunteer_team(d)
    worker.catch_up()
    compute = views._supervision

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    views._supervision = broken  # type: ignore[method-assign]
    assert _district(d, views)["volunteer_teams"] == 1  # no error for the reader
    _settle(views)
    views._supervision = compute  # type: ignore[method-assign]
    assert _district(d, views)["volunteer_teams"] == 1  # the refresh is tried again ...
    _settle(views)
    assert _district(d, views)["volunteer_teams"] == 2  # ... and this time it worked


def _settle(views: Views) -> None:
    for _ in range(500):
        if not views._flights:
            return
        threading.Event().wait(0.01)
    raise AssertionError("a view refresh did not finish")


# -- sharing between server processes (table view_cache) --------------------------------------
# Each ``Views`` below stands for one gunicorn worker: its own connections and its own cache.


def test_a_view_computed_by_one_process_is_read_by_another_without_computing(world, settings):
    d, _, first = world
    first_calls = _counting(first)
    expected = _district(d, first)
    other = Views(settings)
    try:
        other_calls = _counting(other)
        assert _district(d, other) == expected
        assert len(first_calls) == 1 and other_calls == []
        # The JSON a process sends is the one stored: no process encodes it again.
        assert (
            other.supervision_rendered(
                d.campaign, scope="district", scope_id=d.district, as_of=D
            ).body
            == first.supervision_rendered(
                d.campaign, scope="district", scope_id=d.district, as_of=D
            ).body
        )
    finally:
        other.close()


def test_a_shared_view_is_never_served_for_another_query(world, settings):
    d, _, first = world
    _district(d, first)  # stored for: district, D, every category
    other = Views(settings)
    try:
        calls = _counting(other)
        later = other.supervision_view(
            d.campaign, scope="district", scope_id=d.district, as_of=date(2014, 9, 30)
        )
        assert later["as_of"] == "2014-09-30" and len(calls) == 1
        social = _district(d, other, category="social_organization")
        assert social["category"] == "social_organization" and len(calls) == 2
        assert social["branches"] == 1  # branch b alone is a social organization
        town = other.supervision_view(d.campaign, scope="committee", scope_id=d.town, as_of=D)
        assert (town["scope"], town["scope_id"], town["branches"]) == ("committee", str(d.town), 2)
        assert len(calls) == 3
    finally:
        other.close()


def test_a_shared_view_older_than_the_projections_is_not_served(world, settings):
    d, worker, first = world
    assert _district(d, first)["volunteer_teams"] == 1
    answer = _add_volunteer_team(d)
    worker.catch_up()
    other = Views(settings)
    try:
        calls = _counting(other)
        # The stored view reflects positions the projections have since passed.
        assert _district(d, other)["volunteer_teams"] == 2 and len(calls) == 1
        assert _district(d, other, min_position=answer.position)["volunteer_teams"] == 2
    finally:
        other.close()
    # And the first process, asked for the new position, takes the newer stored view.
    fresh = _district(d, first, min_position=answer.position)
    assert fresh["volunteer_teams"] == 2


def test_a_rebuild_generation_makes_stored_views_unusable(world, settings):
    d, _, first = world
    _district(d, first)
    conn = first.db.connect()  # type: ignore[union-attr]
    try:
        first.db.execute(  # type: ignore[union-attr]
            conn, "UPDATE projection_position SET generation = generation + 1"
        )
        if hasattr(conn, "commit"):
            conn.commit()
    finally:
        conn.close()
    other = Views(settings)
    try:
        calls = _counting(other)
        _district(d, other)
        assert len(calls) == 1
    finally:
        other.close()


def test_processes_on_a_cold_cache_compute_a_view_once_on_postgres(world, settings):
    d, _, _ = world
    processes = [Views(settings) for _ in range(4)]
    try:
        gate = threading.Event()
        counts = [_counting(views, gate) for views in processes]
        # The first computation is held until every process has asked for the view.
        threading.Timer(0.5, gate.set).start()
        results = _read_each(processes, lambda v: _district(d, v))
        calls = [call for count in counts for call in count]
        assert all(r == results[0] for r in results)
        assert results[0]["branches"] == 3
        if settings.is_postgres:
            assert len(calls) == 1  # the others waited on its advisory lock, then read it
        else:
            assert 1 <= len(calls) <= len(processes)  # no advisory lock on SQLite
    finally:
        for views in processes:
            views.close()


def _read_each(processes, read):
    barrier = threading.Barrier(len(processes))
    results: list[object] = [None] * len(processes)

    def run(i):
        barrier.wait()
        try:
            results[i] = read(processes[i])
        except Exception as error:  # noqa: BLE001
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(processes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_an_unusable_shared_table_falls_back_to_computing(world, settings):
    d, _, views = world
    conn = views.db.connect()  # type: ignore[union-attr]
    try:
        views.db.execute(conn, "DROP TABLE view_cache")  # type: ignore[union-attr]
        if hasattr(conn, "commit"):
            conn.commit()
    finally:
        conn.close()
    calls = _counting(views)
    assert _district(d, views)["branches"] == 3 and len(calls) == 1
