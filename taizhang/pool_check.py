"""How a pooled PostgreSQL session is checked before use: a round trip only when needed.

psycopg_pool's own check sends an empty query every time a connection is taken, one more
round trip per statement the service runs; under load that was a quarter of a busy
worker's wall time (py-spy, session 3). A session the server ended (terminated, shut down,
restarted) has sent its last message or closed the socket, so the socket is readable; a
healthy idle session has nothing to read. Only a readable session gets the full check,
which fails for a dead one, and the pool then replaces it.

What a quick look cannot see, a connection lost silently on the network, fails the
statement instead; the library retries its own statements, and the breaker (``api.breaker``)
answers the rest with a 503.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


def check_before_use(conn: psycopg.Connection[Any]) -> None:
    """Raise if the pooled session ``conn`` is not fit to use (the pool then replaces it)."""
    if conn.closed:
        raise psycopg.OperationalError("the pooled connection is closed")
    try:
        poller = select.poll()
        poller.register(conn.pgconn.socket, _READABLE)
        quiet = not poller.poll(0)
    except (OSError, ValueError, psycopg.Error):
        quiet = False
    if not quiet:
        ConnectionPool.check_connection(conn)


def check_pool_quietly(recorder: Any) -> None:
    """Give a PostgreSQL recorder's pool (made by the library, with its pre-ping) this check."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if isinstance(pool, ConnectionPool) and pool._check is not None:
        pool._check = check_before_use
