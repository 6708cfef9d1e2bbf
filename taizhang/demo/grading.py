"""The demo district's grading rounds (分类定级) of 2013 and 2014, and the upgrading
(晋位升级) between them.

The 2013 round grades the branches registered by the end of October 2013; the 2014 round,
defined after the campaign's baseline surveys, grades most branches by mid-June 2014. Grades
follow the campaign's own story: the branches its baseline survey found weak and lax are the
lagging ones of 2013 (their designation as rectification targets is the survey's, in April
2014); those reorganized since move up to average in 2014, and those still awaiting
reorganization stay lagging. The average and lagging branches of 2013 set upgrading plans
early in 2014; most are done by June, some verified, and a verified plan's branch reaches its
target grade. A few grades are objected to and re-graded. The 2013 yearly review of the
branches graded in 2013 follows their grades (taizhang.demo.yearly).
"""

from __future__ import annotations

from datetime import date
from random import Random
from uuid import UUID

from taizhang.demo.data import (
    DEMO_TODAY,
    OFFICE_ACTOR,
    PARTY_PORTAL,
    _after,
    _between,
)
from taizhang.demo.organizations import BranchState, DemoGenerator
from taizhang.demo.yearly import YearlyWriter
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import FIVE_GOODS, Grade, UpgradingStatus
from taizhang.domain.yearly_review import YearlyReview

ROUNDS = {
    2013: ("番禺区两新组织党组织2013年度分类定级", date(2013, 10, 15), date(2013, 12, 31)),
    2014: ("番禺区两新组织党组织2014年度分类定级", date(2014, 5, 20), date(2014, 12, 31)),
}
GRADED_2013_IF_REGISTERED_BY = date(2013, 10, 31)
_KEYS = [c.key for c in FIVE_GOODS]
_UP = {Grade.LAGGING: Grade.AVERAGE, Grade.AVERAGE: Grade.ADVANCED}
_DOWN = {Grade.ADVANCED: Grade.AVERAGE}


def round_id_for(generator: DemoGenerator, year: int) -> UUID:
    return generator._id(f"grading/{year}")


