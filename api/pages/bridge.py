"""The pages read what the JSON API answers, through the API's own view functions.

``read`` runs an API endpoint's view function for the signed-in credential, in a request
context of the API's own URL, and hands back its JSON: the same scope checks, the same query
schema, the same queries. A page can therefore never show what the API would refuse the same
token; a refusal comes back as ``Refused`` with the API's status and detail.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
from flask import Response, current_app, g, url_for

from api.auth import Credential


class Refused(Exception):
    """The API refused the read (404 out of scope or missing, 403, 422, 503)."""

    def __init__(
        self, status: int, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        # The problem's field errors (field, rule, message), for a form to show.
        self.errors = errors or []


def clean(args: dict[str, Any]) -> dict[str, str]:
    """Query arguments without the empty ones (an empty form field means "any")."""
    return {k: str(v) for k, v in args.items() if v not in (None, "")}


def api_path(endpoint: str, query: dict[str, Any] | None = None, **path: Any) -> str:
    """The JSON API's URL for a page's read: shown on pages, so a reader can check it."""
    return url_for(endpoint, **path, **clean(query or {}))


def respond(
    endpoint: str, query: dict[str, Any] | None = None, *, body: Any = None, **path: Any
) -> Response:
    """The API endpoint's response (JSON or a workbook) for the signed-in credential; with
    ``body``, its answer to that JSON posted (a page's form)."""
    cred: Credential = g.credential
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    view = app.view_functions[endpoint]
    target = url_for(endpoint, **path)
    posted: dict[str, Any] = {} if body is None else {"method": "POST", "json": body}
    with app.test_request_context(target, query_string=clean(query or {}), **posted):
        g.credential = cred
        g.pop("scope", None)
        try:
            response = app.make_response(view(**path))
        except Exception as error:  # the API's own error handlers answer, as over HTTP
            response = app.make_response(app.handle_user_exception(error))
        finally:
            g.pop("scope", None)
    if response.status_code >= 400:
        detail = ""
        errors: list[dict[str, Any]] = []
        try:
            problem = json.loads(response.get_data())
            detail = str(problem.get("detail", ""))
            errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
        except ValueError:
            pass
        raise Refused(response.status_code, detail, errors)
    return response


def tagged(endpoint: str, query: dict[str, Any] | None = None, **path: Any) -> tuple[bytes, str]:
    """The API endpoint's JSON body for the signed-in credential, unparsed, and a tag that
    changes exactly when the body does (the view's own ETag, else a digest): what a page
    drawn from it is cached under (``api.pages.fragments``)."""
    response = respond(endpoint, query, **path)
    body = response.get_data()
    etag, _ = response.get_etag()
    return body, etag or hashlib.blake2b(body, digest_size=16).hexdigest()


def send(endpoint: str, body: Any, **path: Any) -> Any:
    """Post ``body`` (JSON) to the API endpoint for the signed-in credential; its JSON
    answer, or ``Refused`` with the problem's field errors."""
    return orjson.loads(respond(endpoint, body=body, **path).get_data())


def read(endpoint: str, query: dict[str, Any] | None = None, **path: Any) -> Any:
    """The API endpoint's JSON for the signed-in credential (orjson: a district's view is
    ~100 KB, and the standard library's parser was a fifth of a page's time)."""
    return orjson.loads(respond(endpoint, query, **path).get_data())
