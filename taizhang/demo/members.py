"""People on the path to membership in the demo's branches (发展党员, seed 002; 推优, 004).

Everyone is a pseudonymous id (the candidate's id, and ``P…`` ids for contacts and sponsors);
no name is recorded. Each path is built through the domain's commands, step by step with
dates that keep the rules (a year and a little more where seed 002 asks for a year), and
stops at a stage drawn for the person, so the pipeline has people at every stage, some of
them overdue. The first branches show the rarer turns: an extension, a cancellation, an
exception of the committee, a Youth League recommendation for a development candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from random import Random
from typing import Any

from taizhang.demo.data import DEMO_TODAY, _demo_uuid, _people
from taizhang.demo.organizations import BranchState, DemoGenerator
from taizhang.domain.development_plan import DevelopmentPlan
from taizhang.domain.member_development import Candidate
from taizhang.domain.member_rules import months_after

VOTE_METHODS = ("show_of_hands", "secret_ballot")
OPINIONS = ["party_group", "contacts", "members", "non_members"]
# How far a path goes: the number of stages it passes (0: still an applicant).
FURTHEST = 6
SHOWN = ("extended", "cancelled", "exception", "league_candidate")

Step = Callable[[], None]


def development_plans(generator: DemoGenerator) -> list[DevelopmentPlan]:
    """Each committee's plan for the demo's year, set in January by its organization member
    after the district's guiding plan, sized to its branches; the first one revised in spring."""
    rng = Random(f"taizhang-demo/{generator.seed}/plans")
    year = DEMO_TODAY.year
    plans = []
    for number, committee in enumerate(generator.committees):
        size = max(1, len(committee.branch_ids))
        targets = {
            "activists": size * 2,
            "development_candidates": size,
            "admitted": max(1, size // 2),
            "converted": max(1, size // 3),
        }
        plan = DevelopmentPlan.set_plan(
            generator.provenance(rng, date(year, 1, 10), committee.organizer),
            committee.aggregate.id,
            year,
            targets,
            f"区委组织部 {year} 年发展党员指导性计划",
            targets["admitted"],
        )
        if number == 0:
            plan.revise(
                generator.provenance(rng, date(year, 4, 8), committee.organizer),
                {**targets, "admitted": targets["admitted"] + 1},
                "区委组织部调整指导性计划",
            )
        plans.append(plan)
    return plans


class MemberPaths:
    def __init__(self, generator: DemoGenerator, state: BranchState) -> None:
        self.g = generator
        self.state = state
        self.rng = Random(f"taizhang-demo/{generator.seed}/members/{state.index}")

    def candidates(self) -> list[Candidate]:
        rng = self.rng
        shown = SHOWN[self.state.index] if self.state.index < len(SHOWN) else ""
        people = [self._path(rng.randrange(FURTHEST + 1), "") for _ in range(rng.randrange(4))]
        if shown:
            people.append(self._path(FURTHEST, shown))
        return people

    def _votes(self, sure: bool = False) -> dict[str, int]:
        """Counts of a vote; ``sure``: everyone present in favour."""
        entitled = self.rng.randrange(5, 30)
        present = entitled - self.rng.randrange(0, entitled // 3)
        in_favour = present if sure else present - self.rng.randrange(0, max(1, present // 5))
        against = self.rng.randrange(0, present - in_favour + 1)
        return {
            "entitled": entitled,
            "present": present,
            "in_favour": in_favour,
            "against": against,
            "abstaining": present - in_favour - against,
        }

    def _path(self, stages: int, shown: str) -> Candidate:
        rng = self.rng
        branch, committee = self.state.secretary, self.state.committee.organizer
        # Far enough back for the whole path to fit before the demo's today.
        applied = DEMO_TODAY - timedelta(days=rng.randrange(60, 1500))
        if stages == FURTHEST:
            applied = DEMO_TODAY - timedelta(days=rng.randrange(1400, 1700))

        def p(on: date, actor: str) -> Any:
            return self.g.provenance(rng, on, actor, self.state.source)

        c = Candidate.apply_for_membership(
            p(applied, f"书记 {branch}"),
            self.state.aggregate.id,
            self.state.aggregate.committee_id,
            id=_demo_uuid(rng),
        )
        on = applied
        who = f"书记 {branch}"

        def later(lo: int, hi: int) -> date | None:
            nonlocal on
            found = on + timedelta(days=rng.randrange(lo, hi))
            if found > DEMO_TODAY:
                return None
            on = found
            return on

        organization = rng.choice(("youth_league", "trade_union", "women"))
        votes = self._votes(sure=True)
        if rng.random() < 0.5 and later(10, 60):
            name = "某团支部" if organization == "youth_league" else "某工会"
            c.recommend(p(on, who), organization, name, "activist", votes)
        if stages < 1:
            return c
        if shown == "exception":
            c.grant_exception(p(on, committee), "activist_after_a_year", "党委研究决定提前确定")
            if not later(300, 330):
                return c
        else:
            on = max(on, months_after(applied, 12))
            if not later(0, 40):
                return c
        c.designate_activist(p(on, who))
        c.name_contacts(p(on, who), _people(rng, rng.choice((1, 2))))
        activist_on = on
        self._reports(c, p, who, activist_on, stages < 2)
        if stages < 2:
            return c
        on = max(on, months_after(activist_on, 12))
        if not later(0, 30):
            return c
        if shown == "league_candidate":
            c.recommend(p(on, who), "youth_league", "某团支部", "development_candidate", votes)
        c.designate_development_candidate(p(on, who), OPINIONS)
        if stages < 3 or not later(5, 30):
            return c
        c.do_political_review(p(on, who), True)
        if not later(3, 20):
            return c
        c.complete_training(p(on, who), rng.choice((5, 6, 7)), 0)
        c.name_sponsors(p(on, who), _people(rng, 2))
        if stages < 4 or not later(5, 30):
            return c
        c.vote_admission(p(on, who), rng.choice(VOTE_METHODS), self._votes(bool(shown)))
        if not c.admission_vote or not c.admission_vote[1]:
            return c
        vote_on = on
        c.hold_publicity(p(on, who), on + timedelta(days=1), on + timedelta(days=3))
        if stages < 5 or not later(5, 80):
            return c
        c.approve_admission(p(on, committee), True)
        self._reports(c, p, who, vote_on, True)
        if stages < 6:
            return c
        outcome = {"extended": "extend", "cancelled": "cancel"}.get(shown, "convert")
        on = max(on, months_after(vote_on, 12))
        if not later(0, 20):
            return c
        c.vote_conversion(
            p(on, who),
            outcome,
            rng.choice(VOTE_METHODS),
            self._votes(bool(shown)),
            extension_months=6 if outcome == "extend" else 0,
        )
        if c.conversion_vote and c.conversion_vote[2] and later(5, 60):
            c.approve_conversion(p(on, committee), True)
        return c

    def _reports(self, c: Candidate, p: Any, who: str, since: date, to_today: bool) -> None:
        """Quarterly thought reports from ``since``, some quarters missed; up to the demo's
        today when the person stays at this stage, else for the first year."""
        until = DEMO_TODAY if to_today else months_after(since, 12)
        day = since + timedelta(days=self.rng.randrange(20, 80))
        while day <= min(until, DEMO_TODAY):
            if self.rng.random() < 0.85:
                c.receive_thought_report(p(day, who))
            if self.rng.random() < 0.4 and c.stage in ("activist", "development_candidate"):
                c.assess_activist(p(day, who), "表现较好，继续培养")
            day += timedelta(days=91)
