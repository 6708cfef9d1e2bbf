"""A committee's own duties of organizational life: what the committee, not a branch, holds.

Seed 003 §二: "每季度组织一次非“两新”组织党建工作观摩交流" (the exchange visit, 观摩交流) and
"每年开展一次述职评议考核" (the secretaries' reporting and assessment, 述职评议考核). One
aggregate per committee, across years; whether a duty is done is the same rule as a
branch's (``taizhang.domain.party_life.settle_duty``).
"""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from . import base
from .base import Facts, LedgerAggregate
from .errors import require_value
from .life_programme import COMMITTEE_ACTIVITIES
from .provenance import Provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "https://taizhang.invalid/committee-life")


@lru_cache(maxsize=4096)
def committee_life_id(committee_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, str(committee_id))


class CommitteeLife(LedgerAggregate):
    class Opened(LedgerAggregate.Created):
        committee_id: UUID

    class Fact(base.Fact):
        def apply(self, life: CommitteeLife) -> None:
            life.facts.add(self)

    class CommitteeActivityHeld(Fact):
        """An exchange visit or a secretaries' reporting held by the committee on
        ``occurred_on``, with how many took part and how many branches were there."""

        activity: str
        topic: str
        participants: int
        branches_present: int

        def check(self) -> None:
            require_value(
                self.activity in COMMITTEE_ACTIVITIES,
                "activity",
                "owed_by_committee",
                f"the committee holds: {', '.join(sorted(COMMITTEE_ACTIVITIES))}",
            )
            require_value(bool(self.topic.strip()), "topic", "required", "name the topic")
            require_value(len(self.topic) <= 4000, "topic", "too_long", "topic exceeds 4000")
            require_value(self.participants > 0, "participants", "positive", "someone took part")
            require_value(
                self.branches_present >= 0,
                "branches_present",
                "non_negative",
                "branches_present cannot be negative",
            )

    def __init__(self, provenance: Provenance, committee_id: UUID) -> None:
        self.committee_id = committee_id
        self.facts = Facts()

    @classmethod
    def open(cls, provenance: Provenance, committee_id: UUID) -> CommitteeLife:
        return cls._create(
            cls.Opened,
            id=committee_life_id(committee_id),
            provenance=provenance,
            committee_id=committee_id,
        )

    def hold_activity(
        self,
        provenance: Provenance,
        *,
        activity: str,
        topic: str,
        participants: int,
        branches_present: int = 0,
    ) -> None:
        self.trigger_event(
            self.CommitteeActivityHeld,
            provenance=provenance,
            activity=activity,
            topic=topic,
            participants=participants,
            branches_present=branches_present,
        )
