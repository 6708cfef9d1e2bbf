"""What the posted events of organizational life beyond a branch's own do: a committee's
own activities (``CommitteeLife``), the programmes a district or committee sets for a
year (``LifeProgramme``) and the themes of the month it publishes (``LifeTheme``,
``taizhang.handlers.theme``). ``taizhang.handlers`` registers them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid5

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.committee import Committee
from taizhang.domain.committee_life import CommitteeLife, committee_life_id
from taizhang.domain.district import District
from taizhang.domain.errors import NotFound, require, require_value
from taizhang.domain.life_programme import (
    COMMITTEE_SCOPE,
    DISTRICT_SCOPE,
    LifeProgramme,
    life_programme_id,
)
from taizhang.domain.provenance import Provenance
from taizhang.handlers.theme import THEME_HANDLERS
from taizhang.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, Provenance, dict[str, Any]], LedgerAggregate]


def _not_in_future(uow: UnitOfWork, p: Provenance) -> None:
    require(
        p.occurred_on <= uow.today,
        "occurred_on",
        "not_in_future",
        f"occurred_on {p.occurred_on} is after today ({uow.today})",
    )


def _committee_activity(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    committee_id: UUID = d.pop("committee_id")
    uow.read(Committee, committee_id, "committee_id")
    _not_in_future(uow, p)
    try:
        life = uow.get(CommitteeLife, committee_life_id(committee_id), "committee_id")
    except NotFound:
        life = uow.add(CommitteeLife.open(_opening(p), committee_id))
    life.hold_activity(p, **d)
    return life


def _opening(p: Provenance) -> Provenance:
    """The opening is an event of its own, so it gets an event id of its own."""
    return dataclasses.replace(p, event_id=uuid5(p.event_id, "opened"))


def _programme_set(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    """A version of the programme of the district (``district_id``) or of a committee
    (``committee_id``) for ``year``, the programme opened with its first version."""
    _not_in_future(uow, p)
    committee_id: UUID | None = d.pop("committee_id", None)
    district_id: UUID | None = d.pop("district_id", None)
    year: int = d.pop("year")
    if committee_id is not None:
        committee = uow.read(Committee, committee_id, "committee_id")
        require_value(
            district_id is None or district_id == committee.district_id,
            "district_id",
            "same_district",
            "the committee belongs to another district",
        )
        scope_kind, scope_id, district_id = COMMITTEE_SCOPE, committee_id, committee.district_id
    else:
        require_value(
            district_id is not None, "district_id", "required", "name the district or committee"
        )
        assert district_id is not None
        uow.read(District, district_id, "district_id")
        scope_kind, scope_id = DISTRICT_SCOPE, district_id
    try:
        programme = uow.get(LifeProgramme, life_programme_id(scope_id, year), "year")
    except NotFound:
        programme = uow.add(
            LifeProgramme.open(
                _opening(p),
                scope_kind=scope_kind,
                scope_id=scope_id,
                district_id=district_id,
                year=year,
            )
        )
    programme.set_programme(p, **d)
    return programme


# Posted name → (concerns, handler).
LIFE_HANDLERS: dict[str, tuple[str, Handler]] = {
    "CommitteeActivityHeld": ("committee_life", _committee_activity),
    "LifeProgrammeSet": ("life_programme", _programme_set),
    **THEME_HANDLERS,
}
