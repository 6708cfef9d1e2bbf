"""The registry of posted event types: which aggregate each concerns and the command it runs.

``taizhang.handlers`` and ``taizhang.handlers.host`` fill it; everything else reads it
through ``taizhang.handlers.EVENT_TYPES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch_life import branch_life_id
from taizhang.domain.branch_work import branch_work_id
from taizhang.domain.committee_life import committee_life_id
from taizhang.domain.life_programme import life_programme_id
from taizhang.domain.life_theme import life_theme_id
from taizhang.domain.provenance import Provenance
from taizhang.kinds import KINDS
from taizhang.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Provenance, dict[str, Any]], LedgerAggregate]


@dataclass(frozen=True)
class EventType:
    name: str
    concerns: str  # a kind of resource (taizhang.kinds.KINDS)
    creates: bool
    handle: Handler

    def changes(self, data: Mapping[str, Any]) -> UUID | None:
        """The existing aggregate a posting of this type changes, as far as its data says."""
        if self.creates:
            return None
        branch_id = data.get("branch_id")
        on_life = self.concerns == "branch_life" or (
            self.concerns == "branch_work"
            and "campaign_id" not in data
            and "problem_id" not in data
        )
        if on_life:
            return branch_life_id(branch_id) if isinstance(branch_id, UUID) else None
        committee_id = data.get("committee_id")
        if self.concerns == "committee_life":
            return committee_life_id(committee_id) if isinstance(committee_id, UUID) else None
        if self.concerns == "life_programme":
            scope_id = committee_id if committee_id is not None else data.get("district_id")
            year = data.get("year")
            if isinstance(scope_id, UUID) and isinstance(year, int):
                return life_programme_id(scope_id, year)
            return None
        if self.concerns == "life_theme" and "theme_id" not in data:
            scope_id = committee_id if committee_id is not None else data.get("district_id")
            month = data.get("month")
            if isinstance(scope_id, UUID) and isinstance(month, str):
                return life_theme_id(scope_id, month)
            return None
        if self.concerns == "branch_work" and not isinstance(data.get("problem_id"), UUID):
            campaign_id, branch_id = data.get("campaign_id"), data.get("branch_id")
            if isinstance(campaign_id, UUID) and isinstance(branch_id, UUID):
                return branch_work_id(campaign_id, branch_id)
            return None
        found = data.get(_ID_OF.get(self.concerns, "problem_id"))
        return found if isinstance(found, UUID) else None


# The data field naming the aggregate an event type concerns.
_ID_OF = {name: kind.own_id for name, kind in KINDS.items() if kind.own_id}


EVENT_TYPES: dict[str, EventType] = {}


def handles(name: str, concerns: str, *, creates: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        EVENT_TYPES[name] = EventType(name, concerns, creates, fn)
        return fn

    return register
