"""The upper level's theme of the month: the "1" of a themed party day's "1+6+X".

Seed 003 §二: "“1”即每次活动主题由上级党组织结合党内集中教育、中心工作、阶段性重点工作安排确定并
统一时间". A committee publishes, for a month, the theme its branches' themed party days
follow and the unified date they hold it on; the district's office may publish one for every
branch of the district. One ``LifeTheme`` per (committee or district, month): it is
published, revised (theme or date, with the reason) and withdrawn by events, and published
again after a withdrawal.

A branch's themed party day follows it by naming its id (``LifeActivityHeld.theme_id``);
whether a month's "1" was followed is judged at read time
(``taizhang.projections.fold.life_themes.theme_month``), since a later revision of the unified date
changes what following it means.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from .base import LedgerAggregate
from .errors import require, require_value
from .party_life import MAX_YEAR, MIN_YEAR
from .provenance import Provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/life-theme")
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
MAX_THEME = 200
MAX_TEXT = 4000


@lru_cache(maxsize=65536)
def life_theme_id(scope_id: UUID, month: str) -> UUID:
    return uuid5(_NAMESPACE, f"{scope_id}:{month}")


def month_bounds(month: str, field_name: str = "month") -> tuple[date, date]:
    """The first and last day of ``month`` (``2014-03``), refused by field and rule."""
    found = MONTH.fullmatch(month)
    require_value(
        found is not None and MIN_YEAR <= int(found.group(1)) <= MAX_YEAR,
        field_name,
        "month",
        "a month is YYYY-MM, e.g. 2014-03",
    )
    assert found is not None
    year, number = int(found.group(1)), int(found.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def _theme_rules(month: str, theme: str, unified_on: date) -> None:
    require_value(bool(theme.strip()), "theme", "required", "name the theme")
    require_value(
        len(theme) <= MAX_THEME, "theme", "too_long", f"theme exceeds {MAX_THEME} characters"
    )
    first, last = month_bounds(month)
    require_value(
        first <= unified_on <= last,
        "unified_on",
        "within_month",
        f"the unified date is a day of {month} ({first} to {last})",
    )


class LifeTheme(LedgerAggregate):
    class Opened(LedgerAggregate.Created):
        scope_kind: str  # district | committee
        scope_id: UUID
        district_id: UUID
        month: str  # 2014-03

    class ThemePublished(LedgerAggregate.Event):
        """The theme of the month and its unified date (统一时间), as the upper level set them."""

        theme: str
        unified_on: date
        note: str

        def apply(self, aggregate: LifeTheme) -> None:
            aggregate.in_force = True
            aggregate.theme, aggregate.unified_on = self.theme, self.unified_on

    class ThemeRevised(LedgerAggregate.Event):
        """A correction of the theme or its unified date, from its business date on."""

        theme: str
        unified_on: date
        reason: str

        def apply(self, aggregate: LifeTheme) -> None:
            aggregate.theme, aggregate.unified_on = self.theme, self.unified_on

    class ThemeWithdrawn(LedgerAggregate.Event):
        """The theme no longer stands (published in error, or called off)."""

        reason: str

        def apply(self, aggregate: LifeTheme) -> None:
            aggregate.in_force = False

    def __init__(
        self,
        provenance: Provenance,
        scope_kind: str,
        scope_id: UUID,
        district_id: UUID,
        month: str,
    ) -> None:
        self.scope_kind = scope_kind
        self.scope_id = scope_id
        self.district_id = district_id
        self.month = month
        self.in_force = False
        self.theme = ""
        self.unified_on: date | None = None

    @classmethod
    def open(
        cls,
        provenance: Provenance,
        *,
        scope_kind: str,
        scope_id: UUID,
        district_id: UUID,
        month: str,
    ) -> LifeTheme:
        month_bounds(month)
        return cls._create(
            cls.Opened,
            id=life_theme_id(scope_id, month),
            provenance=provenance,
            scope_kind=scope_kind,
            scope_id=scope_id,
            district_id=district_id,
            month=month,
        )

    @property
    def first_day(self) -> date:
        return month_bounds(self.month)[0]

    def publish(
        self, provenance: Provenance, *, theme: str, unified_on: date, note: str = ""
    ) -> None:
        _theme_rules(self.month, theme, unified_on)
        require_value(len(note) <= MAX_TEXT, "note", "too_long", f"note exceeds {MAX_TEXT}")
        require(
            not self.in_force,
            "month",
            "published_once",
            f"the theme of {self.month} is published: revise it (ThemeRevised) or withdraw it",
        )
        self.trigger_event(
            self.ThemePublished,
            provenance=provenance,
            theme=theme,
            unified_on=unified_on,
            note=note,
        )

    def revise(self, provenance: Provenance, *, theme: str, unified_on: date, reason: str) -> None:
        self._stands()
        _theme_rules(self.month, theme, unified_on)
        _reason(reason)
        require(
            (theme, unified_on) != (self.theme, self.unified_on),
            "theme",
            "changes_something",
            "a revision changes the theme or its unified date",
        )
        self.trigger_event(
            self.ThemeRevised,
            provenance=provenance,
            theme=theme,
            unified_on=unified_on,
            reason=reason,
        )

    def withdraw(self, provenance: Provenance, *, reason: str) -> None:
        self._stands()
        _reason(reason)
        self.trigger_event(self.ThemeWithdrawn, provenance=provenance, reason=reason)

    def _stands(self) -> None:
        require(
            self.in_force,
            "theme_id",
            "theme_in_force",
            f"the theme of {self.month} is not in force (withdrawn): publish it again",
        )


def _reason(reason: str) -> None:
    require_value(bool(reason.strip()), "reason", "required", "say why")
    require_value(len(reason) <= MAX_TEXT, "reason", "too_long", f"reason exceeds {MAX_TEXT}")
