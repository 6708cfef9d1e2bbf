"""`taizhang load` against a real gunicorn: a short run that must see no server errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taizhang.config import Settings
from tests.reliability.harness import ROOT, Server, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def server(private_pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    yield from serve(private_pg_settings, tmp_path, workers=2, threads=4, embedded_projections=True)


def load(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taizhang.cli", "load", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_short_load_run_reports_and_sees_no_server_errors(server: tuple[Server, str]) -> None:
    gunicorn, token = server
    result = load(
        "--url", gunicorn.base, "--token", token, "--duration", "8", "--rate", "25",
        "--interval", "4", "--branches", "10", "--pid", str(gunicorn.process.pid),
    )  # fmt: skip
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stdout + result.stderr
    intervals = [line for line in lines if line["kind"] == "interval"]
    total = lines[-1]
    assert total["kind"] == "total" and len(intervals) >= 2
    assert total["requests"] == total["planned_requests"] == 200
    assert sum(i["requests"] for i in intervals) == total["requests"]
    assert total["server_errors"] == 0, total["statuses"]
    # Posts and reads alike were answered (reads may wait for views: 2xx only).
    assert set(total["statuses"]) <= {"200", "201"}, total["statuses"]
    assert total["p50_ms"] is not None and total["p99_ms"] >= total["p50_ms"]
    workers = gunicorn.worker_pids()
    assert all(total["rss_kb"][str(pid)] > 0 for pid in workers), total["rss_kb"]


def test_load_refuses_targets_off_loopback() -> None:
    result = load("--url", "http://192.0.2.1:8000", "--token", "t", "--duration", "1")
    assert result.returncode == 2
    assert "--url: only loopback" in result.stderr
    assert result.stdout == ""
