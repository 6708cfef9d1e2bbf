"""``taizhang serve``: bring the database up to date, then serve the API with gunicorn."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from taizhang.commands import port, positive_int
from taizhang.config import Settings
from taizhang.districts import ledgers_of
from taizhang.launch import gunicorn_argv as gunicorn_command
from taizhang.migrate import upgrade
from taizhang.store.role_check import privileged_role


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="serve the HTTP API (gunicorn)")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="one worker with the projection worker in-process (the SQLite default setup)",
    )
    parser.add_argument("--host", help="listen address (default TAIZHANG_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=port, help="listen port (default TAIZHANG_PORT or 8000)")
    parser.add_argument(
        "--workers", type=positive_int, help="gunicorn workers (default: one per CPU)"
    )
    parser.add_argument("--threads", type=positive_int, help="threads per worker (default 8)")
    parser.set_defaults(run=run)


def gunicorn_argv(settings: Settings, args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    host = args.host or settings.listen_host
    port = args.port or settings.listen_port
    env = dict(os.environ)
    env["TAIZHANG_BIND"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    embedded = args.embedded or not all(ledger.is_postgres for ledger in ledgers_of(settings))
    if embedded:
        # SQLite allows one writer, and the in-process projection worker must be alone:
        # one worker process, concurrency from its threads.
        env["TAIZHANG_WORKERS"] = "1"
        env["TAIZHANG_EMBEDDED_PROJECTIONS"] = "1"
    elif args.workers:
        env["TAIZHANG_WORKERS"] = str(args.workers)
    if args.threads:
        env["TAIZHANG_THREADS"] = str(args.threads)
    # `serve` migrates before gunicorn starts, so the tables exist. Workers booting at once
    # must not each create them again: concurrent CREATE … IF NOT EXISTS in PostgreSQL can
    # fail with "tuple concurrently updated", and gunicorn would then refuse to start.
    env["TAIZHANG_CREATE_TABLES"] = "no"
    return gunicorn_command(), env


def pages_hint(settings: Settings, args: argparse.Namespace) -> str:
    """The first line ``serve`` prints: where the pages are and how to sign in."""
    host = args.host or settings.listen_host
    port = args.port or settings.listen_port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    url = f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"
    tokens = Path(settings.data_dir) / "demo-tokens.json"
    how = (
        f"sign in with a demo token from {tokens}"
        if tokens.exists()
        else "sign in with a token (`taizhang token create`)"
    )
    return f"taizhang: open {url} in a browser and {how}"


def role_warning(settings: Settings) -> str | None:
    """The line ``serve`` prints when its database role could rewrite the log."""
    why = privileged_role(settings)
    if why is None:
        return None
    return (
        f"taizhang: WARNING: {why}; run the service as the service role (taizhang_app) "
        "and migrate as another (ops/README.md, docs/EVIDENCE.md)"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    print(pages_hint(settings, args), file=sys.stderr, flush=True)
    ledgers = ledgers_of(settings)
    for ledger in ledgers:
        upgrade(ledger)
    warning = role_warning(settings)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    argv, env = gunicorn_argv(settings, args)
    if args.embedded or not all(ledger.is_postgres for ledger in ledgers):
        print("taizhang: embedded mode: one worker, projections in-process", file=sys.stderr)
    else:
        print(
            "taizhang: run `taizhang project` beside this server to keep the views current",
            file=sys.stderr,
        )
    os.execve(sys.executable, argv, env)
    return 0  # pragma: no cover - execve does not return
