"""What a piece of work cost the machine: CPU seconds and I/O bytes of the processes that did
it (Linux ``/proc``), and the database's share of it.

The machine is shared, so the benchmarks count only their own processes: the gunicorn
master's workers, this process and its children, and the PostgreSQL backends serving them.
Backends are found by their ``application_name``: the benchmark sets ``PGAPPNAME`` (which
libpq reads) before anything connects, so every connection it or its children open carries
it. A sampler thread reads the backends' counters every ``interval`` seconds: a backend that
exits between two samples loses what it used since the last one.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    cpu_s: float = 0.0
    read_bytes: int = 0  # from the block layer (a page-cache hit reads nothing)
    write_bytes: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.cpu_s + other.cpu_s,
            self.read_bytes + other.read_bytes,
            self.write_bytes + other.write_bytes,
        )

    def __sub__(self, other: Usage) -> Usage:
        return Usage(
            self.cpu_s - other.cpu_s,
            self.read_bytes - other.read_bytes,
            self.write_bytes - other.write_bytes,
        )


def process_usage(pid: int) -> Usage | None:
    """The process's CPU (user + system) and I/O so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        io = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    except (OSError, ValueError):
        return None
    return Usage(
        (int(fields[11]) + int(fields[12])) / TICK,
        int(io.get("read_bytes", 0)),
        int(io.get("write_bytes", 0)),
    )


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return pids


def total(pids: Iterable[int]) -> Usage:
    result = Usage()
    for pid in pids:
        used = process_usage(pid)
        if used is not None:
            result = result + used
    return result


def own_usage() -> Usage:
    """This process and its waited-for children: CPU from ``/proc/self``, I/O too."""
    used = process_usage(os.getpid()) or Usage()
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    children = (int(fields[13]) + int(fields[14])) / TICK  # cutime, cstime
    return Usage(used.cpu_s + children, used.read_bytes, used.write_bytes)


def tag_connections() -> str:
    """Name every libpq connection this process (and its children) opens from now on."""
    name = "taizhang-bench-" + uuid.uuid4().hex[:10]
    os.environ["PGAPPNAME"] = name
    return name


class Backends:
    """The CPU and I/O of the PostgreSQL backends whose ``application_name`` is ``name``,
    and the WAL the server wrote, between ``start()`` and ``stop()``."""

    def __init__(self, conninfo: str, name: str, interval: float = 0.25) -> None:
        self.conninfo = conninfo
        self.name = name
        self.interval = interval
        self._first: dict[int, Usage] = {}
        self._last: dict[int, Usage] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self._wal_start = ""

    def _pids(self) -> list[int]:
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (self.name,)
        ).fetchall()
        return [r[0] for r in rows]

    def _sample(self, first: bool = False) -> None:
        for pid in self._pids():
            used = process_usage(pid)
            if used is None:
                continue
            if first:
                self._first[pid] = used
            else:
                self._first.setdefault(pid, Usage())  # born since start: all of it counts
            self._last[pid] = used

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> Backends:
        # Its own name: the sampler's backend is not one of those it measures.
        self._conn = psycopg.connect(
            self.conninfo, autocommit=True, application_name="taizhang-bench-sampler"
        )
        self._first, self._last = {}, {}
        self._sample(first=True)
        self._wal_start = self._conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="backend-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> tuple[Usage, int]:
        """(the backends' usage, WAL bytes written by the whole server) since ``start()``."""
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self._sample()
        wal = self._conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint",
            (self._wal_start,),
        ).fetchone()[0]
        self._conn.close()
        used = Usage()
        for pid, last in self._last.items():
            used = used + (last - self._first[pid])
        return used, int(wal)
