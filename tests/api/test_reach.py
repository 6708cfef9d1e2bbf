"""Every token reaches its scope, and finds through the API every id it needs: ``GET /me``
names its district, committees, groups, branches and campaigns; a supervision group's
supervisor reads its group's view, ranking, problem ledger and workbook in one request each."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.api.conftest import TODAY, Api
from tests.api.test_views import catch_up, work


def _problem(api: Api, branch: str, description: str) -> None:
    api.ok(
        api.event(
            work(api, branch) + "/problems",
            None,
            {
                "category": "mass_interests",
                "description": description,
                "measures": "整改",
                "responsible_person": "P000112",
                "deadline": (TODAY + timedelta(days=30)).isoformat(),
            },
        )
    )


def _me(api: Api, who: str) -> dict[str, Any]:
    answer = api.get("/api/v1/me", who)
    assert answer.status_code == 200, answer.get_json()
    found: dict[str, Any] = answer.get_json()
    return found


def test_me_names_each_token_its_role_and_scope_with_names(api: Api) -> None:
    catch_up(api)
    ids = {k: str(v) for k, v in api.ids.items()}
    campaign = [{"campaign_id": ids["campaign"], "name": "教育实践活动"}]

    def names(items: list[dict[str, Any]], key: str) -> list[tuple[str, str]]:
        return sorted((i[key], i["name"]) for i in items)

    office = _me(api, "office")
    assert office["role"] == "office" and office["whole_district"] is True
    assert office["district"] == {"district_id": ids["district"], "name": "番禺区"}
    assert names(office["committees"], "committee_id") == sorted(
        [(ids["c1"], "市桥街道党工委"), (ids["c2"], "区非公经济组织党工委")]
    )
    assert names(office["groups"], "group_id") == [(ids["group"], "第一督导组")]
    assert [{k: c[k] for k in ("campaign_id", "name")} for c in office["campaigns"]] == campaign

    group = _me(api, "supervisor_group")
    assert group["role"] == "supervisor" and group["whole_district"] is False
    assert group["district"]["name"] == "番禺区"
    assert names(group["groups"], "group_id") == [(ids["group"], "第一督导组")]
    assert names(group["committees"], "committee_id") == [(ids["c1"], "市桥街道党工委")]
    assert [c["campaign_id"] for c in group["campaigns"]] == [ids["campaign"]]

    branch = _me(api, "integrator_b1")
    assert branch["role"] == "integrator" and branch["groups"] == []
    assert names(branch["branches"], "branch_id") == [(ids["b1"], "支部 b1")]
    assert branch["committees"] == []

    committee = _me(api, "integrator_c2")
    assert names(committee["committees"], "committee_id") == [(ids["c2"], "区非公经济组织党工委")]

    # Another district's office learns nothing of this one.
    other = _me(api, "office_other")
    assert other["district"] == {"district_id": ids["other_district"], "name": "天河区"}
    assert ids["c1"] not in str(other) and ids["campaign"] not in str(other)
    assert other["campaigns"] == []

    admin = _me(api, "admin")
    assert admin["role"] == "admin" and admin["district"] is None
    assert {c["committee_id"] for c in admin["committees"]} == {ids["c1"], ids["c2"], ids["c3"]}


def test_me_refuses_unknown_parameters_and_needs_a_token(api: Api) -> None:
    assert api.get("/api/v1/me?group_id=x", "office").status_code == 422
    assert api.get("/api/v1/me", None).status_code == 401


def test_a_group_supervisor_reads_its_whole_group_in_one_request_each(api: Api) -> None:
    """The group covers committee c1 (branch b1); c2's branch b2 is not its."""
    _problem(api, "b1", "通勤困难")
    _problem(api, "b2", "场地不足")
    catch_up(api)
    who = "supervisor_group"
    me = _me(api, who)
    campaign = me["campaigns"][0]["campaign_id"]
    district = me["district"]["district_id"]
    group = me["groups"][0]["group_id"]
    base = f"/api/v1/campaigns/{campaign}"

    view = api.get(f"{base}/supervision-groups/{group}/supervision", who)
    assert view.status_code == 200 and view.get_json()["branches"] == 1

    for ranking in (
        api.get(f"{base}/districts/{district}/committee-ranking", who),
        api.get(f"{base}/districts/{district}/committee-ranking?group_id={group}", who),
    ):
        assert ranking.status_code == 200, ranking.get_json()
        items = ranking.get_json()["items"]
        assert [(c["committee_id"], c["rank"]) for c in items] == [(str(api.ids["c1"]), 1)]

    for ledger in (
        api.get(f"{base}/problems", who),
        api.get(f"{base}/problems?group_id={group}", who),
    ):
        assert ledger.status_code == 200, ledger.get_json()
        assert [p["description"] for p in ledger.get_json()["items"]] == ["通勤困难"]

    for path in (f"{base}/problems.xlsx", f"{base}/problems.xlsx?group_id={group}"):
        book = api.get(path, who)
        assert book.status_code == 200
        rows = list(load_workbook(BytesIO(book.data)).active.iter_rows(min_row=4, values_only=True))
        assert [r[3] for r in rows] == ["通勤困难"]

    progress = api.get(f"{base}/progress", who)
    assert [b["branch_id"] for b in progress.get_json()["items"]] == [str(api.ids["b1"])]

    # The office reads any group's part by naming it; its own default is the whole district.
    office_ledger = api.get(f"{base}/problems?group_id={group}", "office").get_json()
    assert [p["description"] for p in office_ledger["items"]] == ["通勤困难"]
    assert len(api.get(f"{base}/problems", "office").get_json()["items"]) == 2
    office_ranking = api.get(f"{base}/districts/{district}/committee-ranking", "office")
    assert len(office_ranking.get_json()["items"]) == 2


