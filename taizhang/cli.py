"""``taizhang``: one console command for everything an operator does."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from taizhang.config import ConfigurationError, Settings

# Each module defines ``register(subparsers)`` and sets ``run(settings, args)`` on its parsers.
COMMAND_MODULES = (
    "taizhang.commands.migrate",
    "taizhang.commands.demo",
    "taizhang.commands.serve",
    "taizhang.commands.projections",
    "taizhang.commands.tokens",
    "taizhang.commands.bench",
    "taizhang.commands.load",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taizhang", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigurationError as error:
        print(f"taizhang: configuration error: {error}", file=sys.stderr)
        return 2
    return int(args.run(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
