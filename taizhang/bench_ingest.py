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
  under many concurrent readers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from api.auth import TokenStore
from domain.branch_work import BranchWork
from domain.business_day import business_today
from domain.phases import EIGHT_ONES
from domain.provenance import Provenance
from projections.worker import Worker
from taizhang.commands import UsageError, non_negative_int, positive_int
from taizhang.config import Settings
from taizhang.event_insert import library_insert
from taizhang.launch import gunicorn_argv
from taizhang.ledger import Ledger
from taizhang.load_server import free_port, stop_gracefully, wait_healthy
from taizhang.migrate import upgrade
from taizhang.service import Caller, LedgerService, Posting

ROOT = Path(__file__).resolve().parents[1]


PARTS = ("posts", "batches", "view")


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
        default="posts,batches,view",
        help="what to measure, comma-separated: posts, batches, view",
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
    finally:
        server.stop()
    return 0


def load() -> str:
    """The load average while measuring: the machine is shared, so figures vary with it."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# -- setup -----------------------------------------------------------------------------------


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


class _Client:
    """One keep-alive HTTP connection: lighter on the client's CPU than ``requests``, which
    matters when the client shares the server's two cores."""

    def __init__(self, base: str, token: str | None = None) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=300)
        self.headers = {"Content-Type": "application/json"}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> bytes:
        data = None if body is None else json.dumps(body, default=str).encode()
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path} answered {response.status}: {payload[:300]!r}")
        return payload

    def close(self) -> None:
        self.conn.close()


def _grouped_posts(base: str) -> tuple[float, float]:
    """(posts, transactions) the server's group commits have stored so far (/metrics)."""
    text = _Client(base).call("GET", "/metrics").decode()
    totals = {"_sum": 0.0, "_count": 0.0}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        for suffix in totals:
            if name.startswith("taizhang_group_commit_posts" + suffix):
                totals[suffix] += float(value)
    return totals["_sum"], totals["_count"]


def _http_posts(base: str, token: str, world: dict[str, Any], events: int, clients: int) -> float:
    per_client = events // clients
    campaign = world["campaign"]
    today = world["today"].isoformat()

    def work(i: int) -> None:
        client = _Client(base, token)
        path = f"/api/v1/campaigns/{campaign}/branches/{world['branches'][i]}/events"
        for n in range(per_client):
            body = {
                "type": "OptionalActionRecorded",
                "occurred_on": today,
                "client_event_id": f"post-{i}-{n}",
                "data": {"title": f"事项 {n}"},
            }
            client.call("POST", path, body, expect=201)
        client.close()

    return clients * per_client / _threads(clients, work)


def _http_empty(base: str, requests_total: int, clients: int) -> float:
    per_client = requests_total // clients

    def work(i: int) -> None:
        client = _Client(base)
        for _ in range(per_client):
            client.call("GET", "/healthz")
        client.close()

    return clients * per_client / _threads(clients, work)


BATCH_CLIENTS = 4
BRANCHES_PER_BATCH_CLIENT = 250


