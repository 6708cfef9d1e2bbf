"""What the demo district's upper levels do for organizational life: the district's
programme for 2014 and its mid-year version, the committees' and the office's themes of the
month (some committees silent some months, one date moved, one theme withdrawn and published
again), and the committees' own exchange visits and secretaries' reporting, some late or not
yet held. The data is ``taizhang.demo.life_data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from uuid import UUID

from taizhang.demo.data import DEMO_TODAY, OFFICE_ACTOR, PARTY_PORTAL
from taizhang.demo.life_data import (
    DISTRICT_MONTHS,
    EXCHANGE_TOPICS,
    MONTH_THEMES,
    REPORTING_TOPIC,
    REVISED,
    SILENT_MONTHS,
    WITHDRAWN,
    YEAR,
    programme_versions,
)
from taizhang.demo.organizations import CommitteeState, DemoGenerator
from taizhang.domain.base import LedgerAggregate
from taizhang.domain.committee_life import CommitteeLife
from taizhang.domain.life_programme import COMMITTEE_SCOPE, DISTRICT_SCOPE, LifeProgramme
from taizhang.domain.life_theme import LifeTheme
from taizhang.domain.provenance import Provenance


@dataclass(frozen=True)
class Theme:
    theme_id: UUID
    text: str
    unified_on: date


class UpperLife:
    """Writes the upper levels' part and answers which theme a branch was to follow."""

    def __init__(self, generator: DemoGenerator) -> None:
        self.g = generator
        self.rng = Random(f"taizhang-demo/{generator.seed}/upper-life")
        self.district_id = generator.summary.district_id
        self.themes: dict[tuple[UUID, str], Theme] = {}

    def write(self) -> list[LedgerAggregate]:
        found: list[LedgerAggregate] = [self._programme()]
        for month in DISTRICT_MONTHS:
            found += self._theme(self.district_id, None, month, -1)
        for position, committee in enumerate(self.g.committees):
            for month in MONTH_THEMES:
                if position not in SILENT_MONTHS.get(month, ()):
                    found += self._theme(committee.aggregate.id, committee, month, position)
            life = self._committee_life(committee, position)
            if life is not None:
                found.append(life)
        return found

    def theme_for(self, committee_id: UUID, month: int) -> Theme | None:
        """The committee's theme of the month, else the district's, else none."""
        key = f"{YEAR}-{month:02d}"
        return self.themes.get((committee_id, key)) or self.themes.get((self.district_id, key))

    def _p(self, on: date, actor: str, source: str = PARTY_PORTAL) -> Provenance:
        return self.g.provenance(self.rng, on, actor, source)

    def _programme(self) -> LifeProgramme:
        versions = programme_versions()
        programme = LifeProgramme.open(
            self._p(versions[0][0], OFFICE_ACTOR),
            scope_kind=DISTRICT_SCOPE,
            scope_id=self.district_id,
            district_id=self.district_id,
            year=YEAR,
        )
        for on, duties, education_days, note in versions:
            programme.set_programme(
                self._p(on, OFFICE_ACTOR), duties=duties, education_days=education_days, note=note
            )
        return programme

    def _theme(
        self, scope_id: UUID, committee: CommitteeState | None, month: int, position: int
    ) -> list[LedgerAggregate]:
        text, day = MONTH_THEMES[month]
        day = min(28, day + self.rng.randint(-3, 3)) if committee is not None else day
        published = date(YEAR, month, 1) - timedelta(days=self.rng.randint(2, 8))
        if published > DEMO_TODAY:
            return []
        actor = committee.organizer if committee is not None else OFFICE_ACTOR
        kind = COMMITTEE_SCOPE if committee is not None else DISTRICT_SCOPE
        key = f"{YEAR}-{month:02d}"
        theme = LifeTheme.open(
            self._p(published, actor),
            scope_kind=kind,
            scope_id=scope_id,
            district_id=self.district_id,
            month=key,
        )
        unified = date(YEAR, month, day)
        theme.publish(self._p(published, actor), theme=text, unified_on=unified)
        if REVISED.get(position) == month:
            unified = unified + timedelta(days=2)
            theme.revise(
                self._p(published + timedelta(days=1), actor),
                theme=text,
                unified_on=unified,
                reason="与区里集中活动冲突，统一时间顺延两天",
            )
        if WITHDRAWN.get(position) == month:
            on = published + timedelta(days=1)
            theme.withdraw(self._p(on, actor), reason="误发上月主题")
            theme.publish(self._p(on, actor), theme=text, unified_on=unified)
        self.themes[(scope_id, key)] = Theme(theme.id, text, unified)
        return [theme]

    def _committee_life(self, committee: CommitteeState, position: int) -> CommitteeLife | None:
        """Exchange visits each quarter (one committee missed the first; about half held the
        second by mid-June) and the secretaries' reporting early in the year (a few later)."""
        rng, actor = self.rng, committee.organizer
        held: list[tuple[date, str, str]] = []
        if position % 7 != 3:
            held.append((date(YEAR, 3, rng.randint(10, 28)), "exchange_visit", EXCHANGE_TOPICS[0]))
        if rng.random() < 0.5:
            topic = EXCHANGE_TOPICS[1 + position % 3]
            held.append(
                (date(YEAR, rng.choice((5, 6)), rng.randint(5, 14)), "exchange_visit", topic)
            )
        if position % 5 != 2:
            held.append(
                (
                    date(YEAR, rng.choice((1, 2)), rng.randint(8, 25)),
                    "secretary_reporting",
                    REPORTING_TOPIC,
                )
            )
        held.sort()
        if not held:  # a committee that has held nothing yet this year
            return None
        life = CommitteeLife.open(self._p(held[0][0], actor), committee.aggregate.id)
        for on, activity, topic in held:
            branches = len(committee.branch_ids)
            life.hold_activity(
                self._p(on, actor),
                activity=activity,
                topic=topic,
                participants=max(1, rng.randint(branches // 2, branches + 5)),
                branches_present=rng.randint(branches // 2, branches) if branches else 0,
            )
        return life
