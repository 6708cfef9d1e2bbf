"""``taizhang province districts|migrate|token``: a province's service of many district
ledgers (``TAIZHANG_DISTRICTS``, taizhang.districts).

Every other command works on one district's ledger with ``taizhang --ledger KEY …``
(``taizhang --ledger panyu token create …``, ``taizhang --ledger panyu project``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from taizhang.api.province import PROVINCE_ROLE, ProvinceTokens
from taizhang.commands import UsageError
from taizhang.config import Settings
from taizhang.config_values import mask_url
from taizhang.districts import Province, load_province
from taizhang.domain.errors import DomainError
from taizhang.migrate import upgrade


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("province", help="a province's district ledgers")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listed = actions.add_parser("districts", help="list the districts and their databases")
    listed.set_defaults(run=run_districts)
    migrate = actions.add_parser("migrate", help="bring every ledger's tables up to date")
    migrate.set_defaults(run=run_migrate)
    token = actions.add_parser("token", help="create a province token (read-only roll-up)")
    token.add_argument("--name", required=True, help="who uses it")
    token.add_argument("--reason", default="", help="why it is made (kept in the history)")
    token.set_defaults(run=run_token)


def _province(settings: Settings) -> Province:
    province = load_province(settings)
    if province is None:
        raise UsageError("no districts are configured: set TAIZHANG_DISTRICTS (ops/README.md)")
    return province


def run_districts(settings: Settings, args: argparse.Namespace) -> int:
    province = _province(settings)
    print(f"province\t\t{mask_url(province.settings.database_url)}")
    for district in province.districts:
        print(f"{district.key}\t{district.name}\t{mask_url(district.settings.database_url)}")
    return 0


def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    for ledger in _province(settings).ledgers:
        upgrade(ledger)
        print(f"taizhang: migrated {mask_url(ledger.database_url)}", file=sys.stderr)
    return 0


def run_token(settings: Settings, args: argparse.Namespace) -> int:
    province = _province(settings)
    upgrade(province.settings)
    store = ProvinceTokens(province.settings)
    try:
        token, credential = store.create(args.name, PROVINCE_ROLE, reason=args.reason)
    except DomainError as error:
        print(f"taizhang: {error.field}: {error.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(token)
    print(
        f"taizhang: created province token {credential.name!r} ({credential.id}); "
        "it is shown only now",
        file=sys.stderr,
    )
    return 0
