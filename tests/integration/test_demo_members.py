"""The demo's people on the path to membership: plausible, and pseudonymous only."""

from __future__ import annotations

import re
from uuid import UUID

from domain.member_development import Candidate
from projections.report import in_memory_views, replay_as_of
from taizhang.config import Settings
from taizhang.demo import DEMO_TODAY, generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade

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
