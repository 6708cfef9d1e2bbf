"""For operators: liveness, readiness and Prometheus metrics (no token needed).

With several gunicorn workers, metrics go through prometheus_client's multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, set by taizhang/gunicorn_conf.py) so that a scrape sees every
worker's counts, not one worker's.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter as Tally
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, json, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from taizhang.api.breaker import breaker_of
from taizhang.api.breaker import install as install_breaker
from taizhang.api.runtime import runtime
from taizhang.evidence.verify import tail_report
from taizhang.store.breaker import State

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

# Views further behind the log than this many events make the process not ready.
READY_MAX_LAG = 10_000

REQUESTS = Counter(
    "taizhang_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "taizhang_http_request_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_STORED = Counter("taizhang_events_stored_total", "Events stored through the API", ["type"])
PROJECTION_LAG = Gauge(
    "taizhang_projection_lag_events",
    "Events in the log the views have not folded yet",
    ["projection"],
    multiprocess_mode="max",
)


def projection_lag() -> dict[str, int]:
    """Per projection: how many log positions it is behind the head of the log."""
    rt = runtime()
    head = rt.ledger.log_head()
    positions = rt.views.positions()
    return {name: max(0, head - int(position)) for name, position in positions.items()}


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up."""
    return Response(json.dumps({"status": "ok"}), mimetype="application/json")


@bp.get("/readyz")
def readyz() -> Response:
    """The database answers and the views are not far behind the log."""
    checks: dict[str, Any] = {}
    ready = True
    breaker = breaker_of(current_app)
    if breaker is not None and breaker.state is State.OPEN:
        # Asking the database now would only wait for it; the breaker knows.
        checks["database"] = "unavailable"
        checks["circuit"] = breaker.snapshot()
        return _readiness(False, checks, retry_after=checks["circuit"]["retry_after"])
    try:
        checks["log_head"] = runtime().ledger.log_head()
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        log.warning("readiness: database check failed: %s", error)
        checks["database"] = "unavailable"
        ready = False
    if breaker is not None:
        # Taken after the database check, which may have closed a half-open breaker.
        checks["circuit"] = breaker.snapshot()
    if ready:
        try:
            lag = projection_lag()
            checks["projection_lag"] = lag
            if any(value > READY_MAX_LAG for value in lag.values()):
                ready = False
        except Exception as error:  # noqa: BLE001
            log.warning("readiness: views check failed: %s", error)
            checks["projection_lag"] = "unavailable"
            ready = False
    replica = runtime().views.replica if ready else None
    if replica is not None:
        # Reported, not a reason to stop serving: the primary answers the reads meanwhile.
        checks["replica"] = replica.report()
    if ready:
        # Reported, not a reason to stop serving: the rest of the log still answers, and a
        # damaged event stays damaged until an operator restores it (docs/EVIDENCE.md).
        checks["log"] = _log_check()
    return _readiness(ready, checks)


# The quick check of the log's newest events: at most this often an application, over
# this many events (about a millisecond each).
LOG_CHECK_SECONDS = 30.0
LOG_CHECK_EVENTS = 1000
_log_lock = threading.Lock()


def _log_check() -> Any:
    with _log_lock:
        checked = current_app.extensions.setdefault("taizhang.log_check", [0.0, None])
        at, found = checked
        if found is not None and time.monotonic() - at < LOG_CHECK_SECONDS:
            return found
        try:
            found = tail_report(runtime().ledger.chain_store(), LOG_CHECK_EVENTS)
        except Exception as error:  # noqa: BLE001 - reported, never a failed probe
            log.warning("readiness: log check failed: %s", error)
            found = "unavailable"
        checked[:] = [time.monotonic(), found]
        return found


def _readiness(ready: bool, checks: dict[str, Any], retry_after: int = 5) -> Response:
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    response = Response(json.dumps(body), status=200 if ready else 503, mimetype="application/json")
    if not ready:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics: requests, latency, events stored, projection lag, and how many
    posts share a group-commit transaction (``taizhang_group_commit_posts``)."""
    try:
        for name, lag in projection_lag().items():
            PROJECTION_LAG.labels(name).set(lag)
    except Exception:  # noqa: BLE001 - metrics never fail because the views do
        log.debug("projection lag unavailable", exc_info=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        data = generate_latest(registry)
    else:
        data = generate_latest()
    return Response(data, mimetype=CONTENT_TYPE_LATEST)


def instrument(app: Flask) -> None:
    rt = app.extensions["taizhang"]
    install_breaker(app, rt.settings, getattr(rt.ledger.recorder, "datastore", None))

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        started = g.get("started")
        if started is not None:
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if response.status_code == 201 and not response.headers.get("Idempotent-Replayed"):
            # Counted per type: a batch's thousand increments of shared memory cost 3 ms.
            for event_type, count in Tally(g.get("stored_types") or ()).items():
                EVENTS_STORED.labels(event_type).inc(count)
        return response
