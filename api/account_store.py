"""Accounts: a login name and a password that hold a token, made by the campaign office.

An account is a person's way to sign in to the pages without handling a token. Creating one
creates a token (``taizhang.api.auth.TokenStore``, never shown to anyone: only its sha256 is kept,
here and in ``api_tokens``) with the role and scope the office grants; signing in with the
login and password puts that token's digest in the session, exactly as signing in with the
token does. Disabling an account revokes its token, so its open sessions end with it.

Passwords are hashed with scrypt (``werkzeug.security``) and are never stored, logged or
answered. Failed sign-ins are counted per account; the fifth in a row locks it for 15
minutes. A failure never says whether the login exists: unknown logins, disabled or locked
accounts and wrong passwords get the same answer after the same work (one scrypt).

Tables ``accounts`` and ``account_events`` (migration 0017); every creation, disabling,
password reset and lock is kept in ``account_events`` with who did it.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from werkzeug.security import check_password_hash, generate_password_hash

from taizhang.api.auth import Credential, TokenStore
from taizhang.domain.errors import InvalidValue, NotFound
from taizhang.lru import LRU

PASSWORD_MIN = 12
PASSWORD_MAX = 200
LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")
FAILURES_TO_LOCK = 5
LOCK_MINUTES = 15
HASH_METHOD = "scrypt"
# What an unknown or unusable login is checked against, so that it costs what a real one does.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method=HASH_METHOD)
# A password reset ends older sessions in other processes within this long.
CACHE_SECONDS = 0.5
SIGN_IN_ACTOR = "sign-in"


@dataclass(frozen=True)
class Account:
    id: UUID
    login: str
    district_id: UUID
    token_id: UUID
    password_set_at: str
    locked_until: str | None
    created_at: str
    created_by: str
    disabled_at: str | None
    disabled_by: str | None

    def as_dict(self, credential: Credential | None) -> dict[str, Any]:
        """What the office sees of an account: never a password or a hash."""
        scope = credential.as_dict() if credential is not None else {}
        return {
            "id": str(self.id),
            "login": self.login,
            "role": scope.get("role"),
            "district_id": str(self.district_id),
            "group_id": scope.get("group_id"),
            "committee_ids": scope.get("committee_ids", []),
            "branch_ids": scope.get("branch_ids", []),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "password_set_at": self.password_set_at,
            "locked": _locked(self.locked_until, _now()),
            "disabled_at": self.disabled_at,
            "disabled_by": self.disabled_by,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _locked(until: str | None, now: datetime) -> bool:
    return until is not None and datetime.fromisoformat(until) > now


def check_password(password: Any, field: str = "password") -> str:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidValue(
            field, "length", f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters"
        )
    if "\x00" in password:
        raise InvalidValue(field, "no_nul", "no NUL (U+0000)")
    return password


def check_login(login: Any) -> str:
    if not isinstance(login, str) or not LOGIN.match(login):
        raise InvalidValue(
            "login",
            "pattern",
            "a login is 3-64 letters, digits, '.', '_' or '-' (a pseudonym, never a real name)",
        )
    return login


_COLUMNS = (
    "id, login, district_id, token_id, password_set_at, locked_until, created_at, created_by,"
    " disabled_at, disabled_by"
)


def _values(row: Any) -> list[Any]:
    return list(row.values()) if isinstance(row, dict) else list(row)


def _account(row: Any) -> Account:
    values = _values(row)
    return Account(
        id=UUID(values[0]),
        login=values[1],
        district_id=UUID(values[2]),
        token_id=UUID(values[3]),
        password_set_at=values[4],
        locked_until=values[5],
        created_at=values[6],
        created_by=values[7],
        disabled_at=values[8],
        disabled_by=values[9],
    )


class AccountStore:
    """The accounts table beside the token store, in the same database and transactions."""

    def __init__(self, tokens: TokenStore) -> None:
        self.tokens = tokens
        self.p = tokens.placeholder
        self._live: LRU[tuple[str, str], tuple[float, bool]] = LRU(10_000)
        self._lock = threading.Lock()

    # -- the office's work ------------------------------------------------------------------

    def create(
        self,
        by: Credential,
        login: str,
        password: str,
        role: str,
        *,
        group_id: UUID | None = None,
        committee_ids: list[UUID] | None = None,
        branch_ids: list[UUID] | None = None,
        reason: str = "",
    ) -> tuple[Account, Credential]:
        """A new account in ``by``'s district holding a new token of ``role`` and scope (the
        caller has checked the scope is within ``by``'s)."""
        check_login(login)
        check_password(password)
        if by.district_id is None:
            raise InvalidValue("district", "required", "accounts belong to a district")
        p = self.p
        with self.tokens.transaction() as cur:
            cur.execute(f"SELECT 1 FROM accounts WHERE login = {p}", (login,))
            taken = cur.fetchone() is not None
        if taken:
            raise InvalidValue("login", "unique", f"an account {login!r} already exists")
        hashed = generate_password_hash(password, method=HASH_METHOD)
        made: list[Account] = []

        def insert(cur: Any, credential: Credential, digest: str) -> None:
            account = Account(
                id=uuid4(),
                login=login,
                district_id=by.district_id,  # type: ignore[arg-type]
                token_id=credential.id,
                password_set_at=credential.created_at,
                locked_until=None,
                created_at=credential.created_at,
                created_by=by.name,
                disabled_at=None,
                disabled_by=None,
            )
            cur.execute(
                "INSERT INTO accounts (id, login, district_id, token_id, token_hash,"
                " password_hash, password_set_at, created_at, created_by)"
                f" VALUES ({', '.join([p] * 9)})",
                (str(account.id), login, str(account.district_id), str(credential.id), digest,
                 hashed, account.password_set_at, account.created_at, by.name),
            )  # fmt: skip
            self._record(cur, "created", account, account.created_at, by.name, reason)
            made.append(account)

        try:
            _, credential = self.tokens.create(
                login,
                role,
                district_id=by.district_id,
                group_id=group_id,
                committee_ids=committee_ids,
                branch_ids=branch_ids,
                by=by.name,
                reason=reason or f"account {login}",
                then=insert,
            )
        except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation):
            # Another office made the same login at the same moment: nothing was written.
            raise InvalidValue("login", "unique", f"an account {login!r} already exists") from None
        return made[0], credential

    def disable(self, by: Credential, account_id: UUID, reason: str = "") -> Account:
        """Disable the account and revoke its token: its sessions end with it."""
        account = self.get(by, account_id)
        if account.disabled_at is not None:
            return account

        def mark(cur: Any, now: str) -> None:
            cur.execute(
                f"UPDATE accounts SET disabled_at = {self.p}, disabled_by = {self.p}"
                f" WHERE id = {self.p} AND disabled_at IS NULL",
                (now, by.name, str(account.id)),
            )
            if cur.rowcount:  # not already disabled by a concurrent request
                self._record(cur, "disabled", account, now, by.name, reason)

        self.tokens.revoke(
            str(account.token_id), by=by.name, reason=reason or f"account {account.login}",
            then=mark,
        )  # fmt: skip
        self._forget()
        return self.get(by, account_id)

    def reset_password(
        self, by: Credential, account_id: UUID, password: str, reason: str = ""
    ) -> Account:
        """A new password (and no lock); sessions signed in with the old one end."""
        check_password(password)
        account = self.get(by, account_id)
        if account.disabled_at is not None:
            raise InvalidValue("account", "not_disabled", "a disabled account stays disabled")
        hashed = generate_password_hash(password, method=HASH_METHOD)
        p = self.p
        now = _now().isoformat()
        with self.tokens.transaction() as cur:
            cur.execute(
                f"UPDATE accounts SET password_hash = {p}, password_set_at = {p}, failures = 0,"
                f" locked_until = NULL WHERE id = {p} AND disabled_at IS NULL",
                (hashed, now, str(account.id)),
            )
            if not cur.rowcount:  # disabled meanwhile: nothing is written
                raise InvalidValue("account", "not_disabled", "a disabled account stays disabled")
            self._record(cur, "password_reset", account, now, by.name, reason)
        self._forget()
        return self.get(by, account_id)

    def listing(self, by: Credential) -> list[tuple[Account, Credential | None]]:
        """The accounts of ``by``'s district, with the credential each holds."""
        with self.tokens.transaction() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM accounts WHERE district_id = {self.p}"
                " ORDER BY created_at, login",
                (str(by.district_id),),
            )
            accounts = [_account(row) for row in cur.fetchall()]
        credentials = {c.id: c for c in self.tokens.list()}
        return [(a, credentials.get(a.token_id)) for a in accounts]

    def get(self, by: Credential, account_id: UUID) -> Account:
        """The account if it is in ``by``'s district; NotFound otherwise, as for ids out of
        scope."""
        with self.tokens.transaction() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM accounts WHERE id = {self.p} AND district_id = {self.p}",
                (str(account_id), str(by.district_id)),
            )
            row = cur.fetchone()
        if row is None:
            raise NotFound("account_id", "account", account_id)
        return _account(row)

    def history(self, by: Credential) -> list[dict[str, Any]]:
        """Every account of ``by``'s district created, disabled, reset or locked, oldest
        first: when, what, which account, by whom, why."""
        names = ("position", "recorded_at", "action", "account_id", "login", "actor", "reason")
        with self.tokens.transaction() as cur:
            cur.execute(
                f"SELECT {', '.join(names)} FROM account_events WHERE district_id = {self.p}"
                " ORDER BY position",
                (str(by.district_id),),
            )
            return [dict(zip(names, _values(row), strict=True)) for row in cur.fetchall()]

    def _record(
        self, cur: Any, action: str, account: Account, at: str, actor: str, reason: str
    ) -> None:
        cur.execute(
            "INSERT INTO account_events"
            " (recorded_at, action, account_id, login, district_id, actor, reason)"
            f" VALUES ({', '.join([self.p] * 7)})",
            (at, action, str(account.id), account.login, str(account.district_id), actor,
             reason),
        )  # fmt: skip

    # -- signing in -------------------------------------------------------------------------

    def verify(self, login: str, password: str) -> tuple[str, str, str] | None:
        """``(token digest, account id, password set at)`` for the right password of a live,
        unlocked account; None for anything else, after the same work."""
        if not LOGIN.match(login) or not 0 < len(password) <= PASSWORD_MAX:
            check_password_hash(_DUMMY_HASH, password[:PASSWORD_MAX])
            return None
        p = self.p
        with self.tokens.transaction() as cur:
            cur.execute(
                "SELECT id, token_hash, password_hash, password_set_at, locked_until,"
                f" disabled_at, district_id, failures FROM accounts WHERE login = {p}",
                (login,),
            )
            row = cur.fetchone()
        if row is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        ident, digest, hashed, since, locked_until, disabled_at, district, failures = _values(row)
        now = _now()
        if disabled_at is not None or _locked(locked_until, now):
            check_password_hash(_DUMMY_HASH, password)
            return None
        if check_password_hash(hashed, password):
            if failures or locked_until is not None:
                self._succeeded(ident)
            return digest, ident, since
        self._failed(ident, login, district, now)
        return None

    def _succeeded(self, ident: str) -> None:
        with self.tokens.transaction() as cur:
            cur.execute(
                f"UPDATE accounts SET failures = 0, locked_until = NULL WHERE id = {self.p}"
                " AND (failures > 0 OR locked_until IS NOT NULL)",
                (ident,),
            )

    def _failed(self, ident: str, login: str, district: str, now: datetime) -> None:
        p = self.p
        with self.tokens.transaction() as cur:
            cur.execute(
                f"UPDATE accounts SET failures = failures + 1 WHERE id = {p} RETURNING failures",
                (ident,),
            )
            failures = _values(cur.fetchone())[0]
            if failures < FAILURES_TO_LOCK:
                return
            until = (now + timedelta(minutes=LOCK_MINUTES)).isoformat()
            cur.execute(
                f"UPDATE accounts SET failures = 0, locked_until = {p} WHERE id = {p}",
                (until, ident),
            )
            cur.execute(
                "INSERT INTO account_events"
                " (recorded_at, action, account_id, login, district_id, actor, reason)"
                f" VALUES ({', '.join([p] * 7)})",
                (now.isoformat(), "locked", ident, login, district, SIGN_IN_ACTOR,
                 f"{FAILURES_TO_LOCK} failed sign-ins: locked for {LOCK_MINUTES} minutes"),
            )  # fmt: skip

    def session_live(self, account_id: str, since: str) -> bool:
        """Whether a session that signed in to this account with the password set at
        ``since`` may go on: the account is not disabled and its password not reset since."""
        key = (account_id, since)
        now = time.monotonic()
        with self._lock:
            cached = self._live.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self.tokens.transaction() as cur:
            cur.execute(
                f"SELECT 1 FROM accounts WHERE id = {self.p} AND password_set_at = {self.p}"
                " AND disabled_at IS NULL",
                (account_id, since),
            )
            live = cur.fetchone() is not None
        with self._lock:
            self._live.put(key, (now + CACHE_SECONDS, live))
        return live

    def _forget(self) -> None:
        with self._lock:
            self._live.clear()
