"""The log's evidence over HTTP (docs/EVIDENCE.md).

``GET /api/v1/checkpoints``: the signed checkpoints, for the office and the supervision
groups to take and keep outside the system; each is the document ``taizhang checkpoint
export`` writes (position, the chain's link there, time, the public key and its fingerprint,
the signature), and ``head`` is the chain's head now. ``GET /api/v1/checkpoints/inclusion``:
a receipt's proof that its event is in a signed checkpoint; ``GET
/api/v1/checkpoints/consistency``: that a later checkpoint extends an earlier one. A proof
holds positions and hashes only, never an event's content, so any caller may ask for one.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import credential, runtime
from taizhang.api.schemas.queries import CheckpointsQuery, ConsistencyQuery, InclusionQuery
from taizhang.evidence.chain_store import ChainStore, leaf_of
from taizhang.evidence.checkpoints import as_document

bp = Blueprint("evidence", __name__, url_prefix="/api/v1")

# Who may read them: those who hold branches and committees to account.
READERS = ("office", "supervisor", "admin")
# The newest this many; one is signed every thousand events or ten minutes by default.
SHOWN = 100


@bp.get("/checkpoints")
def checkpoints() -> Response:
    """The newest signed checkpoints of the log, newest last, and the chain's head."""
    load_query(CheckpointsQuery)
    role = credential().role
    if role not in READERS:
        raise ApiProblem(
            403,
            f"a token of role {role} may not read the log's checkpoints",
            slug="forbidden",
            errors=[
                error_item(
                    "Authorization",
                    "checkpoint_reader",
                    f"checkpoints are read by the roles {', '.join(READERS)}",
                )
            ],
        )
    store = runtime().ledger.chain_store()
    signed = store.checkpoints_list(newest=SHOWN)
    head = store.head()
    return as_json(
        {
            "items": [as_document(c) for c in signed],
            "head": None if head is None else {"position": head[0], "hash": head[1].hex()},
        }
    )


# The longest proof answered, in leaves (40 bytes of JSON each, about): checkpoints come
# every thousand events by default, so a proof is seldom longer than that.
MAX_PROOF = 100_000


def _proof_too_long(length: int) -> ApiProblem:
    return ApiProblem(
        422,
        f"the proof would hold {length} leaves, more than {MAX_PROOF}",
        slug="validation",
        errors=[error_item("position", "proof_length", f"at most {MAX_PROOF} leaves")],
    )


def _path(store: ChainStore, after: int, upto: int) -> list[list[Any]]:
    if upto - after > MAX_PROOF:
        raise _proof_too_long(upto - after)
    return [[n, leaf.hex()] for n, leaf in store.leaves_between(after, upto)]


@bp.get("/checkpoints/inclusion")
def inclusion() -> Response:
    """A receipt's proof: the event at ``position`` (its link is the 201 answer's
    ``chain_hash``) is in the first signed checkpoint at or after it. Check it offline as
    docs/EVIDENCE.md shows."""
    position = load_query(InclusionQuery)["position"]
    store = runtime().ledger.chain_store()
    rows = store.rows_after(position - 1, 1)
    own = store.link_at(position)
    if not rows or rows[0].position != position or own is None:
        raise ApiProblem(
            404,
            f"no event is stored at position {position}",
            slug="not-found",
            errors=[error_item("position", "exists", "no event at this position")],
        )
    checkpoint = store.checkpoint_covering(position)
    if checkpoint is None:
        raise ApiProblem(
            409,
            f"no signed checkpoint covers position {position} yet; ask again later",
            slug="not-yet-signed",
            errors=[error_item("position", "signed", "not yet in a signed checkpoint")],
        )
    _, previous = store.link_at_or_before(position - 1)
    return as_json(
        {
            "position": position,
            "previous": previous.hex(),
            "leaf": leaf_of(rows[0]).hex(),
            "link": own.hex(),
            "path": _path(store, position, checkpoint.position),
            "checkpoint": as_document(checkpoint),
        }
    )


@bp.get("/checkpoints/consistency")
def consistency() -> Response:
    """Two signed checkpoints of one log: the later extends the earlier. The path's leaves
    chain the earlier checkpoint's link to the later's."""
    query = load_query(ConsistencyQuery)
    first, second = query["first"], query["second"]
    if first >= second:
        raise ApiProblem(
            422,
            "first must come before second",
            slug="validation",
            errors=[error_item("first", "before_second", "an earlier position than second")],
        )
    store = runtime().ledger.chain_store()
    found = {}
    for name, position in (("first", first), ("second", second)):
        checkpoint = store.checkpoint_covering(position)
        if checkpoint is None or checkpoint.position != position:
            raise ApiProblem(
                404,
                f"no checkpoint was signed at position {position}",
                slug="not-found",
                errors=[error_item(name, "signed_checkpoint", "a signed checkpoint's position")],
            )
        found[name] = checkpoint
    return as_json(
        {
            "first": as_document(found["first"]),
            "second": as_document(found["second"]),
            "path": _path(store, first, second),
        }
    )
