"""End to end: real gunicorn (taizhang/gunicorn_conf.py) on PostgreSQL, a real HTTP client, and
a view read back after the projection worker caught up."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.launch import gunicorn_argv
from taizhang.migrate import upgrade
from tests.api.conftest import START, TODAY, phases

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(postgres_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    upgrade(postgres_settings)
    store = TokenStore(postgres_settings)
    token, _ = store.create("e2e-admin", "admin")
    store.close()
    port = free_port()
    env = dict(os.environ)
    env.update(
        TAIZHANG_DATABASE_URL=postgres_settings.database_url,
        TAIZHANG_DATA_DIR=str(tmp_path / "var"),
        TAIZHANG_BIND=f"127.0.0.1:{port}",
        TAIZHANG_WORKERS="2",
        TAIZHANG_EMBEDDED_PROJECTIONS="1",  # one worker gets the lock; the other stands by
        TAIZHANG_ACCESS_LOG="",
        TAIZHANG_CREATE_TABLES="no",  # migrated above, as `taizhang serve` does
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        PYTHONPATH=str(ROOT),
    )
    process = subprocess.Popen(
        gunicorn_argv(),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "")
            time.sleep(0.2)
        yield base, token
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_post_and_read_back_through_gunicorn(server: tuple[str, str]) -> None:
    base, token = server
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"

    def post(path: str, data: dict[str, Any], type_: str | None = None, **kw: Any) -> Any:
        body = {"occurred_on": kw.pop("occurred_on", TODAY.isoformat()), "data": data, **kw}
        if type_:
            body["type"] = type_
        r = http.post(base + path, json=body, timeout=10)
        assert r.status_code == 201, r.text
        return r.json()

    district = post("/api/v1/districts", {"name": "番禺区", "code": "440113"})["aggregate_id"]
    committee = post(
        "/api/v1/committees", {"district_id": district, "name": "市桥街道党工委", "kind": "town"}
    )["aggregate_id"]
    branch = post(
        "/api/v1/branches",
        {
            "district_id": district,
            "committee_id": committee,
            "name": "某公司党支部",
            "level": "branch",
            "formation": "standalone",
            "host_name": "某公司",
            "host_category": "non_public_enterprise",
            "employees": 60,
            "full_members": 4,
        },
    )["aggregate_id"]
    campaign = post(
        "/api/v1/campaigns",
        {
            "district_id": district,
            "name": "教育实践活动",
            "starts_on": START.isoformat(),
            "ends_on": (TODAY + timedelta(days=100)).isoformat(),
            "phases": phases(),
        },
        occurred_on=START.isoformat(),
    )["aggregate_id"]
    post(f"/api/v1/campaigns/{campaign}/events", {"branch_ids": [branch]}, "BranchesEnrolled")
    answer = post(
        f"/api/v1/campaigns/{campaign}/branches/{branch}/events",
        {"participants": 20},
        "MobilizationMeetingHeld",
        client_event_id="e2e-1",
    )
    # A retry through another connection gets the same answer.
    retry = requests.post(
        f"{base}/api/v1/campaigns/{campaign}/branches/{branch}/events",
        json={
            "type": "MobilizationMeetingHeld",
            "occurred_on": TODAY.isoformat(),
            "client_event_id": "e2e-1",
            "data": {"participants": 20},
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert retry.status_code == 201 and retry.json() == answer

    progress = http.get(
        f"{base}/api/v1/campaigns/{campaign}/branches/{branch}/progress",
        params={"min_position": answer["position"]},
        timeout=10,
    )
    assert progress.status_code == 200, progress.text
    phases_ = {p["key"]: p for p in progress.json()["phases"]}
    assert phases_["mobilization_meeting"]["status"] == "done"

    view = http.get(
        f"{base}/api/v1/campaigns/{campaign}/districts/{district}/supervision",
        headers={"X-Min-Position": str(answer["position"])},
        timeout=10,
    )
    assert view.status_code == 200, view.text

    history = http.get(f"{base}/api/v1/branches/{branch}/history", timeout=10).json()
    assert history["items"][0]["type"] == "BranchRegistered"
    assert history["items"][0]["actor"] == "e2e-admin"

    metrics = requests.get(base + "/metrics", timeout=10).text
    assert "taizhang_http_requests_total" in metrics
    assert "taizhang_events_stored_total" in metrics
    assert requests.get(base + "/readyz", timeout=10).status_code == 200
    assert requests.get(base + "/openapi.json", timeout=10).json()["openapi"].startswith("3.")


KEEP_ALIVE_CLIENTS = 100


def _connections_by_process(port: int) -> Counter[int]:
    """Established connections to ``port``, counted by the process holding the server side
    (Linux: /proc/net/tcp names the sockets, /proc/<pid>/fd their owners)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
        if state == "01" and local_port == port:
            inodes.add(f"socket:[{inode}]")
    owners: Counter[int] = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                    owners[int(pid)] += 1
            except OSError:
                continue
    return owners


def test_keep_alive_clients_spread_over_the_workers(server: tuple[str, str]) -> None:
    """Clients that connect together and keep their connections are served by both workers,
    not piled onto whichever accepted first (taizhang/gunicorn_conf.py, reuse_port)."""
    base, _ = server
    host, port = base.removeprefix("http://").split(":")
    barrier = threading.Barrier(KEEP_ALIVE_CLIENTS)
    connections: list[http.client.HTTPConnection] = []
    lock = threading.Lock()

    def connect() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        barrier.wait()
        connection.request("GET", "/healthz")
        assert connection.getresponse().read()
        with lock:
            connections.append(connection)

    threads = [threading.Thread(target=connect) for _ in range(KEEP_ALIVE_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(connections) == KEEP_ALIVE_CLIENTS
        served = _connections_by_process(int(port))
        assert sum(served.values()) == KEEP_ALIVE_CLIENTS
        # Spread by the kernel, each of the two workers holds about half; below 30 of 100
        # happens by chance about once in 40,000 runs.
        assert len(served) == 2 and min(served.values()) >= 30, served
    finally:
        for connection in connections:
            connection.close()


def test_the_control_socket_is_in_the_services_own_data_directory(
    server: tuple[str, str], tmp_path: Path
) -> None:
    """gunicorn's default control socket is one path per host user: a second instance
    would take over the first one's. Each service keeps its own in its data directory."""
    control = tmp_path / "var" / "gunicorn.ctl"
    deadline = time.monotonic() + 10
    while not control.is_socket() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert control.is_socket()
