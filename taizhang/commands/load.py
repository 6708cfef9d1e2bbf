"""``taizhang load``: drive a running service on loopback with a realistic, bounded mix."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from taizhang.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "load", help="load a running service on loopback; print JSON lines per interval"
    )
    parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000 (loopback)")
    parser.add_argument("--token", required=True, help="an admin or office token")
    parser.add_argument("--duration", type=float, default=60, help="seconds (max 3600)")
    parser.add_argument("--rate", type=float, default=50, help="requests per second (max 2000)")
    parser.add_argument("--interval", type=float, default=60, help="seconds per report line")
    parser.add_argument("--branches", type=int, default=500, help="branches in the load district")
    parser.add_argument("--threads", type=int, default=16, help="client threads (max 64)")
    parser.add_argument("--pid", type=int, help="gunicorn master pid: report its workers' RSS")
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from taizhang.load import LoadRefused, run_load

    try:
        total = run_load(
            args.url,
            args.token,
            duration=args.duration,
            rate=args.rate,
            interval=args.interval,
            branches=args.branches,
            threads=args.threads,
            pid=args.pid,
            seed=args.seed,
            out=sys.stdout,
        )
    except LoadRefused as refused:
        print(f"taizhang load: {refused}", file=sys.stderr)
        return 2
    return 1 if total["server_errors"] else 0
