"""The ingest benchmark's HTTP side: clients posting one by one and in batches, readers of
the district view, the server's own CPU and latency, and the gunicorn it runs."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from taizhang.launch import gunicorn_argv
from taizhang.tools.bench_world import _threads
from taizhang.tools.load_server import free_port, stop_gracefully, wait_healthy

ROOT = Path(__file__).resolve().parents[1]


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

    def sign_in(self, token: str) -> None:
        """Read the pages as a supervisor does: the sign-in form (its CSRF token and session
        cookie), the token posted with it, and from then on the session's cookie."""
        self.conn.request("GET", "/pages/signin")
        form = self.conn.getresponse()
        found = _CSRF.search(form.read().decode())
        cookie = (form.getheader("Set-Cookie") or "").split(";")[0]
        if found is None or not cookie:
            raise RuntimeError("GET /pages/signin gave no form to sign in with")
        body = urlencode({"csrf_token": found.group(1), "token": token})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        self.conn.request("POST", "/pages/signin", body=body, headers=headers)
        signed = self.conn.getresponse()
        signed.read()
        if signed.status != 303:
            raise RuntimeError(f"signing in to the pages answered {signed.status}")
        self.headers = {"Cookie": (signed.getheader("Set-Cookie") or cookie).split(";")[0]}

    def close(self) -> None:
        self.conn.close()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


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


def _http_posts(
    base: str, token: str, world: dict[str, Any], events: int, clients: int, tag: str = "post"
) -> float:
    """Events/s of single posts; ``tag`` makes the client event ids of a run its own (a
    second run with the same ids would be answered as retries, storing nothing)."""
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
                "client_event_id": f"{tag}-{i}-{n}",
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
    base: str,
    token: str,
    path: str,
    threads: int,
    per_reader: int,
    warmed: Any,
    go: Any,
    results: Any,
    page: bool,
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
        client = _Client(base, None if page else token)
        if page:
            client.sign_in(token)
        first = timed(client)
        warmed.wait()
        go.wait()  # after the server's figures for the cold wave are taken
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


def _view_latency(
    world: dict[str, Any],
    base: str,
    token: str,
    readers: int,
    reads: int,
    server_pid: int | None = None,
    query: str = "",
    name: str = "supervision_view",
    page: bool = False,
) -> list[tuple[str, float, dict[str, Any]]]:
    """Figures of the district supervision view: every read, and the reads after each
    reader's first (the first wave meets a cold cache in every gunicorn worker). With them,
    where the time goes: the server's own request times, and the CPU the server's workers
    and the readers used per read (on two cores, 50 readers in a closed loop wait mostly
    for a core: latency ~ readers x CPU per read / cores)."""

    # The JSON view, or the district's overview page drawn from it (signed in with a cookie).
    if page:
        endpoint = "/pages/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>"
        path = f"/pages/campaigns/{world['campaign']}/districts/{world['district']}{query}"
    else:
        endpoint = "/api/v1/campaigns/<uuid:campaign_id>/districts/<uuid:district_id>/supervision"
        path = (
            f"/api/v1/campaigns/{world['campaign']}/districts/{world['district']}/supervision"
            f"{query}"
        )
    per_reader = max(1, reads // readers)
    # Readers in several processes: 50 threads in one Python client queue for its GIL and
    # would measure that instead of the server.
    context = multiprocessing.get_context("fork")
    processes = max(1, min(readers, READER_PROCESSES))
    warmed = context.Barrier(readers + 1)  # and this process, to take the cold wave's figures
    go = context.Barrier(readers + 1)  # the timed reads start once those are taken
    results = context.Queue()
    shares = [
        readers // processes + (1 if n < readers % processes else 0) for n in range(processes)
    ]
    children = [
        context.Process(
            target=_readers, args=(base, token, path, share, per_reader, warmed, go, results, page)
        )
        for share in shares
    ]
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for child in children:
        child.start()
    warmed.wait()
    server_cpu = _server_cpu(server_pid)
    cold_buckets = _latency_buckets(base, endpoint)
    go.wait()
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
