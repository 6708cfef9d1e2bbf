"""Issue 16, findings 1, 2 and 4: what a hostile integrator could do, each kept as a test.

Seed 000 §三(二): "活动计划报镇街党（工）委或主管部门党（工）委审核" — the plan is checked by the
supervising committee, not by the branch that wrote it; §五(三): "区委督导组要加强…督促和检查" —
the supervision group's findings are the group's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from typing import Any
from uuid import UUID, uuid4

from openpyxl import load_workbook

from taizhang.domain.branch_work import branch_work_id
from tests.api.conftest import TODAY, Api, branch_data
from tests.api.test_views import catch_up

DONE_BY = (TODAY + timedelta(days=30)).isoformat()


def work_events(api: Api, branch: str = "b1") -> str:
    return f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids[branch]}/events"


def list_problem(api: Api, who: str = "integrator_b1", branch: str = "b1") -> str:
    path = f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids[branch]}/problems"
    data = {
        "category": "mass_interests",
        "description": "员工通勤困难",
        "measures": "开通厂车",
        "responsible_person": "P000112",
        "deadline": DONE_BY,
    }
    return str(api.ok(api.event(path, None, data, who=who))["aggregate_id"])


def rectified(api: Api, who: str = "integrator_b1") -> str:
    """A problem of b1 listed and rectified by the branch, awaiting verification."""
    problem = list_problem(api, who)
    steps = f"/api/v1/problems/{problem}/events"
    api.ok(api.event(steps, "RectificationStarted", {}, who=who))
    api.ok(api.event(steps, "RectificationDone", {"outcome": "已开通"}, who=who))
    return problem


def refused(response: Any, field: str = "type") -> None:
    assert response.status_code == 403, response.get_json()
    (error,) = response.get_json()["errors"]
    assert (error["field"], error["rule"]) == (field, "separation_of_duties"), error


def batch_refused(api: Api, who: str, item: dict[str, Any], field: str = "type") -> None:
    response = api.post("/api/v1/batches", {"items": [item]}, who)
    assert response.status_code == 422, response.get_json()
    (error,) = response.get_json()["errors"]
    assert (error["field"], error["rule"], error["status"]) == (
        f"items.0.{field}",
        "separation_of_duties",
        403,
    )


def stored(api: Api) -> int:
    return int(api.app.extensions["taizhang"].ledger.recorder.max_notification_id() or 0)


# -- finding 1: self sign-off -----------------------------------------------------------------


def test_a_branch_cannot_sign_off_its_own_work(api: Api) -> None:
    """Finding 1: a branch-scoped (or committee-scoped) integrator posted PlanApproved,
    RectificationVerified, DesignatedRectificationTarget and Reorganized for its own
    branch. Now 403, single posts and batches; its committee's token may."""
    plan = {"goals": "g", "measures": "m", "schedule": "s"}
    api.ok(api.event(work_events(api), "PlanSubmitted", plan, who="integrator_b1"))
    campaign, b1 = str(api.ids["campaign"]), str(api.ids["b1"])
    branch_events = f"/api/v1/branches/{b1}/events"
    problem = rectified(api)
    sign_offs = [
        (
            work_events(api),
            "PlanApproved",
            {"approver_person": "P000501", "approver_note": "化名督导组长"},
        ),
        (work_events(api), "PlanReturned", {"reasons": "再改"}),
        (branch_events, "DesignatedRectificationTarget", {"reasons": "班子不全"}),
        (
            branch_events,
            "Reorganized",
            {"leadership_completed": True, "secretary_replaced": False},
        ),
        (f"/api/v1/problems/{problem}/events", "RectificationVerified", {"passed": True}),
    ]
    before = stored(api)
    for integrator in ("integrator_b1", "integrator_c1"):
        for path, type_, data in sign_offs:
            refused(api.event(path, type_, data, who=integrator))
            ids = {"campaign_id": campaign, "branch_id": b1, "problem_id": problem}
            item_data = {**data, **{k: v for k, v in ids.items() if k in _fields(type_)}}
            item = {"type": type_, "occurred_on": TODAY.isoformat(), "data": item_data}
            batch_refused(api, integrator, item)
    assert stored(api) == before
    # The supervising committee signs off.
    for path, type_, data in sign_offs[:1] + sign_offs[2:]:
        api.ok(api.event(path, type_, data, who="committee_c1"))


