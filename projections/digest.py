"""A digest of every read-model table: equal digests mean equal views."""

from __future__ import annotations

import hashlib

from taizhang.config import Settings
from taizhang.projections.schema import TABLES
from taizhang.projections.store import Database


def digest(settings: Settings) -> str:
    db = Database(settings)
    conn = db.connect()
    try:
        sha = hashlib.sha256()
        for table in TABLES:
            columns = ", ".join(table.column_names)
            order = ", ".join(table.key)
            sha.update(f"\x00{table.name}\x00".encode())
            for row in db.fetchall(conn, f"SELECT {columns} FROM {table.name} ORDER BY {order}"):
                sha.update(repr(tuple(row)).encode())
        return sha.hexdigest()
    finally:
        conn.close()
