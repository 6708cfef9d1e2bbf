"""``taizhang bench rebuild``: rebuild rate of the read models, live lag, peak memory.

Builds a log with the demo generator in a fresh PostgreSQL schema (or a fresh SQLite file
when the configured database is SQLite), then prints JSON lines:

* ``rebuild_rate``: events/s of ``taizhang.projections.rebuild`` over the whole log, against the
  rate at which the library alone reads and decodes the same log;
* ``rebuild_peak_rss``: the rebuild's peak resident memory (run in a child process);
* ``live_lag_p50`` / ``live_lag_p99``: from a post's commit to its position being visible
  in the views, while a worker follows the log.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from taizhang.commands import UsageError, non_negative_int, positive_int
from taizhang.config import MAX_REBUILD_HOLD_EVENTS, Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.queries import Views
from taizhang.projections.store import Database
from taizhang.projections.worker import start_in_background
from taizhang.service import Caller, LedgerService, Posting
from taizhang.tools.rebuild_child import rebuild_in_child

EVENTS_PER_BRANCH = 73  # what the demo generator averages
PAGE = 10_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events", type=positive_int, default=1_000_000, help="about this many events"
    )
    parser.add_argument(
        "--posts", type=non_negative_int, default=300, help="posts timed for the live lag"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark schema/file")
    parser.add_argument(
        "--reuse",
        metavar="SCHEMA",
        help="measure on a kept log (a bench_* schema on PostgreSQL, a file on SQLite) "
        "instead of generating one; it is kept",
    )


def emit(
    figure: str,
    value: float,
    unit: str,
    baseline: str | None = None,
    baseline_value: float | None = None,
) -> None:
    ratio = round(value / baseline_value, 3) if baseline_value else None
    print(
        json.dumps(
            {
                "figure": figure,
                "value": round(value, 3),
                "unit": unit,
                "baseline": baseline,
                "baseline_value": baseline_value and round(baseline_value, 3),
                "ratio": ratio,
            }
        ),
        flush=True,
    )


def fresh_settings(settings: Settings) -> tuple[Settings, Any]:
    if settings.is_postgres:
        schema = "bench_" + uuid.uuid4().hex[:12]
        with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        base = settings.database_url.split("?")[0]
        fresh = _like(settings, f"{base}?schema={schema}", settings.data_dir)

        def drop() -> None:
            with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

        return fresh, drop
    directory = tempfile.mkdtemp(prefix="taizhang-bench-")
    path = os.path.join(directory, "bench.sqlite")

    def remove() -> None:
        shutil.rmtree(directory, ignore_errors=True)

    return _like(settings, f"sqlite:///{path}", directory), remove


def _like(settings: Settings, database_url: str, data_dir: str) -> Settings:
    """Settings for another database, with the rebuild's and the projector's sizes kept."""
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        rebuild_hold_events=settings.rebuild_hold_events,
        projector_working_set=settings.projector_working_set,
    )


def kept_settings(settings: Settings, kept: str) -> Settings:
    """Settings for a log an earlier ``--keep`` run left: its schema, or its SQLite file."""
    if settings.is_postgres:
        if not kept.startswith("bench_"):
            raise UsageError(f"--reuse: {kept!r} is not a bench_* schema")
        base = settings.database_url.split("?")[0]
        return _like(settings, f"{base}?schema={kept}", settings.data_dir)
    if not os.path.exists(kept):
        raise UsageError(f"--reuse: no file {kept!r}")
    return _like(settings, f"sqlite:///{kept}", os.path.dirname(kept))


def library_rate(settings: Settings) -> tuple[int, float]:
    """Events/s at which the library alone reads and decodes the whole log."""

    ledger = Ledger(settings)
    started = time.perf_counter()
    last, count = 0, 0
    decode = ledger.mapper.to_domain_event
    while True:
        page = ledger.recorder.select_notifications(last, PAGE, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            decode(notification)
        count += len(page)
        last = page[-1].id
    seconds = time.perf_counter() - started
    ledger.close()
    return count, count / seconds


MIB = 1024 * 1024


def _in_child(settings: Settings, *, held: bool) -> dict[str, float]:
    """A rebuild in a child process, its views held in memory or through the working set
    (``settings.projector_working_set``), whatever the log's length."""
    return rebuild_in_child(settings, MAX_REBUILD_HOLD_EVENTS if held else 0)


