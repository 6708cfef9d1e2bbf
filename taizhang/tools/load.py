"""A bounded load against a running taizhang service: integrators post, supervisors read.

Only loopback targets are accepted: this is a tool for measuring our own server, not for
pointing at someone else's. Requests are issued open-loop at ``rate`` per second for
``duration`` seconds (so a slow server meets the same demand, and its latency shows), by a
bounded pool of client threads. Every ``interval`` seconds and at the end it prints a JSON
line: throughput, p50/p99 latency, counts by status, and the RSS of the given processes.

The mix (by request): 30% an integrator posts a work fact on one of its branches, 10% lists a
problem, 10% posts a batch of 10 facts, 20% a supervisor reads a branch's progress view,
10% a committee's supervision view, 10% a branch's audit history, 10% the feed.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import requests

from taizhang.domain.phases import EIGHT_ONES

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
MAX_DURATION_SECONDS = 3600
MAX_RATE = 2000
MAX_CLIENT_THREADS = 64
REQUEST_TIMEOUT_SECONDS = 30


class LoadRefused(ValueError):
    """The load was asked for something it will not do (names the option)."""


def check_target(url: str, duration: float, rate: float) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadRefused(f"--url: expected http://127.0.0.1:PORT, got {url!r}")
    if parts.hostname not in LOOPBACK_HOSTS:
        raise LoadRefused(f"--url: only loopback targets ({', '.join(sorted(LOOPBACK_HOSTS))})")
    if not 0 < duration <= MAX_DURATION_SECONDS:
        raise LoadRefused(f"--duration: between 0 and {MAX_DURATION_SECONDS} seconds")
    if not 0 < rate <= MAX_RATE:
        raise LoadRefused(f"--rate: between 0 and {MAX_RATE} requests per second")
    return url.rstrip("/")


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children (its workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(entry.name))
    return sorted(found)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Window:
    """What happened in one reporting interval."""

    started: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    # Per kind of request, how long the server took once a client thread sent it: which
    # requests grow slower, apart from the queueing that the latencies include.
    service: dict[str, list[float]] = field(default_factory=dict)

    def add(self, seconds: float, status: str, kind: str = "", service: float = 0.0) -> None:
        self.latencies.append(seconds)
        self.statuses[status] += 1
        if kind:
            self.service.setdefault(kind, []).append(service)

    def summary(self, kind: str, now: float, pids: list[int]) -> dict[str, Any]:
        elapsed = max(now - self.started, 1e-9)
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        errors = {s: n for s, n in self.statuses.items() if not s.startswith("2")}
        return {
            "kind": kind,
            "seconds": round(elapsed, 1),
            "requests": len(self.latencies),
            "throughput_rps": round(len(self.latencies) / elapsed, 1),
            "p50_ms": None if p50 is None else round(p50 * 1000, 1),
            "p99_ms": None if p99 is None else round(p99 * 1000, 1),
            "statuses": dict(sorted(self.statuses.items())),
            "errors": sum(errors.values()),
            "server_errors": sum(n for s, n in errors.items() if s.startswith("5") or s == "io"),
            "rss_kb": {str(pid): rss_kb(pid) for pid in pids},
            "service_ms": {
                kind: {
                    "p50": round(percentile(times, 50) * 1000, 1),  # type: ignore[operator]
                    "p99": round(percentile(times, 99) * 1000, 1),  # type: ignore[operator]
                }
                for kind, times in sorted(self.service.items())
            },
        }


@dataclass
class World:
    """The district the load works in, set up through the API with the given token."""

    campaign: str
    committee: str
    branches: list[str]
    problems: list[str] = field(default_factory=list)


def _post(session: requests.Session, base: str, path: str, body: Any) -> dict[str, Any]:
    response = session.post(base + path, json=body, timeout=REQUEST_TIMEOUT_SECONDS)
    if response.status_code != 201:
        raise RuntimeError(f"setting up: POST {path} -> {response.status_code} {response.text}")
    found: dict[str, Any] = response.json()
    return found


def set_up(
    session: requests.Session, base: str, branches: int, seed: int, *, wait_for_views: bool = True
) -> World:
    """Post a district, committee, branches and a campaign enrolling them.

    ``wait_for_views=False`` for a caller that only writes (a service may run no projection
    worker at all, and its views then never catch up).
    """
    today = date.today()
    start = today - timedelta(days=30)
    tag = f"{seed}-{uuid.uuid4().hex[:6]}"

    def event(data: dict[str, Any], on: date = today, **extra: Any) -> dict[str, Any]:
        return {"occurred_on": on.isoformat(), "data": data, **extra}

    district = _post(
        session, base, "/api/v1/districts", event({"name": f"负载区 {tag}", "code": tag})
    )["aggregate_id"]
    committee = _post(
        session,
        base,
        "/api/v1/committees",
        event({"district_id": district, "name": f"负载街道党工委 {tag}", "kind": "subdistrict"}),
    )["aggregate_id"]
    ids = []
    for n in range(branches):
        ids.append(
            _post(
                session,
                base,
                "/api/v1/branches",
                event(
                    {
                        "district_id": district,
                        "committee_id": committee,
                        "name": f"负载支部 {tag}-{n}",
                        "level": "branch",
                        "formation": "standalone",
                        "host_name": f"负载公司 {tag}-{n}",
                        "host_category": "non_public_enterprise",
                        "employees": 80,
                        "full_members": 5,
                    }
                ),
            )["aggregate_id"]
        )
    phases = [
        {
            "key": p.key,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "order": p.order,
            "deadline": (start + timedelta(days=20 * p.order)).isoformat(),
            "done_when": list(p.done_when),
            "started_by": list(p.started_by),
        }
        for p in EIGHT_ONES.phases
    ]
    campaign = _post(
        session,
        base,
        "/api/v1/campaigns",
        event(
            {
                "district_id": district,
                "name": f"教育实践活动 {tag}",
                "starts_on": start.isoformat(),
                "ends_on": (today + timedelta(days=150)).isoformat(),
                "phases": phases,
            },
            start,
        ),
    )["aggregate_id"]
    position = 0
    for first in range(0, len(ids), 100):
        position = _post(
            session,
            base,
            f"/api/v1/campaigns/{campaign}/events",
            event({"branch_ids": ids[first : first + 100]}, start, type="BranchesEnrolled"),
        )["position"]
    world = World(campaign=campaign, committee=committee, branches=ids)
    if ids and wait_for_views:
        _wait_for_views(session, base, world, position)
    return world


def _wait_for_views(
    session: requests.Session, base: str, world: World, position: int, timeout: float = 60.0
) -> None:
    """Start the load only once the views hold the enrolments.

    A supervisor cannot read a branch's progress before its enrolment is projected: read
    at once, a view would answer 404 for a branch that does exist (a lag the load would
    otherwise count against the server).
    """
    path = f"/api/v1/campaigns/{world.campaign}/branches/{world.branches[-1]}/progress"
    deadline = time.monotonic() + timeout
    while True:
        response = session.get(
            base + path,
            headers={"X-Min-Position": str(position)},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        if response.status_code == 200:
            return
        if response.status_code != 503 or time.monotonic() > deadline:
            raise RuntimeError(
                f"setting up: the views did not reach position {position}: "
                f"GET {path} -> {response.status_code} {response.text}"
            )


def _fact(rng: random.Random) -> tuple[str, dict[str, Any]]:
    return rng.choice(
        [
            (
                "StudySessionHeld",
                {
                    "topic": "党章",
                    "days": "1",
                    "hours": str(rng.choice([2, 3, 4])),
                    "participants": 12,
                },
            ),
            ("MobilizationMeetingHeld", {"participants": rng.randint(5, 40), "joint_with": []}),
        ]
    )


def make_request(
    rng: random.Random, world: World, today: str
) -> tuple[str, str, str, Any, dict[str, str]]:
    """(kind, method, path, body, headers) of one request of the mix."""
    branch = rng.choice(world.branches)
    work = f"/api/v1/campaigns/{world.campaign}/branches/{branch}"
    roll = rng.random()
    if roll < 0.30:
        type_, data = _fact(rng)
        body = {"type": type_, "occurred_on": today, "data": data}
        body["client_event_id"] = uuid.uuid4().hex
        return "post", "POST", work + "/events", body, {}
    if roll < 0.40:
        body = {
            "occurred_on": today,
            "client_event_id": uuid.uuid4().hex,
            "data": {
                "category": rng.choice(["four_winds", "mass_interests", "member_awareness"]),
                "description": "负载测试问题",
                "measures": "整改措施",
                "responsible_person": "P000101",
                "deadline": today,
            },
        }
        return "problem", "POST", work + "/problems", body, {}
    if roll < 0.50:
        items = []
        for _ in range(10):
            type_, data = _fact(rng)
            items.append(
                {
                    "type": type_,
                    "occurred_on": today,
                    "client_event_id": uuid.uuid4().hex,
                    "data": {**data, "campaign_id": world.campaign, "branch_id": branch},
                }
            )
        key = uuid.uuid4().hex
        return "batch", "POST", "/api/v1/batches", {"items": items}, {"Idempotency-Key": key}
    if roll < 0.70:
        return "progress", "GET", work + "/progress", None, {}
    if roll < 0.80:
        path = f"/api/v1/campaigns/{world.campaign}/committees/{world.committee}/supervision"
        return "supervision", "GET", path, None, {}
    if roll < 0.90:
        return "history", "GET", f"/api/v1/branches/{branch}/history", None, {}
    return "feed", "GET", "/api/v1/feed", None, {}


@dataclass
class Driver:
    """Issues the mix open-loop against one service and summarises what came back."""

    base: str
    token: str
    out: TextIO
    threads: int = 16
    pids: list[int] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    local: threading.local = field(default_factory=threading.local)

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers["Authorization"] = f"Bearer {self.token}"
        found: requests.Session = self.local.session
        return found

    def emit(self, line: dict[str, Any]) -> None:
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()

    def drive(
        self,
        world: World,
        *,
        rate: float,
        duration: float,
        interval: float,
        seed: int,
        emit: bool = True,
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Run the mix; return the interval lines and the total (printed if ``emit``)."""
        clock = self.clock
        rng = random.Random(seed)
        today = date.today().isoformat()
        lock = threading.Lock()
        started = clock()
        total = Window(started)
        window = Window(started)
        planned = int(duration * rate)
        intervals: list[dict[str, Any]] = []

        def fire(
            due: float, kind: str, method: str, path: str, body: Any, headers: dict[str, str]
        ) -> None:
            sent = clock()
            try:
                response = self.session().request(
                    method,
                    self.base + path,
                    json=body,
                    headers=headers,
                    timeout=REQUEST_TIMEOUT_SECONDS,
                )
                status = str(response.status_code)
            except requests.RequestException:
                status = "io"
            # From when the request was due, not when a client thread got to it: a server
            # that falls behind shows it as latency (no coordinated omission).
            now = clock()
            with lock:
                total.add(now - due, status, kind, now - sent)
                window.add(now - due, status, kind, now - sent)

        def report(kind: str, part: Window, now: float) -> dict[str, Any]:
            line = part.summary(kind, now, self.pids)
            line["planned_requests"] = planned
            line["rate"] = rate
            if emit:
                self.emit(line)
            return line

        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="load") as pool:
            for n in range(planned):
                due = started + n / rate
                while True:
                    now = clock()
                    if now - window.started >= interval:
                        with lock:
                            finished, window = window, Window(now)
                        intervals.append(report("interval", finished, now))
                    if now >= due:
                        break
                    time.sleep(min(due - now, 0.05))
                pool.submit(fire, due, *make_request(rng, world, today))
        now = clock()
        if window.latencies:
            intervals.append(report("interval", window, now))
        return intervals, report("total", total, now)


