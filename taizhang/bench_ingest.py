"""``taizhang bench ingest``: how fast the HTTP API takes events in, and serves a view.

Runs on PostgreSQL, in a fresh schema of the configured database (dropped afterwards), with
real gunicorn (ops/gunicorn.conf.py) on a free local port. Prints JSON lines:

- ``http_single_posts``: single-event posts from N concurrent clients, against the
  library's own multi-threaded ``save()`` of the same kind of events (one per call) from as
  many threads, in the same run; and against an empty endpoint (``/healthz``) on the same
  gunicorn setup;
- ``http_batches``: batches of 1,000 events;
- ``supervision_view_p50`` / ``_p99``: a district supervision view over many branches
  under many concurrent readers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=4000, help="single posts in total")
    parser.add_argument("--clients", type=int, default=16, help="concurrent posting clients")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: CPUs)")
    parser.add_argument("--batches", type=int, default=10, help="batches of 1,000 events")
    parser.add_argument("--branches", type=int, default=10_000, help="branches in the view")
    parser.add_argument("--readers", type=int, default=50, help="concurrent view readers")
    parser.add_argument("--reads", type=int, default=2000, help="view reads in total")


def emit(figure: str, value: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **extra}))
    sys.stdout.flush()


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def run(settings: Any, args: argparse.Namespace) -> int:
    import psycopg
    from psycopg import sql

    from taizhang.config import Settings

    if not settings.is_postgres:
        print("taizhang: bench ingest needs PostgreSQL (TAIZHANG_DATABASE_URL)", file=sys.stderr)
        return 2
    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = Settings(settings.database_url.split("?")[0], settings.data_dir)
    with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    bench = Settings(admin.database_url + f"?schema={schema}", settings.data_dir)
    try:
        return _run(bench, args)
    finally:
        with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _run(settings: Any, args: argparse.Namespace) -> int:
    from api.auth import TokenStore
    from taizhang.migrate import upgrade

    upgrade(settings)
    store = TokenStore(settings)
    token, _ = store.create("bench", "admin")
    store.close()
    world = _world(settings, max(args.clients, 1))
    server = _Gunicorn(settings, args.workers or (os.cpu_count() or 1) * 2 + 1)
    try:
        base = server.start()
        common = {"machine": machine(), "clients": args.clients}
        baseline = _library_saves(settings, world, args.events, args.clients)
        posts = _http_posts(base, token, world, args.events, args.clients)
        empty = _http_empty(base, args.events, args.clients)
        emit(
            "http_single_posts",
            posts,
            "events/s",
            baseline="library multi-threaded save(), one event per call",
            baseline_value=round(baseline, 3),
            ratio=round(posts / baseline, 3),
            target_ratio=1.5,
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
            **common,
        )
        rate = _http_batches(base, token, world, args.batches)
        emit("http_batches_of_1000", rate, "events/s", target=30_000, machine=machine())
        p50, p99 = _view_latency(settings, base, token, args.branches, args.readers, args.reads)
        for name, value in (("p50", p50), ("p99", p99)):
            emit(
                f"supervision_view_{name}",
                value,
                "ms",
                branches=args.branches,
                readers=args.readers,
                target_p99_ms=50,
                machine=machine(),
            )
    finally:
        server.stop()
    return 0


# -- setup -----------------------------------------------------------------------------------


def _world(settings: Any, branches: int) -> dict[str, Any]:
    """A district, a committee, a campaign and ``branches`` enrolled branches."""
    from domain.phases import EIGHT_ONES
    from taizhang.ledger import Ledger
    from taizhang.service import Caller, LedgerService, Posting, business_today

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
    from taizhang.service import Posting

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
    from taizhang.service import Posting

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


def _library_saves(settings: Any, world: dict[str, Any], events: int, clients: int) -> float:
    """The library alone: each thread saves events one ``save()`` at a time."""
    from domain.branch_work import BranchWork
    from domain.provenance import Provenance
    from taizhang.ledger import Ledger

    ledger = Ledger(settings)
    campaign = uuid.uuid4()  # a campaign of its own, so the aggregates are fresh
    per_client = events // clients
    prepared: list[list[Any]] = []
    for i in range(clients):
        p = Provenance(uuid.uuid4(), world["today"], "bench", "bench")
        work = BranchWork.open(p, campaign, world["branches"][i])
        work.collect_events()
        version = 1
        batch = []
        for n in range(per_client):
            work.record_optional_action(
                Provenance(uuid.uuid4(), world["today"], "bench", "bench"), title=f"事项 {n}"
            )
            batch += work.collect_events()
            version += 1
        first = BranchWork.open(p, campaign, world["branches"][i])
        ledger.save(first)
        prepared.append(batch)

    def work_(i: int) -> None:
        for event in prepared[i]:
            ledger.save(event)

    seconds = _threads(clients, work_)
    ledger.close()
    return clients * per_client / seconds


def _http_posts(base: str, token: str, world: dict[str, Any], events: int, clients: int) -> float:
    import requests

    per_client = events // clients
    campaign = world["campaign"]
    today = world["today"].isoformat()

    def work(i: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        url = f"{base}/api/v1/campaigns/{campaign}/branches/{world['branches'][i]}/events"
        for n in range(per_client):
            r = session.post(
                url,
                json={
                    "type": "OptionalActionRecorded",
                    "occurred_on": today,
                    "client_event_id": f"post-{i}-{n}",
                    "data": {"title": f"事项 {n}"},
                },
                timeout=60,
            )
            if r.status_code != 201:
                raise RuntimeError(f"post answered {r.status_code}: {r.text[:300]}")

    return clients * per_client / _threads(clients, work)


def _http_empty(base: str, requests_total: int, clients: int) -> float:
    import requests

    per_client = requests_total // clients

    def work(i: int) -> None:
        session = requests.Session()
        for _ in range(per_client):
            session.get(f"{base}/healthz", timeout=60).raise_for_status()

    return clients * per_client / _threads(clients, work)


def _http_batches(base: str, token: str, world: dict[str, Any], batches: int) -> float:
    import requests

    campaign = str(world["campaign"])
    today = world["today"].isoformat()
    branches = [str(b) for b in world["branches"]]
    clients = min(4, batches) or 1
    per_client = max(1, batches // clients)

    def work(i: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for n in range(per_client):
            items = [
                {
                    "type": "OptionalActionRecorded",
                    "occurred_on": today,
                    "data": {
                        "campaign_id": campaign,
                        "branch_id": branches[(i * 1000 + k) % len(branches)],
                        "title": f"批 {n}",
                    },
                }
                for k in range(1000)
            ]
            r = session.post(f"{base}/api/v1/batches", json={"items": items}, timeout=300)
            if r.status_code != 201:
                raise RuntimeError(f"batch answered {r.status_code}: {r.text[:300]}")

    return clients * per_client * 1000 / _threads(clients, work)


def _view_latency(
    settings: Any, base: str, token: str, branches: int, readers: int, reads: int
) -> tuple[float, float]:
    import requests

    from projections.worker import Worker
    from taizhang.ledger import Ledger

    world = _world(settings, branches)
    ledger = Ledger(settings)
    worker = Worker(settings, ledger=ledger)
    worker.catch_up()
    worker.close()
    ledger.close()
    url = f"{base}/api/v1/campaigns/{world['campaign']}/districts/{world['district']}/supervision"
    latencies: list[float] = []
    lock = threading.Lock()
    per_reader = max(1, reads // readers)

    def work(i: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine = []
        for _ in range(per_reader):
            started = time.perf_counter()
            session.get(url, timeout=60).raise_for_status()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    _threads(readers, work)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99


class _Gunicorn:
    def __init__(self, settings: Any, workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        import requests

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ)
        env.update(
            TAIZHANG_DATABASE_URL=self.settings.database_url,
            TAIZHANG_BIND=f"127.0.0.1:{port}",
            TAIZHANG_WORKERS=str(self.workers),
            TAIZHANG_ACCESS_LOG="",
            TAIZHANG_LOG_LEVEL="warning",
            PYTHONPATH=str(ROOT),
        )
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "ops" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    return base
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
