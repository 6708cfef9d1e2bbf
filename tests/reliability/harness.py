"""What the fault tests share: a private PostgreSQL they may restart, a real gunicorn, a client.

The private PostgreSQL is a cluster of its own (initdb in a temporary directory, its own port),
so restarting it or making it read-only never disturbs the shared server other tests use.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import requests

from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.launch import gunicorn_argv
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("TAIZHANG_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
TODAY = date.today().isoformat()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL cluster owned by the test session: start, stop, restart at will."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="taizhang-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = free_port()
        # initdb refuses to run as root: then the cluster belongs to the postgres user.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_user, *argv], capture_output=True, text=True, check=check, timeout=120
        )

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-o",
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.base, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=5"

    def execute(self, statement: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
        with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def fresh_database(self, tmp_path: Path) -> Settings:
        name = "t_" + uuid.uuid4().hex[:16]
        self.execute(f"CREATE DATABASE {name}")
        return Settings.from_env(
            {
                "TAIZHANG_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{self.port}/{name}",
                "TAIZHANG_DATA_DIR": str(tmp_path / "var"),
            }
        )


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the parent pid is the 2nd field after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


@dataclass
class Server:
    """``gunicorn -c taizhang/gunicorn_conf.py`` on a database, as `taizhang serve` runs it."""

    settings: Settings
    tmp_path: Path
    workers: int = 2
    threads: int = 4
    embedded_projections: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            TAIZHANG_DATABASE_URL=self.settings.database_url,
            TAIZHANG_DATA_DIR=self.settings.data_dir,
            TAIZHANG_BIND=f"127.0.0.1:{self.port}",
            TAIZHANG_WORKERS=str(self.workers),
            TAIZHANG_THREADS=str(self.threads),
            TAIZHANG_ACCESS_LOG="",
            TAIZHANG_CREATE_TABLES="no",  # migrated before, as `taizhang serve` does
            PROMETHEUS_MULTIPROC_DIR=str(self.tmp_path / f"metrics-{self.port}"),
            PYTHONPATH=str(ROOT),
        )
        if self.embedded_projections:
            env["TAIZHANG_EMBEDDED_PROJECTIONS"] = "1"
        env.update(self.extra_env)
        self.stderr = open(self.tmp_path / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            gunicorn_argv(),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                healthy = requests.get(self.base + "/healthz", timeout=2).status_code == 200
                if healthy and len(self.worker_pids()) >= self.workers:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not come up:\n" + self.log_text())
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def log_text(self) -> str:
        self.stderr.flush()
        return (self.tmp_path / f"gunicorn-{self.port}.log").read_text()[-5000:]

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()
        self.process = None


def serve(settings: Settings, tmp_path: Path, **options: Any) -> Iterator[tuple[Server, str]]:
    """Migrate, make an admin token, start gunicorn; yield (server, token); stop it."""
    upgrade(settings)
    store = TokenStore(settings)
    token, _ = store.create("reliability-admin", "admin", source="reliability")
    store.close()
    server = Server(settings, tmp_path, **options)
    server.start()
    try:
        yield server, token
    finally:
        server.stop()


@dataclass
class Client:
    base: str
    token: str
    timeout: float = 30.0
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def post(self, path: str, body: Any, **headers: str) -> requests.Response:
        return self.session.post(self.base + path, json=body, headers=headers, timeout=self.timeout)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=self.timeout)

    def created(self, path: str, data: dict[str, Any], **body: Any) -> dict[str, Any]:
        response = self.post(path, {"occurred_on": TODAY, "data": data, **body})
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result


@dataclass
class Organizations:
    district: str
    committee: str


def organizations(client: Client) -> Organizations:
    district = client.created("/api/v1/districts", {"name": "番禺区", "code": "440113"})
    committee = client.created(
        "/api/v1/committees",
        {"district_id": district["aggregate_id"], "name": "市桥街道党工委", "kind": "subdistrict"},
    )
    return Organizations(district["aggregate_id"], committee["aggregate_id"])


def branch_item(orgs: Organizations, name: str) -> dict[str, Any]:
    """A BranchRegistered batch item whose branch name identifies it in the log."""
    return {
        "type": "BranchRegistered",
        "occurred_on": TODAY,
        "client_event_id": name,
        "data": {
            "district_id": orgs.district,
            "committee_id": orgs.committee,
            "name": name,
            "level": "branch",
            "formation": "standalone",
            "host_name": f"{name} 有限公司",
            "host_category": "non_public_enterprise",
            "employees": 60,
            "full_members": 4,
        },
    }


def stored_branch_names(settings: Settings) -> list[str]:
    """The name of every BranchRegistered event in the log, duplicates included."""
    # Only reads: it creates nothing, so it reads a full disk too (creating the tables and
    # the insert function again may need a new catalog page there).
    ledger = Ledger(settings, CREATE_TABLE="n")
    try:
        names = []
        start = 1
        while True:
            page = ledger.recorder.select_notifications(start=start, limit=1000)
            if not page:
                return names
            for notification in page:
                if notification.topic.endswith("Branch.Registered"):
                    names.append(ledger.mapper.to_domain_event(notification).name)
            start = page[-1].id + 1
    finally:
        ledger.close()
