"""A receipt for a client's event id: proof that a post was stored, and its first answer.

Saved atomically with the fact it acknowledges. Its id is derived from the source system
and the client's event id, so a retried or concurrent duplicate post collides with it at
version 1 in the event store and is recognised instead of being stored twice.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from .base import LedgerAggregate
from .provenance import Provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/receipt")


def receipt_id(source: str, client_event_id: str) -> UUID:
    return uuid5(_NAMESPACE, f"{source}\x00{client_event_id}")


class Receipt(LedgerAggregate):
    class Issued(LedgerAggregate.Created):
        request_digest: str
        answer: dict[str, object]

    def __init__(
        self, provenance: Provenance, request_digest: str, answer: dict[str, object]
    ) -> None:
        self.request_digest = request_digest
        self.answer = answer

    @classmethod
    def issue(
        cls,
        provenance: Provenance,
        *,
        source: str,
        client_event_id: str,
        request_digest: str,
        answer: dict[str, object],
    ) -> Receipt:
        return cls._create(
            cls.Issued,
            id=receipt_id(source, client_event_id),
            provenance=provenance,
            request_digest=request_digest,
            answer=answer,
        )
