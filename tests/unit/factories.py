"""Small builders for domain unit tests: provenance, and aggregates in common states."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from taizhang.domain.branch import Branch
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.campaign import Campaign
from taizhang.domain.errors import DomainError
from taizhang.domain.phases import EIGHT_ONES, EIGHT_ONES_2014_DEADLINES
from taizhang.domain.problem import Problem
from taizhang.domain.provenance import Provenance
from taizhang.domain.vocabulary import BranchLevel, Formation, HostCategory, ProblemCategory

START = date(2014, 4, 10)
END = date(2014, 9, 30)


def prov(on: date = date(2014, 5, 1), client_event_id: str | None = None) -> Provenance:
    return Provenance(uuid4(), on, "secretary 王", "unit-test", client_event_id)


def branch(**overrides: object) -> Branch:
    values: dict[str, object] = dict(
        district_id=uuid4(),
        committee_id=uuid4(),
        name="某科技公司党支部",
        level=BranchLevel.BRANCH,
        formation=Formation.STANDALONE,
        host_name="某科技公司",
        host_category=HostCategory.NON_PUBLIC_ENTERPRISE,
        employees=120,
        full_members=5,
    )
    values.update(overrides)
    return Branch.register(prov(START), **values)  # type: ignore[arg-type]


def eight_ones_campaign(**overrides: object) -> Campaign:
    values: dict[str, object] = dict(
        district_id=uuid4(),
        name="番禺区两新组织党的群众路线教育实践活动",
        starts_on=START,
        ends_on=END,
        phases=list(EIGHT_ONES.with_deadlines(EIGHT_ONES_2014_DEADLINES, END)),
        template_key=EIGHT_ONES.key,
    )
    values.update(overrides)
    return Campaign.define(prov(START), **values)  # type: ignore[arg-type]


def work(branch_id: UUID | None = None) -> BranchWork:
    return BranchWork.open(prov(START), uuid4(), branch_id or uuid4())


def problem(listed_on: date = date(2014, 6, 1), deadline: date = date(2014, 7, 31)) -> Problem:
    return Problem.list_on_branch(
        prov(listed_on),
        campaign_id=uuid4(),
        branch_id=uuid4(),
        category=ProblemCategory.FOUR_WINDS,
        description="会议多、文件多",
        measures="精简会议",
        responsible_person="P000201",
        deadline=deadline,
    )


def study(w: BranchWork, on: date = date(2014, 5, 1), days: str = "1") -> Provenance:
    p = prov(on)
    w.hold_study_session(
        p, topic="党章学习", days=Decimal(days), hours=Decimal("6"), participants=12
    )
    return p


@contextmanager
def refused(kind: type[DomainError], field: str, rule: str) -> Iterator[None]:
    """Expect a command to be refused with this error type, field and rule."""
    with pytest.raises(kind) as caught:
        yield
    assert (caught.value.field, caught.value.rule) == (field, rule), caught.value.message
