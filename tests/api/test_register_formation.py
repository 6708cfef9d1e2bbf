"""A joint organization's five units, enforced where the coverage is recorded, and a
branch's links to its organizations on the register following its formation, on both
databases.

Seed 003 §一: "对职工中正式党员不足3名的，开展联合建、挂靠建…联合党组织覆盖单位数不超过5个".
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.test_coverage_views import LATER, register
from tests.api.test_register_writes import events_of


def cover(api: Api, org: str, branch: str, mode: str) -> Any:
    data = {"branch_id": str(api.ids[branch]), "mode": mode}
    return api.event(events_of(org), "CoveredByBranch", data, occurred_on=LATER)


def org_state(api: Api, org: str) -> dict[str, Any]:
    found: dict[str, Any] = api.get(f"/api/v1/host-organizations/{org}", "office").get_json()
    return found


def hosts_of(api: Api, branch: str) -> dict[str, str]:
    found = api.get(f"/api/v1/branches/{api.ids[branch]}", "office").get_json()
    hosts: dict[str, str] = found["hosts"]
    return hosts


def test_a_unit_leaving_a_joint_organization_makes_room_for_another(api: Api) -> None:
    """003 §一: 联合党组织覆盖单位数不超过5个 — counted over what the branch covers now."""
    units = [register(api, employees=10, full_members=1, name=f"单位{n}") for n in range(6)]
    for org in units[:5]:
        api.ok(cover(api, org, "b2", "joint"))
    refused = cover(api, units[5], "b2", "joint")
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["rule"] == "joint_at_most_5_units"
    # One unit goes to another branch: the joint organization covers four; the sixth joins.
    api.ok(cover(api, units[0], "b1", "affiliated"))
    assert units[0] not in hosts_of(api, "b2") and hosts_of(api, "b1")[units[0]] == "affiliated"
    api.ok(cover(api, units[5], "b2", "joint"))
    # One closes: its link goes with it.
    closed = {"reason": "注销"}
    api.ok(api.event(events_of(units[1]), "OrganizationClosed", closed, occurred_on=LATER))
    assert sorted(hosts_of(api, "b2")) == sorted(units[2:])


def test_a_joint_organization_that_becomes_standalone_keeps_its_host_alone(api: Api) -> None:
    """003 §一: "对职工中正式党员3名以上的…指导其及时单独建立党组织" — when the joint branch
    forms on its own, it covers its host; the other units' coverage ends, with the reason."""
    host_name = api.get(f"/api/v1/branches/{api.ids['b2']}", "office").get_json()["host_name"]
    host = register(api, employees=40, full_members=3, name=host_name)
    other = register(api, employees=10, full_members=1, name="邻近单位")
    api.ok(cover(api, other, "b2", "joint"))
    api.ok(cover(api, host, "b2", "joint"))
    path = f"/api/v1/branches/{api.ids['b2']}/events"
    api.ok(api.event(path, "FormationChanged", {"formation": "standalone"}, occurred_on=LATER))
    assert hosts_of(api, "b2") == {host: "standalone"}
    assert org_state(api, host)["mode"] == "standalone"
    left = org_state(api, other)
    assert left["mode"] is None and left["branch_id"] is None
    history = api.get(f"/api/v1/host-organizations/{other}/history", "office").get_json()
    ended = [i for i in history["items"] if i["type"] == "CoverageEnded"]
    assert ended and "单独组建" in ended[0]["data"]["reason"]


def test_a_joint_formation_of_more_than_five_registered_units_is_refused(api: Api) -> None:
    """003 §一: 联合党组织覆盖单位数不超过5个 — six affiliated units cannot become one joint
    organization; nothing of the post is written."""
    units = [register(api, employees=10, full_members=1, name=f"挂靠{n}") for n in range(6)]
    for org in units:
        api.ok(cover(api, org, "b2", "affiliated"))
    path = f"/api/v1/branches/{api.ids['b2']}/events"
    names = [f"挂靠{n}" for n in range(6)]
    refused = api.event(path, "FormationChanged", {"formation": "joint", "covered_units": names},
                        occurred_on=LATER)  # fmt: skip
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["rule"] == "joint_at_most_5_units"
    assert set(hosts_of(api, "b2").values()) == {"affiliated"}
    assert api.get(f"/api/v1/branches/{api.ids['b2']}", "office").get_json()["formation"] == (
        "standalone"
    )
