"""Shared by the evidence tests: a ledger with events, and raw access to its tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import uuid4

import psycopg

from taizhang.config import Settings
from taizhang.domain.district import District
from taizhang.domain.provenance import Provenance
from taizhang.evidence.chain_store import ChainStore
from taizhang.ledger import Ledger


def district_events(count: int) -> list[Any]:
    events = []
    for i in range(count):
        provenance = Provenance(uuid4(), date(2014, 5, 1), "actor-1", "oa-system", None)
        events += District.register(provenance, name=f"区 {i}", code="440113").collect_events()
    return events


def store_of(ledger: Ledger) -> ChainStore:
    return ChainStore(ledger.recorder, dialect=ledger.settings.dialect)


def tables(ledger: Ledger) -> tuple[str, str, str]:
    """The events table, the chain's and the checkpoints', qualified as raw SQL needs."""
    name = ledger.events_table
    prefix = f'"{ledger.settings.postgres_schema}".' if ledger.settings.is_postgres else ""
    return (
        f'{prefix}"{name}"',
        f'{prefix}"{name}_chain"',
        f'{prefix}"{name}_checkpoints"',
    )


@contextmanager
def raw(settings: Settings) -> Iterator[Any]:
    """A connection that commits on leaving, with the append-only triggers lifted
    (``session_replication_role = replica`` on PostgreSQL; dropped on SQLite)."""
    if settings.is_postgres:
        with psycopg.connect(settings.psycopg_conninfo()) as conn:
            conn.execute("SET session_replication_role = replica")
            yield conn
            conn.commit()
        return
    conn = sqlite3.connect(settings.sqlite_path())
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")]
        for name in names:
            conn.execute(f'DROP TRIGGER "{name}"')
        yield conn
        conn.commit()
    finally:
        conn.close()


def rowid(settings: Settings) -> str:
    return "notification_id" if settings.is_postgres else "rowid"
