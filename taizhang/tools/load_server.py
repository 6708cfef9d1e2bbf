"""A throwaway service for ``taizhang load --serve``: its own schema, token and gunicorn.

The schema (``load_<hex>`` in the configured PostgreSQL database) is migrated, given an admin
token, served by ``taizhang/gunicorn_conf.py`` beside a ``taizhang project`` process (the production
shape on PostgreSQL; ``embedded=True`` runs the projection worker inside a gunicorn worker
instead, the embedded default's shape), and dropped afterwards, so a load run needs no setup
and leaves nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests
from psycopg import sql

from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.launch import gunicorn_argv
from taizhang.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60


@dataclass(frozen=True)
class Service:
    base: str
    token: str
    master_pid: int
    # The separate projection worker, None when it is embedded in a gunicorn worker.
    projector_pid: int | None = None


class ServeRefused(ValueError):
    """The service cannot be started here (names the reason)."""


@contextmanager
def own_service(
    settings: Settings, *, workers: int, threads: int, embedded: bool = False
) -> Iterator[Service]:
    if not settings.is_postgres:
        raise ServeRefused("--serve: needs PostgreSQL (set TAIZHANG_DATABASE_URL)")

    schema = "load_" + uuid.uuid4().hex[:12]
    admin = Settings(settings.database_url.split("?")[0], settings.data_dir)
    with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        own = Settings(admin.database_url + f"?schema={schema}", settings.data_dir)
        upgrade(own)
        store = TokenStore(own)
        token, _ = store.create("load", "admin", source="load")
        store.close()
        with ExitStack() as stack:
            projector = None if embedded else stack.enter_context(_projector(own))
            base, pid = stack.enter_context(
                _gunicorn(own, workers=workers, threads=threads, embedded=embedded)
            )
            yield Service(base, token, pid, projector)
    finally:
        with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def _env(settings: Settings, **more: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TAIZHANG_DATABASE_URL=settings.database_url, PYTHONPATH=str(ROOT), **more)
    return env


@contextmanager
def _projector(settings: Settings) -> Iterator[int]:
    """``taizhang project``; stopped with SIGINT, its own way of stopping between batches."""
    process = subprocess.Popen(
        [sys.executable, "-m", "taizhang.cli", "project"],
        cwd=ROOT,
        env=_env(settings),
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process.pid
    finally:
        stop_gracefully(process, signal.SIGINT)


@contextmanager
def _gunicorn(
    settings: Settings, *, workers: int, threads: int, embedded: bool
) -> Iterator[tuple[str, int]]:
    port = free_port()
    metrics = tempfile.mkdtemp(prefix="taizhang-metrics-")
    env = _env(
        settings,
        TAIZHANG_BIND=f"127.0.0.1:{port}",
        TAIZHANG_WORKERS=str(workers),
        TAIZHANG_THREADS=str(threads),
        TAIZHANG_EMBEDDED_PROJECTIONS="1" if embedded else "0",
        # Migrated already: workers creating the tables at once can fail to boot.
        TAIZHANG_CREATE_TABLES="no",
        TAIZHANG_ACCESS_LOG="",
        TAIZHANG_LOG_LEVEL="warning",
        PROMETHEUS_MULTIPROC_DIR=metrics,
    )
    process = subprocess.Popen(
        gunicorn_argv(),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base, process.pid
    finally:
        stop_gracefully(process)


def free_port() -> int:
    """A loopback port free now, for a server started next."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_gracefully(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> None:
    """``how`` (SIGTERM: gunicorn's graceful shutdown), then SIGKILL after 30 s."""
    process.send_signal(how)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    """Until ``/healthz`` answers 200; refused if the server exits or stays silent."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeRefused(f"--serve: gunicorn exited with {process.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise ServeRefused(f"--serve: gunicorn did not answer within {START_SECONDS} s")
