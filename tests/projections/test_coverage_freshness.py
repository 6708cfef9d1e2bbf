"""The coverage views are served from ``host_org_span`` and cached like every aggregated view:
a view read without ``min_position`` reflects the projections as they stood at most
``Views.max_age_seconds`` before the read; with ``min_position`` never an older one; and a
rebuild (a new generation) is never answered from a view of the old tables.

003 §三: "确保党组织应建尽建率和党的工作覆盖率均达到100%" — the rates a committee is measured by
are the register as recorded, within the bound."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from taizhang.config import Settings
from taizhang.projections.queries import Views
from taizhang.projections.rebuild import rebuild
from taizhang.projections.worker import Worker
from tests.projections.scenario import District, make_district
from tests.projections.test_view_freshness import BOUND, Clock, _settle

D = date(2014, 6, 15)


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[District, Worker, Settings]]:
    district = make_district(settings)
    worker = Worker(settings)
    worker.catch_up()
    yield district, worker, settings
    worker.close()


def _register(d: District, full_members: int = 0) -> int:
    answer = d.post(
        "HostOrganizationRegistered",
        date(2014, 6, 1),
        district_id=d.district,
        committee_id=d.town,
        name="某科技有限公司",
        category="non_public_enterprise",
        employees=120,
        full_members=full_members,
    )
    assert answer.position is not None
    return answer.position


def _count(views: Views, d: District, min_position: int | None = None) -> int:
    found = views.coverage(str(d.district), D.isoformat(), None, min_position).value
    return int(found["total"]["organizations"])


def _missing(views: Views, d: District) -> int:
    found = views.coverage_gaps(str(d.district), D.isoformat(), "party_organization_missing")
    return len(found.value["items"])


def test_a_cached_coverage_view_answers_within_the_bound_and_never_past_it(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    _register(d, full_members=1)
    worker.catch_up()
    clock = Clock()
    views = Views(settings)
    views.clock = clock
    try:
        assert (_count(views, d), _missing(views, d)) == (1, 1)
        _register(d, full_members=2)
        worker.catch_up()
        clock.advance(BOUND * 0.25)
        assert (_count(views, d), _missing(views, d)) == (1, 1)  # cached, within the bound
        clock.advance(BOUND)
        assert (_count(views, d), _missing(views, d)) == (2, 2)
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
        assert _count(views, d) == 0
        position = _register(d)
        worker.catch_up()
        assert _count(views, d) == 0  # no time has passed: the cached view may answer
        assert _count(views, d, min_position=position) == 1
    finally:
        _settle(views)
        views.close()


def test_after_a_rebuild_the_view_is_computed_from_the_new_tables(
    world: tuple[District, Worker, Settings],
) -> None:
    d, worker, settings = world
    _register(d)
    _register(d)
    worker.catch_up()
    views = Views(settings)
    views.clock = Clock()
    try:
        assert _count(views, d) == 2
        rebuild(settings)
        views.clock.advance(BOUND * 2)  # type: ignore[attr-defined]
        assert _count(views, d) == 2
        found = views.coverage(str(d.district), D.isoformat()).value
        assert found["as_of"] == D.isoformat() and found["total"]["should_build"] == 2
    finally:
        _settle(views)
        views.close()
