"""``taizhang bench capacity``: the unit costs the capacity model (docs/SCALING.md) is fed with.

PostgreSQL only, in fresh schemas (dropped afterwards). Each unit's cost is the CPU and I/O
of the processes that did the work, counted from ``/proc`` (``taizhang.tools.bench_usage``): the
gunicorn workers, this process (the projector, the rebuild's child and helper) and the
database backends serving them; and the WAL the server wrote. Prints a JSON line a unit:

* ``unit_cost_post``: a single event posted over HTTP by 16 clients; baseline: an empty
  request (``GET /healthz``) on the same server;
* ``unit_cost_batch_item``: an event of a batch of 1,000 over HTTP; baseline: a single post;
* ``unit_cost_view_read``: the district's supervision view (its branches given), 20 readers;
  with the cost per branch in the view, which is what the model scales;
* ``unit_cost_projected_event``: an event folded by the live projector (``Worker``) after
  those posts; baseline: the same kind of event in a rebuild;
* ``unit_cost_rebuilt_event``: a rebuild of the demo's log (its shape: a district's
  campaign, members, organizational life); baseline: the library reading and decoding it;

then the model's sizing of a province (``province_*`` lines) from those costs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from typing import Any

import psycopg

from taizhang.api.auth import TokenStore
from taizhang.commands import UsageError, positive_int
from taizhang.config import MAX_REBUILD_HOLD_EVENTS, Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.worker import Worker
from taizhang.tools.bench_http import (
    _Gunicorn,
    _http_batches,
    _http_empty,
    _http_posts,
    _view_latency,
)
from taizhang.tools.bench_ingest import load, machine
from taizhang.tools.bench_rebuild import fresh_settings, library_rate
from taizhang.tools.bench_usage import (
    Backends,
    Usage,
    children_of,
    own_usage,
    tag_connections,
    total,
)
from taizhang.tools.bench_world import _world
from taizhang.tools.capacity_model import Province, UnitCosts, size
from taizhang.tools.rebuild_child import rebuild_in_child

DEMO_EVENTS_PER_BRANCH = 129  # what the demo generator averages with members and party life


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--posts", type=positive_int, default=2000, help="single posts")
    parser.add_argument("--clients", type=positive_int, default=16, help="posting clients")
    parser.add_argument("--batches", type=positive_int, default=20, help="batches of 1,000")
    parser.add_argument("--branches", type=positive_int, default=2000, help="branches in the view")
    parser.add_argument("--readers", type=positive_int, default=20, help="view readers")
    parser.add_argument("--reads", type=positive_int, default=1000, help="view reads in total")
    parser.add_argument(
        "--log-events", type=positive_int, default=200_000, help="events in the rebuilt demo log"
    )


def emit(figure: str, value: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 4), "unit": unit, **extra}))
    sys.stdout.flush()


class Meter:
    """The CPU and I/O of the server's workers, this process and the tagged backends."""

    def __init__(self, settings: Settings, app_name: str, server_pid: int | None) -> None:
        self.conninfo = settings.psycopg_conninfo()
        self.app_name = app_name
        self.server_pid = server_pid

    def _app(self) -> Usage:
        workers = total(children_of(self.server_pid)) if self.server_pid else Usage()
        return workers + own_usage()

    def __enter__(self) -> Meter:
        self.backends = Backends(self.conninfo, self.app_name).start()
        self.app_before = self._app()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.started
        self.app = self._app() - self.app_before
        self.db, self.wal = self.backends.stop()

    def per(self, units: float, scale: float = 1.0) -> dict[str, float]:
        """Cost a unit: CPU ms (the service's and the database's), I/O and WAL bytes."""
        return {
            "app_cpu_ms": round(self.app.cpu_s * 1000 / units * scale, 4),
            "db_cpu_ms": round(self.db.cpu_s * 1000 / units * scale, 4),
            "app_write_bytes": round(self.app.write_bytes / units, 1),
            "db_write_bytes": round(self.db.write_bytes / units, 1),
            "read_bytes": round((self.app.read_bytes + self.db.read_bytes) / units, 1),
            "wal_bytes": round(self.wal / units, 1),
            "rate_per_s": round(units / self.seconds, 1),
        }


def _cpu(cost: dict[str, float]) -> float:
    return cost["app_cpu_ms"] + cost["db_cpu_ms"]


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.is_postgres:
        raise UsageError("bench capacity needs PostgreSQL (TAIZHANG_DATABASE_URL)")
    app_name = tag_connections()
    common = {"machine": machine(), "writer": settings.writer}
    costs: dict[str, dict[str, float]] = {}
    bench, drop = fresh_settings(settings)
    try:
        costs.update(_live(bench, args, app_name, common))
    finally:
        drop()
    bench, drop = fresh_settings(settings)
    try:
        costs.update(_rebuilt(bench, args, app_name, common))
    finally:
        drop()
    _sizing(costs, common)
    return 0


