"""The table of event type × role (api/duties.py), tested whole, posts and batches alike.

Seed 000 §五(一): "“两新”组织党组织具体负责本单位教育实践活动的组织落实" (the branch carries out
and reports its work); §三(二): "活动计划报镇街党（工）委或主管部门党（工）委审核" (the
supervising committee checks the plan); §五(三): "区委督导组要加强对“两新”组织开展活动的督促和
检查" (the supervision groups check). So a branch never signs off its own work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from marshmallow import fields

from taizhang.api.auth import ROLES as TOKEN_ROLES
from taizhang.api.duties import (
    AMENDABLE,
    CORRECTIONS,
    DUTIES,
    ROLES,
    STEP_CORRECTIONS,
    duties_table,
    may_amend,
    may_record,
)
from taizhang.api.schemas.events import EVENT_SCHEMAS
from taizhang.api.scope import BODY_IDS, NOT_AGGREGATE_IDS
from taizhang.domain.suggestions import suggestion_id
from taizhang.handlers import EVENT_TYPES
from tests.api.conftest import START, TODAY, Api, branch_data, phases

# One token per role, each scoped to cover branch b1 of committee c1 and its group.
TOKENS = {
    "admin": "admin",
    "office": "office",
    "committee": "committee_c1",
    "supervisor": "supervisor_district",
    "integrator": "integrator_c1",
}
REPO = Path(__file__).resolve().parents[2]


def _work(i: dict[str, str], **data: Any) -> dict[str, Any]:
    return {"campaign_id": i["campaign"], "branch_id": i["b1"], **data}


def listing(i: dict[str, str]) -> dict[str, Any]:
    return _work(
        i,
        category="mass_interests",
        description="d",
        measures="m",
        responsible_person="P000111",
        deadline=TODAY.isoformat(),
    )


def sample(type_: str, i: dict[str, str]) -> dict[str, Any]:
    """Valid data of each event type, naming b1, c1, the group and the campaign."""
    work_facts: dict[str, dict[str, Any]] = {
        "BaselineSurveyRecorded": {
            "leadership_complete": True,
            "full_members": 7,
            "probationary_members": 2,
            "weak_and_lax": False,
        },
        "PlanSubmitted": {"goals": "g", "measures": "m", "schedule": "s"},
        "PlanReturned": {"reasons": "再改"},
        "PlanApproved": {},
        "MobilizationMeetingHeld": {"participants": 10},
        "StudySessionHeld": {"topic": "党章", "days": "0.5", "hours": 4, "participants": 9},
        "SecretaryTrainingHeld": {"days": 2, "hours": 16},
        "OpinionsCollected": {"count": 5, "sources": ["employees"]},
        "ConflictScreeningDone": {"disputes_found": 2, "disputes_resolved": 1},
        "HeartToHeartTalksHeld": {"talks": 6},
        "OrganizationalLifeMeetingHeld": {
            "participants": 8,
            "self_examination": True,
            "criticism": True,
            "members_evaluated": 7,
        },
        "LifeMeetingResultMadeKnown": {"how": "公示栏"},
        "ProblemListPublicized": {"how": "公示栏"},
        "WorkSystemChanged": {
            "system_id": "00000000-0000-4000-8000-000000000001",
            "name": "三会一课",
            "change": "established",
        },
        "VolunteerTeamSetUp": {
            "team_id": "00000000-0000-4000-8000-000000000002",
            "name": "志愿队",
            "service_kinds": ["养老助老"],
            "members": 5,
        },
        "ServiceCommitmentMade": {
            "commitment_id": "00000000-0000-4000-8000-000000000003",
            "member": "P000122",
            "member_name": "周",
            "content": "帮扶",
        },
        "ServiceCommitmentFulfilled": {"commitment_id": "00000000-0000-4000-8000-000000000003"},
        "OptionalActionRecorded": {"title": "读书会"},
        "SupervisionVisitRecorded": {
            "group_id": i["group"],
            "findings": "好",
            "suggestion_items": ["补齐台账"],
        },
        "SuggestionReferred": {"item_id": i.get("item"), "note": "需区里协调"},
        "SuggestionAnswered": {"item_id": i.get("item"), "answer": "已补齐", "closed": False},
        "PhaseWorkRecorded": {"phase_key": "work_systems", "done": True},
    }
    if type_ in work_facts:
        return _work(i, **work_facts[type_])
    problem = {"problem_id": i.get("problem")}
    delay = {
        "branch_id": i["b1"],
        "duty": "democratic_life_meeting",
        "period": f"{TODAY.year}-H1",
        "until": f"{TODAY.year}-12-31",
    }
    others: dict[str, dict[str, Any]] = {
        "DistrictRegistered": {"name": "新区", "code": "x1"},
        "CommitteeRegistered": {"district_id": i["district"], "name": "委", "kind": "town"},
        "CommitteeRenamed": {"committee_id": i["c1"], "name": "新名"},
        "ContactPointChosen": {
            "committee_id": i["c1"],
            "member": "P000123",
            "member_name": "钱",
            "branch_id": i["b1"],
        },
        "BranchRegistered": branch_data(UUID(i["district"]), UUID(i["c1"]), "新支部"),
        "MembershipChanged": {"branch_id": i["b1"], "full_members": 7, "probationary_members": 2},
        "EmployeesCounted": {"branch_id": i["b1"], "employees": 90},
        "FormationChanged": {"branch_id": i["b1"], "formation": "standalone"},
        "MovedToCommittee": {"branch_id": i["b1"], "committee_id": i["c1"]},
        "InstructorRegistered": {"district_id": i["district"], "person": "P000301"},
        "InstructorAssigned": {"branch_id": i["b1"], "instructor_id": i["instructor"]},
        "InstructorUnassigned": {"branch_id": i["b1"], "instructor_id": i["instructor"]},
        "DesignatedRectificationTarget": {"branch_id": i["b1"], "reasons": "班子不全"},
        "RectificationTargetWaived": {"branch_id": i["b1"], "reasons": "党委研究决定"},
        "Reorganized": {
            "branch_id": i["b1"],
            "leadership_completed": True,
            "secretary_replaced": False,
        },
        "SupervisionGroupRegistered": {
            "district_id": i["district"],
            "name": "第二督导组",
            "kind": "supervision",
        },
        "ScopeAssigned": {"group_id": i["group"], "branch_ids": [i["b1"]]},
        "ScopeUnassigned": {"group_id": i["group"], "committee_ids": [i["c1"]]},
        "CampaignDefined": {
            "district_id": i["district"],
            "name": "另一次活动",
            "starts_on": START.isoformat(),
            "ends_on": TODAY.isoformat(),
            "phases": phases(),
            "template_key": "eight_ones",
        },
        "BranchesEnrolled": {"campaign_id": i["campaign"], "branch_ids": [i["b1"]]},
        "BranchWithdrawn": {"campaign_id": i["campaign"], "branch_id": i["b1"], "reason": "注销"},
        "PhaseDeadlineChanged": {
            "campaign_id": i["campaign"],
            "phase_key": "work_systems",
            "deadline": TODAY.isoformat(),
        },
        "FactCorrected": _work(
            i, corrects=i.get("fact"), reason="记错", changes={"occurred_on": TODAY.isoformat()}
        ),
        "FactWithdrawn": _work(i, withdraws=i.get("fact"), reason="重复"),
        "ProblemListed": listing(i),
        "RectificationStarted": problem,
        "RectificationProgressed": {**problem, "note": "一半", "percent_done": 50},
        "RectificationDone": {**problem, "outcome": "完成"},
        "RectificationVerified": {**problem, "passed": True},
        "ProblemRevised": {
            **problem,
            "measures": "m2",
            "responsible_person": "P000111",
            "deadline": TODAY.isoformat(),
        },
        "ProblemWithdrawn": {**problem, "reason": "重复"},
        "LifeActivityHeld": {
            "branch_id": i["b1"],
            "activity": "members_meeting",
            "topic": "学习党章",
            "participants": 8,
        },
        "LifeMeetingDelayRequested": {**delay, "reason": "书记外出"},
        "LifeMeetingDelayApproved": delay,
        "EducationAttended": {
            "branch_id": i["b1"],
            "members": ["P000101"],
            "days": 1,
            "topic": "党史学习",
        },
        "CommitteeActivityHeld": {
            "committee_id": i["c1"],
            "activity": "exchange_visit",
            "topic": "观摩交流",
            "participants": 12,
        },
        "LifeProgrammeSet": {
            "district_id": i["district"],
            "committee_id": i["c1"],
            "year": TODAY.year,
            "duties": [
                {"key": "members_meeting", "activity": "members_meeting", "cadence": "monthly"}
            ],
        },
        "ThemePublished": {
            "district_id": i["district"],
            "committee_id": i["c1"],
            "month": TODAY.strftime("%Y-%m"),
            "theme": "学习党章",
            "unified_on": TODAY.isoformat(),
        },
        "ThemeRevised": {
            "theme_id": i.get("theme"),
            "theme": "学习党章",
            "unified_on": f"{TODAY.year + 1}-01-16",  # prepare's theme is of next January
            "reason": "改期",
        },
        "ThemeWithdrawn": {"theme_id": i.get("theme"), "reason": "误发"},
        **grading_samples(i),
        "MembershipApplied": {"branch_id": i["b1"]},
        **{name: {"candidate_id": i.get("candidate"), **data} for name, data in MEMBER.items()},
        "DevelopmentPlanSet": {**PLAN, "committee_id": i["c1"], "year": TODAY.year},
        # ``prepare`` set next year's plan.
        "DevelopmentPlanRevised": {
            "committee_id": i["c1"],
            "year": TODAY.year + 1,
            "targets": PLAN["targets"],
            "reason": "上级调整",
        },
        "StepCorrected": {
            "candidate_id": i.get("candidate"),
            "corrects": i.get("step"),
            **STEP_SAMPLES["StepCorrected"],
        },
        "StepWithdrawn": {
            "candidate_id": i.get("candidate"),
            "withdraws": i.get("step"),
            **STEP_SAMPLES["StepWithdrawn"],
        },
    }
    others.update(register_samples(i))
    return others[type_]


def grading_samples(i: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Valid data of the grading rounds' event types, naming b1 in the round of c1."""
    on = {"round_id": i.get("round"), "branch_id": i["b1"]}
    in_review = {"review_id": i.get("review"), "branch_id": i["b1"]}
    grade = {"grade": "lagging", "criteria_met": ["members"], "evidence": "考评记录"}
    return {
        "GradingRoundDefined": {
            "district_id": i["district"],
            "committee_id": i["c1"],
            "name": "分类定级",
            "year": START.year,
            "starts_on": START.isoformat(),
            "ends_on": TODAY.isoformat(),
        },
        "OrganizationSurveyed": {**on, "findings": {"leadership": "班子健全"}},
        "OrganizationGraded": {**on, **grade},
        "GradeObjected": {**on, "grounds": "已整改"},
        "OrganizationRegraded": {**on, **grade, "grade": "average", "reason": "复核"},
        # Naming an event that is not a grade: past the duty, the domain refuses it.
        "GradeCorrected": {**on, **grade, "corrects": i["fact"], "reason": "录错"},
        "GradeWithdrawn": {**on, "withdraws": i["fact"], "reason": "误录"},
        "UpgradingPlanSet": {
            **on,
            "target_grade": "advanced",
            "targets": "晋位",
            "measures": "配齐班子",
            "responsible_person": "P000001",
            "deadline": TODAY.isoformat(),
        },
        "UpgradingProgressed": {**on, "note": "一半", "percent_done": 50},
        "UpgradingDone": {**on, "outcome": "完成"},
        "UpgradingVerified": {**on, "passed": True},
        "YearlyReviewOpened": {
            "district_id": i["district"],
            "committee_id": i["c1"],
            "year": TODAY.year,
            "name": "年度考核",
        },
        "SecretaryAssessed": {
            **in_review,
            "secretary": "P000002",
            "result": "competent",
            "stars": 4,
            "evidence": "述职",
        },
        "VenueChecked": {**in_review, "present": ["site", "flag"]},
        "FundsRecorded": {
            **in_review,
            "kind": "dues_returned",
            "amount": "1200.50",
            "purpose": "党费返还",
        },
        "FundsInspected": {**in_review, "compliant": True, "findings": "使用规范"},
    }