def test_the_district_view_tells_a_partial_token_where_its_part_is(api: Api) -> None:
    catch_up(api)
    campaign, district = api.ids["campaign"], api.ids["district"]
    answer = api.get(
        f"/api/v1/campaigns/{campaign}/districts/{district}/supervision", "supervisor_group"
    )
    assert answer.status_code == 403
    problem = answer.get_json()
    assert "GET /api/v1/me" in problem["detail"]
    assert "supervision-groups/{group_id}/supervision" in problem["detail"]
    assert problem["errors"][0]["rule"] == "whole_district_required"


def test_a_group_named_is_checked_like_one_in_the_url(api: Api) -> None:
    """Another group than the token's, or a group of another district, answers exactly as
    one that does not exist (404 naming group_id); a committee id is no group."""
    catch_up(api)
    campaign, district = api.ids["campaign"], api.ids["district"]
    other_group = api.ok(
        api.event(
            "/api/v1/supervision-groups",
            None,
            {"district_id": str(district), "name": "第二督导组", "kind": "supervision"},
        )
    )["aggregate_id"]
    far_group = api.ok(
        api.event(
            "/api/v1/supervision-groups",
            None,
            {
                "district_id": str(api.ids["other_district"]),
                "name": "天河督导组",
                "kind": "supervision",
            },
        )
    )["aggregate_id"]
    base = f"/api/v1/campaigns/{campaign}"
    for group, who in (
        (other_group, "supervisor_group"),
        (other_group, "supervisor_c1"),
        (far_group, "admin"),
        (str(api.ids["c1"]), "office"),
    ):
        for path in (
            f"{base}/problems?group_id={group}",
            f"{base}/problems.xlsx?group_id={group}",
            f"{base}/districts/{district}/committee-ranking?group_id={group}",
        ):
            answer = api.get(path, who)
            assert answer.status_code == 404, (path, who, answer.get_json())
            assert answer.get_json()["errors"][0]["field"] == "group_id"
    bad = api.get(f"{base}/problems?group_id=nonsense", "office")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "group_id"
