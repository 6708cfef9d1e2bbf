"""``taizhang project | rebuild | projections status | report``: the read models' commands."""

from __future__ import annotations

import argparse
import json
import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

from taizhang.config import Settings


def register(subparsers: Any) -> None:
    project = subparsers.add_parser(
        "project", help="keep the read models up to date (follows the log until stopped)"
    )
    project.add_argument("--once", action="store_true", help="catch up, then exit")
    project.set_defaults(run=run_project)

    rebuild = subparsers.add_parser(
        "rebuild", help="replay the whole log into fresh read-model tables, then switch to them"
    )
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projections (default: all)")
    rebuild.set_defaults(run=run_rebuild)

    projections = subparsers.add_parser("projections", help="inspect the read models")
    sub = projections.add_subparsers(dest="projections_command", required=True)
    status = sub.add_parser("status", help="each projection's position, lag and dead letters")
    status.set_defaults(run=run_status)

    report = subparsers.add_parser(
        "report", help="a supervision view as of a business date or a knowledge time (JSON)"
    )
    report.add_argument("--campaign", required=True, type=UUID)
    report.add_argument(
        "--scope",
        required=True,
        help="district, committee or group:ID (district/committee: add :ID too, e.g. committee:ID)",
    )
    when = report.add_mutually_exclusive_group(required=True)
    when.add_argument("--as-of-date", type=date.fromisoformat, help="business date YYYY-MM-DD")
    when.add_argument(
        "--known-at", type=datetime.fromisoformat, help="recorded by, e.g. 2014-06-01T18:00+08:00"
    )
    report.set_defaults(run=run_report)


def run_project(settings: Settings, args: argparse.Namespace) -> int:
    from projections.worker import Worker

    worker = Worker(settings)
    if args.once:
        print(json.dumps({"processed": worker.catch_up()}))
        return 0
    stop = threading.Event()
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def run_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from projections.rebuild import rebuild

    try:
        position = rebuild(settings, args.names, progress=True)
    except ValueError as error:
        print(f"taizhang rebuild: {error}")
        return 2
    print(json.dumps({"rebuilt": args.names or "all", "position": position}))
    return 0


def projection_status(settings: Settings) -> dict[str, dict[str, int]]:
    from projections.store import Database
    from taizhang.ledger import Ledger

    db = Database(settings)
    ledger = Ledger(settings)
    head = ledger.recorder.max_notification_id() or 0
    ledger.close()
    conn = db.connect()
    try:
        positions = db.positions(conn)
        letters = dict(
            db.fetchall(conn, "SELECT projection, COUNT(*) FROM dead_letters GROUP BY projection")
        )
    finally:
        conn.close()
    return {
        name: {
            "position": position,
            "lag": max(head - position, 0),
            "dead_letters": int(letters.get(name, 0)),
            "generation": generation,
        }
        for name, (position, generation) in sorted(positions.items())
    }


def run_status(settings: Settings, args: argparse.Namespace) -> int:
    print(json.dumps(projection_status(settings), indent=2))
    return 0


def parse_scope(text: str) -> tuple[str, UUID]:
    kind, _, ident = text.partition(":")
    if kind not in ("district", "committee", "group") or not ident:
        raise ValueError(f"--scope: expected district:ID, committee:ID or group:ID, got {text!r}")
    return kind, UUID(ident)


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    from projections.report import report_as_of

    try:
        scope, scope_id = parse_scope(args.scope)
    except ValueError as error:
        print(f"taizhang report: {error}")
        return 2
    report = report_as_of(
        settings,
        args.campaign,
        scope,
        scope_id,
        business_date=args.as_of_date,
        known_at=args.known_at,
    )
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0
