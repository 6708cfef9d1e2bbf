"""The demo's grading rounds of 2013 and 2014: true to the rules, and the README's example
of the transitions matrix is the demo's own."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid5

from taizhang.config import Settings
from taizhang.demo import DEFAULT_SEED, DEMO_TODAY, generate
from taizhang.demo.data import _NAMESPACE
from taizhang.domain.grading import GradingRound
from taizhang.domain.grading_criteria import Grade
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.queries import Views
from taizhang.projections.worker import Worker

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
ROUND_2013 = uuid5(_NAMESPACE, f"{DEFAULT_SEED}/grading/2013")
ROUND_2014 = uuid5(_NAMESPACE, f"{DEFAULT_SEED}/grading/2014")
REVIEW_2013 = uuid5(_NAMESPACE, f"{DEFAULT_SEED}/yearly/2013")


def test_the_lagging_are_the_weak_and_each_lagging_or_average_one_plans_its_upgrading(
    settings: Settings,
) -> None:
    """001 §二3: 按照巩固先进、推动一般、整顿后进的要求，指导基层党组织明确改进提高的目标、责任和
    措施; 000 §五(二): 对软弱涣散的…党组织…进行整顿，晋位升级后再开展活动."""
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(ledger, branches=60, progress=False)
        first: GradingRound = ledger.repository.get(ROUND_2013)
        second: GradingRound = ledger.repository.get(ROUND_2014)
        assert first.grades and second.grades
        for branch_id, grade in second.grades.items():
            branch = ledger.repository.get(branch_id)
            assert (grade is Grade.LAGGING) == (
                branch.is_rectification_target and not branch.reorganized
            ), branch_id
        for branch_id, grade in first.grades.items():
            if grade is not Grade.ADVANCED:
                assert branch_id in first.plans, branch_id
                assert first.plans[branch_id].responsible_person.startswith("P")
        assert set(first.grades) | set(second.grades) <= set(summary.branch_ids)
    finally:
        ledger.close()


def test_the_readme_shows_the_demos_transitions_matrix(sqlite_settings: Settings) -> None:
    upgrade(sqlite_settings)
    ledger = Ledger(sqlite_settings)
    try:
        generate(ledger, progress=False)
    finally:
        ledger.close()
    worker = Worker(sqlite_settings)
    try:
        worker.catch_up()
    finally:
        worker.close()
    views = Views(sqlite_settings)
    try:
        found = views.grade_transitions(ROUND_2013, ROUND_2014, as_of=DEMO_TODAY)
        yearly = views.yearly_summary(REVIEW_2013, as_of=DEMO_TODAY)
    finally:
        views.close()
    assert str(ROUND_2013) in README and str(ROUND_2014) in README
    for grade in ("advanced", "average", "lagging"):
        row = found["matrix"][grade]
        line = f"| {grade} | {row['advanced']} | {row['average']} | {row['lagging']} |"
        assert line in README, line
    moves = f"{found['moved_up']} moved up, {found['stayed']} stayed, {found['moved_down']} moved"
    assert moves in re.sub(r"\s+", " ", README)
    flat = re.sub(r"\s+", " ", README)
    assert f"the {found['graded_in_both']} branches graded in both" in flat
    assert str(REVIEW_2013) in README
    summary = (
        f"{yearly['five_star']} five-star branches of {yearly['assessed']} assessed, "
        f"{yearly['six_haves']} venues with all six"
    )
    assert summary in flat, summary
