"""The kinds of resource (district, committee, branch, campaign, supervision group, ...): one
table.

Each kind has a path, the address of one such resource below the API's root, naming its
ids (``<uuid:...>``, as Flask's converters read them). From it come the field of posted
data that names a kind's aggregate (``taizhang/handlers/event_types.py``), the state and history
routes (``api/reads.py``), where a post's answer points (``api/writes.py``), the ids a
post's URL fills in (``api/openapi.py``) and the scope check of an id field of posted data
(``api/scope.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    # Has state and history reads at ``path`` (a branch's party life is read as a view).
    shown: bool = True

    # Read on every post (its answer's location): worked out once per kind.
    @cached_property
    def ids(self) -> tuple[str, ...]:
        """The ids the path names, in order."""
        return tuple(re.findall(r"<uuid:(\w+)>", self.path))

    @cached_property
    def own_id(self) -> str:
        """The id that names one resource of this kind by itself, or "" (a kind named by
        two ids, or one kept under another's id)."""
        ids = self.ids
        return ids[0] if len(ids) == 1 and self.path.endswith(">") else ""


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("district", "/districts/<uuid:district_id>"),
        Kind("committee", "/committees/<uuid:committee_id>"),
        Kind("branch", "/branches/<uuid:branch_id>"),
        Kind("instructor", "/instructors/<uuid:instructor_id>"),
        Kind("supervision_group", "/supervision-groups/<uuid:group_id>"),
        Kind("campaign", "/campaigns/<uuid:campaign_id>"),
        Kind("problem", "/problems/<uuid:problem_id>"),
        Kind("candidate", "/candidates/<uuid:candidate_id>"),
        Kind("branch_work", "/campaigns/<uuid:campaign_id>/branches/<uuid:branch_id>"),
        Kind("branch_life", "/branches/<uuid:branch_id>/party-life", shown=False),
        Kind("committee_life", "/committees/<uuid:committee_id>/party-life", shown=False),
        # A programme is read by its year (``.../party-life/programme?year=Y``).
        Kind("life_programme", "/districts/<uuid:district_id>/party-life/programme", shown=False),
        # The upper level's theme of a month (the "1" of a themed party day).
        Kind("life_theme", "/party-life/themes/<uuid:theme_id>"),
        Kind("grading_round", "/grading-rounds/<uuid:round_id>"),
        Kind("yearly_review", "/yearly-reviews/<uuid:review_id>"),
        Kind("host_organization", "/host-organizations/<uuid:host_organization_id>"),
    )
}