# Valid data of each step of a person's path (seed 002), naming the person apart.
MEMBER: dict[str, dict[str, Any]] = {
    "RecommendedByMassOrganization": {
        "organization": "women",
        "organization_name": "妇委会",
        "recommended_as": "activist",
        "votes": {"entitled": 4, "present": 4, "in_favour": 2, "against": 2, "abstaining": 0},
    },
    "ActivistDesignated": {},
    "ContactsNamed": {"contact_ids": ["m-1"]},
    "ThoughtReportReceived": {},
    "ActivistAssessed": {"opinion": "好"},
    "DevelopmentCandidateDesignated": {"opinions_heard": ["party_group"]},
    "PoliticalReviewDone": {"passed": True},
    "TrainingCompleted": {"days": 5, "class_hours": 0},
    "SponsorsNamed": {"sponsor_ids": ["m-1", "m-2"]},
    "AdmissionVoted": {
        "method": "show_of_hands",
        "votes": {"entitled": 4, "present": 4, "in_favour": 3, "against": 1, "abstaining": 0},
    },
    "PublicityHeld": {"starts_on": TODAY.isoformat(), "ends_on": TODAY.isoformat()},
    "AdmissionApproved": {"approved": True},
    "ConversionVoted": {
        "outcome": "convert",
        "method": "show_of_hands",
        "votes": {"entitled": 4, "present": 4, "in_favour": 3, "against": 1, "abstaining": 0},
    },
    "ConversionApproved": {"approved": True},
    "ExceptionGranted": {"rule": "training_length", "reason": "党委研究决定"},
    "PersonalDataRecorded": {"name": "化名某"},
    "PersonErased": {"reason": "本人申请"},
}
PLAN: dict[str, Any] = {
    "targets": {"activists": 3, "admitted": 1},
    "guidance_document_id": "指导性计划",
    "guidance_admitted": 1,
}
# A correction of a step names a recommendation the sample world recorded (``prepare``).
STEP_SAMPLES: dict[str, Any] = {
    "StepCorrected": {"reason": "记错", "changes": {"document_ids": ["doc-2"]}},
    "StepWithdrawn": {"reason": "误录"},
}


