"""What every request needs: the ledger, the service, the token store and the views.

Kept on the Flask app (``app.extensions["taizhang"]``); request helpers read the JSON
body, the caller's credential and the version headers.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request

from taizhang.api.account_store import AccountStore
from taizhang.api.auth import Credential, TokenStore
from taizhang.api.problems import ApiProblem
from taizhang.api.scope import Scope
from taizhang.config import Settings
from taizhang.evidence.personal_data import PersonalKeys
from taizhang.ledger import Ledger
from taizhang.projections.queries import Views
from taizhang.projections.report import Replays
from taizhang.service import LedgerService

# Reads that ask for a log position wait at most this long for the views to reach it.
MIN_POSITION_WAIT_SECONDS = 2.0


@dataclass
class Runtime:
    settings: Settings
    ledger: Ledger
    service: LedgerService
    tokens: TokenStore
    owns_ledger: bool = False
    _views: Any = field(default=None, repr=False)
    _views_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _replays: Any = field(default=None, repr=False)
    _accounts: Any = field(default=None, repr=False)
    # The checkpoint signer, in the process that runs the projections
    # (taizhang.evidence.checkpoints).
    checkpointer: Any = field(default=None, repr=False)
    # In a province (taizhang.api.province): whether a token unknown here is another ledger's; its
    # request is then answered 404, as if this district did not exist (taizhang.districts).
    elsewhere: Any = field(default=None, repr=False)

    @property
    def views(self) -> Views:
        """The projections' query object (taizhang.projections.queries.Views), made on first use.

        One per process: request threads arriving together must not each make one (each
        with its own connection pool and cache, computing every view again)."""
        if self._views is not None:
            return self._views
        with self._views_lock:
            if self._views is not None:
                return self._views
            self._views = Views(self.settings)
        return self._views

    @property
    def replays(self) -> Replays:
        """Views as known at a past time (taizhang.projections.report.Replays), one per process."""
        with self._views_lock:
            if self._replays is None:
                self._replays = Replays(self.settings)
        return self._replays

    @property
    def accounts(self) -> AccountStore:
        """The office's accounts, kept beside the tokens (taizhang.api.account_store)."""
        with self._views_lock:
            if self._accounts is None:
                self._accounts = AccountStore(self.tokens)
        found: AccountStore = self._accounts
        return found

    @property
    def personal_keys(self) -> PersonalKeys:
        """The keys personal data is sealed under (taizhang.evidence.personal_data)."""
        return PersonalKeys(self.settings)

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self._views is not None and hasattr(self._views, "close"):
            self._views.close()
        self.tokens.close()
        if self.owns_ledger:
            self.ledger.close()


def runtime() -> Runtime:
    found: Runtime = current_app.extensions["taizhang"]
    return found


def credential() -> Credential:
    found: Credential = g.credential
    return found


def scope() -> Scope:
    if "scope" not in g:
        g.scope = Scope(runtime().ledger, credential())
    found: Scope = g.scope
    return found


def json_body() -> Any:
    if not request.is_json:
        raise ApiProblem(
            415,
            "send the body as application/json",
            errors=[
                {
                    "field": "Content-Type",
                    "rule": "application_json",
                    "message": f"got {request.mimetype or 'nothing'}",
                }
            ],
        )
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # json.loads recurses per nesting level; a deeply nested body must not become a 500.
        raise _too_deep() from None
    if body is None:
        raise ApiProblem(
            400,
            "the body is not valid JSON",
            errors=[{"field": "body", "rule": "json", "message": "malformed JSON"}],
        )
    # JSON carries NUL and lone surrogates only escaped. PostgreSQL text cannot hold NUL (a
    # stored event with one could never be projected) and UTF-8 cannot encode a lone
    # surrogate (the event could not be stored): both are refused here, before any shared
    # transaction sees them.
    if _ESCAPED_UNWRITABLE.search(request.get_data()):
        try:
            found = _unwritable_at(body, "")
        except RecursionError:
            raise _too_deep() from None
        if found is not None:
            where, rule, message = found
            raise ApiProblem(
                422,
                f"{where or 'body'} holds a character that cannot be stored",
                slug="validation",
                errors=[{"field": where or "body", "rule": rule, "message": message}],
            )
    return body


_ESCAPED_UNWRITABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unwritable(text: str) -> tuple[str, str] | None:
    if "\x00" in text:
        return "no_nul", "no NUL (U+0000)"
    if _SURROGATE.search(text):
        return "unicode_scalar", "no lone surrogate (U+D800 to U+DFFF): text must be valid Unicode"
    return None


def _unwritable_at(node: Any, path: str) -> tuple[str, str, str] | None:
    """The dotted path, rule and message of the first key or string that cannot be stored."""
    if isinstance(node, str):
        bad = _unwritable(node)
        return (path, *bad) if bad else None
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        here = f"{path}.{key}" if path else str(key)
        bad = _unwritable(key) if isinstance(key, str) else None
        if bad:
            return (here, *bad)
        found = _unwritable_at(value, here)
        if found is not None:
            return found
    return None


_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def expected_version() -> int | None:
    """The version named by If-Match (ETag style, e.g. ``"3"``), if any."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _VERSION.match(header)
    if match is None:
        raise ApiProblem(
            400,
            'If-Match must name one version, e.g. "3"',
            errors=[{"field": "If-Match", "rule": "version", "message": "not a version"}],
        )
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


def wait_for_min_position() -> int | None:
    """Read-your-writes: hold a view read until the views reach the caller's position.

    Returns that position (None if the caller named none), for views served from a cache.
    """
    raw = request.args.get("min_position") or request.headers.get("X-Min-Position")
    if raw is None:
        replica = runtime().views.replica
        if replica is not None:
            replica.need(None)  # not what an earlier read on this thread needed
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ApiProblem(
            400,
            "min_position must be a log position (a non-negative integer)",
            errors=[{"field": "min_position", "rule": "integer", "message": "not a position"}],
        )
    position = int(raw)
    started = time.monotonic()
    views = runtime().views
    if views.wait_for(position, timeout=0):
        return position
    # A position the log has not reached is the caller's mistake, not a lag to wait out
    # (waiting would end in a 503 that invites retrying it forever).
    if position > (runtime().ledger.recorder.max_notification_id() or 0):
        raise ApiProblem(
            422,
            f"min_position {position} is past the end of the log",
            slug="validation",
            errors=[{"field": "min_position", "rule": "within_log", "message": "not yet written"}],
        )
    if not views.wait_for(position, timeout=MIN_POSITION_WAIT_SECONDS):
        raise ApiProblem(
            503,
            f"the views have not yet reached position {position}; "
            f"waited {time.monotonic() - started:.1f} s",
            slug="views-behind",
            headers={"Retry-After": "1"},
            min_position=position,
        )
    return position


def _too_deep() -> ApiProblem:
    return ApiProblem(
        400,
        "the body is nested too deeply",
        errors=[{"field": "body", "rule": "nesting", "message": "nested too deeply"}],
    )
