"""API tokens: created once by an operator, stored hashed, looked up on every request.

A token is 32 random bytes (urlsafe base64); only its sha256 is stored (table
``api_tokens``, migration 0002). The token's name is the actor of every event posted with
it; its source (an integrator's system name, defaulting to the name) is the source.
"""

from __future__ import annotations

import dataclasses
import getpass
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from psycopg_pool import ConnectionPool

from taizhang.config import Settings
from taizhang.domain.errors import InvalidValue
from taizhang.evidence import token_chain
from taizhang.lru import LRU
from taizhang.service import Caller
from taizhang.store.pool_check import check_before_use

TOKEN_PREFIX = "tz_"
ROLES = ("integrator", "committee", "supervisor", "office", "admin")
# A revoked token keeps working in other processes for at most this long.
CACHE_SECONDS = 0.5
_NAME_MAX = 100


@dataclass(frozen=True)
class Credential:
    id: UUID
    name: str
    role: str
    source: str
    district_id: UUID | None = None
    group_id: UUID | None = None
    committee_ids: frozenset[UUID] = field(default_factory=frozenset)
    branch_ids: frozenset[UUID] = field(default_factory=frozenset)
    created_at: str = ""
    revoked_at: str | None = None

    @property
    def caller(self) -> Caller:
        return Caller(actor=self.name, source=self.source)

    @property
    def whole_district(self) -> bool:
        """Scoped to its district as a whole, not to some committees, branches or a group."""
        return not (self.committee_ids or self.branch_ids or self.group_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "role": self.role,
            "source": self.source,
            "district_id": str(self.district_id) if self.district_id else None,
            "group_id": str(self.group_id) if self.group_id else None,
            "committee_ids": sorted(str(c) for c in self.committee_ids),
            "branch_ids": sorted(str(b) for b in self.branch_ids),
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """The api_tokens table, on SQLite or PostgreSQL, with a short lookup cache."""

    # The roles this store issues, and those of them that need no district.
    roles: tuple[str, ...] = ROLES
    districtless: tuple[str, ...] = ("admin",)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: LRU[str, tuple[float, Credential | None]] = LRU(10_000)
        self._lock = threading.Lock()
        self._pool: Any = None
        self.placeholder = settings.dialect.mark

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def transaction(self) -> Any:
        """A cursor in one transaction on the token store's database (committed on leaving):
        what is kept beside tokens (``taizhang.api.account_store``) changes with them."""
        return self._cursor()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.settings.is_postgres:
            with self._lock:
                if self._pool is None:
                    self._pool = ConnectionPool(
                        self.settings.psycopg_conninfo(),
                        min_size=1,
                        max_size=4,
                        open=True,
                        timeout=10,
                        # A session ended under the pool (restart, failover, terminated) is
                        # replaced before use instead of failing a token lookup with a 503.
                        check=check_before_use,
                    )
            with self._pool.connection() as conn, conn.cursor() as cur:
                yield cur
        else:
            conn = sqlite3.connect(self.settings.sqlite_path(), timeout=30)
            try:
                cur = conn.cursor()
                yield cur
                conn.commit()
            finally:
                conn.close()

    def create(
        self,
        name: str,
        role: str,
        *,
        source: str | None = None,
        district_id: UUID | None = None,
        group_id: UUID | None = None,
        committee_ids: list[UUID] | None = None,
        branch_ids: list[UUID] | None = None,
        by: str | None = None,
        reason: str = "",
        then: Callable[[Any, Credential, str], None] | None = None,
    ) -> tuple[str, Credential]:
        """A new token (returned once, never stored) and its credential; ``by`` (default: the
        operating-system user running this) and ``reason`` go to the token history.
        ``then(cursor, credential, digest)`` runs in the same transaction."""
        name = name.strip()
        if not name or len(name) > _NAME_MAX:
            raise InvalidValue("name", "required", f"a token needs a name of 1-{_NAME_MAX} chars")
        if role not in self.roles:
            raise InvalidValue("role", "known_role", f"role must be one of {', '.join(self.roles)}")
        if role not in self.districtless and district_id is None:
            raise InvalidValue("district", "required", f"a {role} token needs a district")
        if role == "integrator" and not (committee_ids or branch_ids):
            raise InvalidValue(
                "committee", "required", "an integrator token is scoped to committees or branches"
            )
        if role == "committee" and (not committee_ids or branch_ids or group_id):
            raise InvalidValue(
                "committee", "required", "a committee token is scoped to committees only"
            )
        if role in ("office", "admin") and (committee_ids or branch_ids or group_id):
            raise InvalidValue("role", "whole_scope", f"an {role} token has no narrower scope")
        # A fixed prefix: a token never starts with '-' (command lines took one for an
        # option), and a leaked one is recognisable to secret scanners.
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        credential = Credential(
            id=uuid4(),
            name=name,
            role=role,
            source=(source or name).strip(),
            district_id=district_id,
            group_id=group_id,
            committee_ids=frozenset(committee_ids or ()),
            branch_ids=frozenset(branch_ids or ()),
            created_at=datetime.now(UTC).isoformat(),
        )
        with self._cursor() as cur:
            self._insert(cur, token, credential)
            self._record(cur, "created", credential, credential.created_at, by, reason)
            if then is not None:
                then(cur, credential, token_hash(token))
        return token, credential

    def _insert(self, cur: Any, token: str, credential: Credential) -> None:
        p = self.placeholder
        cur.execute(f"SELECT 1 FROM api_tokens WHERE name = {p}", (credential.name,))
        if cur.fetchone() is not None:
            raise InvalidValue(
                "name", "unique", f"a token named {credential.name!r} already exists"
            )
        cur.execute(
            "INSERT INTO api_tokens (id, name, role, source, district_id, group_id,"
            " committee_ids, branch_ids, token_hash, created_at)"
            f" VALUES ({', '.join([p] * 10)})",
            (
                str(credential.id),
                credential.name,
                credential.role,
                credential.source,
                _str(credential.district_id),
                _str(credential.group_id),
                json.dumps(sorted(str(c) for c in credential.committee_ids)),
                json.dumps(sorted(str(b) for b in credential.branch_ids)),
                token_hash(token),
                credential.created_at,
            ),
        )

    def rotate(
        self, name_or_id: str, new_name: str, *, by: str | None = None, reason: str = ""
    ) -> tuple[str, Credential]:
        """A new token under ``new_name`` with the old one's role, scope and source, and the
        old one revoked, in one transaction; both join the token history (``rotated`` for
        the new one, ``revoked`` for the old), each naming the other."""
        new_name = new_name.strip()
        if not new_name or len(new_name) > _NAME_MAX:
            raise InvalidValue("name", "required", f"a token needs a name of 1-{_NAME_MAX} chars")
        p = self.placeholder
        now = datetime.now(UTC).isoformat()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._cursor() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM api_tokens"
                f" WHERE (name = {p} OR id = {p}) AND revoked_at IS NULL",
                (name_or_id, name_or_id),
            )
            live = [_credential(row) for row in cur.fetchall()]
            if len(live) != 1:
                raise InvalidValue("token", "live", f"no live token {name_or_id!r} to rotate")
            (old,) = live
            new = dataclasses.replace(old, id=uuid4(), name=new_name, created_at=now)
            self._insert(cur, token, new)
            cur.execute(
                f"UPDATE api_tokens SET revoked_at = {p} WHERE id = {p} AND revoked_at IS NULL",
                (now, str(old.id)),
            )
            self._record(cur, "rotated", new, now, by, f"replaces {old.id}: {reason}")
            self._record(cur, "revoked", old, now, by, f"rotated to {new.id}: {reason}")
        with self._lock:
            self._cache.clear()
        return token, new

    def revoke(
        self,
        name_or_id: str,
        *,
        by: str | None = None,
        reason: str = "",
        then: Callable[[Any, str], None] | None = None,
    ) -> Credential | None:
        """Revoke a live token; the revocation joins the token history with who and why.
        ``then(cursor, now)`` runs in the same transaction."""
        p = self.placeholder
        now = datetime.now(UTC).isoformat()
        with self._cursor() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM api_tokens"
                f" WHERE (name = {p} OR id = {p}) AND revoked_at IS NULL",
                (name_or_id, name_or_id),
            )
            live = [_credential(row) for row in cur.fetchall()]
            cur.execute(
                f"UPDATE api_tokens SET revoked_at = {p}"
                f" WHERE (name = {p} OR id = {p}) AND revoked_at IS NULL",
                (now, name_or_id, name_or_id),
            )
            for credential in live:
                self._record(cur, "revoked", credential, now, by, reason)
            if then is not None:
                then(cur, now)
        with self._lock:
            self._cache.clear()
        found = [c for c in self.list() if name_or_id in (c.name, str(c.id))]
        return found[0] if found else None

    def _record(
        self, cur: Any, action: str, credential: Credential, at: str, by: str | None, reason: str
    ) -> None:
        """One row of the token history, linked to the one before it (taizhang.evidence.token_chain)
        in this transaction; one writer at a time (on SQLite this transaction already
        holds the write lock, since it changed ``api_tokens`` first)."""
        p = self.placeholder
        if self.settings.is_postgres:
            cur.execute(f"SELECT pg_advisory_xact_lock({token_chain.LOCK_KEY})")
        cur.execute("SELECT link FROM api_token_events ORDER BY position DESC LIMIT 1")
        last = cur.fetchone()
        stored = None if last is None else (last["link"] if isinstance(last, dict) else last[0])
        previous = token_chain.GENESIS if stored is None else bytes(stored)
        row = {
            "recorded_at": at,
            "action": action,
            "token_id": str(credential.id),
            "token_name": credential.name,
            "role": credential.role,
            "actor": by or _os_user(),
            "reason": reason,
        }
        cur.execute(
            "INSERT INTO api_token_events"
            " (recorded_at, action, token_id, token_name, role, actor, reason, link)"
            f" VALUES ({', '.join([p] * 8)})",
            (*(row[f] for f in token_chain.FIELDS), token_chain.link(previous, row)),
        )

    def history(self, *, links: bool = False) -> list[dict[str, Any]]:
        """Every token created, rotated in and revoked, oldest first: when, what, which
        token, by whom, why (and each row's link in the history's chain, if asked)."""
        with self._cursor() as cur:
            cur.execute(
                "SELECT position, recorded_at, action, token_id, token_name, role, actor, reason,"
                " link FROM api_token_events ORDER BY position"
            )
            names = ("position", "recorded_at", "action", "token_id", "token_name", "role",
                     "actor", "reason", "link")  # fmt: skip
            found = [
                dict(zip(names, row.values() if isinstance(row, dict) else row, strict=True))
                for row in cur.fetchall()
            ]
        for row in found:
            stored = row.pop("link")
            if links:
                row["link"] = None if stored is None else bytes(stored)
        return found

    def list(self) -> list[Credential]:
        with self._cursor() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM api_tokens ORDER BY created_at, name")
            return [_credential(row) for row in cur.fetchall()]

    def lookup(self, token: str) -> Credential | None:
        """The live credential for a presented token, or None."""
        return self.lookup_digest(token_hash(token))

    def lookup_digest(self, digest: str) -> Credential | None:
        """The live credential whose token has this sha256 (a page session keeps only the
        digest, never the token), or None."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        with self._cursor() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM api_tokens WHERE token_hash = {self.placeholder}"
                " AND revoked_at IS NULL",
                (digest,),
            )
            row = cur.fetchone()
        credential = _credential(row) if row is not None else None
        with self._lock:
            self._cache.put(digest, (now + CACHE_SECONDS, credential))
        return credential


_COLUMNS = (
    "id, name, role, source, district_id, group_id, committee_ids, branch_ids, created_at,"
    " revoked_at"
)


def _os_user() -> str:
    """Who runs this process: the operator at the console for the CLI."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def _str(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _credential(row: Any) -> Credential:
    values = list(row.values()) if isinstance(row, dict) else list(row)
    ident, name, role, source, district, group, committees, branches, created, revoked = values
    return Credential(
        id=UUID(ident),
        name=name,
        role=role,
        source=source,
        district_id=_uuid(district),
        group_id=_uuid(group),
        committee_ids=frozenset(UUID(c) for c in json.loads(committees)),
        branch_ids=frozenset(UUID(b) for b in json.loads(branches)),
        created_at=created,
        revoked_at=revoked,
    )
