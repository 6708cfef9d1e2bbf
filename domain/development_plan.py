"""A committee's yearly plan for developing members (发展党员计划), and what counts against it.

Seed 002 asks that members be developed by plan and with care: "按照“坚持标准、保证质量、
改善结构、慎重发展”的方针……有计划地吸收高层次、高技能人才入党", and that the activists be
kept in strength ("始终保持一支万人以上的“两新”组织入党积极分子队伍"; "要把发展党员工作的
着力点放在培养壮大入党积极分子队伍上"). The numbers follow the upper level's guidance: seed
003 §一 "要将发展党员指导性计划向没有党员的非“两新”组织倾斜". So a committee's plan for a
year names the upper level's guiding plan it follows (``guidance_document_id``, and the
number of admissions it guides, ``guidance_admitted``) and its own targets: how many
activists (入党积极分子) and development candidates (发展对象) to designate, how many to admit
as probationary members (接收预备党员) and how many to convert (转正) in the year.

One ``DevelopmentPlan`` per committee and year (id ``development_plan_id``). A plan is set
once; a change of its numbers is a revision, an event with its reason, so that both the plan
and each change stay on the record.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from uuid import UUID, uuid5

from .base import LedgerAggregate
from .errors import require, require_value
from .provenance import Provenance

_NAMESPACE = UUID("8a6f1d2e-3b4c-5d6e-8f70-112233445566")
# What a plan sets a number for, each counted in its year by the day it happened:
# designated an activist, designated a development candidate, admitted (the upper
# committee's approval), converted to full membership (its approval).
TARGETS = ("activists", "development_candidates", "admitted", "converted")
TARGET_NAMES = {
    "activists": "确定入党积极分子",
    "development_candidates": "列为发展对象",
    "admitted": "接收预备党员",
    "converted": "预备党员转正",
}
MAX_TARGET = 100_000
MAX_TEXT = 200


@lru_cache(maxsize=4096)
def development_plan_id(committee_id: UUID, year: int) -> UUID:
    return uuid5(_NAMESPACE, f"{committee_id}/{year}")


def _targets(targets: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(targets) - set(TARGETS))
    require_value(
        not unknown, "targets", "known_targets", f"targets are {', '.join(TARGETS)}; not {unknown}"
    )
    require_value(
        all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_TARGET
            for n in targets.values()
        ),
        "targets",
        "count",
        f"each target is a whole number from 0 to {MAX_TARGET}",
    )
    require_value(
        any(targets.values()),
        "targets",
        "something_planned",
        'a plan sets at least one number (seed 002: "有计划地吸收…入党")',
    )
    return {key: int(targets.get(key, 0)) for key in TARGETS}


class DevelopmentPlan(LedgerAggregate):
    class DevelopmentPlanSet(LedgerAggregate.Created):
        committee_id: UUID
        year: int
        targets: dict[str, int]
        guidance_document_id: str
        guidance_admitted: int
        document_ids: list[str]

    class DevelopmentPlanRevised(LedgerAggregate.Event):
        """The plan's numbers changed, with why; from the revision's business date on."""

        targets: dict[str, int]
        reason: str
        document_ids: list[str]

        def apply(self, plan: DevelopmentPlan) -> None:
            plan.targets = dict(self.targets)
            plan.revisions += 1

    def __init__(
        self,
        provenance: Provenance,
        committee_id: UUID,
        year: int,
        targets: dict[str, int],
        guidance_document_id: str,
        guidance_admitted: int,
        document_ids: list[str],
    ) -> None:
        self.committee_id = committee_id
        self.year = year
        self.targets = dict(targets)
        self.guidance_document_id = guidance_document_id
        self.guidance_admitted = guidance_admitted
        self.set_on = provenance.occurred_on
        self.revisions = 0

    @classmethod
    def set_plan(
        cls,
        provenance: Provenance,
        committee_id: UUID,
        year: int,
        targets: dict[str, int],
        guidance_document_id: str,
        guidance_admitted: int,
        document_ids: list[str] | None = None,
    ) -> DevelopmentPlan:
        require_value(2000 <= year <= 2100, "year", "year", "a year from 2000 to 2100")
        _year_open(provenance, year)
        guidance = guidance_document_id.strip()
        require_value(
            0 < len(guidance) <= MAX_TEXT,
            "guidance_document_id",
            "required",
            "name the upper level's guiding plan the numbers follow "
            '(seed 003 §一 "发展党员指导性计划")',
        )
        require_value(
            isinstance(guidance_admitted, int) and 0 <= guidance_admitted <= MAX_TARGET,
            "guidance_admitted",
            "count",
            f"the guiding number of admissions, 0 to {MAX_TARGET}",
        )
        return cls._create(
            cls.DevelopmentPlanSet,
            id=development_plan_id(committee_id, year),
            provenance=provenance,
            committee_id=committee_id,
            year=year,
            targets=_targets(targets),
            guidance_document_id=guidance,
            guidance_admitted=guidance_admitted,
            document_ids=list(document_ids or []),
        )

    def revise(
        self,
        provenance: Provenance,
        targets: dict[str, int],
        reason: str,
        document_ids: list[str] | None = None,
    ) -> None:
        require_value(bool(reason.strip()), "reason", "required", "a revision says why")
        _year_open(provenance, self.year)
        require(
            provenance.occurred_on >= self.set_on,
            "occurred_on",
            "not_before_previous_step",
            f"the plan was set on {self.set_on}",
        )
        self.trigger_event(
            self.DevelopmentPlanRevised,
            provenance=provenance,
            targets=_targets(targets),
            reason=reason.strip(),
            document_ids=list(document_ids or []),
        )


def _year_open(provenance: Provenance, year: int) -> None:
    """A plan is set or revised in the year before its own or during it."""
    require(
        date(year - 1, 1, 1) <= provenance.occurred_on <= date(year, 12, 31),
        "occurred_on",
        "plan_year",
        f"a plan for {year} is set or revised in {year - 1} or {year}",
    )
