"""The demo branch's problems on their way to rectification: steps, revisions, verification
and mistakes corrected. A part of ``writer.BranchWorkWriter``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from taizhang.demo.data import (
    CAMPAIGN_ENDS,
)
from taizhang.domain.problem import Problem


class Rectifications:
    def step(
        self, problem: Problem, on: date, command: str, actor: str | None = None, **data: Any
    ) -> bool:
        if on > self.until:
            return False
        getattr(problem, command)(self.p(on, actor), **data)
        return True

    def rectify(self, problem: Problem, listed: date) -> None:
        rng = self.rng
        step = self.step
        if rng.random() < 0.02:
            step(problem, self.after(listed, 1, 10), "withdraw", reason="与已列问题重复，撤回")
            return
        if rng.random() < 0.08:
            self.revise(problem, self.after(listed, 3, 20))
        if rng.random() > 0.5 + 0.45 * self.diligence:
            return
        on = self.after(listed, 0, 7)
        if not step(problem, on, "start_rectification", note="制定整改方案，落实责任人"):
            return
        percent = 0
        for _ in range(rng.randint(2, 12)):
            on = self.after(on, 2, 6)
            percent = min(95, percent + rng.randint(5, 20))
            if not step(
                problem, on, "record_progress", note="按计划推进整改", percent_done=percent
            ):
                return
        if rng.random() < 0.02:
            self.mistaken_progress(problem, on, withdraw=rng.random() < 0.3)
        if rng.random() > 0.5:
            return
        on = self.after(on, 2, 12)
        if not step(problem, on, "complete_rectification", outcome="整改完成，已建立长效机制"):
            return
        if rng.random() < 0.45:
            self.verify(problem, self.after(on, 2, 10), passed=rng.random() < 0.85)

    def revise(self, problem: Problem, on: date) -> None:
        self.step(
            problem,
            on,
            "revise",
            measures=problem.measures + "；增加专人跟进",
            responsible_person=problem.responsible_person,
            deadline=min(CAMPAIGN_ENDS, problem.deadline + timedelta(days=30)),
        )

    def verify(self, problem: Problem, on: date, *, passed: bool) -> None:
        rng = self.rng
        groups = self.state.committee.groups
        verifier = rng.choice(groups).name if rng.random() < 0.3 else self.organizer
        remarks = "整改到位" if passed else "整改不彻底，群众仍有意见"
        if (
            self.step(
                problem,
                on,
                "verify_rectification",
                actor=verifier,
                passed=passed,
                remarks=remarks,
            )
            and not passed
        ):
            self.step(
                problem,
                self.after(on, 1, 4),
                "record_progress",
                note="按验收意见继续整改",
                percent_done=80,
            )

    def mistaken_progress(self, problem: Problem, on: date, *, withdraw: bool) -> None:
        progress = [
            f
            for f in problem.facts.current.values()
            if isinstance(f, Problem.RectificationProgressed)
        ]
        if not progress:
            return
        mistaken = progress[-1]
        if withdraw:
            self.step(
                problem,
                on,
                "withdraw_fact",
                withdraws=mistaken.provenance.event_id,
                reason="误录入其他问题的进展",
            )
        else:
            self.step(
                problem,
                on,
                "correct",
                corrects=mistaken.provenance.event_id,
                reason="完成比例填报有误",
                changes={"percent_done": max(0, mistaken.percent_done - 10)},
            )

    def show_rectification(self, problem: Problem, listed: date, story: str) -> None:
        """A problem of the showcase branch, taking one path its rectification can take."""
        step = self.step
        if story == "withdrawn":
            step(problem, self.after(listed, 1, 2), "withdraw", reason="与已列问题重复，撤回")
            return
        if story == "revised":
            self.revise(problem, self.after(listed, 1, 2))
            return
        on = self.after(listed, 1, 2)
        step(problem, on, "start_rectification", note="制定整改方案，落实责任人")
        on = self.after(on, 2, 3)
        step(problem, on, "record_progress", note="按计划推进整改", percent_done=40)
        if story in ("corrected", "mistaken"):
            self.mistaken_progress(problem, self.after(on, 1, 2), withdraw=story == "mistaken")
            return
        on = self.after(on, 2, 3)
        step(problem, on, "complete_rectification", outcome="整改完成，已建立长效机制")
        self.verify(problem, self.after(on, 2, 3), passed=story == "verified")
