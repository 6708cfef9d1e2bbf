"""``taizhang migrate``: create the event tables and apply the migrations."""

from __future__ import annotations

import argparse
from typing import Any

from alembic.util import CommandError

from taizhang.commands import UsageError
from taizhang.config import Settings
from taizhang.migrate import upgrade


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="create or upgrade the database schema")
    parser.add_argument("--revision", default="head")
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        upgrade(settings, args.revision)
    except CommandError as error:
        raise UsageError(f"--revision {args.revision}: {error}") from None
    print(f"taizhang: database at {settings!r} is up to date")
    return 0
