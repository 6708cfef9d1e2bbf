"""``taizhang bench scale``: the capacity model checked against a large log on this machine.

Two runs of the same steps, each in a fresh PostgreSQL schema (dropped afterwards unless
``--keep``): a calibration at ``--calibrate`` events, then the check at ``--events`` (10
million by default). The steps: generate the demo's log in bulk (the domain's commands,
saved in chunks: ``taizhang.demo``, never over HTTP), rebuild every read model in a child
process, then read the district's supervision view over HTTP under ``--readers`` readers.

Both rebuild the same way: held in memory when the check is within
``TAIZHANG_REBUILD_HOLD_EVENTS``, else through the projector's working set.
From the calibration the model predicts the check's figures (times linear in the events,
the rebuild's memory linear in the events above its start when held, and flat, the
calibration's, through the working set; the view's p99 linear in the branches it shows,
docs/SCALING.md), printed before the check starts; each figure of the
check is then printed with the prediction as its baseline and the ratio measured/predicted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from typing import Any

from taizhang.api.auth import TokenStore
from taizhang.commands import UsageError, positive_int
from taizhang.config import MAX_REBUILD_HOLD_EVENTS, Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.tools.bench_capacity import DEMO_EVENTS_PER_BRANCH, Meter, rebuild_child
from taizhang.tools.bench_http import _Gunicorn, _http_empty, _server_cpu, _view_latency
from taizhang.tools.bench_ingest import load, machine
from taizhang.tools.bench_rebuild import fresh_settings
from taizhang.tools.bench_usage import tag_connections

EMPTY_REQUESTS = 2000
TEN_MILLION = 10_000_000


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--events", type=positive_int, default=TEN_MILLION, help="about this many events"
    )
    parser.add_argument(
        "--calibrate", type=positive_int, default=100_000, help="events of the calibration run"
    )
    parser.add_argument("--readers", type=positive_int, default=20, help="view readers")
    parser.add_argument("--reads", type=positive_int, default=1000, help="view reads in total")
    parser.add_argument(
        "--predict-only", action="store_true", help="the calibration and the prediction only"
    )
    parser.add_argument("--keep", action="store_true", help="keep the check's schema")


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


def measure(settings: Settings, events: int, args: argparse.Namespace) -> dict[str, float]:
    """Generate, rebuild and read the view at ``events``; the figures the model predicts."""
    upgrade(settings)
    ledger = Ledger(settings)
    started = time.perf_counter()
    with Meter(settings, os.environ["PGAPPNAME"], None) as generation:
        summary = generate(
            ledger, branches=max(1, events // DEMO_EVENTS_PER_BRANCH), progress=False
        )
    generated_s = time.perf_counter() - started
    ledger.close()
    emit(
        {
            "step": "generated",
            "events": summary.events,
            "seconds": round(generated_s, 1),
            "load": load(),
        }
    )
    with Meter(settings, os.environ["PGAPPNAME"], None) as rebuilding:
        child = rebuild_child(settings)
    emit({"step": "rebuilt", "seconds": round(child["seconds"], 1), "load": load()})
    store = TokenStore(settings)
    token, _ = store.create("bench", "admin")
    store.close()
    world = {"campaign": summary.campaign_id, "district": summary.district_id}
    server = _Gunicorn(settings)
    try:
        base = server.start()
        figures = dict(
            (name, (value, extra))
            for name, value, extra in _view_latency(
                world, base, token, args.readers, args.reads, server.pid
            )
        )
        # A read's fixed part, whatever the view: what an empty request costs the workers.
        before = _server_cpu(server.pid)
        requests = 16 * (EMPTY_REQUESTS // 16)
        _http_empty(base, requests, 16)
        empty_cpu_ms = (_server_cpu(server.pid) - before) * 1000 / requests
    finally:
        server.stop()
    p99, extra = figures["supervision_view_p99"]
    return {
        "events": float(summary.events),
        "branches": float(len(summary.branch_ids)),
        "generation_s": generated_s,
        # CPU, this process's (its children's) and the database backends': what the machine's
        # other work changes far less than the wall clock.
        "generation_cpu_s": generation.app.cpu_s + generation.db.cpu_s,
        "rebuild_cpu_s": rebuilding.app.cpu_s + rebuilding.db.cpu_s,
        "rebuild_s": child["seconds"],
        "rebuild_start_rss_bytes": child["start_rss_bytes"],
        "rebuild_peak_rss_bytes": child["peak_rss_bytes"],
        "view_p50_ms": figures["supervision_view_p50"][0],
        "view_p99_ms": p99,
        "view_server_cpu_ms": extra["server_cpu_ms_per_read"],
        "empty_request_cpu_ms": empty_cpu_ms,
    }


def predict(calibration: dict[str, float], events: float) -> dict[str, float]:
    """The model: times linear in the events, a held rebuild's memory linear above its start
    and a working set's flat (bounded by its configuration); a view read's
    CPU an empty request's plus a part linear in the branches it shows (the demo's branches
    grow with its events), and its p99 in proportion to its CPU (closed-loop readers queue
    for the cores: latency ~ readers x CPU a read / cores)."""
    scale = events / calibration["events"]
    grown = calibration["rebuild_peak_rss_bytes"] - calibration["rebuild_start_rss_bytes"]
    if not calibration["rebuild_held"]:
        grown /= scale
    fixed = min(calibration["empty_request_cpu_ms"], calibration["view_server_cpu_ms"])
    read_cpu = fixed + (calibration["view_server_cpu_ms"] - fixed) * scale
    read_scale = read_cpu / calibration["view_server_cpu_ms"] if read_cpu else scale
    return {
        "generation_s": calibration["generation_s"] * scale,
        "rebuild_s": calibration["rebuild_s"] * scale,
        "generation_cpu_s": calibration["generation_cpu_s"] * scale,
        "rebuild_cpu_s": calibration["rebuild_cpu_s"] * scale,
        "rebuild_peak_rss_bytes": calibration["rebuild_start_rss_bytes"] + grown * scale,
        "view_p99_ms": calibration["view_p99_ms"] * read_scale,
        "view_server_cpu_ms": read_cpu,
    }


FIGURES = {
    "generation_s": ("scale_generation", "s"),
    "rebuild_s": ("scale_rebuild", "s"),
    "generation_cpu_s": ("scale_generation_cpu", "s"),
    "rebuild_cpu_s": ("scale_rebuild_cpu", "s"),
    "rebuild_peak_rss_bytes": ("scale_rebuild_peak_rss", "bytes"),
    "view_p99_ms": ("scale_view_p99", "ms"),
    "view_server_cpu_ms": ("scale_view_server_cpu_per_read", "ms"),
}


def _round(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in figures.items()}


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.is_postgres:
        raise UsageError("bench scale needs PostgreSQL (TAIZHANG_DATABASE_URL)")
    tag_connections()
    common = {"machine": machine(), "nproc": os.cpu_count()}
    # The calibration rebuilds the way the check will, whatever its own length.
    held = args.events <= settings.rebuild_hold_events
    settings = replace(settings, rebuild_hold_events=MAX_REBUILD_HOLD_EVENTS if held else 0)
    bench, drop = fresh_settings(settings)
    try:
        calibration = measure(bench, args.calibrate, args)
    finally:
        drop()
    calibration["rebuild_held"] = float(held)
    prediction = predict(calibration, args.events)
    emit({"calibration": _round(calibration), "load": load(), **common})
    emit({"prediction_for_events": args.events, **_round(prediction)})
    if args.events != TEN_MILLION:  # what a smaller check stands in for
        emit({"prediction_for_events": TEN_MILLION, **_round(predict(calibration, TEN_MILLION))})
    if args.predict_only:
        return 0
    bench, drop = fresh_settings(settings)
    try:
        check = measure(bench, args.events, args)
        # Predicted again for the events the generator made (about --events).
        prediction = predict(calibration, check["events"])
        for key, (figure, unit) in FIGURES.items():
            emit(
                {
                    "figure": figure,
                    "value": round(check[key], 3),
                    "unit": unit,
                    "events": int(check["events"]),
                    "branches": int(check["branches"]),
                    "baseline": f"the model's prediction from {int(calibration['events'])} "
                    "events, same run",
                    "baseline_value": round(prediction[key], 3),
                    "ratio": round(check[key] / prediction[key], 3) if prediction[key] else None,
                    "load": load(),
                    **common,
                }
            )
        if args.keep:
            emit({"kept_schema": bench.postgres_params().schema})
    finally:
        if not args.keep:
            drop()
    sys.stdout.flush()
    return 0
