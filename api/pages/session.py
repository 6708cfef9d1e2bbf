"""Signing in to the pages: a session cookie that holds the digest of a token, never the
token; a CSRF token on every form that posts; the language of the pages.

One signs in with a token, or with the login name and password of an account the office
made (``taizhang.api.account_store``), whose token the session then holds in the same way.

The cookie is Flask's signed session, HttpOnly, SameSite=Lax, and Secure when the request
came over TLS. The key that signs it is ``TAIZHANG_PAGE_SECRET`` or, failing that, a random
key kept in ``<data dir>/page-secret`` (0600) so that every worker of a server shares it.
Every page looks the token up again (``TokenStore.lookup_digest``): a revoked token signs
its sessions out within the token cache's second.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, Request, abort, g, request, session
from flask.sessions import SecureCookieSessionInterface

from taizhang.api.auth import Credential, token_hash
from taizhang.api.pages.bridge import INNER
from taizhang.api.runtime import runtime
from taizhang.config import Settings

COOKIE_NAME = "taizhang_session"
LANG_COOKIE = "taizhang_lang"
LANGS = ("zh", "en")
CSRF_FIELD = "csrf_token"
SECRET_FILE = "page-secret"
SESSION_HOURS = 12


class PageSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure exactly when the request is over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def open_session(self, app: Flask, request: Request) -> Any:
        # A page's read through the API's own view (taizhang.api.pages.bridge) has no session: the
        # page's own request holds it.
        if request.environ.get(INNER):
            return self.make_null_session(app)
        return super().open_session(app, request)


def secret_key(settings: Settings) -> str:
    """The key that signs page sessions: from the environment, or the data directory's file
    (made once, 0600; the first worker to start writes it, the others read it)."""
    if settings.page_secret:
        return settings.page_secret
    path = Path(settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)  # a secret stays the owner's, whatever mode it was left with
        for _ in range(50):
            text = path.read_text().strip()
            if text:
                return text
            time.sleep(0.02)  # another worker is writing it
        raise RuntimeError(f"{path} is empty: remove it and restart") from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def configure(app: Flask, settings: Settings) -> None:
    app.secret_key = secret_key(settings)
    app.session_interface = PageSessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=SESSION_HOURS * 3600,
        # A session ends SESSION_HOURS after signing in, however busy; and a page that does
        # not change the session sends no cookie (signing one costs as much as a page).
        SESSION_REFRESH_EACH_REQUEST=False,
    )


# -- CSRF -----------------------------------------------------------------------------------


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    found = session.get("csrf")
    if not isinstance(found, str):
        found = session["csrf"] = secrets.token_urlsafe(32)
    return found


def check_csrf(req: Request) -> None:
    """Refuse (400) a posted form whose CSRF token is missing or not this session's."""
    sent = req.form.get(CSRF_FIELD, "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")


# -- who is signed in -------------------------------------------------------------------------


def sign_in(token: str) -> Credential | None:
    """Start a fresh session for a live token; None (and no session) for any other."""
    token = token.strip()
    if not token or len(token) > 200:
        return None
    found = runtime().tokens.lookup(token)
    if found is None:
        return None
    session.clear()  # a new session on every sign-in: nothing carried over (fixation)
    session.permanent = True
    session["token"] = token_hash(token)
    session["csrf"] = secrets.token_urlsafe(32)
    return found


def sign_in_account(login: str, password: str) -> Credential | None:
    """Start a fresh session holding the token of a live account for the right password;
    None (and no session) for anything else, whether or not the login exists
    (``taizhang.api.account_store.AccountStore.verify``)."""
    found = runtime().accounts.verify(login.strip(), password)
    if found is None:
        return None
    digest, account_id, since = found
    cred = runtime().tokens.lookup_digest(digest)
    if cred is None:
        return None
    session.clear()
    session.permanent = True
    session["token"] = digest
    session["account"] = account_id
    session["since"] = since
    session["csrf"] = secrets.token_urlsafe(32)
    return cred


def sign_out() -> None:
    session.clear()


def signed_in() -> Credential | None:
    """The credential of the session's token while it is live, else None."""
    digest = session.get("token")
    if not isinstance(digest, str):
        return None
    found = runtime().tokens.lookup_digest(digest)
    account = session.get("account")
    if found is not None and account is not None:
        # Signed in with an account: it ends when the account is disabled (its token is
        # revoked, above) or its password is reset.
        since = session.get("since")
        if not (
            isinstance(account, str) and isinstance(since, str)
        ) or not runtime().accounts.session_live(account, since):
            found = None
    if found is None:
        for key in ("token", "account", "since"):
            session.pop(key, None)
    return found


# -- language -------------------------------------------------------------------------------


def language() -> str:
    """``?lang=`` if given, else the language cookie, else Chinese."""
    asked = request.args.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return asked if asked in LANGS else "zh"


def remember_language(response: Any) -> Any:
    asked = request.args.get("lang")
    if asked in LANGS:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def current_lang() -> str:
    found: str = g.get("lang") or language()
    return found
