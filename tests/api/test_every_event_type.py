"""Every event type in taizhang.handlers.EVENT_TYPES can be posted over HTTP (SQLite)."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from taizhang.api.writes import ACCEPTS
from taizhang.commands import serve, tokens
from taizhang.config import Settings
from taizhang.domain.suggestions import suggestion_id
from taizhang.handlers import EVENT_TYPES
from taizhang.launch import GUNICORN_CONFIG
from tests.api.conftest import TODAY, Api
from tests.api.members import apply, walk


def test_every_event_type_is_accepted_somewhere() -> None:
    registrations = {n for n, s in EVENT_TYPES.items() if s.creates}
    reachable = set().union(*ACCEPTS.values()) | registrations
    assert reachable == set(EVENT_TYPES)


def test_every_event_type_posts(sqlite_api: Api) -> None:
    api = sqlite_api
    ids = {k: str(v) for k, v in api.ids.items()}
    posted: set[str] = {
        "DistrictRegistered",
        "CommitteeRegistered",
        "BranchRegistered",
        "SupervisionGroupRegistered",
        "ScopeAssigned",
        "CampaignDefined",
        "BranchesEnrolled",
    }
    branch = f"/api/v1/branches/{ids['b1']}/events"
    work = f"/api/v1/campaigns/{ids['campaign']}/branches/{ids['b1']}"

    def post(path: str, type_: str | None, data: dict) -> dict:
        body = api.ok(api.event(path, type_, data))
        posted.add(body["event_type"] if type_ is None else type_)
        return body

    instructor = post(
        "/api/v1/instructors", None, {"district_id": ids["district"], "person": "P000301"}
    )
    for type_, data in [
        ("MembershipChanged", {"full_members": 7, "probationary_members": 2}),
        ("EmployeesCounted", {"employees": 90}),
        ("FormationChanged", {"formation": "joint", "covered_units": ["甲", "乙"]}),
        ("MovedToCommittee", {"committee_id": ids["c2"]}),
        ("InstructorAssigned", {"instructor_id": instructor["aggregate_id"]}),
        ("InstructorUnassigned", {"instructor_id": instructor["aggregate_id"]}),
        ("DesignatedRectificationTarget", {"reasons": "班子不全"}),
        ("RectificationTargetWaived", {"reasons": "党委研究决定不列为整顿对象"}),
        ("DesignatedRectificationTarget", {"reasons": "班子不全"}),
        ("Reorganized", {"leadership_completed": True, "secretary_replaced": False}),
    ]:
        post(branch, type_, data)
    committee = f"/api/v1/committees/{ids['c1']}/events"
    post(committee, "CommitteeRenamed", {"name": "新名"})
    post(
        committee,
        "ContactPointChosen",
        {"member": "P000123", "member_name": "钱", "branch_id": ids["b1"]},
    )
    post(
        f"/api/v1/supervision-groups/{ids['group']}/events",
        "ScopeUnassigned",
        {"committee_ids": [ids["c1"]]},
    )
    campaign = f"/api/v1/campaigns/{ids['campaign']}/events"
    post(
        campaign,
        "PhaseDeadlineChanged",
        {"phase_key": "work_systems", "deadline": TODAY.isoformat()},
    )
    commitment = str(uuid4())
    facts = [
        (
            "BaselineSurveyRecorded",
            {
                "leadership_complete": True,
                "full_members": 7,
                "probationary_members": 2,
                "weak_and_lax": False,
            },
        ),
        ("PlanSubmitted", {"goals": "g", "measures": "m", "schedule": "s"}),
        ("PlanReturned", {"reasons": "再改"}),
        ("PlanSubmitted", {"goals": "g2", "measures": "m", "schedule": "s"}),
        ("PlanApproved", {"approver_person": "P000311", "approver_note": "化名孙"}),
        ("MobilizationMeetingHeld", {"participants": 10}),
        ("StudySessionHeld", {"topic": "党章", "days": "0.5", "hours": 4, "participants": 9}),
        ("SecretaryTrainingHeld", {"days": 2, "hours": 16}),
        ("OpinionsCollected", {"count": 5, "sources": ["employees", "members"]}),
        ("ConflictScreeningDone", {"disputes_found": 2, "disputes_resolved": 1}),
        ("HeartToHeartTalksHeld", {"talks": 6}),
        (
            "OrganizationalLifeMeetingHeld",
            {
                "participants": 8,
                "self_examination": True,
                "criticism": True,
                "members_evaluated": 7,
            },
        ),
        ("LifeMeetingResultMadeKnown", {"how": "公示栏"}),
        ("ProblemListPublicized", {"how": "公示栏"}),
        (
            "WorkSystemChanged",
            {"system_id": str(uuid4()), "name": "三会一课", "change": "established"},
        ),
        (
            "VolunteerTeamSetUp",
            {
                "team_id": str(uuid4()),
                "name": "志愿队",
                "service_kinds": ["养老助老"],
                "members": 5,
            },
        ),
        (
            "ServiceCommitmentMade",
            {
                "commitment_id": commitment,
                "member": "P000122",
                "member_name": "周",
                "content": "帮扶",
            },
        ),
        ("ServiceCommitmentFulfilled", {"commitment_id": commitment}),
        ("OptionalActionRecorded", {"title": "读书会"}),
        (
            "SupervisionVisitRecorded",
            {"group_id": ids["group"], "findings": "好", "suggestion_items": ["补齐台账"]},
        ),
        ("PhaseWorkRecorded", {"phase_key": "work_systems", "done": True}),
    ]
    answers = {type_: post(work + "/events", type_, data) for type_, data in facts}
    item = str(suggestion_id(UUID(answers["SupervisionVisitRecorded"]["event_id"]), 0))
    post(work + "/events", "SuggestionReferred", {"item_id": item, "note": "需区里协调"})
    post(
        work + "/events",
        "SuggestionAnswered",
        {"item_id": item, "answer": "已补齐", "closed": True},
    )
    post(
        work + "/events",
        "FactCorrected",
        {
            "corrects": answers["StudySessionHeld"]["event_id"],
            "reason": "记错",
            "changes": {"hours": "3.5", "occurred_on": TODAY.isoformat()},
        },
    )
    post(
        work + "/events",
        "FactWithdrawn",
        {"withdraws": answers["OptionalActionRecorded"]["event_id"], "reason": "重复"},
    )
    problem = post(
        work + "/problems",
        None,
        {
            "category": "mass_interests",
            "description": "d",
            "measures": "m",
            "responsible_person": "P000111",
            "deadline": TODAY.isoformat(),
        },
    )
    steps = f"/api/v1/problems/{problem['aggregate_id']}/events"
    started = post(steps, "RectificationStarted", {"note": "开始"})
    post(steps, "RectificationProgressed", {"note": "一半", "percent_done": 50})
    post(
        steps,
        "FactCorrected",
        {"corrects": started["event_id"], "reason": "补记", "changes": {"note": "已开始"}},
    )
    post(steps, "RectificationDone", {"outcome": "完成"})
    post(
        steps,
        "RectificationVerified",
        {"verifier_person": "P000312", "verifier_note": "化名郑", "passed": True},
    )
    post(
        steps,
        "ProblemRevised",
        {"measures": "m2", "responsible_person": "P000111", "deadline": TODAY.isoformat()},
    )
    second = post(
        work + "/problems",
        None,
        {
            "category": "four_winds",
            "description": "d",
            "measures": "m",
            "responsible_person": "P000111",
            "deadline": TODAY.isoformat(),
        },
    )
    second_steps = f"/api/v1/problems/{second['aggregate_id']}/events"
    done = post(second_steps, "RectificationStarted", {})
    post(second_steps, "FactWithdrawn", {"withdraws": done["event_id"], "reason": "误报"})
    post(second_steps, "ProblemWithdrawn", {"reason": "重复"})
    post(campaign, "BranchWithdrawn", {"branch_id": ids["b2"], "reason": "注销"})
    life = f"/api/v1/branches/{ids['b1']}/party-life/events"
    post(
        life, "LifeActivityHeld", {"activity": "party_lecture", "topic": "党章", "participants": 6}
    )
    delay = {"duty": "democratic_life_meeting", "period": f"{TODAY.year}-H1"}
    delay["until"] = f"{TODAY.year}-12-31"
    post(life, "LifeMeetingDelayRequested", {**delay, "reason": "书记外出"})
    post(life, "LifeMeetingDelayApproved", delay)
    post(life, "EducationAttended", {"members": ["P000101"], "days": 2, "topic": "党史"})
    month = {"month": TODAY.strftime("%Y-%m"), "theme": "学党章", "unified_on": TODAY.isoformat()}
    theme = post(f"/api/v1/districts/{ids['district']}/party-life/themes", "ThemePublished", month)
    themed = {"activity": "themed_party_day", "topic": "主题党日", "participants": 6}
    post(life, "LifeActivityHeld", {**themed, "theme_id": theme["aggregate_id"]})
    amend = f"/api/v1/party-life/themes/{theme['aggregate_id']}/events"
    revised = {"theme": "学党史", "unified_on": month["unified_on"], "reason": "改题"}
    post(amend, "ThemeRevised", revised)
    post(amend, "ThemeWithdrawn", {"reason": "误发"})
    post(
        f"/api/v1/committees/{ids['c1']}/party-life/events",
        "CommitteeActivityHeld",
        {"activity": "exchange_visit", "topic": "观摩交流", "participants": 20},
    )
    post(
        f"/api/v1/districts/{ids['district']}/party-life/programmes",
        "LifeProgrammeSet",
        {
            "district_id": ids["district"],
            "year": TODAY.year,
            "duties": [{"key": "lecture", "activity": "party_lecture", "cadence": "quarterly"}],
        },
    )
    defined = post(
        "/api/v1/grading-rounds",
        None,
        {
            "district_id": ids["district"],
            "name": "分类定级",
            "year": TODAY.year,
            "starts_on": TODAY.isoformat(),
            "ends_on": TODAY.isoformat(),
        },
    )
    grading = f"/api/v1/grading-rounds/{defined['aggregate_id']}/events"
    on_b1 = {"branch_id": ids["b1"]}
    grade = {"criteria_met": ["members"], "evidence": "考评记录"}
    for type_, data in [
        ("OrganizationSurveyed", {"findings": {"leadership": "班子不全"}}),
        ("OrganizationGraded", {"grade": "lagging", **grade}),
        ("GradeObjected", {"grounds": "已配齐"}),
        ("OrganizationRegraded", {"grade": "average", "reason": "复核", **grade}),
        (
            "UpgradingPlanSet",
            {
                "target_grade": "advanced",
                "targets": "晋位",
                "measures": "选派指导员",
                "responsible_person": "P000001",
                "deadline": TODAY.isoformat(),
            },
        ),
        ("UpgradingProgressed", {"note": "一半", "percent_done": 50}),
        ("UpgradingDone", {"outcome": "完成"}),
        ("UpgradingVerified", {"passed": True}),
    ]:
        post(grading, type_, {**on_b1, **data})
    again = post(grading, "OrganizationRegraded",
                 {**on_b1, **grade, "grade": "average", "reason": "新材料"})  # fmt: skip
    post(grading, "GradeCorrected", {**on_b1, **grade, "grade": "advanced", "reason": "录错",
                                     "corrects": again["event_id"]})  # fmt: skip
    post(grading, "GradeWithdrawn", {**on_b1, "withdraws": again["event_id"], "reason": "误录"})
    opened = post(
        "/api/v1/yearly-reviews",
        None,
        {"district_id": ids["district"], "year": TODAY.year, "name": "年度考核"},
    )
    review = f"/api/v1/yearly-reviews/{opened['aggregate_id']}/events"
    for type_, data in [
        (
            "SecretaryAssessed",
            {"secretary": "P000003", "result": "excellent", "stars": 5, "evidence": "述职"},
        ),
        ("VenueChecked", {"present": ["site", "facilities", "sign", "flag", "books", "rules"]}),
        ("FundsRecorded", {"kind": "award", "amount": 10000, "purpose": "五星支部奖励"}),
        ("FundsInspected", {"compliant": True, "findings": "使用规范"}),
    ]:
        post(review, type_, {**on_b1, **data})
    # A person's whole path (seed 002), its steps read back from the person's history.
    person = walk(api, ids["b1"], TODAY - timedelta(days=4 * 366), as_admin=True)
    history = api.get(f"/api/v1/candidates/{person}/history").get_json()["items"]
    posted |= {item["type"] for item in history}
    other = apply(api, ids["b1"], TODAY, "admin")
    post(
        f"/api/v1/candidates/{other}/events",
        "ExceptionGranted",
        {"rule": "activist_after_a_year", "reason": "党委研究决定"},
    )
    granted = post(
        f"/api/v1/candidates/{other}/events",
        "ExceptionGranted",
        {"rule": "training_length", "reason": "党委研究决定"},
    )
    post(
        f"/api/v1/candidates/{other}/events",
        "StepCorrected",
        {"corrects": granted["event_id"], "reason": "记错", "changes": {"reason": "党委会决定"}},
    )
    post(
        f"/api/v1/candidates/{other}/events",
        "StepWithdrawn",
        {"withdraws": granted["event_id"], "reason": "误录"},
    )
    plan = {"year": TODAY.year, "targets": {"admitted": 2}}
    committee = f"/api/v1/committees/{ids['c1']}/events"
    post(
        committee,
        "DevelopmentPlanSet",
        {**plan, "guidance_document_id": "指导性计划", "guidance_admitted": 2},
    )
    post(committee, "DevelopmentPlanRevised", {**plan, "reason": "上级调整"})
    post(f"/api/v1/candidates/{other}/events", "PersonalDataRecorded", {"name": "化名某"})
    post(f"/api/v1/candidates/{other}/events", "PersonErased", {"reason": "本人申请"})
    org = post(
        "/api/v1/host-organizations",
        None,
        {
            "district_id": ids["district"],
            "committee_id": ids["c1"],
            "name": "某公司",
            "category": "non_public_enterprise",
            "employees": 60,
            "full_members": 2,
        },
    )
    register = f"/api/v1/host-organizations/{org['aggregate_id']}/events"
    for type_, data in [
        ("StaffCounted", {"employees": 70, "full_members": 3, "above_scale": False}),
        ("OrganizationRelocated", {"location_kind": "office_building", "location_name": "大厦"}),
        ("OrganizationCommitteesChanged", {"committee_id": ids["c2"]}),
        ("CoveredByBranch", {"branch_id": ids["b1"], "mode": "joint"}),
        ("CoverageEnded", {"reason": "支部撤销"}),
        ("FollowerSent", {"kind": "instructor", "instructor_id": instructor["aggregate_id"]}),
        ("FollowerRecalled", {"instructor_id": instructor["aggregate_id"]}),
        ("MassOrganizationSetUp", {"kind": "women", "leader": "P-1", "workers_heard": True}),
        (
            "MassOrganizationLeadershipChosen",
            {"kind": "women", "leader": "P-2", "workers_heard": True},
        ),
        ("MassOrganizationDissolved", {"kind": "women", "reason": "合并"}),
        ("OrganizationClosed", {"reason": "注销"}),
    ]:
        post(register, type_, data)
    assert posted >= set(EVENT_TYPES)
    state = api.get(work).get_json()
    hours = [f for f in state["facts"] if f["type"] == "StudySessionHeld"][0]["data"]["hours"]
    assert hours == "3.5"


def test_token_commands(sqlite_settings: Settings, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from taizhang.migrate import upgrade

    upgrade(sqlite_settings)
    parser = argparse.ArgumentParser()
    tokens.register(parser.add_subparsers())

    def run(*argv: str) -> int:
        args = parser.parse_args(["token", *argv])
        return int(args.run(sqlite_settings, args))

    from taizhang.api.auth import TokenStore

    # Migrated above; undone after the test, so later tests get the command as it is.
    monkeypatch.setattr(tokens, "_store", lambda settings: TokenStore(settings))
    district = str(uuid4())
    assert run("create", "--name", "office-1", "--role", "office", "--district", district) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("tz_") and len(token) > 40
    store = TokenStore(sqlite_settings)
    found = store.lookup(token)
    assert found is not None and found.role == "office" and str(found.district_id) == district
    assert run("create", "--name", "office-1", "--role", "office", "--district", district) == 2
    assert run("create", "--name", "i", "--role", "integrator", "--district", district) == 2
    # A committee's token acts as the committees it names, and must name one.
    assert run("create", "--name", "c", "--role", "committee", "--district", district) == 2
    committee = str(uuid4())
    argv = ["--name", "c", "--role", "committee", "--district", district, "--committee", committee]
    assert run("create", *argv) == 0
    made = store.lookup(capsys.readouterr().out.strip())
    assert made is not None and made.role == "committee"
    assert {str(c) for c in made.committee_ids} == {committee} and not made.branch_ids
    capsys.readouterr()
    assert run("list", "--json") == 0
    assert '"name": "office-1"' in capsys.readouterr().out
    assert token not in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:  # a revocation says why
        run("revoke", "office-1")
    assert refused.value.code == 2
    capsys.readouterr()
    assert run("revoke", "office-1", "--reason", "left the office") == 0
    assert TokenStore(sqlite_settings).lookup(token) is None
    assert run("revoke", "nobody", "--reason", "x") == 2
    capsys.readouterr()
    # Issue 16: "creating and revoking tokens are recorded with who did it, when and why,
    # and can be listed".
    assert run("history", "--json") == 0
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["action"], e["token_name"]) for e in entries] == [
        ("created", "office-1"),
        ("created", "c"),
        ("revoked", "office-1"),
    ]
    assert entries[-1]["reason"] == "left the office" and entries[-1]["actor"]


def test_serve_runs_one_worker_with_projections_on_sqlite(sqlite_settings: Settings) -> None:
    parser = argparse.ArgumentParser()
    serve.register(parser.add_subparsers())
    args = parser.parse_args(["serve", "--port", "9123", "--workers", "4"])
    argv, env = serve.gunicorn_argv(sqlite_settings, args)
    assert argv[-2:] == ["-c", GUNICORN_CONFIG]
    assert env["TAIZHANG_WORKERS"] == "1" and env["TAIZHANG_EMBEDDED_PROJECTIONS"] == "1"
    assert env["TAIZHANG_BIND"] == "127.0.0.1:9123"
    # serve migrated before starting gunicorn: the workers must not race to create tables.
    assert env["TAIZHANG_CREATE_TABLES"] == "no"
