"""``taizhang bench projector``: what folding one event costs the projector as the history of
the branch it belongs to grows.

In a fresh database (a schema of the configured PostgreSQL, or a SQLite file), one branch for
each history size (``--sizes``, default 10, 100, 1,000 and 10,000 facts) is given that many
facts, dated over the campaign, and the views are caught up. Then, size by size, ``--events``
more facts are posted to that branch one at a time, and after each the projection worker
folds it (``Worker.catch_up``); the CPU the worker's process spent doing so, divided by the
events, is the cost per event at that size. Prints one JSON line per size and then
``projector_cost_per_event``: the cost at the longest history, its baseline the cost at the
shortest, measured in the same run, and their ratio (issue 24's goal: at most 1.2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import timedelta
from typing import Any

from taizhang.commands import UsageError, positive_int
from taizhang.config import Settings
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.worker import Worker
from taizhang.service import Caller, LedgerService, Posting
from taizhang.tools.bench_rebuild import fresh_settings
from taizhang.tools.bench_world import _world

GOAL_RATIO = 1.2
BATCH = 1000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        default="10,100,1000,10000",
        help="the branches' history sizes in facts, comma-separated, smallest first",
    )
    parser.add_argument(
        "--events", type=positive_int, default=40, help="facts posted and folded at each size"
    )


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or any(n < 1 for n in sizes) or sizes != sorted(sizes):
        raise UsageError(f"--sizes: two or more positive numbers, smallest first; got {text!r}")
    return sizes


def _fact(world: dict[str, Any], branch: Any, k: int) -> Posting:
    """A fact of the branch dated on one of the campaign's first 30 days."""
    on = world["today"] - timedelta(days=30) + timedelta(days=k % 30)
    return Posting(
        "OptionalActionRecorded",
        on,
        {"campaign_id": world["campaign"], "branch_id": branch, "title": f"自选动作 {k}"},
    )


def _give_history(service: LedgerService, world: dict[str, Any], branch: Any, n: int) -> None:
    caller = Caller("bench", "bench")
    for start in range(0, n, BATCH):
        service.post_batch(
            caller, [_fact(world, branch, k) for k in range(start, min(n, start + BATCH))]
        )


def _cost(
    service: LedgerService, worker: Worker, world: dict[str, Any], branch: Any, events: int
) -> float:
    """Milliseconds of this process's CPU the worker spends folding one more fact."""
    caller = Caller("bench", "bench")
    spent = 0.0
    for k in range(events):
        service.post(caller, _fact(world, branch, 100_000 + k))
        started = time.process_time()
        worker.catch_up()
        spent += time.process_time() - started
    return spent * 1000 / events


def emit(figure: str, value: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 4), "unit": unit, **extra}))
    sys.stdout.flush()


def run(settings: Settings, args: argparse.Namespace) -> int:
    sizes = _sizes(args.sizes)
    bench, drop = fresh_settings(settings)
    try:
        upgrade(bench)
        world = _world(bench, len(sizes))
        ledger = Ledger(bench)
        service = LedgerService(ledger)
        worker = Worker(bench, ledger=ledger)
        try:
            for branch, n in zip(world["branches"], sizes, strict=True):
                _give_history(service, world, branch, n)
            worker.catch_up()
            common = {
                "database": "postgres" if bench.is_postgres else "sqlite",
                "events": args.events,
                "machine": f"{platform.machine()} {os.cpu_count()} CPUs",
                "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            }
            costs = []
            for branch, n in zip(world["branches"], sizes, strict=True):
                cost = _cost(service, worker, world, branch, args.events)
                costs.append(cost)
                emit("projector_cost_per_event_at_history", cost, "ms", history=n, **common)
        finally:
            worker.close()
            ledger.close()
        emit(
            "projector_cost_per_event",
            costs[-1],
            "ms",
            history=sizes[-1],
            baseline=f"the same at a history of {sizes[0]} facts, same run",
            baseline_value=round(costs[0], 4),
            ratio=round(costs[-1] / costs[0], 3),
            goal_ratio=GOAL_RATIO,
            **common,
        )
    finally:
        drop()
    return 0
