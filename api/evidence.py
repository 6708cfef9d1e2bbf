"""``GET /api/v1/checkpoints``: the log's signed checkpoints, for the office and the
supervision groups to take and keep outside the system (docs/EVIDENCE.md).

Each is the document ``taizhang checkpoint export`` writes: position, the chain's link there,
time, the public key and its fingerprint, the signature. ``head`` is the chain's head now.
"""

from __future__ import annotations

from flask import Blueprint, Response

from api.problems import ApiProblem, error_item
from api.reads import as_json
from api.runtime import credential, runtime
from taizhang.checkpoints import as_document

bp = Blueprint("evidence", __name__, url_prefix="/api/v1")

# Who may read them: those who hold branches and committees to account.
READERS = ("office", "supervisor", "admin")
# The newest this many; one is signed every thousand events or ten minutes by default.
SHOWN = 100


@bp.get("/checkpoints")
def checkpoints() -> Response:
    """The newest signed checkpoints of the log, newest last, and the chain's head."""
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
