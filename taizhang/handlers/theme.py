"""What the posted events of the upper level's theme of the month do (``LifeTheme``, the "1"
of a themed party day's "1+6+X", seed 003 §二), and the check of the theme a branch's themed
day names. ``taizhang.handlers.life`` registers them."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID, uuid5

from taizhang.domain.base import LedgerAggregate
from taizhang.domain.branch import Branch
from taizhang.domain.committee import Committee
from taizhang.domain.district import District
from taizhang.domain.errors import NotFound, require, require_value
from taizhang.domain.life_programme import COMMITTEE_SCOPE, DISTRICT_SCOPE
from taizhang.domain.life_theme import LifeTheme, life_theme_id
from taizhang.domain.provenance import Provenance
from taizhang.unit_of_work import UnitOfWork


def _not_in_future(uow: UnitOfWork, p: Provenance) -> None:
    require(
        p.occurred_on <= uow.today,
        "occurred_on",
        "not_in_future",
        f"occurred_on {p.occurred_on} is after today ({uow.today})",
    )


def theme_scope(uow: UnitOfWork, d: dict[str, Any]) -> tuple[str, UUID, UUID]:
    """(scope kind, scope id, district id) of a theme posted for the district
    (``district_id``) or one committee's branches (``committee_id``)."""
    committee_id: UUID | None = d.pop("committee_id", None)
    district_id: UUID | None = d.pop("district_id", None)
    if committee_id is not None:
        committee = uow.read(Committee, committee_id, "committee_id")
        require_value(
            district_id is None or district_id == committee.district_id,
            "district_id",
            "same_district",
            "the committee belongs to another district",
        )
        return COMMITTEE_SCOPE, committee_id, committee.district_id
    require_value(
        district_id is not None, "district_id", "required", "name the district or committee"
    )
    assert district_id is not None
    uow.read(District, district_id, "district_id")
    return DISTRICT_SCOPE, district_id, district_id


def _published(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    """The theme of ``month``, opened with its first publication (or published again after
    a withdrawal)."""
    _not_in_future(uow, p)
    scope_kind, scope_id, district_id = theme_scope(uow, d)
    month: str = d.pop("month")
    theme_id = life_theme_id(scope_id, month)
    try:
        theme = uow.get(LifeTheme, theme_id, "month")
    except NotFound:
        opening = dataclasses.replace(p, event_id=uuid5(p.event_id, "opened"))
        theme = uow.add(
            LifeTheme.open(
                opening,
                scope_kind=scope_kind,
                scope_id=scope_id,
                district_id=district_id,
                month=month,
            )
        )
    theme.publish(p, **d)
    return theme


def _revised(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    _not_in_future(uow, p)
    theme = uow.get(LifeTheme, d.pop("theme_id"), "theme_id")
    theme.revise(p, **d)
    return theme


def _withdrawn(uow: UnitOfWork, p: Provenance, d: dict[str, Any]) -> LedgerAggregate:
    _not_in_future(uow, p)
    theme = uow.get(LifeTheme, d.pop("theme_id"), "theme_id")
    theme.withdraw(p, **d)
    return theme


def check_followed_theme(
    uow: UnitOfWork, p: Provenance, branch_id: UUID, d: dict[str, Any]
) -> None:
    """A themed day names a theme that exists, is a theme (kind), stands, was published for
    the branch (its committee's or its district's) and is not of a month after the day."""
    theme_id = d.get("theme_id")
    if theme_id is None:
        return
    theme = uow.read(LifeTheme, theme_id, "theme_id")
    branch = uow.read(Branch, branch_id, "branch_id")
    require_value(
        theme.scope_id in (branch.committee_id, branch.district_id),
        "theme_id",
        "theme_scope",
        "the theme is published for another committee's or district's branches",
    )
    require(
        theme.in_force,
        "theme_id",
        "theme_in_force",
        f"the theme of {theme.month} was withdrawn",
    )
    require_value(
        p.occurred_on >= theme.first_day,
        "theme_id",
        "theme_month",
        f"a themed day on {p.occurred_on} cannot follow the theme of a later month ({theme.month})",
    )


THEME_HANDLERS = {
    "ThemePublished": ("life_theme", _published),
    "ThemeRevised": ("life_theme", _revised),
    "ThemeWithdrawn": ("life_theme", _withdrawn),
}