def _fields(type_: str) -> set[str]:
    if type_ in ("PlanApproved", "PlanReturned"):
        return {"campaign_id", "branch_id"}
    if type_ == "RectificationVerified":
        return {"problem_id"}
    return {"branch_id"}


def test_sign_offs_name_the_token_that_posted_them(api: Api) -> None:
    """Finding 1: the ledger and its Excel showed the body's "verifier". The signer is the
    actor from the credentials, in history, ledger and export; a note adds to it."""
    problem = rectified(api)
    steps = f"/api/v1/problems/{problem}/events"
    old_field = api.event(
        steps, "RectificationVerified", {"verifier": "区委第一督导组", "passed": True}
    )
    assert old_field.status_code == 422, old_field.get_json()
    api.ok(
        api.event(
            steps,
            "RectificationVerified",
            {"verifier_person": "P000502", "verifier_note": "化名张组长", "passed": True},
            who="committee_c1",
        )
    )
    history = api.get(f"/api/v1/problems/{problem}/history").get_json()["items"]
    verified = [e for e in history if e["type"] == "RectificationVerified"][0]
    assert verified["actor"] == "committee_c1"
    assert verified["data"]["verifier_note"] == "化名张组长"
    assert "verifier" not in verified["data"]

    catch_up(api)
    campaign = api.ids["campaign"]
    (row,) = api.get(f"/api/v1/campaigns/{campaign}/problems").get_json()["items"]
    assert (row["verifier"], row["verification_passed"]) == ("committee_c1", True)
    workbook = api.get(f"/api/v1/campaigns/{campaign}/problems.xlsx?as_of={TODAY.isoformat()}")
    sheet = load_workbook(BytesIO(workbook.data)).active
    cells = [str(c) for line in sheet.iter_rows(min_row=4, values_only=True) for c in line]
    assert any(c.startswith("通过 (committee_c1") for c in cells), cells
    assert not any("化名张组长" in c or "区委第一督导组" in c for c in cells)


def test_the_branch_cannot_undo_what_the_supervising_side_recorded(api: Api) -> None:
    """Finding 1: the integrator withdrew a group's failed verification, corrected a visit's
    findings, withdrew the committee's approval, then posted its own. Now a fact is
    corrected or withdrawn only by a role that may record it, within its scope."""
    ids = {k: str(v) for k, v in api.ids.items()}
    plan = {"goals": "g", "measures": "m", "schedule": "s"}
    api.ok(api.event(work_events(api), "PlanSubmitted", plan, who="integrator_b1"))
    approval = api.ok(api.event(work_events(api), "PlanApproved", {}, who="committee_c1"))
    visit = api.ok(
        api.event(
            work_events(api),
            "SupervisionVisitRecorded",
            {"group_id": ids["group"], "findings": "问题清单未公示"},
            who="supervisor_group",
        )
    )
    problem = rectified(api)
    steps = f"/api/v1/problems/{problem}/events"
    failed = api.ok(
        api.event(steps, "RectificationVerified", {"passed": False}, who="supervisor_group")
    )
    before = stored(api)
    for integrator in ("integrator_b1", "integrator_c1"):
        for path, event in (
            (work_events(api), visit),
            (work_events(api), approval),
            (steps, failed),
        ):
            withdraw = {"withdraws": event["event_id"], "reason": "不同意"}
            refused(api.event(path, "FactWithdrawn", withdraw, who=integrator), "data.withdraws")
        findings = {"corrects": visit["event_id"], "reason": "r", "changes": {"findings": "好"}}
        refused(
            api.event(work_events(api), "FactCorrected", findings, who=integrator), "data.corrects"
        )
        item = {
            "type": "FactWithdrawn",
            "occurred_on": TODAY.isoformat(),
            "data": {"problem_id": problem, "withdraws": failed["event_id"], "reason": "r"},
        }
        batch_refused(api, integrator, item, "data.withdraws")
    # Another group's supervisor sees the branch but did not make the visit.
    other = api.ok(
        api.event(
            "/api/v1/supervision-groups",
            None,
            {"district_id": ids["district"], "name": "第二督导组", "kind": "supervision"},
        )
    )["aggregate_id"]
    api.ok(
        api.event(
            f"/api/v1/supervision-groups/{other}/events",
            "ScopeAssigned",
            {"committee_ids": [ids["c1"]]},
        )
    )
    api.token(
        "supervisor_other_group",
        "supervisor",
        district_id=api.ids["district"],
        group_id=UUID(other),
    )
    withdraw_visit = {"withdraws": visit["event_id"], "reason": "r"}
    refused(
        api.event(work_events(api), "FactWithdrawn", withdraw_visit, who="supervisor_other_group"),
        "data.withdraws",
    )
    # A correction cannot turn a failed verification into a passed one.
    turn = {"corrects": failed["event_id"], "reason": "r", "changes": {"passed": True}}
    response = api.event(steps, "FactCorrected", turn, who="supervisor_group")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"][0]["field"] == "data.changes.passed"
    assert stored(api) == before + 2  # the two registrations above, nothing else
    # Who recorded them (or the office) may.
    api.ok(api.event(work_events(api), "FactWithdrawn", withdraw_visit, who="supervisor_group"))
    withdraw_approval = {"withdraws": approval["event_id"], "reason": "r"}
    api.ok(api.event(work_events(api), "FactWithdrawn", withdraw_approval, who="office"))
    withdraw_failed = {"withdraws": failed["event_id"], "reason": "r"}
    # A committee may verify, but a group's verification is the group's to withdraw.
    refused(
        api.event(steps, "FactWithdrawn", withdraw_failed, who="committee_c1"), "data.withdraws"
    )
    api.ok(api.event(steps, "FactWithdrawn", withdraw_failed, who="supervisor_group"))


