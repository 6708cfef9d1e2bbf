"""Who may record what: the one table of posted event type × role, read from the seeds.

Every check of a role's duties (``taizhang.api.scope.Scope.may_post``, single posts and batches
alike) is derived from ``DUTIES``, and docs/SECURITY.md shows the same table
(``duties_table`` writes it; a test holds the two equal). A posted event type without a
row here stops the API from starting.

The seeds' division of work (000 = the 2014 campaign's notice):

- the branch reports what it did: "“两新”组织党组织具体负责本单位教育实践活动的组织落实"
  (000 §五(一)), through its own system, an ``integrator``;
- the supervising ``committee`` approves or returns plans ("活动计划报镇街党（工）委或主管部门
  党（工）委审核", 000 §三(二)), surveys its branches and designates rectification targets
  ("研究确定整顿对象", 000 §三(一)), reorganizes them ("及时采取措施进行整顿", 000 §五(二)),
  keeps the register of its branches ("登记造册、建立台账", 000 §三(一)) and follows their
  rectification ("重点抓好…整改落实", 000 §五(二));
- the ``supervisor`` (a supervision or guidance group) checks progress and finds problems
  ("了解教育实践活动的进展情况…发现和分析工作中存在的问题并督促解决", 000 §五(三));
- the campaign ``office`` runs the campaign and may do what its committees do;
- the ``admin`` operates the service and registers districts.

A correction or withdrawal of a fact (``FactCorrected``, ``FactWithdrawn``) is the act of a
role that may record that fact: its row says "as the fact", and the check reads the fact's
type from the aggregate. The supervising side's own records (those the branch may not
record: approvals, verifications, visits…) are amended only by whom recorded them (a token
of the same source) or by the office, so a committee does not withdraw a group's failed
verification, nor one group another's findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from taizhang.domain.branch_work import BranchWork
from taizhang.domain.problem import Problem
from taizhang.handlers import EVENT_TYPES

ADMIN, OFFICE, COMMITTEE, SUPERVISOR, INTEGRATOR = (
    "admin",
    "office",
    "committee",
    "supervisor",
    "integrator",
)
# In the order the table shows them.
ROLES = (ADMIN, OFFICE, COMMITTEE, SUPERVISOR, INTEGRATOR)
CORRECTIONS = frozenset({"FactCorrected", "FactWithdrawn"})


@dataclass(frozen=True)
class Duty:
    roles: frozenset[str]
    why: str


def _duty(why: str, *roles: str) -> Duty:
    return Duty(frozenset(roles), why)


_OFFICE_RUNS = "the campaign office runs the campaign (000 §五(三) 区委实践办)"
_REGISTER = "the committee keeps its branches' register (000 §三(一) 登记造册、建立台账)"
_BRANCH = "the branch reports what it did (000 §五(一) 具体负责本单位…组织落实)"
_CHECKS = "the supervising committee's check (000 §三(二) 审核)"
_RECTIFY = "the supervising committee reorganizes weak branches (000 §五(二) 进行整顿)"
_VERIFY = "the supervising side checks rectification (000 §五(二) 整改落实; §五(三) 督促解决)"
_VISIT = "supervision and guidance groups check progress (000 §五(三) 督促和检查)"
_CONTACT = "each committee member picks a contact point (000 §五(二) 联系点)"
_INSTRUCT = "committees see that every branch has an instructor (000 §五(一) 指导员)"
_TARGETS = "the committee designates rectification targets (000 §三(一) 研究确定整顿对象)"
_AS_FACT = "as the fact it corrects or withdraws"
_PLANS = (
    "the committee plans the year's development by the upper level's guidance (003 §一 指导性计划)"
)
_AS_STEP = "as the step of a person's path it corrects or withdraws (001 §四5 纪实制)"
# Corrections of a person's steps: each is the act of whom may record the step it names.
STEP_CORRECTIONS = frozenset({"StepCorrected", "StepWithdrawn"})
# A grade is corrected or withdrawn as a supervising side's fact is: by whom recorded it, or
# the office (``may_amend``).
GRADE_AMENDMENTS = frozenset({"GradeCorrected", "GradeWithdrawn"})
_LIFE = "the branch holds its organizational life (002 党组织活动由党支部组织)"
_DELAY_ASKED = "the branch reports a delay to the upper level (002 必须报告上级党组织)"
_DELAY_AGREED = "the upper level agrees to a delay (002 必须报告上级党组织同意)"
_EDUCATED = "the branch records its members' collective education (002 集体教育活动)"
_COMMITTEE_HOLDS = "the committee holds exchange visits and secretaries' reporting (003 §二)"
_PROGRAMME = "the upper level sets the year's programme of organizational life (issue 21)"
_THEME = "the upper level sets the month's theme and its date (003 §二 由上级党组织…确定并统一时间)"
_GRADES = "the upper level surveys and grades its organizations (001 §二1 调查摸底，分类定级)"
_UPGRADES = "each organization sets targets and measures and moves up (001 §二3 晋位升级)"
_ASSESS = "the yearly reporting and assessment of secretaries (003 §二 述职评议考核)"
_FUNDS = "funds and venues of the branch (003 §三 党建工作经费, “六有”)"
_DEVELOPS = "the branch develops members and records each step (002 发展党员工作制度 (1)-(11))"
_APPROVES = "the upper committee examines and approves (002 (13) 党委审批; 3(6) 3 个月内讨论审批)"
_RECOMMENDED = (
    "mass organizations recommend to the branch, which records it (004 四(三)4 向所在党支部推荐)"
)
_COVERAGE = (
    "the committee keeps the register of the two-new organizations and their coverage "
    "(000 §三(一) 登记造册、建立台账; 000 §四(一)1 两个全覆盖)"
)
_FOLLOW = "the upper level sends instructors and liaisons (001 §二 选派党建工作指导员、联络员)"
_MASS = "mass organizations come first where no party organization is yet (004 先行建立…群团组织)"

_REPORTS = (ADMIN, OFFICE, INTEGRATOR)
_SUPERVISES = (ADMIN, OFFICE, COMMITTEE)

DUTIES: dict[str, Duty] = {
    "DistrictRegistered": _duty("the operator sets up districts", ADMIN),
    "CommitteeRegistered": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "CommitteeRenamed": _duty("a committee's own record", *_SUPERVISES),
    "ContactPointChosen": _duty(_CONTACT, *_SUPERVISES),
    "BranchRegistered": _duty(_REGISTER, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "MembershipChanged": _duty(_REGISTER, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "EmployeesCounted": _duty(_REGISTER, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "FormationChanged": _duty(_REGISTER, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "MovedToCommittee": _duty("the upper level moves a branch's ties", *_SUPERVISES),
    "InstructorRegistered": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "InstructorAssigned": _duty(_INSTRUCT, *_SUPERVISES),
    "InstructorUnassigned": _duty(_INSTRUCT, *_SUPERVISES),
    "DesignatedRectificationTarget": _duty(_TARGETS, *_SUPERVISES),
    "RectificationTargetWaived": _duty(_TARGETS, *_SUPERVISES),
    "Reorganized": _duty(_RECTIFY, *_SUPERVISES),
    "SuggestionAnswered": _duty(
        "the committee answers and closes what the supervisors suggest (000 §五(三) 督促解决)",
        *_SUPERVISES,
    ),
    "SuggestionReferred": _duty(
        "the group reports to the campaign office (000 §五(三) 及时向区委实践办反映情况)",
        ADMIN,
        OFFICE,
        SUPERVISOR,
    ),
    "SupervisionGroupRegistered": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "ScopeAssigned": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "ScopeUnassigned": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "CampaignDefined": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "BranchesEnrolled": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "BranchWithdrawn": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "PhaseDeadlineChanged": _duty(_OFFICE_RUNS, ADMIN, OFFICE),
    "BaselineSurveyRecorded": _duty(
        "the branch's first action, surveyed by its committee (000 §三(一) 调查摸底)",
        ADMIN,
        OFFICE,
        COMMITTEE,
        INTEGRATOR,
    ),
    "LifeActivityHeld": _duty(_LIFE, *_REPORTS),
    "LifeMeetingDelayRequested": _duty(_DELAY_ASKED, *_REPORTS),
    "LifeMeetingDelayApproved": _duty(_DELAY_AGREED, *_SUPERVISES),
    "EducationAttended": _duty(_EDUCATED, *_REPORTS),
    "CommitteeActivityHeld": _duty(_COMMITTEE_HOLDS, *_SUPERVISES),
    "LifeProgrammeSet": _duty(_PROGRAMME, *_SUPERVISES),
    **{
        name: _duty(_THEME, *_SUPERVISES)
        for name in ("ThemePublished", "ThemeRevised", "ThemeWithdrawn")
    },
    "PlanSubmitted": _duty(_BRANCH, *_REPORTS),
    "PlanReturned": _duty(_CHECKS, *_SUPERVISES),
    "PlanApproved": _duty(_CHECKS, *_SUPERVISES),
    **{
        name: _duty(_BRANCH, *_REPORTS)
        for name in (
            "MobilizationMeetingHeld",
            "StudySessionHeld",
            "SecretaryTrainingHeld",
            "OpinionsCollected",
            "ConflictScreeningDone",
            "HeartToHeartTalksHeld",
            "OrganizationalLifeMeetingHeld",
            "LifeMeetingResultMadeKnown",
            "ProblemListPublicized",
            "WorkSystemChanged",
            "VolunteerTeamSetUp",
            "ServiceCommitmentMade",
            "ServiceCommitmentFulfilled",
            "OptionalActionRecorded",
            "PhaseWorkRecorded",
            "ProblemListed",
            "RectificationStarted",
            "RectificationProgressed",
            "RectificationDone",
            "ProblemRevised",
            "ProblemWithdrawn",
        )
    },
    "SupervisionVisitRecorded": _duty(_VISIT, ADMIN, OFFICE, SUPERVISOR),
    "RectificationVerified": _duty(_VERIFY, ADMIN, OFFICE, COMMITTEE, SUPERVISOR),
    "GradingRoundDefined": _duty(_GRADES, *_SUPERVISES),
    "OrganizationSurveyed": _duty(_GRADES, *_SUPERVISES),
    "OrganizationGraded": _duty(_GRADES, *_SUPERVISES),
    "OrganizationRegraded": _duty(_GRADES, *_SUPERVISES),
    "GradeCorrected": _duty(_GRADES, *_SUPERVISES),
    "GradeWithdrawn": _duty(_GRADES, *_SUPERVISES),
    "GradeObjected": _duty("the graded organization disputes its grade", *_REPORTS),
    "UpgradingPlanSet": _duty(_UPGRADES, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "UpgradingProgressed": _duty(_UPGRADES, *_REPORTS),
    "UpgradingDone": _duty(_UPGRADES, *_REPORTS),
    "YearlyReviewOpened": _duty(_ASSESS, *_SUPERVISES),
    "SecretaryAssessed": _duty(_ASSESS, *_SUPERVISES),
    "VenueChecked": _duty(_FUNDS, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "FundsRecorded": _duty(_FUNDS, ADMIN, OFFICE, COMMITTEE, INTEGRATOR),
    "FundsInspected": _duty(
        "the office inspects the special funds' use (000 §五(三) 专项经费使用管理情况的检查)",
        ADMIN,
        OFFICE,
        SUPERVISOR,
    ),
    "UpgradingVerified": _duty(
        "the upper level checks the upgrading (001 §二4 考评)", ADMIN, OFFICE, COMMITTEE, SUPERVISOR
    ),
    "RecommendedByMassOrganization": _duty(_RECOMMENDED, *_REPORTS),
    **{
        name: _duty(_DEVELOPS, *_REPORTS)
        for name in (
            "MembershipApplied",
            "ActivistDesignated",
            "ContactsNamed",
            "ThoughtReportReceived",
            "ActivistAssessed",
            "DevelopmentCandidateDesignated",
            "PoliticalReviewDone",
            "TrainingCompleted",
            "SponsorsNamed",
            "AdmissionVoted",
            "PublicityHeld",
            "ConversionVoted",
        )
    },
    **{
        name: _duty(_APPROVES, *_SUPERVISES)
        for name in ("AdmissionApproved", "ConversionApproved", "ExceptionGranted")
    },
    "PersonalDataRecorded": _duty(_DEVELOPS, *_REPORTS),
    "PersonErased": _duty("the office erases a person's personal data", ADMIN, OFFICE),
    **{
        name: _duty(_PLANS, *_SUPERVISES)
        for name in ("DevelopmentPlanSet", "DevelopmentPlanRevised")
    },
    **{
        name: _duty(_AS_STEP, *sorted({*_REPORTS, *_SUPERVISES}))
        for name in ("StepCorrected", "StepWithdrawn")
    },
    **{
        name: _duty(_COVERAGE, *_SUPERVISES)
        for name in (
            "HostOrganizationRegistered",
            "StaffCounted",
            "OrganizationRelocated",
            "OrganizationCommitteesChanged",
            "CoveredByBranch",
            "CoverageEnded",
            "OrganizationClosed",
        )
    },
    "FollowerSent": _duty(_FOLLOW, *_SUPERVISES),
    "FollowerRecalled": _duty(_FOLLOW, *_SUPERVISES),
    "MassOrganizationSetUp": _duty(_MASS, *_SUPERVISES),
    "MassOrganizationLeadershipChosen": _duty(_MASS, *_SUPERVISES),
    "MassOrganizationDissolved": _duty(_MASS, *_SUPERVISES),
}

# The facts a correction or withdrawal can name, by their posted names.
AMENDABLE: frozenset[str] = frozenset(
    name
    for owner in (BranchWork, Problem)
    for name, cls in vars(owner).items()
    if isinstance(cls, type) and issubclass(cls, owner.Fact) and cls is not owner.Fact
)
# A role may post a correction at all if it may record some fact a correction can name.
for _name in sorted(CORRECTIONS):
    DUTIES[_name] = Duty(frozenset().union(*(DUTIES[f].roles for f in AMENDABLE)), _AS_FACT)

_missing = set(EVENT_TYPES) ^ set(DUTIES)
if _missing:  # a new event type must come with its row
    raise RuntimeError(f"DUTIES and EVENT_TYPES differ in {sorted(_missing)}")
_unknown_facts = AMENDABLE - set(DUTIES)
if _unknown_facts:
    raise RuntimeError(f"facts without a posted event type: {sorted(_unknown_facts)}")


def may_record(role: str, event_type: str) -> bool:
    """Whether ``role`` may post ``event_type`` at all (scope is checked apart)."""
    duty = DUTIES.get(event_type)
    return duty is not None and role in duty.roles


def may_amend(role: str, fact_type: str, *, same_source: bool) -> bool:
    """Whether ``role`` may correct or withdraw a fact of ``fact_type``; ``same_source``:
    the fact was posted through the caller's own source."""
    if not may_record(role, fact_type):
        return False
    return role in (ADMIN, OFFICE) or INTEGRATOR in DUTIES[fact_type].roles or same_source


def recorders(event_type: str) -> str:
    """Who records ``event_type``, in words, for refusals."""
    return ", ".join(r for r in ROLES if r in DUTIES[event_type].roles)


def duties_table() -> str:
    """The table as docs/SECURITY.md shows it (Markdown)."""
    lines = [
        "| event type | " + " | ".join(ROLES) + " | why |",
        "|---|" + "---|" * len(ROLES) + "---|",
    ]
    for name in sorted(DUTIES):
        duty = DUTIES[name]
        marks = [
            ("as the fact" if name in CORRECTIONS | STEP_CORRECTIONS | GRADE_AMENDMENTS else "yes")
            if role in duty.roles
            else "—"
            for role in ROLES
        ]
        lines.append(f"| `{name}` | " + " | ".join(marks) + f" | {duty.why} |")
    return "\n".join(lines) + "\n"
