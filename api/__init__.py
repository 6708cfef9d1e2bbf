"""The HTTP API: integrators post events; supervisors read views and audit history.

``create_app`` builds the Flask application. Every ``/api/v1`` request carries
``Authorization: Bearer <token>``; the token's role and scope decide what it may do
(``taizhang.api.scope``). Errors are problem+json (``taizhang.api.problems``).
"""

from __future__ import annotations

import atexit
from typing import Any

from flask import Flask, g, request

from taizhang.api import (
    accounts,
    coverage,
    erasure,
    evidence,
    grading_results,
    grading_views,
    me,
    member_views,
    openapi,
    ops,
    pages,
    party_life,
    reads,
    views,
    writes,
)
from taizhang.api.auth import TokenStore
from taizhang.api.problems import ApiProblem, register_error_handlers
from taizhang.api.runtime import Runtime
from taizhang.config import Settings
from taizhang.evidence.checkpoints import Checkpointer
from taizhang.ledger import Ledger
from taizhang.plain_service import make_service
from taizhang.projections.worker import start_in_background

MAX_CONTENT_LENGTH = 5 * 1024 * 1024
# Paths anyone may call: what operators and the docs page need.
PUBLIC_PREFIXES = ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")
# The supervisors' pages sign in with a session cookie instead (taizhang.api.pages).
PAGE_PREFIX = "/pages/"


def create_app(
    settings: Settings | None = None,
    *,
    ledger: Ledger | None = None,
    start_projections: bool = False,
) -> Flask:
    settings = settings or Settings.from_env()
    owns_ledger = ledger is None
    ledger = ledger or Ledger(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    runtime = Runtime(
        settings=settings,
        ledger=ledger,
        service=make_service(ledger),
        tokens=TokenStore(settings),
        owns_ledger=owns_ledger,
    )
    app.extensions["taizhang"] = runtime
    register_error_handlers(app)
    ops.instrument(app)

    @app.before_request
    def _authenticate() -> None:
        if request.path.startswith(PUBLIC_PREFIXES) or request.method == "OPTIONS":
            return
        if request.path == "/" or request.path.startswith(PAGE_PREFIX):
            return  # taizhang.api.pages checks its own session
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            raise ApiProblem(
                401,
                "send Authorization: Bearer <token>",
                slug="unauthenticated",
                headers={"WWW-Authenticate": 'Bearer realm="taizhang"'},
            )
        found = runtime.tokens.lookup(token)
        if found is None and runtime.elsewhere is not None and runtime.elsewhere(token):
            raise ApiProblem(404, "no such resource for this token", slug="not-found")
        if found is None:
            raise ApiProblem(
                401,
                "the token is unknown or revoked",
                slug="unauthenticated",
                headers={"WWW-Authenticate": 'Bearer realm="taizhang", error="invalid_token"'},
            )
        g.credential = found

    for blueprint in (
        writes.bp,
        reads.bp,
        views.bp,
        coverage.bp,
        party_life.bp,
        grading_views.bp,
        grading_results.bp,
        me.bp,
        evidence.bp,
        erasure.bp,
        member_views.bp,
        accounts.bp,
        ops.bp,
        openapi.bp,
    ):
        app.register_blueprint(blueprint)
    pages.install(app, settings)

    if start_projections:
        _start_projections(app, settings, ledger)
    return app


def _start_projections(app: Flask, settings: Settings, ledger: Ledger) -> Any:
    """The projection worker in this process (the embedded, single-process setup)."""

    worker = start_in_background(settings, ledger=ledger)
    app.extensions["taizhang.worker"] = worker
    atexit.register(worker.stop)
    # The log's head is signed where the projections run: one process per deployment.
    checkpointer = Checkpointer.started(ledger.chain_store(), settings)
    if checkpointer is not None:
        app.extensions["taizhang"].checkpointer = checkpointer
        atexit.register(checkpointer.stop)
    return worker
