"""``taizhang bench ingest``: how fast the HTTP API takes events in, and serves a view.

Runs on PostgreSQL, in a fresh schema of the configured database (dropped afterwards), with
real gunicorn (taizhang/gunicorn_conf.py) on a free local port. Prints JSON lines:

- ``http_single_posts``: single-event posts from N concurrent clients, against the
  library's own multi-threaded ``save()`` of the same kind of events (one per call) from as
  many threads, in the same run; and against an empty endpoint (``/healthz``) on the same
  gunicorn setup;
- ``http_batches``: batches of 1,000 events from 4 clients, each over its own 250 branches
  (as integrators scoped to different committees would post);
- ``supervision_view_p50`` / ``_p99``: a district supervision view over many branches
  under many concurrent readers;
- ``district_page_p50`` / ``_p99`` (part ``pages``): the district's overview page, signed in
  with a session cookie, under 20 concurrent readers, beside the JSON view it is drawn from
  under the same 20 readers in the same run;
- ``store_single_events_with_chain``, ``store_batches_of_1000_with_chain``: the event
  store's insert with the hash chain against the same insert without it
  (``taizhang.tools.bench_chain``);
- ``http_single_posts_with_chain`` (part ``http-chain``): single posts through gunicorn with
  the chain against the same posts with the insert function without it
  (``taizhang.tools.bench_http_chain``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import uuid
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import sql

from taizhang.api.auth import TokenStore
from taizhang.commands import UsageError, non_negative_int, positive_int
from taizhang.config import Settings
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.provenance import Provenance
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.store.event_insert import library_insert
from taizhang.tools.bench_chain import chain_cost
from taizhang.tools.bench_http import (
    BATCH_CLIENTS,
    BRANCHES_PER_BATCH_CLIENT,
    _grouped_posts,
    _Gunicorn,
    _http_batches,
    _http_empty,
    _http_posts,
    _server_cpu,
    _view_latency,
)
from taizhang.tools.bench_http_chain import http_chain_cost
from taizhang.tools.bench_world import _threads, _view_world, _world

PARTS = ("posts", "batches", "view", "pages", "chain", "http-chain")
# Issue 18: "A page for the district of 10,000 branches renders in under 200 ms p99 under 20
# concurrent readers".
PAGE_READERS = 20
PAGE_TARGET_P99_MS = 200


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=positive_int, default=4000, help="single posts in total")
    parser.add_argument(
        "--clients", type=positive_int, default=16, help="concurrent posting clients"
    )
    parser.add_argument(
        "--workers",
        type=non_negative_int,
        default=0,
        help="gunicorn workers (0: taizhang/gunicorn_conf.py's)",
    )
    parser.add_argument(
        "--threads",
        type=non_negative_int,
        default=0,
        help="threads per worker (0: taizhang/gunicorn_conf.py's)",
    )
    parser.add_argument(
        "--parts",
        default="posts,batches,view,chain",
        help="what to measure, comma-separated: posts, batches, view, pages, chain, http-chain",
    )
    parser.add_argument(
        "--batches", type=positive_int, default=100, help="batches of 1,000 events (25 per client)"
    )
    parser.add_argument(
        "--branches", type=positive_int, default=10_000, help="branches in the view"
    )
    parser.add_argument("--readers", type=positive_int, default=50, help="concurrent view readers")
    parser.add_argument("--reads", type=positive_int, default=2000, help="view reads in total")


def emit(figure: str, value: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **extra}))
    sys.stdout.flush()


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def run(settings: Any, args: argparse.Namespace) -> int:
    if not settings.is_postgres:
        raise UsageError("bench ingest needs PostgreSQL (TAIZHANG_DATABASE_URL)")
    unknown = {p.strip() for p in args.parts.split(",") if p.strip()} - set(PARTS)
    if unknown or not args.parts.strip():
        raise UsageError(f"--parts: name some of {', '.join(PARTS)}, got {args.parts!r}")
    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = Settings(settings.database_url.split("?")[0], settings.data_dir)
    with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    bench = Settings(
        admin.database_url + f"?schema={schema}", settings.data_dir, writer=settings.writer
    )
    try:
        return _run(bench, args)
    finally:
        with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _run(settings: Any, args: argparse.Namespace) -> int:
    upgrade(settings)
    store = TokenStore(settings)
    token, _ = store.create("bench", "admin")
    store.close()
    world = _world(settings, max(args.clients, 1))
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    server = _Gunicorn(settings, args.workers, args.threads)
    try:
        base = server.start()
        common = {
            "machine": machine(),
            "load": load(),
            "writer": settings.writer,
            **server.shape(),
        }
        if "posts" in parts:
            baseline, baseline_threads = _library_saves(settings, world, args.events, args.clients)
            before = _grouped_posts(base)
            # The workers' CPU per request: what an empty request costs them bounds how
            # close posts can come to it (docs/BENCHMARKS.md).
            cpu_before = _server_cpu(server.pid)
            posts = _http_posts(base, token, world, args.events, args.clients)
            cpu_posts = _server_cpu(server.pid)
            after = _grouped_posts(base)
            rounds = after[1] - before[1]
            cpu_before_empty = _server_cpu(server.pid)
            empty = _http_empty(base, args.events, args.clients)
            cpu_empty = _server_cpu(server.pid) - cpu_before_empty
            requests = args.clients * (args.events // args.clients)
            emit(
                "http_single_posts",
                posts,
                "events/s",
                baseline="library multi-threaded save(), one event per call, best thread count",
                baseline_value=round(baseline, 3),
                baseline_threads=baseline_threads,
                ratio=round(posts / baseline, 3),
                target_ratio=1.5,
                clients=args.clients,
                posts_per_transaction=round((after[0] - before[0]) / rounds, 2) if rounds else None,
                server_cpu_ms_per_post=round((cpu_posts - cpu_before) * 1000 / requests, 3),
                **common,
            )
            emit(
                "http_single_posts_vs_empty_endpoint",
                posts,
                "events/s",
                baseline="GET /healthz on the same gunicorn setup",
                baseline_value=round(empty, 3),
                ratio=round(posts / empty, 3),
                target_ratio=0.6,
                clients=args.clients,
                server_cpu_ms_per_empty_request=round(cpu_empty * 1000 / requests, 3),
                **common,
            )
        if "batches" in parts:
            # Integrators post batches over their own branches: each batch client gets a
            # world share of its own, so batches do not wait on each other's turns.
            batch_world = _world(settings, BATCH_CLIENTS * BRANCHES_PER_BATCH_CLIENT)
            baseline = _library_batches(settings, batch_world, args.batches)
            # The workers' CPU per batch varies less with the machine's load than the rate.
            cpu_before = _server_cpu(server.pid)
            rate = _http_batches(base, token, batch_world, args.batches)
            clients = min(BATCH_CLIENTS, args.batches) or 1
            posted = clients * max(1, args.batches // clients)
            per_batch = (_server_cpu(server.pid) - cpu_before) / posted
            emit(
                "http_batches_of_1000",
                rate,
                "events/s",
                baseline="library multi-threaded save(), 1,000 events per call",
                baseline_value=round(baseline, 3),
                ratio=round(rate / baseline, 3),
                target=30_000,
                server_cpu_seconds_per_batch=round(per_batch, 3),
                clients=clients,
                branches_per_client=BRANCHES_PER_BATCH_CLIENT,
                shape="each client's batches span its own branches only",
                **common,
            )
        if "chain" in parts:
            chain_cost(settings, emit, singles=args.events, batches=args.batches, **common)
        if "http-chain" in parts:
            http_chain_cost(
                settings,
                emit,
                base,
                token,
                world,
                events=args.events,
                clients=args.clients,
                **common,
            )
        if "view" in parts:
            world = _view_world(settings, args.branches)
            # Today's view, then the same view as of a past business date (read from the
            # spans, never replayed): both are held to the same target.
            past = (world["today"] - timedelta(days=20)).isoformat()
            for name, query, as_of in (
                ("supervision_view", "", "today"),
                ("supervision_view_past", f"?as_of={past}", past),
            ):
                for figure, value, extra in _view_latency(
                    world, base, token, args.readers, args.reads, server.pid, query, name
                ):
                    emit(
                        figure,
                        value,
                        "ms",
                        branches=args.branches,
                        readers=args.readers,
                        as_of=as_of,
                        target_p99_ms=50,
                        **extra,
                        **common,
                    )
        if "pages" in parts:
            _pages(settings, args, world if "view" in parts else None, base, token, server, common)
    finally:
        server.stop()
    return 0


def _pages(
    settings: Any,
    args: argparse.Namespace,
    world: dict[str, Any] | None,
    base: str,
    token: str,
    server: _Gunicorn,
    common: dict[str, Any],
) -> None:
    """The district's overview page and, as its baseline, the JSON view it is drawn from,
    each under the same readers in the same run."""
    world = world or _view_world(settings, args.branches)
    reads = max(PAGE_READERS, args.reads // 2)
    figures = {}
    for page in (False, True):
        name = "district_page" if page else "supervision_view_20_readers"
        figures[page] = _view_latency(
            world, base, token, PAGE_READERS, reads, server.pid, "", name, page=page
        )
    json_p99 = figures[False][1][1]
    for figure, value, extra in figures[False] + figures[True]:
        baseline = {}
        if figure.startswith("district_page") and figure.endswith("_p99"):
            baseline = {
                "baseline": "the JSON supervision view, same readers, same run",
                "baseline_value": round(json_p99, 3),
                "ratio": round(value / json_p99, 3) if json_p99 else None,
                "target_p99_ms": PAGE_TARGET_P99_MS,
            }
        emit(
            figure,
            value,
            "ms",
            branches=args.branches,
            readers=PAGE_READERS,
            **baseline,
            **extra,
            **common,
        )


def load() -> str:
    """The load average while measuring: the machine is shared, so figures vary with it."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# -- setup -----------------------------------------------------------------------------------


