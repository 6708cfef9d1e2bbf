"""The heads of the credential histories a signed checkpoint covers beside the event log.

Who could act when is evidence too: the token history (``api_token_events``, hash-chained
row by row, ``taizhang.evidence.token_chain``) and the accounts' history (``account_events``:
accounts created, disabled, passwords reset, locked). A checkpoint signs each history's
head: how many rows it holds and the link after the last of them. The token history's link
is the one stored with its last row (recomputed and checked first); the accounts' history
keeps no links, so its link is computed here over the rows in position order, the same way
(sha256 over the previous link and the row's values). ``taizhang verify --checkpoint`` then
recomputes both over the same first rows: a row changed, deleted or inserted before the
signed head, or a history cut short below it, no longer gives the signed link.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from taizhang.config import Settings
from taizhang.evidence import token_chain

GENESIS = bytes(32)
TOKENS = "token-history"
ACCOUNTS = "account-events"
_TOKEN_COLUMNS = ("position", *token_chain.FIELDS, "link")
ACCOUNT_FIELDS = ("recorded_at", "action", "account_id", "login", "district_id", "actor", "reason")


@dataclass(frozen=True)
class Head:
    rows: int
    link: bytes

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "hash": self.link.hex()}


@dataclass(frozen=True)
class SideFinding:
    history: str  # TOKENS or ACCOUNTS
    kind: str  # "changed" (the token chain itself), "truncated", "not-extended"
    position: int
    why: str

    def __str__(self) -> str:
        return f"{self.history} at row {self.position}: {self.kind}: {self.why}"


def account_link(previous: bytes, row: dict[str, Any]) -> bytes:
    values = json.dumps([row[f] for f in ACCOUNT_FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(previous + values.encode("utf-8")).digest()


@contextmanager
def _cursor(settings: Settings) -> Iterator[Any]:
    if settings.is_postgres:
        with psycopg.connect(settings.psycopg_conninfo()) as conn, conn.cursor() as cur:
            yield cur
        return
    conn = sqlite3.connect(settings.sqlite_path(), timeout=30)
    try:
        yield conn.cursor()
    finally:
        conn.close()


def _rows(settings: Settings, table: str, columns: Iterable[str]) -> list[dict[str, Any]]:
    names = tuple(columns)
    with _cursor(settings) as cur:
        cur.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY position")
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def token_links(settings: Settings) -> tuple[list[bytes], SideFinding | None]:
    """The token history's links in order, as far as its chain holds."""
    rows = _rows(settings, "api_token_events", _TOKEN_COLUMNS)
    for row in rows:
        row["link"] = None if row["link"] is None else bytes(row["link"])
    count, finding = token_chain.walk(rows)
    links = [row["link"] for row in rows[:count]]
    if finding is not None:
        return links, SideFinding(TOKENS, "changed", finding.position, finding.why)
    return links, None


def account_links(settings: Settings) -> list[bytes]:
    """The accounts' history's links in order, computed over its rows."""
    links = []
    previous = GENESIS
    for row in _rows(settings, "account_events", ("position", *ACCOUNT_FIELDS)):
        previous = account_link(previous, row)
        links.append(previous)
    return links


def _head(links: list[bytes]) -> Head:
    return Head(len(links), links[-1] if links else GENESIS)


def read_heads(settings: Settings) -> tuple[dict[str, Head], SideFinding | None]:
    """Both histories' heads now, or the token history's first broken row."""
    tokens, finding = token_links(settings)
    return {TOKENS: _head(tokens), ACCOUNTS: _head(account_links(settings))}, finding


def check_heads(settings: Settings, signed: dict[str, Head]) -> SideFinding | None:
    """Do the histories still extend the heads a checkpoint signed?"""
    tokens, finding = token_links(settings)
    if finding is not None:
        return finding
    now = {TOKENS: tokens, ACCOUNTS: account_links(settings)}
    for history, head in sorted(signed.items()):
        links = now[history]
        if len(links) < head.rows:
            return SideFinding(
                history,
                "truncated",
                head.rows,
                f"the checkpoint signed {head.rows} rows; the history now holds {len(links)}",
            )
        if _head(links[: head.rows]).link != head.link:
            return SideFinding(
                history,
                "not-extended",
                head.rows,
                "the rows up to the signed head are not those the checkpoint signed",
            )
    return None


def heads_text(heads: dict[str, Head]) -> str:
    """The heads as the canonical JSON a checkpoint stores and signs."""
    return json.dumps(
        {name: head.as_json() for name, head in sorted(heads.items())},
        sort_keys=True,
        separators=(",", ":"),
    )


def heads_of(text: str) -> dict[str, Head]:
    found = json.loads(text)
    return {
        name: Head(int(value["rows"]), bytes.fromhex(value["hash"]))
        for name, value in found.items()
    }
