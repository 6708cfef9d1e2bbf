"""Posting the register of "two new" organizations: roles, scope, ids in the body, refusals."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, new_id

REGISTER = "/api/v1/host-organizations"


def org_data(api: Api, committee: str = "c1", **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "district_id": str(api.ids["district"]),
        "committee_id": str(api.ids[committee]),
        "name": "某电子有限公司",
        "category": "non_public_enterprise",
        "industry": "电子制造",
        "employees": 120,
        "full_members": 4,
        "location_kind": "park",
        "location_name": "天安科技园",
    }
    data.update(overrides)
    return data


def events_of(org_id: str) -> str:
    return f"{REGISTER}/{org_id}/events"


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    return body


def fields_rules(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in body["errors"]}


def test_a_committee_registers_its_organizations_and_covers_them(api: Api) -> None:
    """000 §三(一): "逐一分析原因、登记造册、建立台账" — the committee keeps the register."""
    created = api.ok(api.event(REGISTER, None, org_data(api), who="committee_c1"))
    assert created["event_type"] == "HostOrganizationRegistered"
    org = created["aggregate_id"]
    api.ok(
        api.event(
            events_of(org),
            "CoveredByBranch",
            {"branch_id": str(api.ids["b1"]), "mode": "standalone"},
            who="committee_c1",
        )
    )
    api.ok(
        api.event(
            events_of(org),
            "MassOrganizationSetUp",
            {"kind": "trade_union", "leader": "P-0007", "workers_heard": True},
            who="committee_c1",
        )
    )
    state = api.get(f"{REGISTER}/{org}", who="committee_c1").get_json()
    assert state["branch_id"] == str(api.ids["b1"]) and state["mode"] == "standalone"
    assert state["advisories"] == []
    history = api.get(f"{REGISTER}/{org}/history", who="office").get_json()["items"]
    # Who did it comes from the token, never from the body.
    assert {item["source"] for item in history} != {""}
    assert [item["type"] for item in history] == [
        "HostOrganizationRegistered",
        "CoveredByBranch",
        "MassOrganizationSetUp",
    ]


def test_its_state_answers_with_the_rules_it_breaks(api: Api) -> None:
    """003 §一: "对职工中正式党员3名以上的非“两新”组织…指导其及时单独建立党组织"."""
    org = api.ok(api.event(REGISTER, None, org_data(api, employees=40, full_members=3)))
    state = api.get(f"{REGISTER}/{org['aggregate_id']}").get_json()
    rules = {a["rule"]: a for a in state["advisories"]}
    assert set(rules) == {"party_organization_missing", "standalone_expected", "follower_missing"}
    assert rules["standalone_expected"]["seed"] == "003 §一"
    assert "正式党员3名以上" in rules["standalone_expected"]["quote"]


def test_the_body_names_no_actor(api: Api) -> None:
    body = problem(api.event(REGISTER, None, {**org_data(api), "actor": "某人"}), 422)
    assert [e["field"] for e in body["errors"]] == ["data.actor"]


def test_refusals_name_field_and_rule(api: Api) -> None:
    body = problem(api.event(REGISTER, None, org_data(api, employees=2, full_members=3)), 422)
    assert ("data.full_members", "within_employees") in fields_rules(body)
    body = problem(api.event(REGISTER, None, org_data(api, location_name="")), 422)
    assert ("data.location_name", "named_with_kind") in fields_rules(body)
    org = api.ok(api.event(REGISTER, None, org_data(api)))["aggregate_id"]
    data = {"kind": "youth_league", "leader": "P-1", "workers_heard": False}
    api.ok(api.event(events_of(org), "MassOrganizationSetUp", data))
    body = problem(api.event(events_of(org), "MassOrganizationSetUp", data), 409)
    assert ("data.kind", "not_already_set_up") in fields_rules(body)
    # People are pseudonymous ids, never names.
    body = problem(
        api.event(events_of(org), "FollowerSent", {"kind": "liaison", "follower": "张三"}), 422
    )
    assert any(e["field"] == "data.follower" for e in body["errors"])


def test_roles_and_scope(api: Api) -> None:
    # An integrator reports a branch's work; the register is the committee's.
    problem(api.event(REGISTER, None, org_data(api), who="integrator_c1"), 403)
    # A committee's token registers only for its own committees: another is as if missing.
    body = problem(api.event(REGISTER, None, org_data(api, "c2"), who="committee_c1"), 404)
    assert [e["field"] for e in body["errors"]] == ["committee_id"]
    org_c2 = api.ok(api.event(REGISTER, None, org_data(api, "c2")))["aggregate_id"]
    problem(api.get(f"{REGISTER}/{org_c2}", who="committee_c1"), 404)
    problem(
        api.event(events_of(org_c2), "OrganizationClosed", {"reason": "注销"}, who="committee_c1"),
        404,
    )
    # The industry committee answers for it too.
    shared = api.ok(
        api.event(REGISTER, None, org_data(api, "c2", industry_committee_id=str(api.ids["c1"])))
    )["aggregate_id"]
    assert api.get(f"{REGISTER}/{shared}", who="committee_c1").status_code == 200


def test_ids_in_the_body_are_checked_for_scope_existence_and_kind(api: Api) -> None:
    org = api.ok(api.event(REGISTER, None, org_data(api)))["aggregate_id"]
    # A branch of another district: outside the office's scope, as if missing.
    body = problem(
        api.event(
            events_of(org),
            "CoveredByBranch",
            {"branch_id": str(api.ids["b3"]), "mode": "joint"},
            who="office",
        ),
        404,
    )
    assert body["errors"][0]["field"] == "branch_id"
    # The admin sees every district: the domain refuses it by rule.
    body = problem(
        api.event(
            events_of(org), "CoveredByBranch", {"branch_id": str(api.ids["b3"]), "mode": "joint"}
        ),
        409,
    )
    assert ("data.branch_id", "same_district") in fields_rules(body)
    # A committee's id where a branch's belongs: no such branch.
    body = problem(
        api.event(
            events_of(org), "CoveredByBranch", {"branch_id": str(api.ids["c1"]), "mode": "joint"}
        ),
        404,
    )
    assert body["errors"][0]["field"] == "branch_id"
    problem(api.event(events_of(new_id()), "OrganizationClosed", {"reason": "注销"}), 404)
    # An instructor must be one registered in the district.
    body = problem(
        api.event(
            events_of(org), "FollowerSent", {"kind": "instructor", "instructor_id": new_id()}
        ),
        404,
    )
    assert body["errors"][0]["field"] == "instructor_id"


def test_a_batch_is_stored_all_or_nothing(api: Api) -> None:
    org = api.ok(api.event(REGISTER, None, org_data(api)))["aggregate_id"]
    items = [
        {
            "type": "StaffCounted",
            "occurred_on": "2014-05-01",
            "data": {"host_organization_id": org, "employees": 130, "full_members": 5},
        },
        {
            "type": "CoverageEnded",
            "occurred_on": "2014-05-01",
            "data": {"host_organization_id": org, "reason": "未覆盖"},
        },
    ]
    body = problem(api.post("/api/v1/batches", {"items": items}), 422)
    assert (("items.1.data.branch_id", "covered")) in fields_rules(body)
    history = api.get(f"{REGISTER}/{org}/history").get_json()["items"]
    assert len(history) == 1
