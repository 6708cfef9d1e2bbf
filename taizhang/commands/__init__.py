"""The ``taizhang`` subcommands, one module each (see ``taizhang.cli``)."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """A command's arguments name something wrong; the message is the one line shown."""


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def non_negative_int(value: str) -> int:
    """An argparse type: a whole number of at least 0."""
    return 0 if value.strip() == "0" else positive_int(value)


def port(value: str) -> int:
    number = positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {number}")
    return number


__all__ = ["UsageError", "non_negative_int", "port", "positive_int"]
