"""The one place that knows how SQLite and PostgreSQL statements differ (taizhang.store.dialect)."""

from __future__ import annotations

import sqlite3

from taizhang.projections.schema import CODE, TABLES
from taizhang.store.dialect import POSTGRES, SQLITE, dialect_of


def test_the_url_picks_the_dialect() -> None:
    assert dialect_of("postgresql://u@h/db?schema=s") is POSTGRES
    assert dialect_of("sqlite:////var/taizhang.db") is SQLITE


def test_statements_are_written_once_with_qmarks() -> None:
    text = "SELECT a FROM t WHERE b = ? AND c IN (?, ?)"
    assert SQLITE.sql(text) == text
    assert POSTGRES.sql(text) == "SELECT a FROM t WHERE b = %s AND c IN (%s, %s)"
    assert SQLITE.from_format("WHERE x > %s LIMIT %s") == "WHERE x > ? LIMIT ?"
    assert POSTGRES.marks(3) == "%s, %s, %s" and SQLITE.marks(2) == "?, ?"


def test_an_upsert_updates_or_keeps_the_row() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT, w TEXT)")
    update = SQLITE.upsert("t", ("k", "v", "w"), ("k",))
    keep = SQLITE.upsert("t", ("k", "v", "w"), ("k",), update=False)
    conn.execute(update, ("a", "1", "x"))
    conn.execute(keep, ("a", "2", "y"))
    assert conn.execute("SELECT v, w FROM t").fetchall() == [("1", "x")]
    conn.execute(update, ("a", "3", "z"))
    assert conn.execute("SELECT v, w FROM t").fetchall() == [("3", "z")]
    assert POSTGRES.upsert("t", ("k", "v"), ("k",)) == (
        "INSERT INTO t (k, v) VALUES (%s, %s) ON CONFLICT (k) DO UPDATE SET v = excluded.v"
    )


def test_code_columns_compare_byte_by_byte_on_postgres_only() -> None:
    table = next(t for t in TABLES if CODE in dict(t.columns).values())
    code = next(name for name, kind in table.columns if kind == CODE)
    (pg,) = [s for s in table.create_statements(dialect=POSTGRES) if s.startswith("CREATE TABLE")]
    (lite,) = [s for s in table.create_statements() if s.startswith("CREATE TABLE")]
    assert f'{code} TEXT COLLATE "C"' in pg
    assert f"{code} TEXT," in lite or f"{code} TEXT)" in lite
    assert "COLLATE" not in lite


def test_a_write_transaction_rolls_back_on_error() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (k TEXT)")
    try:
        with SQLITE.write_transaction(conn):
            conn.execute("INSERT INTO t VALUES ('a')")
            raise RuntimeError("refused")
    except RuntimeError:
        pass
    with SQLITE.write_transaction(conn):
        conn.execute("INSERT INTO t VALUES ('b')")
    assert conn.execute("SELECT k FROM t").fetchall() == [("b",)]
