"""Coverage of the two-new organizations and the gap lists over HTTP (SQLite and PostgreSQL),
as of business dates and as known at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any
from urllib.parse import quote

from openpyxl import load_workbook

from tests.api.conftest import TODAY, Api
from tests.api.test_register_writes import REGISTER, events_of, org_data
from tests.api.test_views import catch_up

EARLY = (TODAY - timedelta(days=30)).isoformat()
LATER = (TODAY - timedelta(days=10)).isoformat()


def register(api: Api, committee: str = "c1", on: str = EARLY, **overrides: Any) -> str:
    data = org_data(api, committee, **overrides)
    org: str = api.ok(api.event(REGISTER, None, data, occurred_on=on))["aggregate_id"]
    return org


def coverage(api: Api, query: str = "", who: str = "office") -> dict[str, Any]:
    response = api.get(f"/api/v1/districts/{api.ids['district']}/coverage{query}", who)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_rates_against_the_seeds_targets_as_of_dates(api: Api) -> None:
    """003 §三: "确保党组织应建尽建率和党的工作覆盖率均达到100%"; 000 §四(一)1: "单独组建率力争
    达到30%"; 001 §三: "实现有党员的“两新”组织党组织覆盖率达到 100%"."""
    # 4 full members, covered by its own branch from LATER on.
    own = register(api, employees=120, full_members=4)
    api.ok(
        api.event(
            events_of(own),
            "CoveredByBranch",
            {"branch_id": str(api.ids["b1"]), "mode": "standalone"},
            occurred_on=LATER,
        )
    )
    # 1 full member, not covered: should be (joint or affiliated).
    register(api, employees=30, full_members=1, location_kind="none", location_name="")
    # No members, 20 employees: an instructor is sent from LATER on.
    none = register(api, employees=20, full_members=0, location_kind="none", location_name="")
    instructor = api.ok(
        api.event(
            "/api/v1/instructors",
            None,
            {"district_id": str(api.ids["district"]), "person": "P000301"},
        )
    )["aggregate_id"]
    api.ok(
        api.event(
            events_of(none),
            "FollowerSent",
            {"kind": "instructor", "instructor_id": instructor},
            occurred_on=LATER,
        )
    )
    catch_up(api)

    early = coverage(api, f"?as_of={EARLY}")
    assert early["as_of"] == EARLY and early["known_at"] is None
    total = early["total"]
    assert total["organizations"] == 3
    assert (total["covered"], total["should_build"], total["built"]) == (0, 2, 0)
    assert total["should_build_rate"] == 0.0 and total["work_coverage_rate"] == 0.0
    assert total["gaps"]["standalone_expected"] == 1
    assert total["gaps"]["follower_missing"] == 3
    assert early["targets"]["should_build_rate"] == 1.0
    assert early["targets"]["standalone_rate"] == 0.3

    now = coverage(api)["total"]
    assert (now["covered"], now["built"], now["standalone"]) == (1, 1, 1)
    assert now["should_build_rate"] == 0.5
    assert now["work_coverage_rate"] == round(2 / 3, 4)
    assert now["standalone_rate"] == 1.0
    assert now["members_share"] == round(5 / 170, 4)
    # Before anything was registered: nothing to judge, no rate.
    before = coverage(api, f"?as_of={(TODAY - timedelta(days=31)).isoformat()}")["total"]
    assert before["organizations"] == 0 and before["should_build_rate"] is None

    # By place: the park holds the one registered with its defaults.
    places = {(p["location_kind"], p["location_name"]): p for p in coverage(api)["by_place"]}
    assert places[("park", "天安科技园")]["organizations"] == 1