def _live(
    bench: Settings, args: argparse.Namespace, app_name: str, common: dict[str, Any]
) -> dict[str, dict[str, float]]:
    upgrade(bench)
    store = TokenStore(bench)
    token, _ = store.create("bench", "admin")
    store.close()
    world = _world(bench, max(args.branches, args.clients, 1000))
    ledger = Ledger(bench)
    worker = Worker(bench, ledger=ledger)
    worker.catch_up()
    head_before = ledger.recorder.max_notification_id() or 0
    server = _Gunicorn(bench)
    costs: dict[str, dict[str, float]] = {}
    try:
        base = server.start()
        requests = args.clients * (args.posts // args.clients)
        with Meter(bench, app_name, server.pid) as empty:
            _http_empty(base, requests, args.clients)
        with Meter(bench, app_name, server.pid) as posts:
            _http_posts(base, token, world, requests, args.clients)
        costs["post"] = posts.per(requests)
        baseline = empty.per(requests)
        emit(
            "unit_cost_post",
            _cpu(costs["post"]),
            "ms CPU",
            **costs["post"],
            baseline="GET /healthz, same server, same clients",
            baseline_value=_cpu(baseline),
            ratio=round(_cpu(costs["post"]) / _cpu(baseline), 3),
            load=load(),
            **common,
        )
        with Meter(bench, app_name, server.pid) as batches:
            _http_batches(base, token, world, args.batches)
        items = 1000 * min(4, args.batches) * max(1, args.batches // min(4, args.batches))
        costs["item"] = batches.per(items)
        emit(
            "unit_cost_batch_item",
            _cpu(costs["item"]),
            "ms CPU",
            **costs["item"],
            baseline="a single post (unit_cost_post)",
            baseline_value=_cpu(costs["post"]),
            ratio=round(_cpu(costs["item"]) / _cpu(costs["post"]), 3),
            load=load(),
            **common,
        )
        events = (ledger.recorder.max_notification_id() or 0) - head_before
        with Meter(bench, app_name, None) as projected:
            worker.catch_up()
        costs["project"] = projected.per(events)
        with psycopg.connect(bench.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute("ANALYZE")
        with Meter(bench, app_name, server.pid) as reads:
            figures = _view_latency(world, base, token, args.readers, args.reads, server.pid)
        done = figures[0][2]["reads"] + args.readers  # the timed reads and each first read
        branches = len(world["branches"])
        costs["read"] = reads.per(done)
        costs["empty"] = baseline
        # Above an empty request's cost, a read grows with the branches it shows.
        fixed = min(baseline["app_cpu_ms"], costs["read"]["app_cpu_ms"])
        costs["read_per_branch"] = {
            "app_cpu_ms": (costs["read"]["app_cpu_ms"] - fixed) / branches,
            "db_cpu_ms": costs["read"]["db_cpu_ms"] / branches,
        }
        emit(
            "unit_cost_view_read",
            _cpu(costs["read"]),
            "ms CPU",
            **costs["read"],
            branches=branches,
            cpu_ms_per_branch=round(_cpu(costs["read_per_branch"]), 6),
            baseline="GET /healthz, same server (a read's fixed part)",
            baseline_value=_cpu(baseline),
            ratio=round(_cpu(costs["read"]) / _cpu(baseline), 3),
            readers=args.readers,
            p50_ms=round(figures[0][1], 2),
            p99_ms=round(figures[1][1], 2),
            note="the view cached at one projection position: reads between two posts",
            load=load(),
            **common,
        )
    finally:
        server.stop()
        worker.close()
        ledger.close()
    costs["project_events"] = {"events": float(events)}
    return costs


def _rebuilt(
    bench: Settings, args: argparse.Namespace, app_name: str, common: dict[str, Any]
) -> dict[str, dict[str, float]]:
    upgrade(bench)
    ledger = Ledger(bench)
    branches = max(1, args.log_events // DEMO_EVENTS_PER_BRANCH)
    started = time.perf_counter()
    generated = generate(ledger, branches=branches, progress=False)
    generate_s = time.perf_counter() - started
    ledger.close()
    count, baseline = library_rate(bench)
    with Meter(bench, app_name, None) as rebuilt:
        child = rebuild_child(replace(bench, rebuild_hold_events=MAX_REBUILD_HOLD_EVENTS))
    rate = count / child["seconds"]
    cost = rebuilt.per(count)
    with psycopg.connect(bench.psycopg_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
            (bench.postgres_params().schema,),
        ).fetchone()
    disk = row[0] if row else 0
    grown = child["peak_rss_bytes"] - child["start_rss_bytes"]
    # The same log through the working set, as a log past the hold is rebuilt.
    bounded = rebuild_child(replace(bench, rebuild_hold_events=0))
    extra = {
        "events": count,
        "generated_events_per_s": round(generated.events / generate_s, 1),
        "rebuild_events_per_s": round(rate, 1),
        "rebuild_cores": round((rebuilt.app.cpu_s + rebuilt.db.cpu_s) / child["seconds"], 3),
        "rss_bytes_per_event": round(grown / count, 1),
        "working_set_events_per_s": round(count / bounded["seconds"], 1),
        "working_set_peak_rss_bytes": bounded["peak_rss_bytes"],
        "disk_bytes_per_event": round(int(disk) / count, 1),
    }
    emit(
        "unit_cost_rebuilt_event",
        _cpu(cost),
        "ms CPU",
        **cost,
        **extra,
        baseline="library read+decode of the same log (events/s)",
        baseline_value=round(baseline, 1),
        ratio=round(rate / baseline, 3),
        load=load(),
        **common,
    )
    return {"rebuild": {**cost, **extra}}


def rebuild_child(settings: Settings) -> dict[str, float]:
    """A rebuild in a child process: its wall time, and its memory before and at its peak
    (with its helper's, each its own peak); held in memory or through the working set as
    ``settings`` say."""
    child = rebuild_in_child(settings, settings.rebuild_hold_events)
    both = child["peak_rss_bytes"] + child["helper_peak_rss_bytes"]
    return {**child, "peak_rss_bytes": both}


def unit_costs(costs: dict[str, dict[str, float]]) -> UnitCosts:
    r = costs["rebuild"]
    return UnitCosts(
        post_app_ms=costs["post"]["app_cpu_ms"],
        post_db_ms=costs["post"]["db_cpu_ms"],
        item_app_ms=costs["item"]["app_cpu_ms"],
        item_db_ms=costs["item"]["db_cpu_ms"],
        read_fixed_ms=costs["empty"]["app_cpu_ms"],
        read_app_ms_per_branch=costs["read_per_branch"]["app_cpu_ms"],
        read_db_ms_per_branch=costs["read_per_branch"]["db_cpu_ms"],
        project_app_ms=costs["project"]["app_cpu_ms"],
        project_db_ms=costs["project"]["db_cpu_ms"],
        rebuild_events_per_s=r["rebuild_events_per_s"],
        rebuild_cores=r["rebuild_cores"],
        rebuild_rss_bytes_per_event=r["rss_bytes_per_event"],
        rebuild_working_set_events_per_s=r["working_set_events_per_s"],
        rebuild_working_set_rss_bytes=r["working_set_peak_rss_bytes"],
        wal_bytes_per_post=costs["post"]["wal_bytes"],
        wal_bytes_per_item=costs["item"]["wal_bytes"],
        wal_bytes_per_projected_event=costs["project"]["wal_bytes"],
        disk_bytes_per_event=r["disk_bytes_per_event"],
    )


def _sizing(costs: dict[str, dict[str, float]], common: dict[str, Any]) -> None:
    project = costs["project"]
    emit(
        "unit_cost_projected_event",
        _cpu(project),
        "ms CPU",
        **project,
        events=int(costs["project_events"]["events"]),
        baseline="an event of a rebuild (unit_cost_rebuilt_event)",
        baseline_value=_cpu(costs["rebuild"]),
        ratio=round(_cpu(project) / _cpu(costs["rebuild"]), 3),
        load=load(),
        **common,
    )
    measured = unit_costs(costs)
    province = Province()
    sizing = size(measured, province)
    print(json.dumps({"unit_costs": measured.__dict__}), flush=True)
    emit(
        "province_peak_cores",
        sizing.cores,
        "cores",
        machines=sizing.machines,
        saturates_first=sizing.saturates_first,
        sizing={
            k: v if isinstance(v, dict | str | int) else round(v, 4)
            for k, v in sizing.as_dict().items()
        },
        province=province.__dict__,
    )
    emit(
        "province_rebuild_hours",
        sizing.rebuild_hours_province,
        "h",
        one_district_hours=round(sizing.rebuild_hours_one_district, 3),
        one_district_memory_gib=round(sizing.rebuild_memory_gib_one_district, 2),
        parallel_rebuilds=sizing.parallel_rebuilds,
        log_events=sizing.log_events,
    )
