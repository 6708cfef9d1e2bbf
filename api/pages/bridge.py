"""The pages read what the JSON API answers, through the API's own view functions.

``read`` runs an API endpoint's view function for the signed-in credential, in a request
context of the API's own URL, and hands back its JSON: the same scope checks, the same query
schema, the same queries. A page can therefore never show what the API would refuse the same
token; a refusal comes back as ``Refused`` with the API's status and detail.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Response, current_app, g, request, url_for

from taizhang.api.auth import Credential


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


# Marks a request context of the API made for a page's read: it has no session of its own
# (``taizhang.api.pages.session.PageSessions``).
INNER = "taizhang.page_read"


def _environ(target: str, query: dict[str, str]) -> dict[str, Any]:
    """A bare WSGI environment for a GET of ``target``: the server's name and scheme as the
    page's request came, and nothing of its headers (no cookie, no validators, no
    credentials). Made directly: werkzeug's EnvironBuilder was a fifth of a page's time."""
    outer = request.environ
    root = request.script_root
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": root,
        "PATH_INFO": target[len(root) :] if root and target.startswith(root) else target,
        "QUERY_STRING": urlencode(query),
        "SERVER_NAME": outer.get("SERVER_NAME", "localhost"),
        "SERVER_PORT": outer.get("SERVER_PORT", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": outer.get("HTTP_HOST", "localhost"),
        "REMOTE_ADDR": outer.get("REMOTE_ADDR", ""),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": outer.get("wsgi.url_scheme", "http"),
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": outer.get("wsgi.errors", sys.stderr),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        INNER: True,
    }


def respond(
    endpoint: str, query: dict[str, Any] | None = None, *, body: Any = None, **path: Any
) -> Response:
    """The API endpoint's response (JSON or a workbook) for the signed-in credential; with
    ``body``, its answer to that JSON posted (a page's form)."""
    cred: Credential = g.credential
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    view = app.view_functions[endpoint]
    target = url_for(endpoint, **path)
    if body is None:
        context = app.request_context(_environ(target, clean(query or {})))
    else:
        context = app.test_request_context(target, method="POST", json=body)
    with context:
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
    drawn from it is cached under (``taizhang.api.pages.fragments``)."""
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
