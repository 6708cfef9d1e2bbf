"""A supervision visit's suggestions become items the committee answers and closes, listed
with their age for the group, and those passed on shown to the campaign office."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from taizhang.domain.suggestions import suggestion_id
from tests.api.conftest import TODAY, Api
from tests.api.test_views import catch_up, work


def post(api: Api, type_: str, data: dict[str, Any], who: str, days_ago: int) -> Any:
    on = (TODAY - timedelta(days=days_ago)).isoformat()
    return api.event(work(api) + "/events", type_, data, who, occurred_on=on)


def listed(api: Api, who: str, query: str = "") -> list[dict[str, Any]]:
    path = f"/api/v1/campaigns/{api.ids['campaign']}/suggestions{query}"
    response = api.get(path, who)
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def test_suggestions_are_answered_closed_and_passed_on(api: Api) -> None:
    """Seed 000 §五(三): "区委督导组要加强对“两新”组织开展活动的督促和检查…发现和分析工作中存在的
    问题并督促解决…及时向区委实践办反映情况" — each suggestion is an item the committee
    answers and closes; the group sees its open items with their age, the office those
    passed on to it."""
    visit = {
        "group_id": str(api.ids["group"]),
        "findings": "台账不全",
        "suggestion_items": ["补齐台账", "改进活动形式"],
    }
    visited = api.ok(post(api, "SupervisionVisitRecorded", visit, "supervisor_group", 10))
    first, second = (suggestion_id(UUID(visited["event_id"]), i) for i in (0, 1))
    answer = {"item_id": str(first), "answer": "已补齐", "closed": True}
    # The branch cannot close what its supervisors asked of it.
    assert post(api, "SuggestionAnswered", answer, "integrator_b1", 3).status_code == 403
    api.ok(post(api, "SuggestionAnswered", answer, "committee_c1", 3))
    refer = {"item_id": str(second), "note": "需区里协调场地"}
    api.ok(post(api, "SuggestionReferred", refer, "supervisor_group", 2))
    again = post(api, "SuggestionAnswered", answer, "committee_c1", 1)
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["rule"] == "open"
    catch_up(api)
    group = f"?group_id={api.ids['group']}"
    mine = listed(api, "supervisor_group", group)
    assert [(i["item_id"], i["text"], i["age_days"]) for i in mine] == [
        (str(second), "改进活动形式", 10)
    ]
    assert mine[0]["referred_on"] == (TODAY - timedelta(days=2)).isoformat()
    # As the group saw it five days ago: both open, five days old, nothing passed on.
    # (Read by the office: the test's branches were registered today, so a committee's or a
    # group's part of the district holds them only from today.)
    then = listed(api, "office", f"{group}&as_of={TODAY - timedelta(days=5)}")
    assert sorted(i["item_id"] for i in then) == sorted([str(first), str(second)])
    assert {i["age_days"] for i in then} == {5} and not any(i["referred_on"] for i in then)
    # The office sees what was passed on to it.
    office = listed(api, "office", "?referred=true")
    assert [i["item_id"] for i in office] == [str(second)]
    closed = listed(api, "office", "?status=closed")
    assert [(i["item_id"], i["answered_on"]) for i in closed] == [
        (str(first), (TODAY - timedelta(days=3)).isoformat())
    ]
    assert listed(api, "office", f"?status=all&as_of={TODAY - timedelta(days=11)}") == []
    # Out of scope: another committee's integrator sees none of it.
    assert listed(api, "integrator_c2", "?status=all") == []
