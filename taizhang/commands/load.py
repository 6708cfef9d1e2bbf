"""``taizhang load``: drive a running service on loopback with a realistic, bounded mix.

``--find-max`` first steps the rate up to the maximum the service holds, then runs at
``--share`` of it for ``--duration`` and ends with a verdict line. ``--serve`` starts a
service of its own (fresh schema of the configured PostgreSQL database, gunicorn) instead of
``--url``/``--token``/``--pid``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import ExitStack
from typing import Any

from taizhang.config import Settings
from taizhang.tools.load import (
    MAX_CLIENT_THREADS,
    MAX_RATE,
    Driver,
    LoadRefused,
    check_target,
    run_load,
    set_up,
    settle,
)
from taizhang.tools.load import worker_pids as workers_of
from taizhang.tools.load_server import ServeRefused, own_service
from taizhang.tools.load_verdict import find_max, verdict, warmed

# A --find-max step is judged in parts: whether its p99 held steady from the first to the last.
STEP_PARTS = 3
# The latency objective a rate must meet to count as held: a quarter of a second at the 99th
# percentile, an answer a person at a screen still takes as prompt. With 1 s (until session
# 4) a step could hold with every request queued: 253 req/s held at p50 235 ms, p99 641 ms,
# throughput 99% of the offered rate, and 70% of it did not hold for 10 minutes.
MAX_STEP_P99_MS = 250.0
# Before the judged run, the same mix at the same rate, not judged, until no worker's RSS grows
# (``load_verdict.warmed``) or for at most this long: each worker's aggregate cache fills up
# to its bound (TAIZHANG_CACHE_EVENTS) as new problems and branches' work are read, at the
# pace of the requests that worker happens to get. In session 4 one worker's RSS rose
# 87.7 -> 99.0 MB over the first 4 minutes of the judged run, then stayed within 0.4 MB for
# 6: a cache filling, which judged from the first minute read as +12.8% "growth"; in
# session 5 a worker with fewer connections took 8 minutes to fill. A leak keeps growing:
# the warm-up then ends at this bound and the judged run sees the growth.
WARM_UP_SECONDS = 900.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "load", help="load a running service on loopback; print JSON lines per interval"
    )
    parser.add_argument("--url", help="e.g. http://127.0.0.1:8000 (loopback)")
    parser.add_argument("--token", help="an admin or office token")
    parser.add_argument("--duration", type=float, default=60, help="seconds (max 3600)")
    parser.add_argument(
        "--rate", type=float, default=50, help="requests per second (max 2000); --find-max: start"
    )
    parser.add_argument("--interval", type=float, default=60, help="seconds per report line")
    parser.add_argument("--branches", type=int, default=500, help="branches in the load district")
    parser.add_argument(
        "--threads", type=int, help="client threads (max 64; default 16, --find-max 64)"
    )
    parser.add_argument("--pid", type=int, help="gunicorn master pid: report its workers' RSS")
    parser.add_argument(
        "--projector-pid", type=int, help="a `taizhang project` pid: report its RSS too"
    )
    parser.add_argument("--seed", type=int, default=1)
    search = parser.add_argument_group("--find-max")
    search.add_argument(
        "--find-max",
        action="store_true",
        help="step the rate up to the maximum, then run at --share of it for --duration",
    )
    search.add_argument("--step-seconds", type=float, default=30, help="seconds per step")
    search.add_argument("--step-factor", type=float, default=1.5, help="rate x this per step")
    search.add_argument("--max-rate", type=float, default=2000, help="stop stepping here")
    search.add_argument(
        "--max-p99-ms",
        type=float,
        default=MAX_STEP_P99_MS,
        help="a step holds only with p99 under this",
    )
    search.add_argument("--share", type=float, default=0.7, help="share of the maximum to hold")
    search.add_argument(
        "--warm-up",
        type=float,
        default=WARM_UP_SECONDS,
        help="at most this many seconds at the run rate before the judged run, until no "
        "worker's RSS grows (caches fill; not judged)",
    )
    serve = parser.add_argument_group("--serve")
    serve.add_argument(
        "--serve",
        action="store_true",
        help="start a service of its own on PostgreSQL (fresh schema, dropped afterwards)",
    )
    serve.add_argument("--workers", type=int, default=2, help="--serve: gunicorn workers")
    serve.add_argument("--server-threads", type=int, default=8, help="--serve: threads each")
    serve.add_argument(
        "--embedded-projections",
        action="store_true",
        help="--serve: run the projection worker inside a gunicorn worker, not beside it",
    )
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    _stop_cleanly_on_signals()
    try:
        _check(args)
        with ExitStack() as stack:
            if args.serve:
                service = stack.enter_context(
                    own_service(
                        settings,
                        workers=args.workers,
                        threads=args.server_threads,
                        embedded=args.embedded_projections,
                    )
                )
                args.url, args.token, args.pid = service.base, service.token, service.master_pid
                args.projector_pid = service.projector_pid
            return _find_max(args) if args.find_max else _plain(args)
    except (LoadRefused, ServeRefused) as refused:
        print(f"taizhang load: {refused}", file=sys.stderr)
        return 2


def _stop_cleanly_on_signals() -> None:
    """SIGTERM, and SIGINT also when a shell started us in the background (which ignores it
    for us), unwind the run: the service of ``--serve`` is stopped and its schema dropped,
    instead of left running and holding the database's connections."""

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _check(args: argparse.Namespace) -> None:
    if not args.serve and not (args.url and args.token):
        raise LoadRefused("--url and --token: required unless --serve starts a service")
    if args.find_max:
        if not 1 < args.step_factor <= 4:
            raise LoadRefused("--step-factor: between 1 and 4")
        if not 0 < args.share <= 1:
            raise LoadRefused("--share: between 0 and 1")
        if not 0 < args.step_seconds <= 600:
            raise LoadRefused("--step-seconds: between 0 and 600")
        if not 0 <= args.warm_up <= 1800:
            raise LoadRefused("--warm-up: between 0 and 1800 seconds")


