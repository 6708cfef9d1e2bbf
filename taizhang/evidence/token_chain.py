"""The token history as a hash chain: who could act, when, and nothing changed since.

Every row of ``api_token_events`` (a token created, rotated in, revoked) carries a link:
sha256 over the previous row's link and the row's own values, computed in the transaction
that inserts it, under a lock, so the rows form one chain in position order. ``taizhang
verify`` walks it (``walk``) and names the first row changed, deleted, inserted or
reordered. As with the event log's chain, a history whose rows and links were all computed
again, or whose newest rows were cut off, is not caught by the chain alone
(docs/EVIDENCE.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = bytes(32)
# The values a link is over, in this order (the position is the chain's order, not hashed).
FIELDS = ("recorded_at", "action", "token_id", "token_name", "role", "actor", "reason")
# A PostgreSQL advisory lock key: one writer of the history at a time.
LOCK_KEY = 0x746F6B656E73  # "tokens"


def link(previous: bytes, row: dict[str, Any]) -> bytes:
    values = json.dumps([row[f] for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(previous + values.encode("utf-8")).digest()


@dataclass(frozen=True)
class TokenFinding:
    position: int
    why: str

    def __str__(self) -> str:
        return f"token history at position {self.position}: {self.why}"


def walk(rows: Iterable[dict[str, Any]]) -> tuple[int, TokenFinding | None]:
    """How many rows hold, and the first that does not (rows in position order, each with
    its stored ``link`` as bytes or None)."""
    previous = GENESIS
    count = 0
    for row in rows:
        stored = row.get("link")
        if stored is None:
            return count, TokenFinding(row["position"], "has no link")
        if bytes(stored) != link(previous, row):
            return count, TokenFinding(
                row["position"],
                "its values or place are not those its link was made for (changed, or a row "
                "before it deleted, inserted or moved)",
            )
        previous = bytes(stored)
        count += 1
    return count, None
