"""``taizhang``: one console command for everything an operator does.

Bad arguments get one line on stderr (``taizhang COMMAND: what is wrong``) and exit code 2,
whether argparse finds them or the command does (an unknown id, a time without a zone).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from taizhang.commands import UsageError
from taizhang.config import ConfigurationError, Settings
from taizhang.districts import ledger_settings
from taizhang.domain.errors import DomainError, NotFound

# Each module defines ``register(subparsers)`` and sets ``run(settings, args)`` on its parsers.
COMMAND_MODULES = (
    "taizhang.commands.migrate",
    "taizhang.commands.demo",
    "taizhang.commands.serve",
    "taizhang.commands.projections",
    "taizhang.commands.tokens",
    "taizhang.commands.bench",
    "taizhang.commands.load",
    "taizhang.commands.evidence",
    "taizhang.commands.personal",
    "taizhang.commands.province",
)
USAGE_ERROR = 2
# What runs on a province as a whole; every other command works on one ledger (--ledger).
PROVINCE_WIDE = frozenset({"province", "serve", "bench", "load"})


class OneLineParser(argparse.ArgumentParser):
    """argparse's errors as one line (the usage is one ``--help`` away), exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="taizhang", description=__doc__)
    parser.add_argument(
        "--ledger", metavar="KEY", help="work on this district's ledger (TAIZHANG_DISTRICTS)"
    )
    # Subparsers are made of the parent's class, so every command's errors are one line.
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.ledger:
            settings = ledger_settings(settings, args.ledger)
        elif settings.districts_file and args.command not in PROVINCE_WIDE:
            raise ConfigurationError(
                "this service keeps many ledgers (TAIZHANG_DISTRICTS): name one with "
                "--ledger KEY, or see `taizhang province`"
            )
    except ConfigurationError as error:
        print(f"taizhang: configuration error: {error}", file=sys.stderr)
        return USAGE_ERROR
    try:
        return int(args.run(settings, args) or 0)
    except UsageError as error:
        print(f"taizhang {args.command}: {error}", file=sys.stderr)
    except DomainError as error:
        print(f"taizhang {args.command}: {error.field}: {error.message}", file=sys.stderr)
    except NotFound as error:
        print(f"taizhang {args.command}: {error.field}: {error}", file=sys.stderr)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