def test_gap_lists_name_their_rule_and_seed(api: Api) -> None:
    """003 §一: "联合党组织覆盖单位数不超过5个" — a sixth unit is refused, naming field and rule;
    "对职工中正式党员不足3名的，开展联合建、挂靠建"."""
    joint = [register(api, employees=10, full_members=1) for _ in range(6)]
    cover = {"branch_id": str(api.ids["b2"]), "mode": "joint"}
    for org in joint[:5]:
        api.ok(api.event(events_of(org), "CoveredByBranch", cover, occurred_on=LATER))
    sixth = api.event(events_of(joint[5]), "CoveredByBranch", cover, occurred_on=LATER)
    assert sixth.status_code == 409
    assert sixth.headers["Content-Type"].startswith("application/problem+json")
    error = sixth.get_json()["errors"][0]
    assert (error["field"], error["rule"]) == ("data.branch_id", "joint_at_most_5_units")
    lonely = register(api, employees=10, full_members=2)
    catch_up(api)
    path = f"/api/v1/districts/{api.ids['district']}/coverage/gaps"
    over = api.get(f"{path}?rule=joint_over_5_units", "office").get_json()
    assert over["rule"]["seed"] == "003 §一" and "不超过5个" in over["rule"]["quote"]
    assert over["items"] == []
    wanting = api.get(f"{path}?rule=joint_or_affiliation_expected", "office").get_json()["items"]
    assert sorted(i["org_id"] for i in wanting) == sorted([lonely, joint[5]])
    early = api.get(f"{path}?rule=joint_or_affiliation_expected&as_of={EARLY}", "office").get_json()
    assert len(early["items"]) == 7
    unknown = api.get(f"{path}?rule=no_such_rule", "office")
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "rule"


def test_a_committee_reads_its_own_part(api: Api) -> None:
    mine = register(api, "c1")
    register(api, "c2")
    shared = register(api, "c2", industry_committee_id=str(api.ids["c1"]))
    catch_up(api)
    own = api.get(f"/api/v1/committees/{api.ids['c1']}/coverage", "committee_c1")
    assert own.status_code == 200 and own.get_json()["total"]["organizations"] == 2
    gaps = api.get(
        f"/api/v1/districts/{api.ids['district']}/coverage/gaps?rule=follower_missing"
        f"&committee_id={api.ids['c1']}",
        "committee_c1",
    ).get_json()["items"]
    assert sorted(i["org_id"] for i in gaps) == sorted([mine, shared])
    # The district as a whole, or another committee, is not its to read.
    whole = api.get(f"/api/v1/districts/{api.ids['district']}/coverage", "committee_c1")
    assert whole.status_code == 403
    other = api.get(f"/api/v1/committees/{api.ids['c2']}/coverage", "committee_c1")
    assert other.status_code == 404
    elsewhere = api.get(f"/api/v1/districts/{api.ids['other_district']}/coverage", "office")
    assert elsewhere.status_code == 404
    by_committee = {c["committee_id"]: c for c in coverage(api)["by_committee"]}
    assert by_committee[str(api.ids["c1"])]["organizations"] == 2
    assert by_committee[str(api.ids["c2"])]["organizations"] == 2


def test_coverage_as_known_at_a_time_replays_the_log(api: Api) -> None:
    org = register(api, employees=150, full_members=5)
    catch_up(api)
    known = datetime.now(UTC)
    api.ok(
        api.event(
            events_of(org),
            "CoveredByBranch",
            {"branch_id": str(api.ids["b1"]), "mode": "standalone"},
            occurred_on=EARLY,
        )
    )
    catch_up(api)
    assert coverage(api)["total"]["covered"] == 1
    then = coverage(api, f"?known_at={quote(known.isoformat())}")
    assert then["total"]["covered"] == 0 and then["known_at"] == known.isoformat()


def test_a_gap_list_as_a_workbook(api: Api) -> None:
    """Seed 000 §三(一): "逐一分析原因、登记造册、建立台账" — the list offices hand around."""
    wanting = register(api, name="=HYPERLINK(1)", employees=120, full_members=0)
    register(api, employees=10, full_members=0, location_kind="none", location_name="")
    catch_up(api)
    path = f"/api/v1/districts/{api.ids['district']}/coverage/gaps.xlsx"
    response = api.get(f"{path}?rule=party_organization_missing&as_of={LATER}", "office")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == f"统计日期 As of: {LATER}"
    assert "100人以上非公企业建立党组织" in rows[2][0]
    [item] = rows[4:]
    # Posted text that looks like a formula stays text.
    assert item[1] == "=HYPERLINK(1)" and sheet["B5"].data_type == "s"
    assert item[4:6] == (120, 0) and item[7] == "未覆盖"
    assert api.get(f"/api/v1/host-organizations/{wanting}", "office").status_code == 200
    refused = api.get(f"{path}?rule=party_organization_missing", "committee_c1")
    assert refused.status_code == 403
