"""``taizhang migrate``: create the event tables and apply the migrations."""

from __future__ import annotations

import argparse
from typing import Any

from taizhang.config import Settings
from taizhang.migrate import upgrade


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("migrate", help="create or upgrade the database schema")
    parser.add_argument("--revision", default="head")
    parser.set_defaults(run=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    upgrade(settings, args.revision)
    print(f"taizhang: database at {settings!r} is up to date")
    return 0