def _http_batches(base: str, token: str, world: dict[str, Any], batches: int) -> float:
    campaign = str(world["campaign"])
    today = world["today"].isoformat()
    clients = min(BATCH_CLIENTS, batches) or 1
    per_client = max(1, batches // clients)
    every = [str(b) for b in world["branches"]]
    share = len(every) // clients

    def work(i: int) -> None:
        client = _Client(base, token)
        branches = every[i * share : (i + 1) * share]
        for n in range(per_client):
            items = [
                {
                    "type": "OptionalActionRecorded",
                    "occurred_on": today,
                    "data": {
                        "campaign_id": campaign,
                        "branch_id": branches[k % len(branches)],
                        "title": f"批 {n}",
                    },
                }
                for k in range(1000)
            ]
            client.call("POST", "/api/v1/batches", {"items": items}, expect=201)
        client.close()

    return clients * per_client * 1000 / _threads(clients, work)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


READER_PROCESSES = 5


def _readers(
    base: str, token: str, path: str, threads: int, per_reader: int, warmed: Any, results: Any
) -> None:
    """One reader process: ``threads`` readers, each one first read, then (once every
    reader of every process has had its first read, which met a cold cache) the timed ones."""
    firsts: list[float] = []
    rest: list[float] = []
    lock = threading.Lock()

    def timed(client: _Client) -> float:
        started = time.perf_counter()
        client.call("GET", path)
        return (time.perf_counter() - started) * 1000

    def work(i: int) -> None:
        client = _Client(base, token)
        first = timed(client)
        warmed.wait()
        mine = [timed(client) for _ in range(per_reader)]
        client.close()
        with lock:
            firsts.append(first)
            rest.extend(mine)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    results.put((firsts, rest))


def _server_cpu(master: int | None) -> float:
    """CPU seconds used so far by the gunicorn master's worker processes (Linux /proc)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if master is not None and int(fields[1]) == master:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _latency_buckets(base: str, endpoint: str) -> dict[float, float]:
    """The server's Prometheus histogram of request times of ``endpoint``: bound → count."""
    client = _Client(base)
    try:
        text = client.call("GET", "/metrics").decode()
    finally:
        client.close()
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith("taizhang_http_request_seconds_bucket{") and f'"{endpoint}"' in line:
            labels, _, count = line.rpartition(" ")
            bound = float(labels.split('le="', 1)[1].split('"', 1)[0])
            buckets[bound] = buckets.get(bound, 0.0) + float(count)
    return buckets


def _server_latency(after: dict[float, float], before: dict[float, float]) -> dict[str, Any]:
    """Request times as the server measured them, between two scrapes: time spent in Flask,
    without the client's queueing for a worker, a connection's turn or a core."""
    buckets = sorted((b, n - before.get(b, 0.0)) for b, n in after.items())
    if not buckets or not buckets[-1][1]:
        return {}
    total = buckets[-1][1]

    def at_most(share: float) -> float:
        return next(b for b, n in buckets if n >= share * total) * 1000

    under = {f"server_under_{b * 1000:g}_ms": round(n / total, 4) for b, n in buckets if b <= 0.1}
    return {
        "server_p50_ms_at_most": at_most(0.5),
        "server_p99_ms_at_most": at_most(0.99),
        **under,
    }


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


def _view_latency(
    world: dict[str, Any],
    base: str,
    token: str,
    readers: int,
    reads: int,
    server_pid: int | None = None,
    query: str = "",
    name: str = "supervision_view",
) -> list[tuple[str, float, dict[str, Any]]]:
    """Figures of the district supervision view: every read, and the reads after each
    reader's first (the first wave meets a cold cache in every gunicorn worker). With them,
    where the time goes: the server's own request times, and the CPU the server's workers
    and the readers used per read (on two cores, 50 readers in a closed loop wait mostly
    for a core: latency ~ readers x CPU per read / cores)."""

    path = f"/api/v1/campaigns/{world['campaign']}/districts/{world['district']}/supervision{query}"
    per_reader = max(1, reads // readers)
    # Readers in several processes: 50 threads in one Python client queue for its GIL and
    # would measure that instead of the server.
    context = multiprocessing.get_context("fork")
    processes = max(1, min(readers, READER_PROCESSES))
    warmed = context.Barrier(readers + 1)  # and this process, to take the cold wave's figures
    results = context.Queue()
    shares = [
        readers // processes + (1 if n < readers % processes else 0) for n in range(processes)
    ]
    children = [
        context.Process(
            target=_readers, args=(base, token, path, share, per_reader, warmed, results)
        )
        for share in shares
    ]
    endpoint = "/api/v1/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>/supervision"
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for child in children:
        child.start()
    warmed.wait()
    server_cpu = _server_cpu(server_pid)
    cold_buckets = _latency_buckets(base, endpoint)
    firsts: list[float] = []
    rest: list[float] = []
    for _ in children:
        got_firsts, got_rest = results.get(timeout=600)
        firsts += got_firsts
        rest += got_rest
    for child in children:
        child.join(60)
    server_cpu = _server_cpu(server_pid) - server_cpu
    client_used = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (
        client_used.ru_utime
        + client_used.ru_stime
        - client_before.ru_utime
        - client_before.ru_stime
    )
    warm = {
        "reads": len(rest),
        "p90_ms": round(_percentile(rest, 0.90), 3),
        "max_ms": round(max(rest), 3),
        "over_100_ms": sum(1 for x in rest if x > 100),
        "note": "after every reader's first read; client CPU over all reads",
        "server_cpu_ms_per_read": round(server_cpu * 1000 / len(rest), 3),
        "client_cpu_ms_per_read": round(client_cpu * 1000 / (len(rest) + len(firsts)), 3),
        **_server_latency(_latency_buckets(base, endpoint), cold_buckets),
    }
    cold = {"reads": len(firsts), "note": "every reader's first read, together, cold caches"}
    return [
        (f"{name}_p50", statistics.median(rest), warm),
        (f"{name}_p99", _percentile(rest, 0.99), warm),
        (f"{name}_cold_p50", statistics.median(firsts), cold),
        (f"{name}_cold_max", max(firsts), cold),
    ]


class _Gunicorn:
    def __init__(self, settings: Any, workers: int = 0, threads: int = 0) -> None:
        self.settings = settings
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        port = free_port()
        env = self._env()
        env.update(
            TAIZHANG_DATABASE_URL=self.settings.database_url,
            TAIZHANG_WRITER=self.settings.writer,
            TAIZHANG_BIND=f"127.0.0.1:{port}",
            TAIZHANG_ACCESS_LOG="",
            TAIZHANG_LOG_LEVEL="warning",
            # Migrated already; workers creating the tables at once can fail to boot
            # ("tuple concurrently updated").
            TAIZHANG_CREATE_TABLES="0",
            PYTHONPATH=str(ROOT),
        )
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.process = subprocess.Popen(
            gunicorn_argv(),
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, self.process)
        return base

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name, value in (("TAIZHANG_WORKERS", self.workers), ("TAIZHANG_THREADS", self.threads)):
            if value:
                env[name] = str(value)
            else:
                env.pop(name, None)
        return env

    def shape(self) -> dict[str, Any]:
        """Workers and threads as gunicorn runs them (the config's defaults if not given)."""
        code = "import taizhang.gunicorn_conf as c; print(c.workers, c.threads)"
        with tempfile.TemporaryDirectory() as metrics:
            env = {**self._env(), "PROMETHEUS_MULTIPROC_DIR": metrics}
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        workers, threads = out.stdout.split()
        return {"workers": int(workers), "threads": int(threads)}

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def stop(self) -> None:
        if self.process is not None:
            stop_gracefully(self.process)
