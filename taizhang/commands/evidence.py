"""``taizhang verify`` and ``taizhang checkpoint``: the log's evidence (docs/EVIDENCE.md).

``verify`` walks the whole log against its hash chain and says the first event changed,
deleted, inserted or reordered, with its position; with ``--checkpoint FILE`` it also proves
that the log still extends what that exported checkpoint signed; with ``--report FILE``
that an exported report (the problem ledger workbook, or ``taizhang report``'s JSON) still
matches the log it names (``taizhang.evidence.report_evidence``). It also walks the token history's
chain (``taizhang.evidence.token_chain``). Exit 0 when intact, 1 when not.
``checkpoint sign`` signs the head now, ``checkpoint export FILE`` writes the latest
signed checkpoint to a file to keep outside the system, ``checkpoint list`` prints them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from tqdm import tqdm

from taizhang.api.auth import TokenStore
from taizhang.commands import UsageError
from taizhang.config import Settings
from taizhang.evidence import token_chain
from taizhang.evidence.chain_store import ChainStore, Checkpoint
from taizhang.evidence.checkpoints import (
    CheckpointError,
    as_document,
    latest,
    load_key,
    read_document,
    sign_head,
)
from taizhang.evidence.report_evidence import check as check_report
from taizhang.evidence.report_evidence import positions_named
from taizhang.evidence.side_heads import check_heads, heads_of
from taizhang.evidence.verify import Finding, Walk, walk
from taizhang.ledger import Ledger
from taizhang.projections.export import workbook_evidence

BROKEN = 1


def register(subparsers: Any) -> None:
    verify = subparsers.add_parser(
        "verify", help="check the stored log against its hash chain (and a signed checkpoint)"
    )
    verify.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="an exported checkpoint the log must still extend (may be given more than once)",
    )
    verify.add_argument(
        "--key-id", help="the checkpoints must be signed by the key with this fingerprint"
    )
    verify.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FILE",
        help="an exported report (.xlsx or JSON) to check against the log it names",
    )
    verify.add_argument("--quiet", action="store_true", help="no progress bar")
    verify.set_defaults(run=run_verify)

    checkpoint = subparsers.add_parser("checkpoint", help="signed checkpoints of the log")
    sub = checkpoint.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("sign", help="sign the log's head now").set_defaults(run=run_sign)
    export = sub.add_parser("export", help="write the latest signed checkpoint to FILE")
    export.add_argument("file", metavar="FILE")
    export.set_defaults(run=run_export)
    sub.add_parser("list", help="the signed checkpoints, one JSON line each").set_defaults(
        run=run_list
    )


def _store(ledger: Ledger) -> ChainStore:
    return ChainStore(ledger.recorder, dialect=ledger.settings.dialect)


def check_checkpoint(result: Walk, checkpoint: Checkpoint) -> Finding | None:
    """Does the walked log extend the checkpoint? (The walk recorded its position's link.)"""
    if result.head < checkpoint.position:
        return Finding(
            "truncated",
            checkpoint.position,
            f"the checkpoint signed the log up to this position; it now ends at {result.head}",
        )
    found = result.links_at.get(checkpoint.position)
    if found != checkpoint.hash:
        return Finding(
            "not-extended",
            checkpoint.position,
            "the log's bytes up to this position are not those the checkpoint signed "
            "(the log was rewritten and its chain computed again)",
        )
    return None


def read_report(path: str) -> tuple[Any, Any]:
    """A report file's evidence and the content its digest is over."""
    try:
        data = Path(path).read_bytes()
        if data.startswith(b"PK"):  # a workbook (a zip file)
            return workbook_evidence(data)
        document = json.loads(data)
        if not isinstance(document, dict):
            raise ValueError("not a report")
        found = document.pop("evidence", None)
        return found, document
    except (OSError, ValueError, KeyError, BadZipFile) as error:
        raise UsageError(f"{path}: not a report with its evidence: {error}") from None


def verify_log(
    ledger: Ledger,
    checkpoints: list[Checkpoint],
    *,
    progress: bool = True,
    positions: list[int] | None = None,
) -> tuple[Walk, Finding | None]:
    store = _store(ledger)
    total = store.last_position()
    wanted = [c.position for c in checkpoints] + list(positions or [])
    with tqdm(
        total=total, unit="event", disable=not progress, file=sys.stderr, desc="verify"
    ) as bar:
        result = walk(store, at=wanted, progress=bar.update)
    if result.finding is not None:
        return result, result.finding
    for checkpoint in checkpoints:
        finding = check_checkpoint(result, checkpoint)
        if finding is not None:
            return result, finding
    return result, None


def run_verify(settings: Settings, args: argparse.Namespace) -> int:
    try:
        checkpoints = [read_document(path) for path in args.checkpoint]
    except CheckpointError as error:
        print(f"taizhang verify: checkpoint: {error}", file=sys.stderr)
        return BROKEN
    for checkpoint in checkpoints:
        signer = as_document(checkpoint)["key_id"]
        if args.key_id and signer != args.key_id:
            print(
                f"taizhang verify: checkpoint at {checkpoint.position} is signed by key "
                f"{signer}, not {args.key_id}",
                file=sys.stderr,
            )
            return BROKEN
    reports = [(path, *read_report(path)) for path in args.report]
    named = [
        p for _, found, _ in reports if isinstance(found, dict) for p in positions_named(found)
    ]
    ledger = Ledger(settings)
    try:
        result, finding = verify_log(ledger, checkpoints, progress=not args.quiet, positions=named)
    finally:
        ledger.close()
    if finding is not None:
        print(f"taizhang verify: NOT INTACT: {finding}", file=sys.stderr)
        print(json.dumps({"intact": False, "kind": finding.kind, "position": finding.position}))
        return BROKEN
    tokens = TokenStore(settings)
    try:
        token_events, token_finding = token_chain.walk(tokens.history(links=True))
    finally:
        tokens.close()
    if token_finding is not None:
        print(f"taizhang verify: NOT INTACT: {token_finding}", file=sys.stderr)
        print(
            json.dumps(
                {"intact": False, "kind": "token-history", "position": token_finding.position}
            )
        )
        return BROKEN
    for checkpoint in checkpoints:
        if checkpoint.heads is None:
            continue
        side = check_heads(settings, heads_of(checkpoint.heads))
        if side is not None:
            print(f"taizhang verify: NOT INTACT: {side}", file=sys.stderr)
            print(
                json.dumps(
                    {
                        "intact": False,
                        "kind": side.history,
                        "finding": side.kind,
                        "position": side.position,
                        "checkpoint": checkpoint.position,
                    }
                )
            )
            return BROKEN
    for path, found, content in reports:
        wrong = check_report(result, found, content)
        if wrong is not None:
            print(f"taizhang verify: REPORT DOES NOT HOLD: {path}: {wrong}", file=sys.stderr)
            print(json.dumps({"intact": True, "report": path, "holds": False, "why": wrong}))
            return BROKEN
    print(
        json.dumps(
            {
                "intact": True,
                "events": result.events,
                "head": result.head,
                "hash": result.head_link.hex(),
                "checkpoints": [c.position for c in checkpoints],
                "reports": [path for path, _, _ in reports],
                "token_history": token_events,
            }
        )
    )
    return 0


def run_sign(settings: Settings, args: argparse.Namespace) -> int:
    ledger = Ledger(settings)
    try:
        checkpoint = sign_head(_store(ledger), load_key(settings), settings=settings)
    except CheckpointError as error:
        raise UsageError(str(error)) from None
    finally:
        ledger.close()
    if checkpoint is None:
        raise UsageError("the log is empty: nothing to sign")
    print(json.dumps(as_document(checkpoint)))
    return 0


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    ledger = Ledger(settings)
    try:
        checkpoint = latest(_store(ledger))
    finally:
        ledger.close()
    if checkpoint is None:
        raise UsageError("no checkpoint has been signed yet (`taizhang checkpoint sign`)")
    document = as_document(checkpoint)
    with open(args.file, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2)
        out.write("\n")
    print(
        f"taizhang checkpoint: position {checkpoint.position} signed {checkpoint.signed_at} "
        f"by key {document['key_id']} written to {args.file}",
        file=sys.stderr,
    )
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    ledger = Ledger(settings)
    try:
        for checkpoint in _store(ledger).checkpoints_list():
            print(json.dumps(as_document(checkpoint)))
    finally:
        ledger.close()
    return 0