# -- finding 2: client-chosen aggregate ids ----------------------------------------------------


def test_no_caller_chooses_the_id_of_a_new_aggregate(api: Api) -> None:
    """Finding 2: ProblemListed and every registration took ``data.id``; the id of another
    branch's work could be claimed, and a 409 told whether an id existed elsewhere. Now
    ``data.id`` is refused (nothing stored), and the server makes every id."""
    ids = {k: str(v) for k, v in api.ids.items()}
    campaign = ids["campaign"]
    victim = str(branch_work_id(api.ids["campaign"], api.ids["b2"]))
    listing = {
        "category": "mass_interests",
        "description": "d",
        "measures": "m",
        "responsible_person": "P000111",
        "deadline": DONE_BY,
        "id": victim,
    }
    before = stored(api)
    claim = api.event(
        f"/api/v1/campaigns/{campaign}/branches/{ids['b1']}/problems",
        None,
        listing,
        who="integrator_b1",
    )
    assert claim.status_code == 422, claim.get_json()
    assert [(e["field"], e["rule"]) for e in claim.get_json()["errors"]] == [
        ("data.id", "unknown_field")
    ]
    item = {
        "type": "ProblemListed",
        "occurred_on": TODAY.isoformat(),
        "data": {**listing, "campaign_id": campaign, "branch_id": ids["b1"]},
    }
    assert api.post("/api/v1/batches", {"items": [item]}, "integrator_b1").status_code == 422
    # Registrations: an existing id (another district's) and a new one answer alike.
    answers = []
    for claimed in (ids["other_district"], str(uuid4())):
        for path, data in (
            ("/api/v1/districts", {"name": "新区", "code": "x"}),
            ("/api/v1/committees", {"district_id": ids["district"], "name": "委", "kind": "town"}),
            ("/api/v1/branches", branch_data(api.ids["district"], api.ids["c1"], "新支部")),
            ("/api/v1/instructors", {"district_id": ids["district"], "person": "P000301"}),
            (
                "/api/v1/supervision-groups",
                {"district_id": ids["district"], "name": "组", "kind": "supervision"},
            ),
        ):
            response = api.event(path, None, {**data, "id": claimed})
            assert response.status_code == 422, (path, response.get_json())
            answers.append([(e["field"], e["rule"]) for e in response.get_json()["errors"]])
    assert answers[:5] == answers[5:] and all(a == [("data.id", "unknown_field")] for a in answers)
    assert stored(api) == before
    # The victim's posts land on its own work, which the attacker cannot read.
    fact = api.ok(
        api.event(
            work_events(api, "b2"), "OptionalActionRecorded", {"title": "x"}, who="integrator_c2"
        )
    )
    assert fact["aggregate_id"] == victim
    assert (
        api.get(
            f"/api/v1/campaigns/{campaign}/branches/{ids['b2']}/history", "integrator_b1"
        ).status_code
        == 404
    )
    # The ids made by the server differ from post to post.
    first, second = list_problem(api), list_problem(api)
    assert first != second


