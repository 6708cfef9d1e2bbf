"""The campaign week by week over HTTP (SQLite and PostgreSQL): the figures behind the
overview's line chart, read with the same scope, dates and knowledge time as the
supervision views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tests.api.conftest import START, TODAY, Api
from tests.api.test_views import catch_up, work


def weekly(api: Api, query: str = "", who: str = "office") -> dict[str, Any]:
    campaign, district = api.ids["campaign"], api.ids["district"]
    answer = api.get(
        f"/api/v1/campaigns/{campaign}/districts/{district}/weekly-progress{query}", who
    )
    assert answer.status_code == 200, answer.get_json()
    found: dict[str, Any] = answer.get_json()
    return found


def test_each_week_gives_the_supervision_views_figures_of_its_last_day(api: Api) -> None:
    # The world's branches are enrolled today (tests/api/conftest.py), so they count from today.
    api.ok(api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9}))
    catch_up(api)
    body = weekly(api)
    weeks = body["weeks"]
    # Seven days apart from the campaign's seventh day; the last point is the day asked.
    assert weeks[0]["on"] == (START + timedelta(days=6)).isoformat()
    assert weeks[-1]["on"] == TODAY.isoformat()
    assert all(
        date.fromisoformat(b["on"]) - date.fromisoformat(a["on"]) == timedelta(days=7)
        for a, b in zip(weeks, weeks[1:-1], strict=False)
    )
    campaign, district = api.ids["campaign"], api.ids["district"]
    for week in weeks:
        view = api.get(
            f"/api/v1/campaigns/{campaign}/districts/{district}/supervision?as_of={week['on']}"
        ).get_json()
        assert week["branches"] == view["branches"]
        assert week["done"] == {p["key"]: p["done"] for p in view["phases"]}
    assert [(w["branches"], w["done"]["mobilization_meeting"]) for w in weeks] == [(0, 0)] * (
        len(weeks) - 1
    ) + [(2, 1)]
    # A business date before the meeting: the line stops there, and nothing is done.
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    earlier = weekly(api, f"?as_of={yesterday}")
    assert earlier["weeks"][-1]["on"] == yesterday
    assert all(w["done"]["mobilization_meeting"] == 0 for w in earlier["weeks"])
    # Before the campaign starts there are no weeks.
    assert weekly(api, f"?as_of={(START - timedelta(days=1)).isoformat()}")["weeks"] == []


def test_as_known_at_a_time_before_a_fact_was_recorded_it_is_not_counted(api: Api) -> None:
    before = datetime.now(UTC)
    api.ok(api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9}))
    catch_up(api)
    assert weekly(api)["weeks"][-1]["done"]["mobilization_meeting"] == 1
    then = weekly(api, f"?known_at={quote(before.isoformat())}")
    assert then["known_at"] == before.isoformat()
    assert then["weeks"][-1]["done"]["mobilization_meeting"] == 0


def test_each_part_reads_its_own_weeks_and_no_other(api: Api) -> None:
    catch_up(api)
    campaign, district = api.ids["campaign"], api.ids["district"]
    base = f"/api/v1/campaigns/{campaign}"
    district_path = f"{base}/districts/{district}/weekly-progress"
    assert api.get(district_path, "supervisor_c1").status_code == 403
    assert api.get(district_path, "office_other").status_code == 404
    own = api.get(f"{base}/committees/{api.ids['c1']}/weekly-progress", "supervisor_c1")
    assert own.status_code == 200 and own.get_json()["weeks"][-1]["branches"] == 1
    other = api.get(f"{base}/committees/{api.ids['c2']}/weekly-progress", "supervisor_c1")
    assert other.status_code == 404
    group = api.get(
        f"{base}/supervision-groups/{api.ids['group']}/weekly-progress", "supervisor_group"
    )
    assert group.status_code == 200 and group.get_json()["weeks"][-1]["branches"] == 1
    bad = api.get(f"{district_path}?as_of=someday")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "as_of"