def _report_child(child: dict[str, float]) -> None:
    line = {
        "rebuild_seconds": round(child["seconds"], 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(line), flush=True)


def live_lag(settings: Settings, posts: int) -> list[float]:
    ledger = Ledger(settings)
    views = Views(settings)
    campaign_id, branch_ids = _campaign_and_branches(settings)
    service = LedgerService(ledger, today=lambda: date(2014, 6, 15))
    caller = Caller(actor="bench", source="bench")
    worker = start_in_background(settings)
    try:
        views.wait_for(ledger.recorder.max_notification_id() or 0, timeout=600)
        lags = []
        for i in range(posts):
            answer = service.post(
                caller,
                Posting(
                    "OptionalActionRecorded",
                    date(2014, 6, 15),
                    {
                        "campaign_id": campaign_id,
                        "branch_id": branch_ids[i % len(branch_ids)],
                        "title": f"自选动作 {i}",
                    },
                ),
            )
            committed = time.perf_counter()
            assert answer.position is not None
            while min(views.positions().values()) < answer.position:
                time.sleep(0.0005)
            lags.append(time.perf_counter() - committed)
            time.sleep(0.01)
        return lags
    finally:
        worker.stop()
        views.close()
        ledger.close()


def _campaign_and_branches(settings: Settings) -> tuple[uuid.UUID, list[uuid.UUID]]:
    db = Database(settings)
    conn = db.connect()
    try:
        rows = db.fetchall(
            conn,
            "SELECT bp.campaign_id, bp.branch_id FROM branch_progress bp JOIN view_branch vb "
            "ON vb.branch_id = bp.branch_id WHERE vb.rectification_target = 0 OR "
            "vb.reorganized = 1 ORDER BY bp.branch_id LIMIT 100",
        )
    finally:
        conn.close()
    return uuid.UUID(rows[0][0]), [uuid.UUID(r[1]) for r in rows]


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.reuse:
        bench, drop = kept_settings(settings, args.reuse), lambda: None
    else:
        bench, drop = fresh_settings(settings)
    try:
        started = time.perf_counter()
        if args.reuse:
            ledger = Ledger(bench)
            events = ledger.recorder.max_notification_id() or 0
        else:
            upgrade(bench)
            ledger = Ledger(bench)
            events = generate(
                ledger, branches=max(1, args.events // EVENTS_PER_BRANCH), progress=False
            ).events
        ledger.close()
        print(
            json.dumps(
                {
                    "log_events": events,
                    # What --reuse takes: the schema, or the SQLite file.
                    "schema": (
                        bench.postgres_params().schema if bench.is_postgres else bench.sqlite_path()
                    ),
                    "generated_in_s": round(time.perf_counter() - started, 1),
                    "database": "postgres" if bench.is_postgres else "sqlite",
                    "nproc": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
            ),
            flush=True,
        )
        count, baseline = library_rate(bench)
        child = _in_child(bench, held=True)
        emit("rebuild_rate", count / child["seconds"], "events/s", "library read+decode", baseline)
        _report_child(child)
        # On PostgreSQL the timeline is rebuilt by a helper process: both peaks, and their
        # sum as the bound on what the rebuild held at once.
        emit("rebuild_peak_rss", child["peak_rss_bytes"] / MIB, "MiB")
        emit("rebuild_helper_peak_rss", child["helper_peak_rss_bytes"] / MIB, "MiB")
        held_rss = (child["peak_rss_bytes"] + child["helper_peak_rss_bytes"]) / MIB
        emit("rebuild_peak_rss_both", held_rss, "MiB")
        # The same log through the working set (a log past TAIZHANG_REBUILD_HOLD_EVENTS):
        # what bounding the memory costs in speed, and what it saves.
        bounded = _in_child(bench, held=False)
        emit(
            "rebuild_working_set_rate",
            count / bounded["seconds"],
            "events/s",
            "held in memory",
            count / child["seconds"],
        )
        _report_child(bounded)
        emit(
            "rebuild_working_set_peak_rss_both",
            (bounded["peak_rss_bytes"] + bounded["helper_peak_rss_bytes"]) / MIB,
            "MiB",
            "held in memory",
            held_rss,
        )
        if args.posts > 0:  # the posts lengthen the log: --posts 0 leaves a kept one as it is
            lags = sorted(live_lag(bench, args.posts))
            emit("live_lag_p50", statistics.median(lags) * 1000, "ms")
            emit("live_lag_p99", lags[max(0, int(len(lags) * 0.99) - 1)] * 1000, "ms")
        emit(
            "bench_peak_rss_parent",
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "MiB",
        )
    finally:
        if not args.keep:
            drop()
    return 0
