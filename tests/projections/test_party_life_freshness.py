"""The party-life roll-ups and lists are cached like every aggregated view (``Views._cached``):
repeated reads at one projection position are answered without folding the branches again;
a view read without ``min_position`` reflects the projections as they stood at most
``Views.max_age_seconds`` before the read; with ``min_position`` never an older one; and a
rebuild (a new generation) is never answered from a view of the old tables.

002 "支部党员大会、支部委员会、党小组会和党课每月进行一次": a branch committee meeting held in
May and recorded does May's period, in the roll-up and the lists, within the bound."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from taizhang.config import Settings
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
from tests.projections.scenario import District, make_district
from tests.projections.test_view_freshness import BOUND, Clock, _settle

D = date(2014, 6, 15)
YEAR = 2014


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[District, Worker, Settings]]:
    district = make_district(settings)
    worker = Worker(settings)
    worker.catch_up()
    yield district, worker, settings
    worker.close()


def _hold(d: District) -> int:
    answer = d.post(
        "LifeActivityHeld",
        date(2014, 5, 10),
        branch_id=d.branches["a"],
        activity="committee_meeting",
        topic="学习",
        participants=5,
    )
    assert answer.position is not None
    return answer.position


def _seen(views: Views, d: District, min_position: int | None = None) -> tuple[int, int, int]:
    """The town's periods done in the roll-up, its overdue ones, and branch a's overdue items
    in the town's part of the lists."""
    rolled = views.party_life_roll_up(d.district, YEAR, D, min_position)[str(d.town)]
    due = views.party_life_due(d.district, YEAR, D, d.town, min_position)
    mine = [i for i in due["overdue"] if i["owner_id"] == str(d.branches["a"])]
    return rolled["counts"]["done"], rolled["counts"]["overdue"], len(mine)


def _counting(views: Views) -> dict[str, int]:
    """How many times each view is folded (the views look their fold up on the instance)."""
    calls = {"roll_up": 0, "due": 0}
    roll_up, due = views._party_life_roll_up, views._party_life_due

    def counted_roll_up(*args: Any) -> Any:
        calls["roll_up"] += 1
        return roll_up(*args)

    def counted_due(*args: Any) -> Any:
        calls["due"] += 1
        return due(*args)

    views._party_life_roll_up = counted_roll_up  # type: ignore[method-assign]
    views._party_life_due = counted_due  # type: ignore[method-assign]
    return calls


def test_a_cached_party_life_view_answers_within_the_bound_and_never_past_it(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    clock = Clock()
    views = Views(settings)
    views.clock = clock
    try:
        done, overdue, mine = _seen(views, d)
        assert mine > 0
        _hold(d)
        worker.catch_up()
        clock.advance(BOUND * 0.25)
        assert _seen(views, d) == (done, overdue, mine)  # cached, within the bound
        clock.advance(BOUND)
        assert _seen(views, d) == (done + 1, overdue - 1, mine - 1)
    finally:
        _settle(views)
        views.close()


def test_repeated_reads_at_one_position_fold_the_branches_once(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    clock = Clock()
    views = Views(settings)
    views.clock = clock
    calls = _counting(views)
    try:
        first = _seen(views, d)
        for _ in range(3):
            clock.advance(BOUND * 2)  # past the bound: checked against the positions again
            assert _seen(views, d) == first
        assert calls == {"roll_up": 1, "due": 1}
        position = _hold(d)
        worker.catch_up()
        assert _seen(views, d, min_position=position) != first
        assert calls == {"roll_up": 2, "due": 2}
    finally:
        _settle(views)
        views.close()


def test_read_your_writes_is_never_answered_from_an_older_view(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    views = Views(settings)
    views.clock = Clock()
    try:
        done, overdue, mine = _seen(views, d)
        position = _hold(d)
        worker.catch_up()
        assert _seen(views, d) == (done, overdue, mine)  # no time has passed: may answer
        assert _seen(views, d, min_position=position) == (done + 1, overdue - 1, mine - 1)
    finally:
        _settle(views)
        views.close()


def test_after_a_rebuild_the_views_are_computed_from_the_new_tables(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    _hold(d)
    worker.catch_up()
    views = Views(settings)
    views.clock = Clock()
    calls = _counting(views)
    try:
        before = _seen(views, d)
        rebuild(settings)
        views.clock.advance(BOUND * 2)  # type: ignore[attr-defined]
        assert _seen(views, d) == before
        # The positions may be the same, but the tables are the rebuild's: folded again.
        assert calls == {"roll_up": 2, "due": 2}
    finally:
        _settle(views)
        views.close()


def test_a_replay_as_known_at_a_time_shares_nothing_with_the_live_views(
    world: tuple[District, Worker, Settings],
) -> None:
    """A view as known at T comes from that replay's own views: the live cache (and the
    table shared between processes) never answers it, nor it the live one."""
    d, worker, settings = world
    views = Views(settings)
    views.clock = Clock()
    try:
        before = _seen(views, d)
        _hold(d)
        worker.catch_up()
        replay = replayed_views(settings, None, None)
        assert replay.shared is None
        assert _seen(replay, d) == (before[0] + 1, before[1] - 1, before[2] - 1)
        assert _seen(views, d) == before  # the live cache, within the bound
    finally:
        _settle(views)
        views.close()