class GradingWriter:
    def __init__(self, generator: DemoGenerator) -> None:
        self.g = generator
        self.rng = Random(f"taizhang-demo/{generator.seed}/grading")
        self.rounds = {
            year: GradingRound.define(
                generator.provenance(self.rng, starts, OFFICE_ACTOR),
                district_id=generator.summary.district_id,
                name=name,
                year=year,
                starts_on=starts,
                ends_on=ends,
                criteria=list(FIVE_GOODS),
                template_key="five_goods",
                id=round_id_for(generator, year),
            )
            for year, (name, starts, ends) in ROUNDS.items()
        }
        self.shown = 0  # objections shown so far: the first branches graded show one
        self.yearly = YearlyWriter(generator, self.rng)

    def write(self) -> list[GradingRound | YearlyReview]:
        for state in self.g.branch_states:
            self.branch(state, Random(f"taizhang-demo/{self.g.seed}/grading/{state.index}"))
        return [*self.rounds.values(), self.yearly.review]

    def _criteria(self, rng: Random, grade: Grade) -> list[str]:
        if grade is Grade.ADVANCED:
            return list(_KEYS)
        if grade is Grade.AVERAGE:
            return sorted(rng.sample(_KEYS, rng.randint(2, 4)))
        return sorted(rng.sample(_KEYS, rng.randint(0, 1)))

    def _grade(
        self,
        rng: Random,
        state: BranchState,
        year: int,
        grade: Grade,
        survey_window: tuple[date, date],
    ) -> date:
        round_ = self.rounds[year]
        branch = state.aggregate
        organizer = state.committee.organizer
        surveyed = _between(rng, *survey_window)
        round_.survey(
            self.g.provenance(rng, surveyed, organizer, PARTY_PORTAL),
            branch_id=branch.id,
            findings={
                "leadership": "班子健全" if grade is not Grade.LAGGING else "班子不健全",
                "funds_and_venue": "有固定活动场所" if grade is Grade.ADVANCED else "场所共用",
                "role_played": "作用发挥明显" if grade is Grade.ADVANCED else "作用发挥一般",
            },
            today=DEMO_TODAY,
        )
        graded = min(_after(rng, surveyed, 7, 20), DEMO_TODAY)
        round_.grade(
            self.g.provenance(rng, graded, organizer, PARTY_PORTAL),
            branch_id=branch.id,
            grade=grade,
            criteria_met=self._criteria(rng, grade),
            evidence=f"对照“五好”标准逐项评议，{grade.zh}",
            today=DEMO_TODAY,
        )
        return graded

    def _objection(self, rng: Random, state: BranchState, year: int, graded: date) -> None:
        round_ = self.rounds[year]
        current = round_.grades[state.aggregate.id]
        objected = _after(rng, graded, 3, 10)
        regraded = _after(rng, objected, 5, 15)
        if current not in _UP or regraded > DEMO_TODAY:
            return
        self.shown += 1
        round_.object_to_grade(
            self.g.provenance(rng, objected, f"书记 {state.secretary}", state.source),
            branch_id=state.aggregate.id,
            grounds="班子已于评定前配齐，请求复核",
            today=DEMO_TODAY,
        )
        keep = rng.random() < 0.5
        grade = current if keep else _UP[current]
        round_.regrade(
            self.g.provenance(rng, regraded, state.committee.organizer, PARTY_PORTAL),
            branch_id=state.aggregate.id,
            grade=grade,
            criteria_met=self._criteria(rng, grade),
            evidence="复核会议记录",
            reason="异议不成立，维持原等次" if keep else "异议成立，调整等次",
            today=DEMO_TODAY,
        )

    def _upgrading(self, rng: Random, state: BranchState, grade: Grade) -> UpgradingStatus:
        round_ = self.rounds[2013]
        branch_id = state.aggregate.id
        planned = _between(rng, date(2014, 1, 6), date(2014, 2, 21))
        round_.set_upgrading_plan(
            self.g.provenance(rng, planned, f"书记 {state.secretary}", state.source),
            branch_id=branch_id,
            target_grade=_UP[grade],
            targets="班子配齐、制度健全、活动经常" if grade is Grade.LAGGING else "争创先进",
            measures="选派党建指导员跟班指导，落实“三会一课”",
            responsible_person=state.secretary,
            deadline=_after(rng, planned, 90, 150),
            today=DEMO_TODAY,
        )
        step = _after(rng, planned, 20, 50)
        round_.progress_upgrading(
            self.g.provenance(rng, step, f"书记 {state.secretary}", state.source),
            branch_id=branch_id,
            note="已召开支委会部署整改",
            percent_done=rng.choice((30, 50, 60)),
            today=DEMO_TODAY,
        )
        if rng.random() < 0.3:
            return UpgradingStatus.IN_PROGRESS
        done = _after(rng, step, 20, 60)
        round_.complete_upgrading(
            self.g.provenance(rng, done, f"书记 {state.secretary}", state.source),
            branch_id=branch_id,
            outcome="整改措施全部落实",
            today=DEMO_TODAY,
        )
        verified = _after(rng, done, 5, 30)
        if rng.random() < 0.35 or verified > DEMO_TODAY:
            return UpgradingStatus.DONE
        passed = rng.random() < 0.85
        round_.verify_upgrading(
            self.g.provenance(rng, verified, state.committee.organizer, PARTY_PORTAL),
            branch_id=branch_id,
            passed=passed,
            remarks="经检查验收合格" if passed else "活动场所仍未落实，继续整改",
            today=DEMO_TODAY,
        )
        return UpgradingStatus.VERIFIED if passed else UpgradingStatus.IN_PROGRESS

    def branch(self, state: BranchState, rng: Random) -> None:
        branch = state.aggregate
        registered_on = state.registered_on
        earlier: Grade | None = None
        status = None
        if registered_on <= GRADED_2013_IF_REGISTERED_BY:
            if branch.is_rectification_target:
                earlier = Grade.LAGGING
            else:
                earlier = rng.choices([Grade.ADVANCED, Grade.AVERAGE], [3, 5])[0]
            graded = self._grade(rng, state, 2013, earlier, (date(2013, 11, 1), date(2013, 11, 25)))
            if self.shown < 3 or rng.random() < 0.04:
                self._objection(rng, state, 2013, graded)
            earlier = self.rounds[2013].grades[branch.id]
            self.yearly.branch(state, rng, earlier)
            if earlier is not Grade.ADVANCED:
                status = self._upgrading(rng, state, earlier)
        if rng.random() > 0.9 and not branch.is_rectification_target:
            return  # not yet graded in mid-June
        if branch.is_rectification_target and not branch.reorganized:
            later = Grade.LAGGING
        elif branch.is_rectification_target:
            later = Grade.AVERAGE
        elif earlier is None:
            later = rng.choices([Grade.ADVANCED, Grade.AVERAGE], [2, 5])[0]
        elif status is UpgradingStatus.VERIFIED:
            later = _UP[earlier]
        else:
            draw = rng.random()
            later = (
                _UP.get(earlier, earlier)
                if draw < 0.25
                else _DOWN.get(earlier, earlier)
                if draw > 0.9
                else earlier
            )
            later = Grade.AVERAGE if later is Grade.LAGGING else later
        self._grade(rng, state, 2014, later, (date(2014, 5, 21), date(2014, 6, 5)))
