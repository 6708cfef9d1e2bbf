"""The world the ingest benchmark posts into: a district of branches enrolled in a campaign,
built through the service, and the same world projected for the view benchmark."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg

from taizhang.domain.business_day import business_today
from taizhang.domain.phases import EIGHT_ONES
from taizhang.ledger import Ledger
from taizhang.projections.worker import Worker
from taizhang.service import Caller, LedgerService, Posting


def _world(settings: Any, branches: int) -> dict[str, Any]:
    """A district, a committee, a campaign and ``branches`` enrolled branches."""

    today = business_today()
    start = today - timedelta(days=30)
    ledger = Ledger(settings)
    service = LedgerService(ledger)
    caller = Caller("bench", "bench")

    def post(type_: str, data: dict[str, Any], on: Any = today) -> Any:
        return service.post(caller, Posting(type_, on, data)).aggregate_id

    district = post("DistrictRegistered", {"name": "番禺区", "code": "440113"})
    committee = post(
        "CommitteeRegistered", {"district_id": district, "name": "市桥", "kind": "town"}
    )
    ids = _register_branches(service, caller, district, committee, branches, today)
    phases = EIGHT_ONES.with_deadlines({}, today + timedelta(days=60))
    campaign = post(
        "CampaignDefined",
        {
            "district_id": district,
            "name": "bench",
            "starts_on": start,
            "ends_on": today + timedelta(days=90),
            "phases": list(phases),
        },
        start,
    )
    _enrol(service, caller, campaign, ids, start)
    ledger.close()
    return {
        "district": district,
        "committee": committee,
        "campaign": campaign,
        "branches": ids,
        "today": today,
    }


def _register_branches(
    service: Any, caller: Any, district: Any, committee: Any, n: int, today: Any
) -> list[Any]:
    ids: list[Any] = []
    for start in range(0, n, 1000):
        postings = [
            Posting(
                "BranchRegistered",
                today,
                {
                    "district_id": district,
                    "committee_id": committee,
                    "name": f"支部 {i}",
                    "level": "branch",
                    "formation": "standalone" if i % 3 else "joint",
                    "host_name": f"公司 {i}",
                    "host_category": "non_public_enterprise" if i % 2 else "social_organization",
                    "employees": 50,
                    "full_members": 4,
                },
            )
            for i in range(start, min(n, start + 1000))
        ]
        ids += [a.aggregate_id for a in service.post_batch(caller, postings)]
    return ids


def _enrol(service: Any, caller: Any, campaign: Any, ids: list[Any], on: Any) -> None:
    for start in range(0, len(ids), 1000):
        service.post(
            caller,
            Posting(
                "BranchesEnrolled",
                on,
                {"campaign_id": campaign, "branch_ids": ids[start : start + 1000]},
            ),
        )


# -- measurements ------------------------------------------------------------------------------


def _threads(n: int, work: Callable[[int], None]) -> float:
    """Run ``work(i)`` in ``n`` threads started together; the wall time in seconds."""
    barrier = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def _view_world(settings: Any, branches: int) -> dict[str, Any]:
    """The views' district, projected and analysed."""

    world = _world(settings, branches)
    ledger = Ledger(settings)
    worker = Worker(settings, ledger=ledger)
    worker.catch_up()
    worker.close()
    ledger.close()
    # Statistics as autovacuum would have them on a live database a minute later; without
    # them the planner guesses one row and joins 10,000 branches by nested loop.
    with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return world