def _plain(args: argparse.Namespace) -> int:
    total = run_load(
        args.url,
        args.token,
        duration=args.duration,
        rate=args.rate,
        interval=args.interval,
        branches=args.branches,
        threads=args.threads or 16,
        pid=args.pid,
        projector_pid=args.projector_pid,
        seed=args.seed,
        out=sys.stdout,
    )
    return 1 if total["server_errors"] else 0


def _find_max(args: argparse.Namespace) -> int:
    base = check_target(args.url, args.duration, args.rate)
    check_target(args.url, args.step_seconds, min(args.max_rate, MAX_RATE))
    # Enough client threads that the client is not what stops the rate from rising.
    threads = args.threads or MAX_CLIENT_THREADS
    driver = Driver(base, args.token, sys.stdout, max(1, min(threads, MAX_CLIENT_THREADS)))
    world = set_up(driver.session(), base, args.branches, args.seed)
    workers = workers_of(args.pid) if args.pid else []
    projector = [args.projector_pid] if args.projector_pid else []
    driver.pids = ([args.pid] if args.pid else []) + workers + projector

    def trial(rate: float, step: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        seconds = args.step_seconds
        # Each step starts with the views caught up, not with the last step's backlog.
        settle(base)
        # In thirds, to see whether the step's queue grew (``load_verdict.steady``).
        return driver.drive(
            world,
            rate=rate,
            duration=seconds,
            interval=seconds / STEP_PARTS,
            seed=args.seed + step,
            emit=False,
        )

    maximum = find_max(
        trial,
        start_rate=args.rate,
        factor=args.step_factor,
        max_rate=min(args.max_rate, MAX_RATE),
        max_p99_ms=args.max_p99_ms,
        emit=driver.emit,
    )
    if maximum is None:
        driver.emit({"kind": "maximum", "rate": None, "detail": "even --rate did not hold"})
        return 1
    rate = round(maximum * args.share, 1)
    driver.emit({"kind": "maximum", "rate": maximum, "run_rate": rate, "share": args.share})
    driver.emit({"kind": "settled", "seconds": settle(base)})
    _warm_up(driver, world, rate, args, workers + projector)
    intervals, total = driver.drive(
        world, rate=rate, duration=args.duration, interval=args.interval, seed=args.seed + 1000
    )
    judged = verdict(
        intervals,
        total,
        rate=rate,
        interval=args.interval,
        workers=workers,
        projector=args.projector_pid,
    )
    driver.emit(judged)
    return 0 if judged["passed"] else 1


def _warm_up(
    driver: Any, world: Any, rate: float, args: argparse.Namespace, workers: list[int]
) -> None:
    """The mix at the run rate, an interval at a time, until ``load_verdict.warmed`` or
    ``--warm-up`` seconds (interval lines of kind ``warm_up``)."""

    left = args.warm_up
    previous: dict[str, Any] | None = None
    part = 0
    while left > 0:
        seconds = min(args.interval, left)
        _, line = driver.drive(
            world,
            rate=rate,
            duration=seconds,
            interval=seconds,
            seed=args.seed + 500 + part,
            emit=False,
        )
        line["kind"] = "warm_up"
        driver.emit(line)
        left -= seconds
        part += 1
        if previous is not None and workers and warmed(previous, line, workers):
            return
        previous = line
