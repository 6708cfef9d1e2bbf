"""What the hash chain costs the store: the insert function with the chain against the same
function without it, side by side in one run (``taizhang bench ingest --parts chain``).

Both take the same table lock, NOTIFY and insert; one also links the events
(``taizhang.store.event_insert``). Events go in straight through the function, without HTTP or the
service, so the figure is the chain's share of the store's own work: its share of an HTTP
post, which does much more, is smaller. Each round measures both, one right after the
other and in turn first, so that a shared machine's load weighs on both alike; the figures
are the medians of the rounds' rates and of their ratios.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from taizhang.domain.district import District
from taizhang.domain.provenance import Provenance
from taizhang.ledger import Ledger
from taizhang.store.event_insert import function_name, function_statement

ROUNDS = 5
SINGLE_THREADS = 8
BATCH_THREADS = 4
# Batches of a thousand events a side and round, at most: each is prepared afresh.
MAX_BATCHES = 12


def _stored(ledger: Ledger, count: int) -> list[Any]:
    found = []
    for i in range(count):
        provenance = Provenance(uuid.uuid4(), date(2014, 5, 1), "bench", "bench", None)
        district = District.register(provenance, name=f"区 {i}", code="440113")
        found += [ledger.mapper.to_stored_event(e) for e in district.collect_events()]
    return found


def _backend_cpu(pid: int) -> float | None:
    """A local PostgreSQL backend's CPU seconds so far (None when the server is elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rate(
    conninfo: str, call: Any, work: list[list[list[Any]]], lock_timeout: str
) -> tuple[float, float | None]:
    """Events/s of threads each making its calls (``work[thread][call]``: stored events),
    and the database's CPU seconds an event (None when it cannot be read)."""
    barrier = threading.Barrier(len(work) + 1)
    errors: list[BaseException] = []
    cpu: list[float | None] = []

    def run(calls: list[list[Any]]) -> None:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
                pid = int(row[0]) if row else 0
                before = _backend_cpu(pid)
                barrier.wait()
                for events in calls:
                    conn.execute(
                        call,
                        (
                            [e.originator_id for e in events],
                            [e.originator_version for e in events],
                            [e.topic for e in events],
                            [e.state for e in events],
                            lock_timeout,
                        ),
                        prepare=True,
                    )
                after = _backend_cpu(pid)
                cpu.append(None if before is None or after is None else after - before)
        except BaseException as error:  # noqa: BLE001 - raised below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(calls,)) for calls in work]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    events = sum(len(events) for calls in work for events in calls)
    known = [c for c in cpu if c is not None]
    return events / seconds, (sum(known) / events if len(known) == len(cpu) else None)


def _median_us(seconds: list[float]) -> float | None:
    return round(statistics.median(seconds) * 1e6, 2) if seconds else None


def chain_cost(
    settings: Any, emit: Callable[..., None], *, singles: int, batches: int, **common: Any
) -> None:
    """Emit one line per shape (``singles`` one-event calls, ``batches`` calls of a thousand
    events, a side and round): events/s with the chain, without it, and their ratio."""
    shapes = {
        "single_events": (1, max(1, singles // SINGLE_THREADS), SINGLE_THREADS),
        "batches_of_1000": (
            1000,
            max(1, min(batches, MAX_BATCHES) // BATCH_THREADS),
            BATCH_THREADS,
        ),
    }
    ledger = Ledger(settings)
    recorder: Any = ledger.recorder
    schema = Identifier(recorder.datastore.schema)
    unchained = f"{function_name(recorder)}_unchained"
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(function_statement(recorder, chained=False, name=unchained))
    calls = {
        name: SQL("SELECT positions FROM {}.{}(%b, %b, %b, %b, %s)").format(
            schema, Identifier(name)
        )
        for name in (function_name(recorder), unchained)
    }
    lock_timeout = f"{recorder.datastore.lock_timeout}s"
    conninfo = settings.psycopg_conninfo()
    try:
        for shape, (size, per_thread, threads) in shapes.items():
            rates: dict[str, list[float]] = {name: [] for name in calls}
            cpus: dict[str, list[float]] = {name: [] for name in calls}
            ratios = []
            for round_ in range(ROUNDS):
                names = list(calls) if round_ % 2 == 0 else list(calls)[::-1]
                for name in names:
                    call = calls[name]
                    events = _stored(ledger, size * per_thread * threads)
                    work = [
                        [
                            events[(t * per_thread + c) * size : (t * per_thread + c + 1) * size]
                            for c in range(per_thread)
                        ]
                        for t in range(threads)
                    ]
                    rate, cpu = _rate(conninfo, call, work, lock_timeout)
                    rates[name].append(rate)
                    if cpu is not None:
                        cpus[name].append(cpu)
                ratios.append(rates[function_name(recorder)][-1] / rates[unchained][-1])
            with_chain = statistics.median(rates[function_name(recorder)])
            without = statistics.median(rates[unchained])
            emit(
                f"store_{shape}_with_chain",
                with_chain,
                "events/s",
                baseline="the same insert function without the hash chain, same run",
                baseline_value=round(without, 3),
                ratio=round(statistics.median(ratios), 3),
                ratios=[round(r, 3) for r in ratios],
                target_ratio=0.9,
                events_per_call=size,
                store_threads=threads,
                # The database's own CPU an event, which the machine's load disturbs less
                # than the rates: what the chain adds to every event stored.
                db_cpu_us_per_event=_median_us(cpus[function_name(recorder)]),
                db_cpu_us_per_event_without=_median_us(cpus[unchained]),
                **common,
            )
    finally:
        with recorder.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP FUNCTION {}.{}").format(schema, Identifier(unchained)))
        ledger.close()
