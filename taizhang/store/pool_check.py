"""How a pooled PostgreSQL session is checked before use: a round trip only when needed.

psycopg_pool's own check sends an empty query every time a connection is taken, one more
round trip per statement the service runs; under load that was a quarter of a busy
worker's wall time (py-spy, session 3). A session the server ended (terminated, shut down,
restarted) has sent its last message or closed the socket, so the socket is readable; a
healthy idle session has nothing to read. Only a readable session gets the full check,
which fails for a dead one, and the pool then replaces it.

What a quick look cannot see, a connection lost silently on the network, fails the
statement instead; the library retries its own statements, and the breaker
(``taizhang.api.breaker``) answers the rest with a 503.

After a database restart every idle session of the pool is dead, and a service that was idle
meets them all with its next request. The pool waits after each connection that fails its
check before taking the next, one second and doubling: five dead sessions made the next
post 5.5-6.5 s late and ``/readyz`` (a 2 s wait for a connection) say "database unavailable".
So the first dead session found has the pool check the others at once (``ConnectionPool.check``
replaces the dead ones in the background), and the pool's first wait is short.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool
from psycopg_pool.base import AttemptWithBackoff

from taizhang.store.library_patches import replace

_READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL

# psycopg_pool's first wait after a connection failed its check, or after a failed attempt to
# connect; each wait after it doubles, so attempts stay few however long an outage lasts
# (1 s by default: with a doubling wait, the first attempt after a 25 s outage came up to
# 7 s after the database was back). Every pool of the process follows it.
FIRST_RETRY_SECONDS = 0.05
AttemptWithBackoff.INITIAL_DELAY = FIRST_RETRY_SECONDS


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
    if quiet:
        return
    try:
        ConnectionPool.check_connection(conn)
    except psycopg.Error:
        # The server ended this session, so most likely the pool's other idle ones too.
        pool = getattr(conn, "_pool", None)
        if isinstance(pool, ConnectionPool):
            pool.check()
        raise


def check_pool_quietly(recorder: Any) -> None:
    """Give a PostgreSQL recorder's pool (made by the library, with its pre-ping) this check."""
    pool = getattr(getattr(recorder, "datastore", None), "pool", None)
    if isinstance(pool, ConnectionPool) and pool._check is not None:
        replace(pool, "_check", check_before_use)