def _library_saves(
    settings: Any, world: dict[str, Any], events: int, clients: int
) -> tuple[float, int]:
    """The library alone at its best: each thread saves events one ``save()`` at a time,
    with as many threads as clients, a half or a quarter of them (fewer threads contend
    less for the interpreter lock, more share the table lock's queue). The best rate and
    its threads."""
    best = (0.0, 0)
    for threads in sorted({max(1, clients // 4), max(1, clients // 2), clients}):
        per_thread = events // threads
        plan = [[[0] for _ in range(per_thread)] for _ in range(threads)]
        best = max(best, (_library_rate(settings, world, plan, [0]), threads))
    return best


def _library_batches(settings: Any, world: dict[str, Any], batches: int) -> float:
    """The library alone: each thread saves batches of 1,000 events, one ``save()`` each,
    over its own 250 branches like the HTTP batch clients."""
    clients = min(BATCH_CLIENTS, batches) or 1
    per_client = max(1, batches // clients)
    spread = list(range(BRANCHES_PER_BATCH_CLIENT))
    plan = [
        [[k % BRANCHES_PER_BATCH_CLIENT for k in range(1000)] for _ in range(per_client)]
        for _ in range(clients)
    ]
    return _library_rate(settings, world, plan, spread)


def _library_rate(
    settings: Any, world: dict[str, Any], plan: list[list[list[int]]], spread: list[int]
) -> float:
    """Events/s of threads each calling ``save()`` once per group of events, prepared first.

    ``plan[thread][call]`` lists, per event, which of the thread's branch works it goes to;
    thread ``i`` works on branches ``i * len(spread) + spread``, opened beforehand on a
    campaign of their own so the aggregates are fresh."""

    ledger = Ledger(settings)
    # The library's own insert, not the ledger's one-statement function: the baseline is
    # what the library does alone.
    library_insert(ledger.recorder)
    campaign = uuid.uuid4()
    today = world["today"]
    prepared: list[list[list[Any]]] = []
    for i, calls in enumerate(plan):
        works = []
        for offset in spread:
            opened = Provenance(uuid.uuid4(), today, "bench", "bench")
            work = BranchWork.open(opened, campaign, world["branches"][i * len(spread) + offset])
            ledger.save(work)
            works.append(work)
        groups = []
        for n, targets in enumerate(calls):
            group = []
            for target in targets:
                works[target].record_optional_action(
                    Provenance(uuid.uuid4(), today, "bench", "bench"), title=f"事项 {n}"
                )
                group += works[target].collect_events()
            groups.append(group)
        prepared.append(groups)

    def work_(i: int) -> None:
        for group in prepared[i]:
            ledger.save(*group)

    seconds = _threads(len(plan), work_)
    ledger.close()
    return sum(len(group) for groups in prepared for group in groups) / seconds