# -- finding 4: ids in the body --------------------------------------------------------------


def _same_as_missing(
    api: Api, who: str, path: str, type_: str, data: dict[str, Any], field: str, hidden: str
) -> None:
    """Naming ``hidden`` in ``data[field]`` answers as naming an id that does not exist."""
    missing = str(uuid4())

    def with_id(value: str) -> dict[str, Any]:
        current = data[field]
        return {**data, field: [value] if isinstance(current, list) else value}

    answers = []
    for value in (hidden, missing):
        response = api.event(path, type_, with_id(value), who=who)
        text = json.dumps(response.get_json(), sort_keys=True).replace(value, "<id>")
        answers.append((response.status_code, text))
    assert answers[0] == answers[1], answers
    assert answers[0][0] == 404, answers
    body = json.loads(answers[0][1])
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [(field, "exists")]


def test_ids_in_the_body_are_scoped_like_ids_in_the_url(api: Api) -> None:
    """Finding 4: MovedToCommittee named a committee out of scope, a visit any group, even
    of another district, InstructorAssigned another district's instructor; 404 against 201
    told whether ids existed elsewhere. Now each answers as a missing id."""
    ids = {k: str(v) for k, v in api.ids.items()}
    other_group = api.ok(
        api.event(
            "/api/v1/supervision-groups",
            None,
            {"district_id": ids["other_district"], "name": "天河督导组", "kind": "supervision"},
        )
    )["aggregate_id"]
    same_district_group = api.ok(
        api.event(
            "/api/v1/supervision-groups",
            None,
            {"district_id": ids["district"], "name": "第二督导组", "kind": "supervision"},
        )
    )["aggregate_id"]
    other_instructor = api.ok(
        api.event(
            "/api/v1/instructors", None, {"district_id": ids["other_district"], "person": "P000302"}
        )
    )["aggregate_id"]
    branch = f"/api/v1/branches/{ids['b1']}/events"
    cases = [
        (
            "committee_c1",
            branch,
            "MovedToCommittee",
            {"committee_id": ""},
            "committee_id",
            ids["c2"],
        ),
        (
            "committee_c1",
            branch,
            "MovedToCommittee",
            {"committee_id": ""},
            "committee_id",
            ids["c3"],
        ),
        ("office", branch, "MovedToCommittee", {"committee_id": ""}, "committee_id", ids["c3"]),
        (
            "supervisor_group",
            work_events(api),
            "SupervisionVisitRecorded",
            {"group_id": "", "findings": "f"},
            "group_id",
            other_group,
        ),
        (
            "supervisor_group",
            work_events(api),
            "SupervisionVisitRecorded",
            {"group_id": "", "findings": "f"},
            "group_id",
            same_district_group,
        ),
        (
            "office",
            branch,
            "InstructorAssigned",
            {"instructor_id": ""},
            "instructor_id",
            other_instructor,
        ),
        (
            "integrator_b1",
            work_events(api),
            "MobilizationMeetingHeld",
            {"participants": 5, "joint_with": []},
            "joint_with",
            ids["b2"],
        ),
        (
            "office",
            f"/api/v1/campaigns/{ids['campaign']}/events",
            "BranchesEnrolled",
            {"branch_ids": []},
            "branch_ids",
            ids["b3"],
        ),
        (
            "office",
            f"/api/v1/supervision-groups/{ids['group']}/events",
            "ScopeAssigned",
            {"committee_ids": []},
            "committee_ids",
            ids["c3"],
        ),
        (
            "committee_c1",
            f"/api/v1/committees/{ids['c1']}/events",
            "ContactPointChosen",
            {"member": "P000123", "branch_id": ""},
            "branch_id",
            ids["b2"],
        ),
    ]
    before = stored(api)
    for who, path, type_, data, field, hidden in cases:
        _same_as_missing(api, who, path, type_, {**data}, field, hidden)
    # A batch names the item and its field the same way.
    item = {
        "type": "MovedToCommittee",
        "occurred_on": TODAY.isoformat(),
        "data": {"branch_id": ids["b1"], "committee_id": ids["c2"]},
    }
    response = api.post("/api/v1/batches", {"items": [item]}, "committee_c1")
    assert response.status_code == 422
    assert [(e["field"], e["rule"], e["status"]) for e in response.get_json()["errors"]] == [
        ("items.0.data.committee_id", "exists", 404)
    ]
    assert stored(api) == before
