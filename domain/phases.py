"""The phases (required actions) of a campaign, as data.

A phase is done when every milestone in ``done_when`` has been reached, and in progress
once any milestone in ``started_by`` (or ``done_when``) has been. Its deadline binds the
milestones in ``due`` (all of ``done_when`` unless it names some): past the deadline, the
phase is overdue until those are reached, and in progress after that until it is done.
Milestones are derived from a branch's facts by ``taizhang.domain.progress``. The eight ones of
seed 000 ship as the default template; other campaigns (seed 001 has four steps) define
their own phases, and a phase with no known milestones is completed by a
``PhaseWorkRecorded`` fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from .errors import require_value

# The milestones the domain knows how to derive from facts.
MILESTONES: frozenset[str] = frozenset(
    {
        "baseline_surveyed",
        "plan_submitted",
        "plan_approved",
        "mobilization_held",
        "study_held",
        "secretary_trained",
        "opinions_collected",
        "conflicts_screened",
        "talks_held",
        "life_meeting_held",
        "life_meeting_made_known",
        "problems_listed",
        "problem_list_publicized",
        "work_system_changed",
    }
)


def phase_milestone(phase_key: str) -> str:
    """The milestone a generic ``PhaseWorkRecorded`` fact reaches for a phase."""
    return f"phase:{phase_key}"


@dataclass(frozen=True)
class PhaseDefinition:
    key: str
    name_zh: str
    name_en: str
    order: int
    deadline: date | None = None
    done_when: tuple[str, ...] = ()
    started_by: tuple[str, ...] = ()
    due: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_value(
            bool(self.key) and self.key.replace("_", "").isalnum() and self.key.islower(),
            "phases.key",
            "snake_case",
            f"phase key {self.key!r} must be lower snake_case",
        )
        require_value(bool(self.name_zh.strip()), "phases.name_zh", "required", "name required")
        require_value(bool(self.name_en.strip()), "phases.name_en", "required", "name required")
        for milestone in (*self.done_when, *self.started_by):
            require_value(
                milestone in MILESTONES or milestone == phase_milestone(self.key),
                "phases.done_when",
                "known_milestone",
                f"unknown milestone {milestone!r} in phase {self.key!r}",
            )
        require_value(
            set(self.due) <= set(self.completion),
            "phases.due",
            "among_done_when",
            f"a deadline binds only milestones that complete phase {self.key!r}",
        )

    @property
    def completion(self) -> tuple[str, ...]:
        return self.done_when or (phase_milestone(self.key),)

    @property
    def bound(self) -> tuple[str, ...]:
        """The milestones the deadline binds."""
        return self.due or self.completion

    @property
    def starters(self) -> frozenset[str]:
        return frozenset(self.started_by) | frozenset(self.completion)


@dataclass(frozen=True)
class PhaseTemplate:
    key: str
    name_zh: str
    name_en: str
    phases: tuple[PhaseDefinition, ...] = field(default_factory=tuple)

    def with_deadlines(
        self, deadlines: dict[str, date], default: date
    ) -> tuple[PhaseDefinition, ...]:
        return tuple(replace(p, deadline=deadlines.get(p.key, default)) for p in self.phases)


EIGHT_ONES = PhaseTemplate(
    key="eight_ones",
    name_zh="八个一",
    name_en="The eight ones",
    phases=(
        PhaseDefinition(
            "baseline_survey",
            "开展一次摸底排查",
            "Baseline survey",
            1,
            done_when=("baseline_surveyed",),
        ),
        PhaseDefinition(
            "activity_plan",
            "制定一个活动计划",
            "Activity plan",
            2,
            done_when=("plan_approved",),
            started_by=("plan_submitted",),
        ),
        PhaseDefinition(
            "mobilization_meeting",
            "召开一次动员会议",
            "Mobilization meeting",
            3,
            done_when=("mobilization_held",),
        ),
        PhaseDefinition(
            "thematic_study",
            "组织一次专题学习",
            "Thematic study",
            4,
            done_when=("study_held", "secretary_trained"),
            # 000 §三(四) "4月底前，集中开展“两新”组织党组织书记学习培训，时间不少于2天":
            # the date binds the secretaries' training; members' study has none of its own.
            due=("secretary_trained",),
        ),
        PhaseDefinition(
            "investigation",
            "开展一次调查研究",
            "Investigation",
            5,
            done_when=("opinions_collected", "conflicts_screened"),
        ),
        PhaseDefinition(
            "organizational_life_meeting",
            "开好一次专题组织生活会",
            "Organizational life meeting",
            6,
            done_when=("life_meeting_held", "life_meeting_made_known"),
            started_by=("talks_held",),
        ),
        PhaseDefinition(
            "problem_list",
            "列出一份存在问题清单",
            "Problem list",
            7,
            done_when=("problems_listed", "problem_list_publicized"),
        ),
        PhaseDefinition(
            "work_systems",
            "完善一套工作制度",
            "Work systems",
            8,
            done_when=("work_system_changed",),
        ),
    ),
)

# Seed 000 §三: survey and reorganization in mid-April, mobilization by 20 April, the
# secretaries' training by the end of April; the campaign ends by the end of September.
# Phases the seed sets no date for are due when the campaign ends.
EIGHT_ONES_2014_DEADLINES: dict[str, date] = {
    "baseline_survey": date(2014, 4, 15),
    "activity_plan": date(2014, 4, 20),
    "mobilization_meeting": date(2014, 4, 20),
    "thematic_study": date(2014, 4, 30),
}
