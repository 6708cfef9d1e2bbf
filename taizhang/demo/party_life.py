"""The demo district's regular organizational life from January 2014 to the demo's today:
三会一课, themed party days, democratic life meetings, members' education, with realistic
gaps.

Each branch draws from its own random stream. Most branches keep most months; some skip
months, some hold a meeting late in the next month's first days, some themed days lack a
part (often the volunteer service), and a few branches report that the mid-year democratic
life meeting will be late and have the delay approved by their committee. A themed day
follows the upper level's theme of the month (``taizhang.demo.upper_life``) mostly on its
unified date, sometimes later with the reason recorded, sometimes on another day with none,
and sometimes not at all (the branch's own topic). Members (by pseudonymous id) attend
collective education a day or a few at a time.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

from taizhang.demo.data import DEMO_TODAY
from taizhang.demo.life_data import EDUCATION_TOPICS, FOLLOW_CHANCES, LATE_REASONS
from taizhang.demo.organizations import BranchState, DemoGenerator
from taizhang.demo.upper_life import UpperLife
from taizhang.domain.branch_life import BranchLife
from taizhang.domain.party_life import SIX_PARTS, Cadence, periods
from taizhang.domain.provenance import Provenance

YEAR = 2014
MONTHLY = ("members_meeting", "committee_meeting", "group_meeting")
TOPICS = {
    "members_meeting": "学习党章，讨论支部工作",
    "committee_meeting": "研究本月支部工作安排",
    "group_meeting": "学习上级文件精神",
    "party_lecture": "党的群众路线教育",
    "themed_party_day": "践行群众路线主题党日",
    "democratic_life_meeting": "对照检查，开展批评与自我批评",
    "affairs_made_public": "公开党费收缴和使用情况",
    "report_to_members": "支部半年工作报告",
}
OWN_ACTIVITIES = ("学党建知识", "支部联建", "业务技能", "扶贫济困")


class PartyLifeWriter:
    def __init__(self, generator: DemoGenerator, state: BranchState, upper: UpperLife) -> None:
        self.g = generator
        self.upper = upper
        self.state = state
        self.rng = Random(f"taizhang-demo/{generator.seed}/life/{state.index}")
        # How well the branch keeps its rhythm: most keep it, some lapse often.
        self.keeps = self.rng.choice((0.97, 0.95, 0.9, 0.9, 0.8, 0.6))
        members = state.aggregate.full_members + state.aggregate.probationary_members
        self.members = max(1, members)
        self.life: BranchLife | None = None

    def p(self, on: date, actor: str | None = None) -> Provenance:
        return self.g.provenance(
            self.rng, on, actor or f"书记 {self.state.secretary}", self.state.source
        )

    def _life(self, on: date) -> BranchLife:
        if self.life is None:
            self.life = BranchLife.open(self.p(on), self.state.aggregate.id)
        return self.life

    def _hold(self, activity: str, on: date, **extra: object) -> None:
        if on > DEMO_TODAY:
            return
        absent = self.rng.randint(0, max(0, self.members // 4))
        self._life(on).hold_activity(
            self.p(on),
            activity=activity,
            topic=TOPICS[activity],
            participants=max(1, self.members - absent),
            absent=absent,
            absence_reasons="因公出差、病假" if absent else "",
            **extra,  # type: ignore[arg-type]
        )

    def _day_in(self, first: date, last: date) -> date:
        """A day of the period, or, late, one of the first days after it."""
        if self.rng.random() < 0.06:
            return last + timedelta(days=self.rng.randint(1, 6))
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def write(self) -> None:
        for month in periods(Cadence.MONTHLY, YEAR):
            if month.starts_on > DEMO_TODAY:
                break
            for activity in MONTHLY:
                if self.rng.random() < self.keeps:
                    self._hold(activity, self._day_in(month.starts_on, month.ends_on))
            if self.rng.random() < self.keeps:
                self._themed_day(month.starts_on, month.ends_on)
        for quarter in periods(Cadence.QUARTERLY, YEAR):
            if self.rng.random() < self.keeps:
                self._hold("party_lecture", self._day_in(quarter.starts_on, quarter.ends_on))
        first_half = periods(Cadence.HALF_YEARLY, YEAR)[0]
        if self.rng.random() < 0.08:
            self._delay(first_half.key, first_half.ends_on)
        for activity in ("affairs_made_public", "report_to_members"):
            if self.rng.random() < self.keeps:
                self._hold(activity, self._day_in(date(YEAR, 6, 1), date(YEAR, 6, 14)))

    def _themed_day(self, first: date, last: date) -> None:
        """The month's themed party day ("1+6+X"), following the upper level's theme or not."""
        parts = sorted(SIX_PARTS)
        if self.rng.random() < 0.12:
            parts.remove(self.rng.choice(("volunteer_service", "onsite_teaching")))
        theme = self.upper.theme_for(self.state.committee.aggregate.id, first.month)
        extra: dict[str, object] = {}
        on = self._day_in(first, last)
        if theme is not None:
            draw, how = self.rng.random(), "own"
            for name, chance in FOLLOW_CHANCES:
                if draw < chance:
                    how = name
                    break
                draw -= chance
            if how == "on_date":
                on = theme.unified_on
            elif how == "late":
                on = theme.unified_on + timedelta(days=self.rng.randint(1, 8))
                extra["theme_reason"] = self.rng.choice(LATE_REASONS)
            elif how == "off_date" and on == theme.unified_on:
                on = theme.unified_on - timedelta(days=1)
            if how != "own":
                extra.update(theme_id=theme.theme_id, upper_level_theme=theme.text)
        self._hold(
            "themed_party_day",
            on,
            parts=parts,
            own_activities=[self.rng.choice(OWN_ACTIVITIES)],
            **extra,
        )

    def educate(self) -> None:
        """Collective education (002 "不少于12天"): most members at each session, by
        pseudonymous id; some branches hold few."""
        members = [f"P{self.state.index:05d}{n:02d}" for n in range(1, self.members + 1)]
        for number, (topic, days) in enumerate(EDUCATION_TOPICS):
            if self.rng.random() > self.keeps:
                continue
            on = date(2014, 1 + number, self.rng.randint(5, 25))
            if on > DEMO_TODAY:
                break
            came = [m for m in members if self.rng.random() < 0.85] or members[:1]
            self._life(on).attend_education(self.p(on), members=came, days=days, topic=topic)

    def _delay(self, period: str, ends_on: date) -> None:
        """The branch reports the mid-year meeting will be late; its committee agrees."""
        asked = ends_on - timedelta(days=self.rng.randint(20, 30))
        until = ends_on + timedelta(days=31)
        life = self._life(asked)
        duty = "democratic_life_meeting"
        life.request_delay(
            self.p(asked), duty=duty, period=period, until=until, reason="书记外出学习"
        )
        agreed = asked + timedelta(days=self.rng.randint(1, 5))
        if agreed <= DEMO_TODAY:
            organizer = self.state.committee.organizer
            life.approve_delay(self.p(agreed, organizer), duty=duty, period=period, until=until)


def record_party_life(generator: DemoGenerator) -> None:
    upper = UpperLife(generator)
    generator.saver.add(*upper.write())
    for state in generator.bar(generator.branch_states, "recording party life"):
        writer = PartyLifeWriter(generator, state, upper)
        writer.write()
        writer.educate()
        if writer.life is not None:
            generator.saver.add(writer.life)
