"""Reports that carry their evidence: the log position a report was built from, the chain's
link there, the first signed checkpoint covering it, and a digest of the report's content.

A supervision group that keeps a report can check it against the log later
(``taizhang verify --report FILE``): the content still has its digest, the log still holds
the link the report names at its position, and the checkpoint's signature holds and the log
still reaches its link. The first checkpoint at or after the position is named, not the
newest, so that the same request over the same log gives the same evidence (until the first
covering checkpoint is signed, ``checkpoint`` is null; a later request names it).

The digest is over the content's canonical JSON (keys sorted, no spaces, UTF-8), so it
does not depend on how a file was written: a workbook's digest is over its cells' values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from taizhang.evidence.chain_store import ChainStore
from taizhang.evidence.checkpoints import CheckpointError, as_document, from_document
from taizhang.evidence.verify import Walk

FORMAT = "taizhang-report-evidence-v1"


def digest_of(content: Any) -> str:
    text = json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def evidence(store: ChainStore, position: int, content: Any) -> dict[str, Any]:
    """The evidence of a report built from the log up to ``position``."""
    link = store.link_at(position) if position > 0 else None
    checkpoint = store.checkpoint_covering(position) if position > 0 else None
    return {
        "format": FORMAT,
        "position": position,
        "hash": None if link is None else link.hex(),
        "checkpoint": None if checkpoint is None else as_document(checkpoint),
        "digest": digest_of(content),
    }


def positions_named(document: Any) -> list[int]:
    """The log positions whose links a check of this evidence needs from the walk."""
    found = [int(document.get("position") or 0)]
    signed = document.get("checkpoint")
    if isinstance(signed, dict) and "position" in signed:
        found.append(int(signed["position"]))
    return [p for p in found if p > 0]


def check(walked: Walk, document: Any, content: Any) -> str | None:
    """Why the report does not hold against the walked log, or None when it does."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return f"no {FORMAT} evidence in the report"
    if document.get("digest") != digest_of(content):
        return "the report's content is not the content its evidence was made for"
    position = int(document.get("position") or 0)
    if position > 0:
        if walked.head < position:
            return f"the log ends at {walked.head}, before the report's position {position}"
        found = walked.links_at.get(position)
        if found is None or found.hex() != document.get("hash"):
            return f"the log at position {position} is not the log the report was built from"
    signed = document.get("checkpoint")
    if signed is None:
        return None
    try:
        checkpoint = from_document(signed)
    except CheckpointError as error:
        return f"the report's checkpoint: {error}"
    if checkpoint.position < position:
        return "the report's checkpoint does not cover its position"
    if walked.links_at.get(checkpoint.position) != checkpoint.hash:
        return f"the log up to {checkpoint.position} is not what the report's checkpoint signed"
    return None