def settle(
    base: str, *, timeout: float = 120.0, clock: Callable[[], float] = time.monotonic
) -> float:
    """Wait until /readyz reports the views caught up with the log; return the seconds waited.

    After stepping past the maximum the server is still working off that step's backlog; a
    run started at once would have its first minute slowed by it, and judged against that
    minute, a later one would look steadier than it is.
    """
    started = clock()
    while clock() - started < timeout:
        try:
            answer = requests.get(base + "/readyz", timeout=REQUEST_TIMEOUT_SECONDS)
            lag = answer.json().get("checks", {}).get("projection_lag", {})
            if answer.status_code == 200 and isinstance(lag, dict) and not any(lag.values()):
                break
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    return round(clock() - started, 1)


def run_load(
    url: str,
    token: str,
    *,
    duration: float,
    rate: float,
    interval: float = 60.0,
    branches: int = 50,
    threads: int = 16,
    pid: int | None = None,
    projector_pid: int | None = None,
    seed: int = 1,
    out: TextIO,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Drive the service; print JSON lines; return the total summary."""
    base = check_target(url, duration, rate)
    driver = Driver(base, token, out, max(1, min(threads, MAX_CLIENT_THREADS)), clock=clock)
    world = set_up(driver.session(), base, branches, seed)
    driver.pids = ([pid] + worker_pids(pid)) if pid else []
    driver.pids += [projector_pid] if projector_pid else []
    return driver.drive(world, rate=rate, duration=duration, interval=interval, seed=seed)[1]
