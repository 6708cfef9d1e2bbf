"""RFC 9457 problem details: every error the API answers, as application/problem+json.

Domain errors map by class: InvalidValue → 422, RuleViolation → 409 (the request is
well-formed, the current state forbids it; the same request can succeed later), NotFound →
404, Conflict → 409, PreconditionFailed → 412, BatchRejected → 422 (each item's index,
field and rule). Database unavailable → 503 with Retry-After. Anything else → 500 without
internals.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import MapperDeserialisationError, PersistenceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from flask import Flask, Response, json, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from taizhang.api import breaker
from taizhang.api.scope import Forbidden
from taizhang.domain.errors import DomainError, InvalidValue, NotFound, RuleViolation
from taizhang.service import BatchRejected, Conflict, PreconditionFailed
from taizhang.store.breaker import CircuitOpen

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://taizhang.invalid/problems/"
RETRY_AFTER_SECONDS = 2

TITLES = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal server error",
    503: "Service unavailable",
    507: "Insufficient storage",
}

# The database refuses to store anything (a read-only standby, a full disk): the request was
# fine and nothing was stored, so it is the server's temporary state, not a bug.
READ_ONLY_SQLSTATE = "25006"
DISK_FULL_SQLSTATE = "53100"
SQLITE_FULL = 13
INSUFFICIENT_RESOURCES_CLASS = "53"


class ApiProblem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = extra


def problem(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or TITLES.get(status, "error").lower().replace(" ", "-")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.path if request else None,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = Response(_json_text(body), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _json_text(body: dict[str, Any]) -> str:
    """JSON as UTF-8 where it can be; a refusal that echoes a lone surrogate back (in a field
    name, say) escapes it instead of failing to encode."""
    text = json.dumps(body, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True)
    return text


def error_item(field: str, rule: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "rule": rule, "message": message, **extra}


def domain_item(error: Exception, prefix: str = "data.") -> dict[str, Any]:
    """One error entry for a domain or service error, its field under ``prefix``."""
    field = getattr(error, "field", "")
    if field in ("occurred_on", "client_event_id", "type", "Authorization", "Idempotency-Key"):
        prefix = prefix.removesuffix("data.")
    rule = getattr(error, "rule", type(error).__name__)
    message = getattr(error, "message", str(error))
    item = error_item(prefix + field if field else prefix.rstrip("."), rule, message)
    item["status"] = status_of(error)
    if isinstance(error, NotFound):
        item["rule"] = "exists"
    if isinstance(error, PreconditionFailed):
        item["current_version"] = error.current
    return item


def status_of(error: Exception) -> int:
    if isinstance(error, InvalidValue):
        return 422
    if isinstance(error, RuleViolation):
        return 409
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, PreconditionFailed):
        return 412
    if isinstance(error, Forbidden):
        return 403
    return 422


_RULES = (
    ("Missing data for required field", "required"),
    ("Unknown field", "unknown_field"),
    ("Field may not be null", "not_null"),
    ("Not a valid", "type"),
    ("must be one of", "one_of"),
    ("Must be one of", "one_of"),
    ("Must be greater", "range"),
    ("Must be less", "range"),
    ("Length must", "length"),
    ("Shorter than", "length"),
    ("Longer than", "length"),
    ("String does not match", "pattern"),
    ("lower snake_case", "pattern"),
    ("a pseudonymous id", "pseudonymous_id"),
    ("correctable field", "correctable_field"),
    ("Invalid input type", "type"),
    ("Invalid value", "type"),
)


def _rule(message: str) -> str:
    for start, rule in _RULES:
        if start in message:
            return rule
    return "invalid"


def flatten(messages: Any, prefix: str = "") -> list[dict[str, Any]]:
    """marshmallow's nested error messages as a flat list of {field, rule, message}."""
    items: list[dict[str, Any]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = prefix.rstrip(".") if key == "_schema" else f"{prefix}{key}"
            items += flatten(value, name + "." if name else "")
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            for message in messages:
                items.append(error_item(prefix.rstrip("."), _rule(message), message))
        else:
            for value in messages:
                items += flatten(value, prefix)
    else:
        items.append(error_item(prefix.rstrip("."), _rule(str(messages)), str(messages)))
    return items


def validation_problem(error: ValidationError, prefix: str = "") -> ApiProblem:
    items = flatten(error.messages, prefix)
    fields = ", ".join(sorted({i["field"] for i in items}))
    return ApiProblem(422, f"invalid fields: {fields}", slug="validation", errors=items)


def _unavailable(what: str) -> Response:
    return problem(
        503,
        f"{what}; try again shortly",
        slug="unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiProblem)
    def _api_problem(error: ApiProblem) -> Response:
        return problem(
            error.status,
            error.detail,
            slug=error.slug,
            errors=error.errors,
            headers=error.headers,
            **error.extra,
        )

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> Response:
        return _api_problem(validation_problem(error))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        # A read's fields are its query parameters; a write's are in the body's data.
        item = domain_item(error, "" if request.method in ("GET", "HEAD") else "data.")
        return problem(
            status_of(error), error.message, slug=error.rule.replace("_", "-"), errors=[item]
        )

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> Response:
        return problem(
            404,
            str(error),
            slug="not-found",
            errors=[error_item(error.field, "exists", str(error))],
        )

    @app.errorhandler(Forbidden)
    def _forbidden(error: Forbidden) -> Response:
        return problem(
            403,
            error.message,
            slug="forbidden",
            errors=[error_item(error.field, error.rule, error.message)],
        )

    @app.errorhandler(Conflict)
    def _conflict(error: Conflict) -> Response:
        return problem(
            409,
            error.message,
            slug=error.rule.replace("_", "-"),
            errors=[domain_item(error)],
        )

    @app.errorhandler(PreconditionFailed)
    def _precondition(error: PreconditionFailed) -> Response:
        return problem(
            412,
            str(error),
            slug="stale-version",
            errors=[error_item("If-Match", "current_version", str(error))],
            current_version=error.current,
            aggregate_id=str(error.aggregate_id),
        )

    @app.errorhandler(MapperDeserialisationError)
    def _damaged(error: MapperDeserialisationError) -> Response:
        # A stored event whose bytes cannot be read (cut short, changed outside the
        # service): the resource it belongs to cannot be shown or changed until the log is
        # restored; /readyz and `taizhang verify` tell the operators where.
        log.error("a stored event cannot be read: %s", error)
        return problem(
            409,
            "a stored event of this resource cannot be read: the log is damaged there",
            slug="damaged-event",
            errors=[error_item("", "readable_log", "see docs/EVIDENCE.md")],
        )

    @app.errorhandler(BatchRejected)
    def _batch(error: BatchRejected) -> Response:
        return problem(422, "the batch was not stored", slug="batch-rejected", errors=[])

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        detail = error.description or TITLES.get(status, "error")
        if status == 413:
            detail = f"the body exceeds {app.config['MAX_CONTENT_LENGTH']} bytes"
        return problem(status, detail, headers=headers)

    @app.errorhandler(CircuitOpen)
    def _refused(error: CircuitOpen) -> Response:
        return problem(
            503,
            f"the database is unreachable; requests are refused for {error.retry_after} s",
            slug="unavailable",
            headers={"Retry-After": str(error.retry_after)},
            circuit="open",
        )

    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(psycopg_pool.PoolTimeout)
    @app.errorhandler(StoreOperationalError)
    @app.errorhandler(sqlite3.OperationalError)
    def _db_down(error: Exception) -> Response:
        if _sqlstate(error) == DISK_FULL_SQLSTATE or _sqlite_full(error):
            return _store_refused(error)
        log.warning("database unavailable: %s", error)
        breaker.report(error)
        return _unavailable("the database is unavailable")

    @app.errorhandler(StoreInterfaceError)
    def _connection_lost(error: Exception) -> Response:
        log.warning("database connection failed: %s", error)
        breaker.report(error)
        return _unavailable("the database connection failed")

    @app.errorhandler(PersistenceError)
    @app.errorhandler(psycopg.Error)
    def _store_refused(error: Exception) -> Response:
        state = _sqlstate(error)
        if state == READ_ONLY_SQLSTATE:
            log.warning("database is read-only: %s", error)
            return _unavailable("the database is read-only; nothing was stored")
        if state == DISK_FULL_SQLSTATE or _sqlite_full(error):
            log.error("database disk is full: %s", error)
            return problem(
                507,
                "the database has no space left; nothing was stored",
                slug="insufficient-storage",
                headers={"Retry-After": "60"},
            )
        if state is not None and state.startswith(INSUFFICIENT_RESOURCES_CLASS):
            log.error("database out of resources: %s", error)
            return _unavailable("the database is out of resources; nothing was stored")
        return _unexpected(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, "an unexpected error occurred; it has been logged", slug="internal")


def _sqlite_full(error: BaseException) -> bool:
    """SQLite's SQLITE_FULL (disk or max_page_count), also when the store wrapped it."""
    seen: BaseException | None = error
    while seen is not None:
        if getattr(seen, "sqlite_errorcode", None) == SQLITE_FULL:
            return True
        seen = seen.__cause__
    return False


def _sqlstate(error: BaseException) -> str | None:
    """The SQLSTATE of a psycopg error, also when the store wrapped it in its own error."""
    seen: BaseException | None = error
    while seen is not None:
        state = getattr(seen, "sqlstate", None)
        if state:
            return str(state)
        seen = seen.__cause__
    return None
