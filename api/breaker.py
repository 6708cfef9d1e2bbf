"""The circuit breaker (taizhang.store.breaker) wired into the app and the event store.

- Before a ``/api/`` request that carries a token: while the breaker is open, 503
  problem+json with ``Retry-After`` at once; half-open, one request goes through as the probe.
- Around the event store's connections (PostgreSQL only): a connection failure is reported
  (the breaker confirms it before opening), a successful call closes the breaker, and while it
  is open a call raises :class:`CircuitOpen` instead of connecting, which the library does not
  retry, so requests in flight when the database went away stop waiting too.
- The error handlers for database errors report what other connections (views, tokens) saw.

Refusing before anything is stored cannot half-write; a call refused mid-request aborts its
transaction like the connection failure it stands for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from flask import Flask, Response, current_app, g, has_request_context, request

from taizhang.config import Settings
from taizhang.store.breaker import CircuitBreaker, CircuitOpen
from taizhang.store.library_patches import replace

log = logging.getLogger(__name__)

EXTENSION = "taizhang.store.breaker"
# Connection exceptions (08), and the server going away: admin shutdown, crash shutdown,
# "the database system is starting up / shutting down".
_OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03"}


def is_connection_failure(error: BaseException) -> bool:
    """A failure to reach the database, as opposed to the database refusing something."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg_pool.PoolTimeout):
            return True
        if isinstance(seen, psycopg.InterfaceError):
            return True
        if isinstance(seen, psycopg.OperationalError):
            state = seen.sqlstate
            return state is None or state.startswith("08") or state in _OUTAGE_SQLSTATES
        seen = seen.__cause__
    return False


def reachability_check(settings: Settings) -> Any:
    """A fresh connection and ``SELECT 1`` within the configured timeout."""
    conninfo = settings.psycopg_conninfo()
    timeout = max(1, round(settings.breaker_check_seconds))

    def reachable() -> bool:
        try:
            with psycopg.connect(conninfo, connect_timeout=timeout, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.errors.TooManyConnections:
            # The server answered: out of connection slots is a capacity problem, not an
            # outage, and the pools' open connections may still be served.
            return True
        except psycopg.Error:
            return False

    return reachable


def breaker_of(app: Flask) -> CircuitBreaker | None:
    found: CircuitBreaker | None = app.extensions.get(EXTENSION)
    return found


def report(error: BaseException) -> None:
    """From the database error handlers: a connection failure seen in this request."""
    breaker = breaker_of(current_app)
    if breaker is not None and is_connection_failure(error):
        breaker.failed(str(error))


def install(app: Flask, settings: Settings, datastore: Any) -> CircuitBreaker | None:
    """Put a breaker on the app (PostgreSQL only; SQLite has no outage to wait out)."""
    if not settings.is_postgres or settings.breaker_open_seconds <= 0:
        return None
    breaker = getattr(datastore, "taizhang_breaker", None)
    if breaker is None:  # apps sharing one ledger share its breaker
        breaker = CircuitBreaker(
            settings.breaker_open_seconds, reachable=reachability_check(settings)
        )
        _guard(datastore, breaker)
    app.extensions[EXTENSION] = breaker

    @app.before_request
    def _admit() -> None:
        # Without a bearer token the answer is a 401, which needs no database.
        if not request.path.startswith("/api/") or "Authorization" not in request.headers:
            return
        admission = breaker.admit()
        if not admission.allowed:
            raise CircuitOpen(admission.retry_after)
        if admission.probe:
            g.breaker_probe = True

    @app.after_request
    def _probe_answered(response: Response) -> Response:
        if g.pop("breaker_probe", False):
            breaker.probe_finished(answered=response.status_code < 500)
        return response

    @app.teardown_request
    def _probe_abandoned(_: BaseException | None) -> None:
        # A probe that never reached after_request must not hold the half-open slot.
        if g.pop("breaker_probe", False):
            breaker.probe_finished(answered=False)

    return breaker


def _guard(datastore: Any, breaker: CircuitBreaker) -> None:
    original = datastore.get_connection

    @contextmanager
    def get_connection(*args: Any, **kwargs: Any) -> Iterator[Any]:
        if not has_request_context():
            # Background work (the embedded projection worker) has its own retries.
            with original(*args, **kwargs) as conn:
                yield conn
            return
        if not breaker.may_call():
            raise CircuitOpen(breaker.retry_after())
        try:
            with original(*args, **kwargs) as conn:
                yield conn
        except (StoreInterfaceError, StoreOperationalError) as error:
            if is_connection_failure(error) and breaker.failed(str(error)):
                log.warning("database unreachable, circuit open: %s", error)
            raise
        breaker.succeeded()

    replace(datastore, "get_connection", get_connection)
    datastore.taizhang_breaker = breaker
