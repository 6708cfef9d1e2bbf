"""Fresh within a bound: a view read without ``min_position`` reflects the projections as
they stood at most ``Views.max_age_seconds`` before the read (TAIZHANG_VIEW_MAX_AGE_SECONDS),
for every cached view, in every process, while a refresh is under way, and after a rebuild.

The views' clock is a hand-moved one, so "past the bound" needs no sleeping."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from taizhang.config import Settings
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.worker import Worker
from tests.projections.scenario import District, make_district, story

D = date(2014, 6, 15)
BOUND = 2.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[District, Worker, Settings]]:
    district = make_district(settings)
    story(district)
    worker = Worker(settings)
    worker.catch_up()
    yield district, worker, settings
    worker.close()


def _views(settings: Settings, clock: Clock) -> Views:
    views = Views(settings)
    assert views.max_age_seconds == settings.view_max_age_seconds == BOUND
    views.clock = clock
    return views


# Every cached view, and how many volunteer teams it shows: each covers branch b, where
# the new team is set up.
READS: dict[str, Callable[[Views, District], int]] = {
    "district": lambda v, d: v.supervision_view(
        d.campaign, scope="district", scope_id=d.district, as_of=D
    )["volunteer_teams"],
    "district, one category": lambda v, d: v.supervision_view(
        d.campaign,
        scope="district",
        scope_id=d.district,
        as_of=D,
        category="social_organization",
    )["volunteer_teams"],
    "committee": lambda v, d: v.supervision_view(
        d.campaign, scope="committee", scope_id=d.town, as_of=D
    )["volunteer_teams"],
    "supervision group": lambda v, d: v.supervision_view(
        d.campaign, scope="group", scope_id=d.group, as_of=D
    )["volunteer_teams"],
    "committee ranking": lambda v, d: sum(
        c["volunteer_teams"] for c in v.committee_ranking(d.campaign, d.district, as_of=D)
    ),
    "as of today": lambda v, d: v.supervision_view(
        d.campaign, scope="district", scope_id=d.district
    )["volunteer_teams"],
}


def _add_volunteer_team(d: District) -> Any:
    return d.work(
        "VolunteerTeamSetUp",
        "b",
        date(2014, 6, 14),
        team_id=uuid4(),
        name="新志愿队",
        service_kinds=["养老助老"],
        members=3,
    )


def _settle(views: Views) -> None:
    for _ in range(500):
        if not views._flights:
            return
        threading.Event().wait(0.01)
    raise AssertionError("a view refresh did not finish")


@pytest.mark.parametrize("name", list(READS))
def test_every_cached_view_shows_what_the_projections_reached_once_past_the_bound(
    world: tuple[District, Worker, Settings], name: str
) -> None:
    d, worker, settings = world
    read = READS[name]
    clock = Clock()
    views = _views(settings, clock)
    try:
        before = read(views, d)
        _add_volunteer_team(d)
        worker.catch_up()
        # Within the bound the view read a moment ago may answer (and does: no query).
        clock.advance(BOUND * 0.25)
        assert read(views, d) == before
        # Past it, the projections as they stand now: the new team shows, at the first read.
        clock.advance(BOUND)
        assert read(views, d) == before + 1
    finally:
        _settle(views)
        views.close()


def test_a_view_being_refreshed_answers_only_while_within_the_bound(
    world: tuple[District, Worker, Settings],
) -> None:
    """The reader who finds a view due gets it at once and starts a refresh; while that
    refresh is held, the old view answers until it passes the bound, then readers wait."""
    d, worker, settings = world
    read = READS["district"]
    clock = Clock()
    views = _views(settings, clock)
    gate = threading.Event()
    compute = views._supervision
    calls: list[int] = []

    def held(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        assert gate.wait(10)
        return compute(*args, **kwargs)

    try:
        assert read(views, d) == 1
        _add_volunteer_team(d)
        worker.catch_up()
        views._supervision = held  # type: ignore[method-assign]
        clock.advance(views.refresh_seconds + 0.1)  # due, within the bound
        assert read(views, d) == 1
        for _ in range(500):
            if calls:
                break
            threading.Event().wait(0.01)
        assert calls, "the refresh did not start"
        assert read(views, d) == 1  # still within the bound: served while it refreshes
        clock.advance(BOUND)  # past it: no reader gets the old view any more
        got: list[int] = []
        waiter = threading.Thread(target=lambda: got.append(read(views, d)))
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive() and not got
    finally:
        gate.set()
    waiter.join(10)
    assert got == [2]
    assert len(calls) == 1  # the waiting reader took the refresh's view, computed once
    views.close()


def test_a_refresh_that_fails_does_not_stretch_the_bound(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    read = READS["district"]
    clock = Clock()
    views = _views(settings, clock)
    compute = views._supervision

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    try:
        assert read(views, d) == 1
        _add_volunteer_team(d)
        worker.catch_up()
        views._supervision = broken  # type: ignore[method-assign]
        clock.advance(views.refresh_seconds + 0.1)
        assert read(views, d) == 1  # within the bound; its refresh fails in the background
        _settle(views)
        clock.advance(BOUND)
        # Past the bound the old view is no answer: the reader learns the view failed.
        with pytest.raises(RuntimeError, match="went away"):
            read(views, d)
        views._supervision = compute  # type: ignore[method-assign]
        assert read(views, d) == 2
    finally:
        views.close()


def test_unchanged_positions_keep_a_view_without_computing_it_again(
    world: tuple[District, Worker, Settings],
) -> None:
    d, _, settings = world
    clock = Clock()
    views = _views(settings, clock)
    calls: list[int] = []
    compute = views._supervision

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return compute(*args, **kwargs)

    views._supervision = counted  # type: ignore[method-assign]
    try:
        for _ in range(5):
            assert READS["district"](views, d) == 1
            clock.advance(BOUND * 3)
        assert len(calls) == 1  # checked against the positions each time, computed once
    finally:
        views.close()


def test_every_process_holds_to_the_bound(world: tuple[District, Worker, Settings]) -> None:
    """Two processes sharing stored views (table view_cache): the one that did not compute
    the new view still shows the new figures once past the bound."""
    d, worker, settings = world
    clock = Clock()
    first, second = _views(settings, clock), _views(settings, clock)
    read = READS["district"]
    try:
        assert read(first, d) == 1 and read(second, d) == 1
        _add_volunteer_team(d)
        worker.catch_up()
        clock.advance(BOUND * 1.5)
        assert read(first, d) == 2  # computed and stored by the first process
        assert read(second, d) == 2  # the second: taken from the store or computed, not old
    finally:
        _settle(first)
        _settle(second)
        first.close()
        second.close()


def test_after_a_rebuild_the_views_reflect_the_rebuilt_tables(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    clock = Clock()
    views = _views(settings, clock)
    read = READS["district"]
    try:
        assert read(views, d) == 1
        # Posted, not yet folded by the live worker: the rebuild folds it into new tables.
        _add_volunteer_team(d)
        rebuild(settings)
        clock.advance(BOUND * 1.5)
        assert read(views, d) == 2
        other = _views(settings, clock)
        try:
            assert read(other, d) == 2
        finally:
            other.close()
    finally:
        _settle(views)
        views.close()
        worker.catch_up()
