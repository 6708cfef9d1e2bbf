"""Session settings of the library's PostgreSQL pool: no JIT compilation.

The ledger reads a few hundred aggregates at a time by primary key (a batch's catch-up,
its branch works' versions). The planner estimates rows per aggregate from the table's
statistics, hundreds once a campaign's branch works are long, so such a read's estimated
cost passes ``jit_above_cost`` and PostgreSQL compiled each one for 80-120 ms to run it in
under a millisecond (auto_explain during ``bench ingest``, half a million events). Nothing
run on these sessions scans enough rows to gain from compiling it.

The setting is made when a session is first taken from the pool, in the pool's check:
sessions the pool opened before (while the application created its tables), or is opening
in the background, get it too, which changing the pool's connection options does not
guarantee.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from taizhang.store.library_patches import replace

_MARK = "_taizhang_without_jit"


def without_jit(recorder: Any) -> None:
    """Make every session of a PostgreSQL recorder's pool run with ``jit = off``."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if not isinstance(pool, ConnectionPool):
        return
    replace(pool, "_check", _setting_jit_off(pool._check))  # noqa: SLF001 - the library's pool


def _setting_jit_off(
    check: Callable[[psycopg.Connection[Any]], None] | None,
) -> Callable[[psycopg.Connection[Any]], None]:
    def checked(conn: psycopg.Connection[Any]) -> None:
        if check is not None:
            check(conn)
        if not getattr(conn, _MARK, False):
            # The pool's sessions are in autocommit mode: this lasts for the session.
            conn.execute("SET jit = off")
            setattr(conn, _MARK, True)

    checked.__wrapped__ = check  # type: ignore[attr-defined]
    return checked
