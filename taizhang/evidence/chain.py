"""The hash chain over the stored log: what each link is a hash of.

Every stored event has a link in a table of its own (``<events table>_chain``, keyed by
notification id), written in the transaction that stores the event, under the events
table's write lock, so links follow the log's order:

    leaf(n) = SHA-256( originator id (16 bytes) || int8(version)
                       || int4(len topic) || topic (UTF-8) || int4(len state) || state )
    link(n) = SHA-256( link(previous) || int8(n) || leaf(n) )

with the previous link of the first event 32 zero bytes (``GENESIS``), integers big-endian
and a missing value's length -1 (``ff ff ff ff``) and no bytes. ``state`` is the column's
bytes as the database holds them. The leaf keeps an event's bytes out of the links after
it: the chain from one link to a later one is checked with the leaves between them alone,
without the events (a receipt's proof, docs/EVIDENCE.md). The same definition is written
in SQL in the PostgreSQL insert function (``taizhang.store.event_insert``) and in migration 0011
(frozen); a test holds all three to it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

GENESIS = bytes(32)
NONE_LENGTH = b"\xff\xff\xff\xff"


def chain_table(events_table: str) -> str:
    return f"{events_table}_chain"


def checkpoints_table(events_table: str) -> str:
    return f"{events_table}_checkpoints"


def id_bytes(originator_id: Any) -> bytes:
    """The 16 bytes of an originator id (a UUID, or the hex text SQLite holds)."""
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    return UUID(hex=str(originator_id)).bytes


def _framed(value: bytes | None) -> bytes:
    if value is None:
        return NONE_LENGTH
    return len(value).to_bytes(4, "big") + value


def leaf(originator_id: bytes, version: int, topic: str | None, state: bytes | None) -> bytes:
    """The hash of one stored event's bytes."""
    return hashlib.sha256(
        b"".join(
            (
                originator_id,
                version.to_bytes(8, "big", signed=True),
                _framed(None if topic is None else topic.encode("utf-8")),
                _framed(state),
            )
        )
    ).digest()


def next_link(previous: bytes, position: int, leaf_hash: bytes) -> bytes:
    return hashlib.sha256(previous + position.to_bytes(8, "big", signed=True) + leaf_hash).digest()


def link(
    previous: bytes,
    position: int,
    originator_id: bytes,
    version: int,
    topic: str | None,
    state: bytes | None,
) -> bytes:
    """The link of the event stored at ``position``, following ``previous``."""
    return next_link(previous, position, leaf(originator_id, version, topic, state))


# Links kept for the answers of the posts that just stored them: a receipt names its event's
# link without reading it back. Enough for the posts of a few seconds; older ones are read.
RECENT_LINKS = 20_000


class RecentLinks:
    """The last links a process stored, by position (thread-safe, bounded)."""

    def __init__(self, size: int = RECENT_LINKS) -> None:
        self._size = size
        self._links: OrderedDict[int, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, positions: Sequence[int], links: Sequence[bytes]) -> None:
        with self._lock:
            self._links.update(zip(positions, links, strict=True))
            while len(self._links) > self._size:
                self._links.popitem(last=False)

    def get(self, position: int) -> bytes | None:
        with self._lock:
            return self._links.get(position)
