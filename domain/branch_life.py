"""A branch's regular organizational life: the meetings, lectures, themed party days and
evaluations it holds, and the delays its upper level approves.

One aggregate per branch, across years (a branch holds some fifty activities a year).
What the duties are and when each is done is ``taizhang.domain.party_life``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from . import base
from .base import Facts, KeepsFacts, LedgerAggregate
from .errors import InvalidValue, require, require_value
from .party_life import ACTIVITY_KEYS, BRANCH, SIX_PARTS, STANDARD_DUTIES, LifeActivity
from .provenance import Provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/branch-life")
THEMED_DAY = LifeActivity.THEMED_PARTY_DAY.value
# A person is named by a pseudonymous id (e.g. P000123), never by name.
PSEUDONYMOUS_ID = re.compile(r"[A-Za-z]{1,4}[0-9]{1,12}")
MAX_MEMBERS = 500
MAX_EDUCATION_DAYS = 31


@lru_cache(maxsize=65536)
def branch_life_id(branch_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, str(branch_id))


def _text(max_length: int = 4000, **texts: str) -> None:
    for name, value in texts.items():
        require_value(
            len(value) <= max_length, name, "too_long", f"{name} exceeds {max_length} characters"
        )


class BranchLife(LedgerAggregate, KeepsFacts):
    class Opened(LedgerAggregate.Created):
        branch_id: UUID

    class Fact(base.Fact):
        def apply(self, life: BranchLife) -> None:
            life.facts.add(self)

    class LifeActivityHeld(Fact):
        """A meeting, lecture, themed party day, evaluation… held on ``occurred_on``.

        ``parts``: the "6" done on a themed party day; ``own_activities``: its "X"
        (seed 003 §二). ``absent``/``absence_reasons``: who did not come and why (seed
        002: 党员因病因事不能参加,必须先向党支部请假).

        ``theme_id``: the upper level's theme of the month the themed day follows (the "1",
        ``taizhang.domain.life_theme``); ``theme_reason``: why it was not held on the theme's
        unified date. Version 1 had neither."""

        class_version = 2
        # A theme is named once: a themed day following another theme is withdrawn and
        # posted again, so the theme's scope is checked where the day is posted.
        uncorrectable: ClassVar[frozenset[str]] = frozenset({"activity", "theme_id"})
        activity: str
        topic: str
        participants: int
        absent: int
        absence_reasons: str
        parts: list[str]
        own_activities: list[str]
        upper_level_theme: str
        theme_id: UUID | None
        theme_reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["theme_id"] = None
            state["theme_reason"] = ""

        def check(self) -> None:
            require_value(
                self.activity in ACTIVITY_KEYS,
                "activity",
                "vocabulary",
                f"activity must be one of: {', '.join(sorted(ACTIVITY_KEYS))}",
            )
            duty = STANDARD_DUTIES.get(self.activity)
            require_value(
                duty is None or duty.owner == BRANCH,
                "activity",
                "owed_by_branch",
                f"a {self.activity} is held by the committee, not recorded on a branch",
            )
            require_value(bool(self.topic.strip()), "topic", "required", "name the topic")
            for name, count in (("participants", self.participants), ("absent", self.absent)):
                require_value(count >= 0, name, "non_negative", f"{name} cannot be negative")
            require_value(self.participants > 0, "participants", "positive", "someone took part")
            if self.activity != THEMED_DAY:
                require_value(
                    not self.parts
                    and not self.own_activities
                    and not self.upper_level_theme
                    and self.theme_id is None
                    and not self.theme_reason,
                    "parts",
                    "themed_day_only",
                    "parts, own activities and the upper level's theme (and its id and reason)"
                    " belong to a themed party day",
                )
            unknown = sorted(set(self.parts) - SIX_PARTS)
            require_value(
                not unknown,
                "parts",
                "vocabulary",
                f"unknown parts {unknown}; parts are: {', '.join(sorted(SIX_PARTS))}",
            )
            require_value(
                len(set(self.parts)) == len(self.parts), "parts", "unique", "a part named twice"
            )
            _text(topic=self.topic, absence_reasons=self.absence_reasons)
            _text(200, upper_level_theme=self.upper_level_theme)
            _text(400, theme_reason=self.theme_reason)
            for item in self.own_activities:
                _text(200, own_activities=item)

    class EducationAttended(Fact):
        """Members' collective education (集体教育): who took part, by pseudonymous id, and
        for how many days (seed 002: 党员每年累计参加集体教育活动时间不少于12天)."""

        members: list[str]
        days: int
        topic: str

        def check(self) -> None:
            require_value(bool(self.topic.strip()), "topic", "required", "name the topic")
            _text(topic=self.topic)
            require_value(
                1 <= self.days <= MAX_EDUCATION_DAYS,
                "days",
                "range",
                f"days of one education activity: 1 to {MAX_EDUCATION_DAYS}",
            )
            require_value(
                0 < len(self.members) <= MAX_MEMBERS,
                "members",
                "length",
                f"1 to {MAX_MEMBERS} members by pseudonymous id",
            )
            for member in self.members:
                require_value(
                    PSEUDONYMOUS_ID.fullmatch(member) is not None,
                    "members",
                    "pseudonymous_id",
                    "name members by pseudonymous id (e.g. P000123), never by name",
                )
            require_value(
                len(set(self.members)) == len(self.members),
                "members",
                "unique",
                "a member named twice",
            )

    class LifeMeetingDelayRequested(Fact):
        """The branch reports that a duty of a period will be held later (seed 002:
        遇有特殊情况需延期召开的,必须报告上级党组织同意)."""

        uncorrectable: ClassVar[frozenset[str]] = frozenset({"duty", "period"})
        duty: str
        period: str
        until: date
        reason: str

        def check(self) -> None:
            _delay_rules(self.duty, self.period, self.until)
            require_value(bool(self.reason.strip()), "reason", "required", "say why")
            _text(reason=self.reason)

    class LifeMeetingDelayApproved(Fact):
        """The upper level agrees to a requested delay; its signer is the actor."""

        uncorrectable: ClassVar[frozenset[str]] = frozenset({"duty", "period"})
        duty: str
        period: str
        until: date
        note: str

        def check(self) -> None:
            _delay_rules(self.duty, self.period, self.until)
            _text(note=self.note)

    class FactCorrected(base.FactCorrected):
        pass

    class FactWithdrawn(base.FactWithdrawn):
        pass

    def __init__(self, provenance: Provenance, branch_id: UUID) -> None:
        self.branch_id = branch_id
        self.facts = Facts()

    @classmethod
    def open(cls, provenance: Provenance, branch_id: UUID) -> BranchLife:
        return cls._create(
            cls.Opened, id=branch_life_id(branch_id), provenance=provenance, branch_id=branch_id
        )

    # -- commands ---------------------------------------------------------------------

    def hold_activity(
        self,
        provenance: Provenance,
        *,
        activity: str,
        topic: str,
        participants: int,
        absent: int = 0,
        absence_reasons: str = "",
        parts: list[str] | None = None,
        own_activities: list[str] | None = None,
        upper_level_theme: str = "",
        theme_id: UUID | None = None,
        theme_reason: str = "",
    ) -> None:
        self.trigger_event(
            self.LifeActivityHeld,
            provenance=provenance,
            activity=activity,
            topic=topic,
            participants=participants,
            absent=absent,
            absence_reasons=absence_reasons,
            parts=list(parts or []),
            own_activities=list(own_activities or []),
            upper_level_theme=upper_level_theme,
            theme_id=theme_id,
            theme_reason=theme_reason,
        )

    def attend_education(
        self, provenance: Provenance, *, members: list[str], days: int, topic: str
    ) -> None:
        self.trigger_event(
            self.EducationAttended,
            provenance=provenance,
            members=list(members),
            days=days,
            topic=topic,
        )

    def request_delay(
        self, provenance: Provenance, *, duty: str, period: str, until: date, reason: str
    ) -> None:
        self.trigger_event(
            self.LifeMeetingDelayRequested,
            provenance=provenance,
            duty=duty,
            period=period,
            until=until,
            reason=reason,
        )

    def approve_delay(
        self, provenance: Provenance, *, duty: str, period: str, until: date, note: str = ""
    ) -> None:
        requested = [
            f
            for f in self.facts.of_type(self.LifeMeetingDelayRequested)
            if f.duty == duty and f.period == period
        ]
        require(
            bool(requested),
            "period",
            "delay_requested_first",
            f"no delay of {duty} for {period} was reported to the upper level",
        )
        self.trigger_event(
            self.LifeMeetingDelayApproved,
            provenance=provenance,
            duty=duty,
            period=period,
            until=until,
            note=note,
        )


def _delay_rules(duty_key: str, period_key: str, until: date) -> None:
    duty = STANDARD_DUTIES.get(duty_key)
    if duty is None:
        raise InvalidValue("duty", "vocabulary", f"no duty {duty_key!r}")
    require_value(
        duty.delay_allowed,
        "duty",
        "delay_allowed",
        f"a {duty_key} has no delay: only "
        + ", ".join(k for k, d in STANDARD_DUTIES.items() if d.delay_allowed),
    )
    period = duty.period(period_key)
    require_value(
        until > period.ends_on,
        "until",
        "after_period_end",
        f"a delay ends after the period's end ({period.ends_on})",
    )
