"""Personal data sealed under a key per person, erasable by destroying the key.

A person's personal data (a name) never enters the event log in clear: it is sealed with
AES-GCM under a 256-bit key made for that person, and the sealed text is what events hold.
The keys live in their own table (``person_keys``, migration 0015), outside the log. Erasing
a person destroys their key (on SQLite with ``secure_delete`` and the write-ahead log
truncated, so the key's bytes do not linger in the file); the sealed text left in the log,
in backups and in exports can then no longer be read by anyone (crypto-shredding).

Any aggregate's personal data can use it: seal under the person's pseudonymous id and the
field's name, which are bound into the sealed text, so it cannot be moved to another person
or field.
"""

from __future__ import annotations

import base64
import hmac
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.errors import require
from taizhang.config import Settings

PREFIX = "aesgcm1:"
NONCE = 12


class PersonalKeys:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.mark = settings.dialect.mark

    @contextmanager
    def _cursor(self, *, secure: bool = False) -> Iterator[Any]:
        if self.settings.is_postgres:
            with psycopg.connect(self.settings.psycopg_conninfo()) as conn, conn.cursor() as cur:
                yield cur
            return
        conn = sqlite3.connect(self.settings.sqlite_path(), timeout=30)
        try:
            if secure:
                # Deleted rows are overwritten with zeros, not left in free pages.
                conn.execute("PRAGMA secure_delete = ON")
            cur = conn.cursor()
            yield cur
            conn.commit()
            if secure:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def _key(self, person_id: UUID, *, create: bool) -> bytes | None:
        m = self.mark
        with self._cursor() as cur:
            if create:
                cur.execute(
                    self.settings.dialect.upsert(
                        "person_keys",
                        ("person_id", "key", "created_at"),
                        ("person_id",),
                        update=False,
                    ),
                    (
                        str(person_id),
                        AESGCM.generate_key(bit_length=256),
                        datetime.now(UTC).isoformat(),
                    ),
                )
            cur.execute(f"SELECT key FROM person_keys WHERE person_id = {m}", (str(person_id),))
            row = cur.fetchone()
        return bytes(row[0]) if row is not None else None

    def seal(self, person_id: UUID, field: str, plaintext: str) -> str:
        """``plaintext`` sealed under the person's key (made on first use)."""
        key = self._key(person_id, create=True)
        require(bool(key), "candidate_id", "not_erased", "the person was erased")
        assert key is not None
        # The nonce is made from the key and the text (a synthetic nonce): sealing the same
        # name twice gives the same sealed text, so a retried post is recognised as the same.
        nonce = hmac.digest(key, _bound(person_id, field) + b"\0" + plaintext.encode(), "sha256")
        nonce = nonce[:NONCE]
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _bound(person_id, field))
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def unseal(self, person_id: UUID, field: str, sealed: str) -> str | None:
        """The plaintext, or None when the person's key was destroyed (erased)."""
        return self.unseal_many([(person_id, field, sealed)]).get(person_id)

    def unseal_many(self, items: Iterable[tuple[UUID, str, str]]) -> dict[UUID, str | None]:
        """Each person's plaintext (None: erased), with one read of their keys."""
        wanted = list(items)
        keys = self.keys([person for person, _, _ in wanted])
        found: dict[UUID, str | None] = {}
        for person_id, field, sealed in wanted:
            key = keys.get(person_id)
            if key is None or not sealed.startswith(PREFIX):
                found[person_id] = None
                continue
            raw = base64.b64decode(sealed[len(PREFIX) :])
            try:
                opened = AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], _bound(person_id, field))
            except InvalidTag:
                found[person_id] = None
                continue
            found[person_id] = opened.decode()
        return found

    def keys(self, person_ids: list[UUID]) -> dict[UUID, bytes]:
        if not person_ids:
            return {}
        marks = self.settings.dialect.marks(len(person_ids))
        with self._cursor() as cur:
            cur.execute(
                f"SELECT person_id, key FROM person_keys WHERE person_id IN ({marks})",
                [str(p) for p in person_ids],
            )
            rows = cur.fetchall()
        return {UUID(row[0]): bytes(row[1]) for row in rows if row[1]}

    def erase(self, person_id: UUID) -> bool:
        """Destroy the person's key; True if there was one. An empty key stays in its place,
        so that nothing is sealed for the person again."""
        m = self.mark
        with self._cursor(secure=True) as cur:
            cur.execute(
                f"SELECT count(*) FROM person_keys WHERE person_id = {m} AND length(key) > 0",
                (str(person_id),),
            )
            (had_key,) = cur.fetchone()
            cur.execute(f"DELETE FROM person_keys WHERE person_id = {m}", (str(person_id),))
            cur.execute(
                f"INSERT INTO person_keys (person_id, key, created_at) VALUES ({m}, {m}, {m})",
                (str(person_id), b"", datetime.now(UTC).isoformat()),
            )
        return bool(had_key)


def _bound(person_id: UUID, field: str) -> bytes:
    return f"{person_id}/{field}".encode()
