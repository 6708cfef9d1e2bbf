"""The demo's people on the path to membership: plausible, and pseudonymous only."""

from __future__ import annotations

import re
from uuid import UUID

from taizhang.config import Settings
from taizhang.demo import DEMO_TODAY, generate
from taizhang.domain.member_development import Candidate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.report import in_memory_views, replay_as_of

PSEUDONYM = re.compile(r"^P\d{6}$")


def test_the_demo_has_people_at_every_stage_and_names_no_one(settings: Settings) -> None:
    """seed 002 发展党员工作制度, every stage from "本人申请" to "按期转正" and "取消预备党员资格",
    and what supervisors chase: reports and approvals overdue."""
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(ledger, branches=40, progress=False)
        views = in_memory_views(replay_as_of(ledger))
        stages: dict[str, int] = {}
        overdue: dict[str, int] = {}
        people: list[str] = []
        for committee_id in summary.committee_ids:
            body = views.member_pipeline(as_of=DEMO_TODAY, committee_id=committee_id)
            for row in body["stages"]:
                stages[row["stage"]] = stages.get(row["stage"], 0) + row["count"]
            for key, count in body["overdue"].items():
                overdue[key] = overdue.get(key, 0) + count
            assert all(p["sealed_name"] is None for p in body["people"])
            people += [p["candidate_id"] for p in body["people"]]
        assert all(stages[s] > 0 for s in stages), stages
        assert overdue["report_missing"] > 0 and overdue["approval_late"] > 0, overdue
        for person in people:
            row = views.member_row(UUID(person))
            assert row is not None
            for _, _, _, values, _ in row["history"]:
                for name in ("contact_ids", "sponsor_ids"):
                    assert all(PSEUDONYM.match(i) for i in values.get(name, [])), values
        candidate: Candidate = ledger.repository.get(UUID(people[0]))
        assert candidate.sealed_name is None
    finally:
        ledger.close()


def test_the_demo_has_each_committees_plan_measured(settings: Settings) -> None:
    """seed 002: "有计划地吸收…入党"; 003 §一: "发展党员指导性计划" -- every committee has its
    year's plan, after the district's guidance, and the first was revised with a reason."""
    upgrade(settings)
    ledger = Ledger(settings)
    try:
        summary = generate(ledger, branches=40, progress=False)
        views = in_memory_views(replay_as_of(ledger))
        found = [
            views.development_plan(c, DEMO_TODAY.year, as_of=DEMO_TODAY)
            for c in summary.committee_ids
        ]
        assert all(body["plan"] is not None for body in found)
        assert all("指导性计划" in body["plan"]["guidance_document_id"] for body in found)
        assert [len(body["plan"]["revisions"]) for body in found][0] == 1
        assert sum(m["done"] for body in found for m in body["measures"]) > 0
    finally:
        ledger.close()
