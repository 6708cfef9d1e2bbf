"""A primary and its hot standby on this machine, and a switchable address in front of them.

The pair is two private clusters (tests.reliability.harness.PrivatePostgres): the standby is
made with ``pg_basebackup -R`` (which writes ``standby.signal`` and ``primary_conninfo``) and
streams from the primary. ``Proxy`` is the service's one database address (as a virtual IP
or a DNS name is in production): a failover points it at the promoted standby.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from taizhang.config import Settings
from tests.reliability.harness import PG_BIN, PrivatePostgres, free_port


class Standby(PrivatePostgres):
    """A hot standby of ``primary``, streaming from it."""

    def __init__(self, primary: PrivatePostgres) -> None:
        super().__init__()
        self.primary = primary

    def init(self) -> None:
        self._run(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",  # standby.signal and primary_conninfo
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )

    def promote(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "promote")

    def pause_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.execute("SELECT pg_wal_replay_resume()")

    def replays(self, dbname: str, timeout: float = 30.0) -> None:
        """Wait until ``dbname`` exists here and has replayed the primary's WAL so far."""
        target = self.primary.execute("SELECT pg_current_wal_flush_lsn()::text")[0][0]
        deadline = time.monotonic() + timeout
        while True:
            try:
                done = self.execute(
                    f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", dbname
                )[0][0]
                if done:
                    return
            except psycopg.Error:
                pass
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.05)

    def reading_sessions(self, dbname: str) -> list[str]:
        """The last statement of each of the service's read sessions here."""
        rows = self.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name ="
            f" 'taizhang-replica-reads' AND datname = '{dbname}'"
        )
        return [row[0] for row in rows]


def primary_and_standby() -> tuple[PrivatePostgres, Standby]:
    primary = PrivatePostgres()
    primary.init()
    primary.start()
    standby = Standby(primary)
    try:
        standby.init()
        standby.start()
    except BaseException:
        primary.destroy()
        standby.destroy()
        raise
    return primary, standby


def pair_settings(
    primary: PrivatePostgres, standby: Standby, tmp_path: Path, *, primary_port: int | None = None
) -> tuple[Settings, str]:
    """A fresh database on the primary (reached at ``primary_port``, default its own) and
    the standby's URL of it."""
    name = "t_" + uuid.uuid4().hex[:16]
    primary.execute(f"CREATE DATABASE {name}")
    port = primary_port or primary.port
    settings = Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/{name}",
            "TAIZHANG_DATA_DIR": str(tmp_path / "var"),
        }
    )
    return settings, f"postgresql://postgres@127.0.0.1:{standby.port}/{name}"


class Proxy:
    """A TCP address forwarding to one server's port; ``switch`` drops every connection
    (as the old primary's going away does) and sends new ones to another port."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port), backlog=256)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, sink)

    def _drop(self, *sockets: Any) -> None:
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
            with self._lock:
                self._open.discard(s)

    def switch(self, target: int) -> None:
        self.target = target
        with self._lock:
            found = list(self._open)
        self._drop(*found)

    def close(self) -> None:
        self._listener.close()
        self.switch(self.target)
