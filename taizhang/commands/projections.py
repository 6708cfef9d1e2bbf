"""``taizhang project | rebuild | projections status | report``: the read models' commands."""

from __future__ import annotations

import argparse
import json
import threading
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from taizhang.commands import UsageError
from taizhang.config import Settings
from taizhang.domain.campaign import Campaign
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.supervision_group import SupervisionGroup
from taizhang.evidence.checkpoints import Checkpointer
from taizhang.evidence.report_evidence import evidence
from taizhang.evidence.verify import tail_report
from taizhang.ledger import Ledger
from taizhang.projections.rebuild import rebuild
from taizhang.projections.report import report_as_of
from taizhang.projections.store import Database
from taizhang.projections.worker import Worker

SCOPE_KINDS: dict[str, type[Any]] = {
    "district": District,
    "committee": Committee,
    "group": SupervisionGroup,
}
SCOPE_WORDS = {"district": "district", "committee": "committee", "group": "supervision group"}


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
    report.add_argument("--campaign", required=True, type=_uuid, metavar="ID")
    report.add_argument(
        "--scope",
        required=True,
        type=_scope,
        metavar="KIND:ID",
        help="district:ID, committee:ID or group:ID (a supervision group)",
    )
    # A business date, a knowledge time, or both: what had happened by the date, as it had
    # been recorded by the time.
    when = report.add_argument_group("when (one or both)")
    when.add_argument("--as-of-date", type=_business_date, help="business date YYYY-MM-DD")
    when.add_argument(
        "--known-at",
        type=_moment,
        help="recorded by, with its zone, e.g. 2014-06-01T18:00+08:00 (events are recorded "
        "when they are posted)",
    )
    report.set_defaults(run=run_report)


def run_project(settings: Settings, args: argparse.Namespace) -> int:
    worker = Worker(settings)
    if args.once:
        print(json.dumps({"processed": worker.catch_up()}))
        return 0
    stop = threading.Event()
    # The log's head is signed beside the projections: one such process per deployment.
    ledger = Ledger(settings)
    checkpointer = Checkpointer.started(ledger.chain_store(), settings)
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        ledger.close()
    return 0


def run_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    try:
        position = rebuild(settings, args.names, progress=True)
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(json.dumps({"rebuilt": args.names or "all", "position": position}))
    return 0


def projection_status(settings: Settings) -> dict[str, dict[str, int]]:
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
    """Each projection's position, lag and dead letters, and under ``log`` the quick check
    of the newest events against the hash chain (exit 1 when they do not check out)."""
    status: dict[str, Any] = dict(projection_status(settings))
    ledger = Ledger(settings)
    try:
        status["log"] = tail_report(ledger.chain_store())
    finally:
        ledger.close()
    print(json.dumps(status, indent=2))
    return 0 if status["log"]["intact"] else 1


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}") from None


def _business_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {value!r}") from None


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time such as 2014-06-01T18:00+08:00: {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no time zone: add one, e.g. {value}+08:00")
    return moment


def parse_scope(text: str) -> tuple[str, UUID]:
    kind, _, ident = text.partition(":")
    if kind not in SCOPE_KINDS or not ident:
        raise ValueError(f"expected district:ID, committee:ID or group:ID, got {text!r}")
    try:
        return kind, UUID(ident)
    except ValueError:
        raise ValueError(f"not an id: {ident!r}") from None


def _scope(text: str) -> tuple[str, UUID]:
    try:
        return parse_scope(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check_report_scope(
    settings: Settings,
    campaign_id: UUID,
    kind: str,
    scope_id: UUID,
    known_at: datetime | None = None,
) -> None:
    """Raise UsageError unless the campaign and the scope exist (had been recorded by
    ``known_at``, if given) and the scope lies in the campaign's district: a report of
    nothing would read as a district where nothing happened."""
    ledger = Ledger(settings)
    try:
        campaign = _created(ledger, campaign_id, Campaign, "campaign", known_at)
        found = _created(ledger, scope_id, SCOPE_KINDS[kind], SCOPE_WORDS[kind], known_at)
        district = found.id if kind == "district" else found.district_id
        if district != campaign.district_id:
            raise UsageError(
                f"{SCOPE_WORDS[kind]} {scope_id} is not in the district of campaign {campaign_id}"
            )
    finally:
        ledger.close()


def _created(
    ledger: Ledger, aggregate_id: UUID, cls: type[Any], what: str, known_at: datetime | None
) -> Any:
    """The aggregate as created, if it is a ``cls`` recorded by ``known_at``."""
    found: Any
    try:
        found = ledger.repository.get(aggregate_id, version=1)
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, cls):
        raise UsageError(f"there is no {what} {aggregate_id}")
    if known_at is not None and found.created_on > known_at:
        raise UsageError(
            f"{what} {aggregate_id} was recorded at {found.created_on.isoformat()}, "
            f"after --known-at {known_at.isoformat()} (a knowledge time is when events "
            "were recorded; for a past business date use --as-of-date)"
        )
    return found


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    scope, scope_id = args.scope
    if args.as_of_date is None and args.known_at is None:
        raise UsageError("give --as-of-date, --known-at or both")
    check_report_scope(settings, args.campaign, scope, scope_id, args.known_at)
    report = report_as_of(
        settings,
        args.campaign,
        scope,
        scope_id,
        business_date=args.as_of_date,
        known_at=args.known_at,
    )
    ledger = Ledger(settings)
    try:
        report["evidence"] = evidence(ledger.chain_store(), report["log_position"], report)
    finally:
        ledger.close()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0
