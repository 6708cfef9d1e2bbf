"""The coverage views have the one meaning of time of every view (property test).

Generated registers -- organizations registered, recounted, covered and uncovered, followed
by liaisons, given mass organizations and closed, with changes reported late (dated before
earlier posts) and refusals in between -- are posted through the service and projected by
the live worker in small batches. Then, for days across the period:

* the live coverage equals the replay of the log (``taizhang.projections.report``), field for field;
* both equal an independent count made here from what was posted;
* coverage as known at earlier times equals the same count over what had been posted by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from taizhang.domain.errors import DomainError, NotFound
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.plain_service import make_service
from taizhang.projections.queries import Views
from taizhang.projections.report import replayed_views
from taizhang.projections.worker import Worker
from taizhang.service import Posting
from tests.projections.scenario import CALLER, TODAY, District, make_district

START = date(2014, 4, 1)
DAYS = (TODAY - START).days
ORGS = range(4)

offsets = st.integers(min_value=0, max_value=DAYS)
orgs = st.sampled_from(ORGS)
actions = st.one_of(
    st.tuples(
        st.just("register"),
        orgs,
        offsets,
        st.sampled_from((5, 40, 60, 120)),
        st.sampled_from((0, 1, 3)),
    ),
    st.tuples(
        st.just("staff"), orgs, offsets, st.sampled_from((5, 60, 120)), st.sampled_from((0, 2, 4))
    ),
    st.tuples(
        st.just("cover"),
        orgs,
        offsets,
        st.sampled_from("abc"),
        st.sampled_from(("standalone", "joint", "affiliated")),
    ),
    st.tuples(st.just("uncover"), orgs, offsets),
    st.tuples(st.just("follow"), orgs, offsets, st.sampled_from(("L-1", "L-2"))),
    st.tuples(st.just("recall"), orgs, offsets, st.sampled_from(("L-1", "L-2"))),
    st.tuples(st.just("mass"), orgs, offsets, st.sampled_from(("trade_union", "women"))),
    st.tuples(st.just("dissolve"), orgs, offsets, st.sampled_from(("trade_union", "women"))),
    st.tuples(st.just("close"), orgs, offsets),
)


@dataclass
class Change:
    """An accepted post: when it was posted (recorded by then), its business date, the
    organization and what it changed."""

    at: datetime
    on: date
    org: int
    kind: str
    value: Any


def run(d: District, steps: list[tuple[Any, ...]]) -> tuple[list[Change], list[datetime]]:
    ids: dict[int, Any] = {}
    accepted: list[Change] = []
    times: list[datetime] = []
    for step in steps:
        kind, index, offset = step[0], step[1], step[2]
        on = START + timedelta(days=offset)
        now = datetime.now(UTC)
        times.append(now)
        if kind == "register":
            if index in ids:
                continue
            employees, members = step[3], min(step[4], step[3])
            answer = d.post(
                "HostOrganizationRegistered",
                on,
                district_id=d.district,
                committee_id=d.town,
                name=f"组织 {index}",
                category="non_public_enterprise",
                employees=employees,
                full_members=members,
            )
            ids[index] = answer.aggregate_id
            accepted.append(Change(now, on, index, "register", (employees, members)))
            continue
        if index not in ids:
            continue
        data: dict[str, Any] = {"host_organization_id": ids[index]}
        type_ = {
            "staff": "StaffCounted",
            "cover": "CoveredByBranch",
            "uncover": "CoverageEnded",
            "follow": "FollowerSent",
            "recall": "FollowerRecalled",
            "mass": "MassOrganizationSetUp",
            "dissolve": "MassOrganizationDissolved",
            "close": "OrganizationClosed",
        }[kind]
        value: Any = step[3:5] if len(step) > 4 else (step[3] if len(step) > 3 else None)
        if kind == "staff":
            data.update(employees=step[3], full_members=min(step[4], step[3]))
            value = (step[3], min(step[4], step[3]))
        elif kind == "cover":
            data.update(branch_id=d.branches[step[3]], mode=step[4])
        elif kind in ("uncover", "close", "dissolve"):
            data["reason"] = "撤销"
        if kind == "follow":
            data.update(kind="liaison", follower=step[3])
        elif kind == "recall":
            data["follower"] = step[3]
        elif kind in ("mass", "dissolve"):
            data["kind"] = step[3]
            if kind == "mass":
                data.update(leader="P-1", workers_heard=True)
        try:
            d.service.post(CALLER, Posting(type_, on, data))
        except (DomainError, NotFound):
            continue
        accepted.append(Change(now, on, index, kind, value))
    return accepted, times


def expected(accepted: list[Change], on: date, known: datetime) -> dict[str, int]:
    """The count, made from what was posted: each organization as the changes dated ``on``
    or earlier and posted before ``known`` made it, in the order they were posted."""
    state: dict[int, dict[str, Any]] = {}
    for change in accepted:
        if change.at >= known or change.on > on:
            continue
        if change.kind == "register":
            employees, members = change.value
            state[change.org] = dict(
                employees=employees, members=members, mode=None, followers=set(), mass=set()
            )
            continue
        org = state.get(change.org)
        if org is None:
            continue
        if change.kind == "staff":
            org["employees"], org["members"] = change.value
        elif change.kind == "cover":
            org["mode"] = change.value[1]
        elif change.kind == "uncover":
            org["mode"] = None
        elif change.kind == "follow":
            org["followers"].add(change.value)
        elif change.kind == "recall":
            org["followers"].discard(change.value)
        elif change.kind == "mass":
            org["mass"].add(change.value)
        elif change.kind == "dissolve":
            org["mass"].discard(change.value)
        elif change.kind == "close":
            org["closed"] = True
    open_ = [o for o in state.values() if not o.get("closed")]
    should = [o for o in open_ if o["members"] > 0 or o["employees"] >= 100]
    return {
        "organizations": len(open_),
        "covered": sum(1 for o in open_ if o["mode"]),
        "should_build": len(should),
        "built": sum(1 for o in should if o["mode"]),
        "work_covered": sum(1 for o in open_ if o["mode"] or o["followers"] or o["mass"]),
        "standalone": sum(1 for o in open_ if o["mode"] == "standalone"),
        "full_members": sum(o["members"] for o in open_),
    }


def observed(view: dict[str, Any]) -> dict[str, int]:
    return {key: view["total"][key] for key in expected([], TODAY, datetime.now(UTC))}


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


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(steps=st.lists(actions, min_size=1, max_size=30), checked=st.lists(offsets, max_size=3))
def test_live_coverage_equals_the_replay_and_the_count_on_every_date(world, steps, checked):
    """003 §三: "确保党组织应建尽建率和党的工作覆盖率均达到100%" — judged on any date, the same
    live and replayed."""
    settings, service, worker, views = world
    d = make_district(settings, service=service)
    accepted, times = run(d, steps)
    worker.catch_up()
    replay = replayed_views(settings, None, None)
    dated = {START + timedelta(days=step[2]) for step in steps}
    dated |= {on - timedelta(days=1) for on in dated}
    days = sorted({START - timedelta(days=1), TODAY, *dated})
    days += [START + timedelta(days=n) for n in checked]
    district = str(d.district)
    for on in days:
        live = views.coverage(district, on.isoformat()).value
        assert live == replay.coverage(district, on.isoformat()).value, on
        assert observed(live) == expected(accepted, on, datetime.now(UTC)), on
        for rule in ("party_organization_missing", "joint_over_5_units", "follower_missing"):
            assert (
                views.coverage_gaps(district, on.isoformat(), rule).value
                == replay.coverage_gaps(district, on.isoformat(), rule).value
            ), (on, rule)
    for known in sorted(set(times[:: max(1, len(times) // 3)])):
        then = replayed_views(settings, known, None)
        for on in days:
            assert observed(then.coverage(district, on.isoformat()).value) == expected(
                accepted, on, known
            ), (known, on)
