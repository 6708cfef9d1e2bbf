"""``taizhang token create|revoke|rotate|list|history``: API tokens for integrators,
committees, supervisors, the office.

The token itself is printed once, at creation; only its sha256 is stored.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from uuid import UUID

from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.domain.errors import DomainError
from taizhang.migrate import upgrade


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an id: {value!r}") from None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("token", help="create, revoke and list API tokens")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="who uses it: the actor of its events")
    create.add_argument(
        "--role",
        required=True,
        choices=("integrator", "committee", "supervisor", "office", "admin"),
    )
    create.add_argument("--source", help="the integrating system's name (default: the name)")
    create.add_argument("--district", type=_uuid, help="district id (all roles but admin)")
    create.add_argument(
        "--committee",
        type=_uuid,
        nargs="+",
        default=[],
        help="committee ids (integrators, committees, supervisors)",
    )
    create.add_argument("--branch", type=_uuid, nargs="+", default=[], help="branch ids")
    create.add_argument("--group", type=_uuid, help="supervision group id (supervisors)")
    create.add_argument("--reason", default="", help="why it is made (kept in the history)")
    create.set_defaults(run=run_create)
    revoke = actions.add_parser("revoke", help="revoke a token by name or id")
    revoke.add_argument("token", metavar="NAME|ID")
    revoke.add_argument("--reason", required=True, help="why (kept in the token history)")
    revoke.set_defaults(run=run_revoke)
    rotate = actions.add_parser(
        "rotate", help="replace a token by a new one of the same scope, revoking the old"
    )
    rotate.add_argument("token", metavar="NAME|ID")
    rotate.add_argument("--name", required=True, help="the new token's name (names are unique)")
    rotate.add_argument("--reason", required=True, help="why (kept in the token history)")
    rotate.set_defaults(run=run_rotate)
    history = actions.add_parser(
        "history", help="every token created and revoked: when, by whom (the OS user), why"
    )
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    history.set_defaults(run=run_history)
    listing = actions.add_parser("list", help="list tokens (never the tokens themselves)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(run=run_list)


def _store(settings: Settings) -> Any:
    upgrade(settings)
    return TokenStore(settings)


def run_create(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    try:
        token, credential = store.create(
            args.name,
            args.role,
            source=args.source,
            district_id=args.district,
            group_id=args.group,
            committee_ids=args.committee,
            branch_ids=args.branch,
            reason=args.reason,
        )
    except DomainError as error:
        print(f"taizhang: {error.field}: {error.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(token)
    print(
        f"taizhang: created {credential.role} token {credential.name!r} ({credential.id}); "
        "it is shown only now",
        file=sys.stderr,
    )
    return 0


def run_revoke(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    try:
        found = store.revoke(args.token, reason=args.reason)
    finally:
        store.close()
    if found is None:
        print(f"taizhang token revoke: no token {args.token!r}", file=sys.stderr)
        return 2
    print(f"taizhang: revoked {found.name!r} ({found.id}) at {found.revoked_at}")
    return 0


def run_rotate(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    try:
        token, credential = store.rotate(args.token, args.name, reason=args.reason)
    except DomainError as error:
        print(f"taizhang: {error.field}: {error.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(token)
    print(
        f"taizhang: rotated {args.token!r} to {credential.role} token {credential.name!r} "
        f"({credential.id}); the old one is revoked; the new one is shown only now",
        file=sys.stderr,
    )
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    try:
        credentials = store.list()
    finally:
        store.close()
    for c in credentials:
        if args.json:
            print(json.dumps(c.as_dict(), ensure_ascii=False))
        else:
            state = f"revoked {c.revoked_at}" if c.revoked_at else "active"
            scope = c.as_dict()
            parts = [f"district={scope['district_id']}"] if c.district_id else []
            parts += [f"group={scope['group_id']}"] if c.group_id else []
            parts += [f"committees={','.join(scope['committee_ids'])}"] if c.committee_ids else []
            parts += [f"branches={','.join(scope['branch_ids'])}"] if c.branch_ids else []
            print(f"{c.id}  {c.name}  {c.role}  source={c.source}  {' '.join(parts)}  {state}")
    return 0


def run_history(settings: Settings, args: argparse.Namespace) -> int:
    store = _store(settings)
    try:
        entries = store.history()
    finally:
        store.close()
    for e in entries:
        if args.json:
            print(json.dumps(e, ensure_ascii=False))
        else:
            why = f"  reason: {e['reason']}" if e["reason"] else ""
            print(
                f"{e['recorded_at']}  {e['action']:<7}  {e['token_name']} ({e['role']},"
                f" {e['token_id']})  by {e['actor']}{why}"
            )
    return 0