def register_samples(i: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The register's event types, on an organization of committee c1."""
    org = {"host_organization_id": i.get("org")}
    return {
        "HostOrganizationRegistered": {
            "district_id": i["district"],
            "committee_id": i["c1"],
            "name": "某公司",
            "category": "social_organization",
            "employees": 35,
            "full_members": 0,
        },
        "StaffCounted": {**org, "employees": 40, "full_members": 1},
        "OrganizationRelocated": {**org, "location_kind": "park", "location_name": "某园区"},
        "OrganizationCommitteesChanged": {**org, "committee_id": i["c1"]},
        "CoveredByBranch": {**org, "branch_id": i["b1"], "mode": "affiliated"},
        "CoverageEnded": {**org, "reason": "撤销"},
        "FollowerSent": {**org, "kind": "instructor", "instructor_id": i["instructor"]},
        "FollowerRecalled": {**org, "instructor_id": i["instructor"]},
        "MassOrganizationSetUp": {
            **org,
            "kind": "trade_union",
            "leader": "P-1",
            "workers_heard": True,
        },
        "MassOrganizationLeadershipChosen": {
            **org,
            "kind": "trade_union",
            "leader": "P-2",
            "workers_heard": True,
        },
        "MassOrganizationDissolved": {**org, "kind": "trade_union", "reason": "合并"},
        "OrganizationClosed": {**org, "reason": "注销"},
    }


REGISTRATIONS = {
    "DistrictRegistered": "/api/v1/districts",
    "CommitteeRegistered": "/api/v1/committees",
    "BranchRegistered": "/api/v1/branches",
    "InstructorRegistered": "/api/v1/instructors",
    "SupervisionGroupRegistered": "/api/v1/supervision-groups",
    "CampaignDefined": "/api/v1/campaigns",
    "GradingRoundDefined": "/api/v1/grading-rounds",
    "YearlyReviewOpened": "/api/v1/yearly-reviews",
    "HostOrganizationRegistered": "/api/v1/host-organizations",
}


def path_of(type_: str, data: dict[str, Any]) -> str:
    """Where a single post of this type goes (the URL repeats the data's ids)."""
    if type_ in REGISTRATIONS:
        return REGISTRATIONS[type_]
    if type_ == "MembershipApplied":
        return f"/api/v1/branches/{data['branch_id']}/candidates"
    if type_ == "ProblemListed":
        return f"/api/v1/campaigns/{data['campaign_id']}/branches/{data['branch_id']}/problems"
    if "problem_id" in data:
        return f"/api/v1/problems/{data['problem_id']}/events"
    concerns = EVENT_TYPES[type_].concerns
    if concerns == "committee_life":
        return f"/api/v1/committees/{data['committee_id']}/party-life/events"
    if concerns == "life_programme":
        return f"/api/v1/districts/{data['district_id']}/party-life/programmes"
    if type_ == "ThemePublished":
        return f"/api/v1/districts/{data['district_id']}/party-life/themes"
    if concerns == "life_theme":
        return f"/api/v1/party-life/themes/{data['theme_id']}/events"
    if concerns == "branch_work":
        return f"/api/v1/campaigns/{data['campaign_id']}/branches/{data['branch_id']}/events"
    resource, key = {
        "branch": ("branches", "branch_id"),
        "campaign": ("campaigns", "campaign_id"),
        "committee": ("committees", "committee_id"),
        "supervision_group": ("supervision-groups", "group_id"),
        "branch_life": ("branches", "branch_id"),
        "grading_round": ("grading-rounds", "round_id"),
        "yearly_review": ("yearly-reviews", "review_id"),
        "candidate": ("candidates", "candidate_id"),
        "host_organization": ("host-organizations", "host_organization_id"),
    }[concerns]
    if concerns == "branch_life":
        return f"/api/v1/branches/{data[key]}/party-life/events"
    return f"/api/v1/{resource}/{data[key]}/events"


def prepare(api: Api) -> dict[str, str]:
    """The world's ids, an instructor, a problem on b1 and a fact of b1's work."""
    ids = {k: str(v) for k, v in api.ids.items()}
    ids["instructor"] = api.ok(
        api.event(
            "/api/v1/instructors", None, {"district_id": ids["district"], "person": "P000301"}
        )
    )["aggregate_id"]
    ids["problem"] = api.ok(
        api.post(
            path_of("ProblemListed", listing(ids)),
            {"occurred_on": TODAY.isoformat(), "data": listing(ids)},
        )
    )["aggregate_id"]
    ids["fact"] = api.ok(
        api.event(
            path_of("OptionalActionRecorded", _work(ids)),
            "OptionalActionRecorded",
            _work(ids, title="读书会"),
        )
    )["event_id"]
    visit = _work(ids, group_id=ids["group"], findings="好", suggestion_items=["补齐台账"])
    path = path_of("SupervisionVisitRecorded", visit)
    visited = api.ok(api.event(path, "SupervisionVisitRecorded", visit))
    ids["item"] = str(suggestion_id(UUID(visited["event_id"]), 0))
    round_ = grading_samples(ids)["GradingRoundDefined"]
    ids["round"] = api.ok(api.event("/api/v1/grading-rounds", None, round_))["aggregate_id"]
    review = grading_samples(ids)["YearlyReviewOpened"]
    ids["review"] = api.ok(api.event("/api/v1/yearly-reviews", None, review))["aggregate_id"]
    ids["candidate"] = api.ok(
        api.event(path_of("MembershipApplied", {"branch_id": ids["b1"]}), None, {})
    )["aggregate_id"]
    recommended = {"candidate_id": ids["candidate"], **MEMBER["RecommendedByMassOrganization"]}
    ids["step"] = api.ok(
        api.event(
            path_of("RecommendedByMassOrganization", recommended),
            "RecommendedByMassOrganization",
            recommended,
        )
    )["event_id"]
    plan = {**PLAN, "committee_id": ids["c1"], "year": TODAY.year + 1}
    api.ok(api.event(path_of("DevelopmentPlanSet", plan), "DevelopmentPlanSet", plan))
    theme = {
        **sample("ThemePublished", ids),
        "month": f"{TODAY.year + 1}-01",
        "unified_on": f"{TODAY.year + 1}-01-15",
    }
    path = path_of("ThemePublished", theme)
    ids["theme"] = api.ok(api.event(path, "ThemePublished", theme))["aggregate_id"]
    registered = register_samples(ids)["HostOrganizationRegistered"]
    ids["org"] = api.ok(api.event("/api/v1/host-organizations", None, registered))["aggregate_id"]
    return ids


def refused_by_duty(response: Any, field: str) -> bool:
    body = response.get_json()
    if response.status_code == 403:
        (error,) = body["errors"]
        assert (error["field"], error["rule"]) == (field, "separation_of_duties"), body
        return True
    if response.status_code == 422 and body.get("errors"):
        refused = [e for e in body["errors"] if e.get("status") == 403]
        if refused:
            assert [(e["field"], e["rule"]) for e in refused] == [
                (f"items.0.{field}", "separation_of_duties")
            ], body
            return True
    return False


@pytest.mark.parametrize("type_", sorted(EVENT_TYPES))
def test_the_table_whole_for_every_role_posts_and_batches(sqlite_api: Api, type_: str) -> None:
    """Each (event type, role): refused with 403 exactly when the table says the role may
    not record it; otherwise the duty check lets it through (in scope: never a 403 or 404),
    and whatever follows is the domain's answer."""
    api = sqlite_api
    ids = prepare(api)
    data = sample(type_, ids)
    # A correction's row is "as the fact": the sample names an OptionalActionRecorded.
    row = "OptionalActionRecorded" if type_ in CORRECTIONS else type_
    field = "type"
    if type_ in CORRECTIONS:
        field = "data.corrects" if type_ == "FactCorrected" else "data.withdraws"
    if type_ in STEP_CORRECTIONS:
        row = "RecommendedByMassOrganization"
        field = "data.corrects" if type_ == "StepCorrected" else "data.withdraws"
    # Those who may come last: a withdrawal leaves nothing to refuse after it.
    for role, token in sorted(TOKENS.items(), key=lambda entry: may_record(entry[0], row)):
        may = may_record(role, row)
        single = api.post(
            path_of(type_, data),
            {"type": type_, "occurred_on": TODAY.isoformat(), "data": data},
            token,
        )
        item = {"type": type_, "occurred_on": TODAY.isoformat(), "data": data}
        batch = api.post("/api/v1/batches", {"items": [item]}, token)
        for how, response in (("post", single), ("batch", batch)):
            assert response.status_code < 500, (how, role, response.get_json())
            # A role that may not correct a step at all is refused by the type.
            named = field if may_record(role, type_) else "type"
            assert refused_by_duty(response, named) is not may, (how, role, response.get_json())
            if may:
                statuses = {response.status_code} | {
                    e.get("status") for e in (response.get_json() or {}).get("errors", [])
                }
                assert not statuses & {403, 404}, (how, role, response.get_json())


def test_every_event_type_has_its_row_and_every_role_is_in_the_table() -> None:
    assert set(DUTIES) == set(EVENT_TYPES)
    assert all(DUTIES[name].roles <= set(ROLES) for name in DUTIES)
    assert set(TOKEN_ROLES) == set(ROLES)


def test_the_table_in_the_docs_is_the_table_in_the_code() -> None:
    security = (REPO / "docs" / "SECURITY.md").read_text("utf-8")
    section = security.split("## Who may record what\n", 1)[1]
    assert duties_table() in section.split("\n## ", 1)[0]


def test_every_id_field_of_posted_data_has_a_scope_rule() -> None:
    """An id in a body is checked like an id in a URL: every id field the schemas take is
    either an aggregate's (checked against the caller's scope) or names none."""

    def is_id(field: Any) -> bool:
        inner = getattr(field, "inner", None)
        return isinstance(field, fields.UUID) or isinstance(inner, fields.UUID)

    named = {
        name
        for schema in EVENT_SCHEMAS.values()
        for name, field in schema().load_fields.items()
        if is_id(field)
    }
    assert named <= set(BODY_IDS) | NOT_AGGREGATE_IDS, named - set(BODY_IDS) - NOT_AGGREGATE_IDS
    assert not set(BODY_IDS) & NOT_AGGREGATE_IDS
    assert "id" not in named  # new aggregates' ids are the server's to make


def test_amendable_facts_are_the_facts_of_work_and_problems() -> None:
    assert AMENDABLE.issubset(EVENT_TYPES)
    signed = {"PlanApproved", "RectificationVerified", "SupervisionVisitRecorded"}
    assert signed <= AMENDABLE


# The facts of a branch's work and of a problem, in an order the domain's rules accept.
FACTS_IN_ORDER = [
    "BaselineSurveyRecorded",
    "PlanSubmitted",
    "PlanReturned",
    "PlanSubmitted",
    "PlanApproved",
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
    "SupervisionVisitRecorded",
    "SuggestionReferred",
    "SuggestionAnswered",
    "PhaseWorkRecorded",
    "RectificationStarted",
    "RectificationProgressed",
    "RectificationDone",
    "RectificationVerified",
]
# Who records each fact below: the first of these whose role may.
RECORDERS = [("integrator", "integrator_c1"), ("committee", "committee_c1")]
RECORDERS += [("supervisor", "supervisor_group")]


def test_every_fact_is_amended_only_as_the_table_says(sqlite_api: Api) -> None:
    """The rows "as the fact", walked whole: each kind of fact of a branch's work or a
    problem, recorded by its own side, then corrected by every role. A role that may not
    record it gets 403; the supervising side's records (000 §三(二) 审核, §五(三) 督促和检查)
    are amended only by the token that recorded them, or by the office."""
    api = sqlite_api
    ids = prepare(api)
    assert set(FACTS_IN_ORDER) == AMENDABLE
    recorded: list[tuple[str, str, dict[str, Any]]] = []
    for type_ in FACTS_IN_ORDER:
        role, token = next((r, t) for r, t in RECORDERS if may_record(r, type_))
        data = sample(type_, ids)
        answer = api.ok(
            api.post(
                path_of(type_, data),
                {"type": type_, "occurred_on": TODAY.isoformat(), "data": data},
                token,
            )
        )
        if type_ == "SupervisionVisitRecorded":
            ids["item"] = str(suggestion_id(UUID(answer["event_id"]), 0))
        target = {k: data[k] for k in ("campaign_id", "branch_id", "problem_id") if k in data}
        recorded.append((type_, token, {**target, "corrects": answer["event_id"]}))
    for type_, recorder, target in recorded:
        for role, token in TOKENS.items():
            data = {**target, "reason": "核对", "changes": {"occurred_on": TODAY.isoformat()}}
            response = api.post(
                path_of("FactCorrected", data),
                {"type": "FactCorrected", "occurred_on": TODAY.isoformat(), "data": data},
                token,
            )
            may = may_amend(role, type_, same_source=token == recorder)
            expected = 201 if may else 403
            assert response.status_code == expected, (type_, role, response.get_json())
            if not may:
                (error,) = response.get_json()["errors"]
                assert (error["field"], error["rule"]) == ("data.corrects", "separation_of_duties")
