"""A supervision visit's suggestions as items the committee answers and closes (seed 000
§五(三) "督促解决"), and that the group may pass on to the campaign office
("及时向区委实践办反映情况").

Pure functions over a branch work's current facts (the visit, answers and referrals are facts
of ``BranchWork``), shared by the aggregate's rules and the views.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID, uuid5

VISIT = "SupervisionVisitRecorded"
ANSWERED = "SuggestionAnswered"
REFERRED = "SuggestionReferred"


def suggestion_id(visit_event_id: UUID, index: int) -> UUID:
    """The id of a visit's ``index``-th suggestion item: made from the visit, never chosen."""
    return uuid5(visit_event_id, f"suggestion/{index}")


@dataclass(frozen=True)
class SuggestionItem:
    item_id: UUID
    group_id: UUID
    text: str
    made_on: date
    answered_on: date | None = None
    closed_on: date | None = None
    referred_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


def suggestion_items(facts: Iterable[tuple[UUID, Any]]) -> dict[UUID, SuggestionItem]:
    """Each item of the visits among ``facts`` (event id, fact), with what became of it,
    in the facts' order (business date, then version)."""
    items: dict[UUID, SuggestionItem] = {}
    ordered = sorted(facts, key=lambda f: (f[1].provenance.occurred_on, f[1].originator_version))
    for event_id, fact in ordered:
        kind = type(fact).__name__
        on = fact.provenance.occurred_on
        if kind == VISIT:
            for index, text in enumerate(getattr(fact, "suggestion_items", ()) or ()):
                item_id = suggestion_id(event_id, index)
                items[item_id] = SuggestionItem(item_id, fact.group_id, text, on)
        elif kind in (ANSWERED, REFERRED):
            item_id = fact.item_id if isinstance(fact.item_id, UUID) else UUID(fact.item_id)
            item = items.get(item_id)
            if item is None:
                continue
            if kind == REFERRED:
                items[item_id] = replace(item, referred_on=item.referred_on or on)
            else:
                closed = item.closed_on or (on if fact.closed else None)
                items[item_id] = replace(item, answered_on=item.answered_on or on, closed_on=closed)
    return items
