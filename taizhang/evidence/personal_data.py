"""Personal data sealed under a key per person, erasable by destroying the key.

A person's personal data (a name) never enters the event log in clear: it is sealed with
AES-GCM under a 256-bit key made for that person, and the sealed text is what events hold.
The keys live in their own table (``person_keys``, migration 0015), outside the log. Erasing
a person destroys their key (on SQLite with ``secure_delete`` and the write-ahead log
truncated, so the key's bytes do not linger in the file); the sealed text left in the log,
in backups and in exports can then no longer be read by anyone (crypto-shredding).

Any aggregate's personal data can use it: seal under the person's pseudonymous id (a
candidate's id, or the id a campaign fact names a person by, ``taizhang.domain.persons``) and the
field's name, which are bound into the sealed text, so it cannot be moved to another person
or field.
"""

from __future__ import annotations

import base64
import hmac
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from taizhang.config import Settings
from taizhang.domain.errors import require
from taizhang.domain.persons import SEALED_PREFIX

PREFIX = SEALED_PREFIX
NONCE = 12

# A person: a candidate's id, or a pseudonymous id a campaign fact names them by.
Person = UUID | str
P = TypeVar("P", UUID, str)


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

    def _key(self, person_id: Person, *, create: bool) -> bytes | None:
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

    def seal(
        self, person_id: Person, field: str, plaintext: str, *, names: str = "candidate_id"
    ) -> str:
        """``plaintext`` sealed under the person's key (made on first use); refused, naming
        the field ``names``, when the person was erased."""
        key = self._key(person_id, create=True)
        require(bool(key), names, "not_erased", "the person was erased")
        assert key is not None
        # The nonce is made from the key and the text (a synthetic nonce): sealing the same
        # name twice gives the same sealed text, so a retried post is recognised as the same.
        nonce = hmac.digest(key, _bound(person_id, field) + b"\0" + plaintext.encode(), "sha256")
        nonce = nonce[:NONCE]
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _bound(person_id, field))
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def unseal(self, person_id: Person, field: str, sealed: str) -> str | None:
        """The plaintext, or None when the person's key was destroyed (erased)."""
        return self.unseal_many([(person_id, field, sealed)]).get(person_id)

    def unseal_many(self, items: Iterable[tuple[P, str, str]]) -> dict[P, str | None]:
        """Each person's plaintext (None: erased), with one read of their keys."""
        wanted = list(items)
        keys = self.keys([person for person, _, _ in wanted])
        found: dict[P, str | None] = {}
        for person_id, field, sealed in wanted:
            key = keys.get(str(person_id))
            found[person_id] = None if key is None else _open(key, person_id, field, sealed)
        return found

    def open_all(self, items: Sequence[tuple[Person, str, str]]) -> list[str | None]:
        """Each sealed text's plaintext, in order (None: erased or not sealed), with one
        read of the keys; one person may have several fields sealed."""
        keys = self.keys([person for person, _, _ in items])
        found: list[str | None] = []
        for person_id, field, sealed in items:
            key = keys.get(str(person_id))
            found.append(None if key is None else _open(key, person_id, field, sealed))
        return found

    def keys(self, person_ids: Sequence[Person]) -> dict[str, bytes]:
        """The live keys of these people, by their ids as text."""
        wanted = sorted({str(p) for p in person_ids})
        if not wanted:
            return {}
        marks = self.settings.dialect.marks(len(wanted))
        with self._cursor() as cur:
            cur.execute(
                f"SELECT person_id, key FROM person_keys WHERE person_id IN ({marks})", wanted
            )
            rows = cur.fetchall()
        return {row[0]: bytes(row[1]) for row in rows if row[1]}

    def named_in(self, pairs: Iterable[tuple[str, UUID]]) -> None:
        """Note that these people (pseudonymous ids) were named in these districts' facts:
        a district's office may erase the people its district names (migration 0022)."""
        rows = sorted({(person, str(district)) for person, district in pairs})
        if not rows:
            return
        sql = self.settings.dialect.upsert(
            "person_districts", ("person_id", "district_id"), ("person_id", "district_id")
        )
        with self._cursor() as cur:
            cur.executemany(sql, rows)

    def districts_of(self, person: str) -> set[UUID]:
        """The districts whose facts named this person (through the API)."""
        with self._cursor() as cur:
            cur.execute(
                f"SELECT district_id FROM person_districts WHERE person_id = {self.mark}",
                (person,),
            )
            return {UUID(row[0]) for row in cur.fetchall()}

    def erase(self, person_id: Person) -> bool:
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


def _open(key: bytes, person_id: Person, field: str, sealed: str) -> str | None:
    if not sealed.startswith(PREFIX):
        return None
    # Text that only looks sealed (not base64, too short, not this person's) opens to nothing.
    try:
        raw = base64.b64decode(sealed[len(PREFIX) :], validate=True)
        opened = AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], _bound(person_id, field))
        return opened.decode()
    except (InvalidTag, ValueError):
        return None


def _bound(person_id: Person, field: str) -> bytes:
    return f"{person_id}/{field}".encode()
