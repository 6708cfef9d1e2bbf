"""``GET /api/v1/me``: what the caller's token is and reaches, with names.

Its role, its district, and the committees, supervision and guidance groups, branches and
campaigns it reaches, each with its id and name, so that a caller finds through the API every
id it needs to read its views (a token scoped to a group learns the group's id here, not from
whoever created the token). A token that covers its whole district lists every committee,
group and campaign of it; its branches are found with ``GET /campaigns/{id}/progress``.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import AggregateNotFoundError
from flask import Blueprint, Response

from taizhang.api.reads import as_json, load_query
from taizhang.api.runtime import credential, runtime, wait_for_min_position
from taizhang.api.schemas.queries import MeQuery
from taizhang.domain.district import District
from taizhang.projections.reach import directory

bp = Blueprint("me", __name__, url_prefix="/api/v1")


@bp.get("/me")
def me() -> Response:
    """The caller's role and scope: its district, committees, groups, branches and
    campaigns, with ids and names."""
    load_query(MeQuery)
    wait_for_min_position()
    cred = credential()
    whole = cred.role == "admin" or cred.whole_district
    found = directory(
        runtime().views.select,
        cred.district_id,
        whole_district=whole,
        committee_ids=cred.committee_ids,
        branch_ids=cred.branch_ids,
        group_id=cred.group_id,
    )
    return as_json(
        {
            "token": {"id": str(cred.id), "name": cred.name, "source": cred.source},
            "role": cred.role,
            "whole_district": whole,
            "district": _district(cred.district_id),
            **found,
        }
    )


def _district(district_id: Any) -> dict[str, Any] | None:
    if district_id is None:
        return None  # an admin: every district
    try:
        district = runtime().ledger.consult(district_id, max_age=60.0)
    except AggregateNotFoundError:
        district = None
    name = district.name if isinstance(district, District) else None
    return {"district_id": str(district_id), "name": name}
