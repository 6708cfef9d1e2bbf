"""The organizational-life page: what is due this week and what is overdue, and members
short of their education days, for the signed-in token, with the lists' workbook."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from taizhang.config import Settings
from tests.api.conftest import Api, branch_data, make_api, new_id
from tests.api.test_views import catch_up
from tests.pages.test_pages import pages_of

YEAR = 2014


@pytest.fixture
def world(settings: Settings) -> Iterator[Api]:
    for api in make_api(settings):
        data = branch_data(api.ids["district"], api.ids["c1"], f"支部 {new_id()[:6]}")
        branch = api.ok(api.event("/api/v1/branches", None, data, occurred_on=f"{YEAR}-01-01"))
        api.ids["life_branch"] = branch["aggregate_id"]
        events = f"/api/v1/branches/{branch['aggregate_id']}/party-life/events"
        meeting = {"activity": "members_meeting", "topic": "学习党章", "participants": 8}
        api.ok(api.event(events, "LifeActivityHeld", meeting, occurred_on=f"{YEAR}-01-20"))
        education = {"members": ["P000301"], "days": 3, "topic": "党史学习"}
        api.ok(api.event(events, "EducationAttended", education, occurred_on=f"{YEAR}-02-10"))
        catch_up(api)
        yield api


def test_the_page_lists_what_is_due_and_overdue_in_chinese(world: Api) -> None:
    """002 "支部党员大会、支部委员会、党小组会和党课每月进行一次" and "党员每年累计参加集体
    教育活动时间不少于12天": on 25 March the branch's February members' meeting is overdue,
    its March one due within the week, and its member has 3 days of 12."""
    campaign = world.ids["campaign"]
    branch = world.ids["life_branch"]
    page = pages_of(world, "office").get(
        f"/pages/campaigns/{campaign}/party-life?year={YEAR}&as_of={YEAR}-03-25"
    )
    assert page.status_code == 200, page.text
    assert "组织生活" in page.text and "逾期未完成" in page.text
    assert f'id="overdue-{branch}-members_meeting-{YEAR}-02"' in page.text
    assert f'id="overdue-{branch}-members_meeting-{YEAR}-01"' not in page.text
    assert f'id="due-{branch}-members_meeting-{YEAR}-03"' in page.text
    row = re.search(r'id="education-P000301">(.*?)</tr>', page.text, re.S)
    assert row and '<td class="num">3</td><td class="num">12</td>' in row.group(1)
    link = re.search(r'href="([^"]+)" download id="download"', page.text)
    assert link
    workbook = pages_of(world, "office").get(link.group(1).replace("&amp;", "&"))
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"


def test_a_committee_sees_its_own_part(world: Api) -> None:
    """A committee's token reads its own committee's part, as the API gives it; another
    committee's part is refused as the API refuses it."""
    campaign = world.ids["campaign"]
    client = pages_of(world, "committee_c1")
    own = client.get(f"/pages/campaigns/{campaign}/party-life?year={YEAR}&as_of={YEAR}-03-25")
    assert own.status_code == 200, own.text
    assert f"overdue-{world.ids['life_branch']}-members_meeting" in own.text
    other = client.get(
        f"/pages/campaigns/{campaign}/party-life?year={YEAR}&committee_id={world.ids['c2']}"
    )
    assert other.status_code == 404


def test_the_page_shows_the_themes_and_who_did_not_follow_them(world: Api) -> None:
    """003 §二 "“1”即每次活动主题由上级党组织…确定并统一时间": the committee's March theme is
    shown with its unified date, the committee's follow rate, and the branch that held no
    themed day in March among the months not following the theme."""
    campaign, branch = world.ids["campaign"], world.ids["life_branch"]
    theme = {
        "committee_id": str(world.ids["c1"]),
        "month": f"{YEAR}-03",
        "theme": "学习焦裕禄精神",
        "unified_on": f"{YEAR}-03-20",
    }
    path = f"/api/v1/districts/{world.ids['district']}/party-life/themes"
    published = world.ok(
        world.event(path, "ThemePublished", theme, "committee_c1", occurred_on=f"{YEAR}-02-25")
    )
    catch_up(world)
    page = pages_of(world, "office").get(
        f"/pages/campaigns/{campaign}/party-life?year={YEAR}&as_of={YEAR}-04-10"
    )
    assert page.status_code == 200, page.text
    assert "上级主题" in page.text and "学习焦裕禄精神" in page.text
    assert f'id="theme-{published["aggregate_id"]}"' in page.text
    row = re.search(rf'id="lapse-{branch}-{YEAR}-03">(.*?)</tr>', page.text, re.S)
    assert row and "未开展" in row.group(1)
    assert f'id="theme-follow-{world.ids["c1"]}"' in page.text


def _ids(text: str, name: str) -> list[str]:
    return re.findall(rf'<tr class="[a-z]+" id="({name}-[^"]+)"', text)


def _link(text: str, id: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="{id}"', text)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_lists_are_paged_with_totals_and_links(world: Api) -> None:
    """The overdue list of a year's end holds every duty period of every branch not done: a
    page shows ``limit`` of them (its size bounded by the limit, not by the list), the total
    beside it, and links that walk the list forward without repeats or gaps and back."""
    campaign = world.ids["campaign"]
    client = pages_of(world, "office")
    base = f"/pages/campaigns/{campaign}/party-life?year={YEAR}&as_of={YEAR}-12-31"
    whole = client.get(base + "&limit=500&list=overdue")
    assert whole.status_code == 200, whole.text
    every = _ids(whole.text, "overdue")
    total = re.search(r'id="overdue-pager">(\d+) / (\d+)', whole.text)
    assert total and int(total.group(2)) == len(every) > 25
    first = client.get(base + "&limit=10")
    assert first.status_code == 200, first.text
    assert _ids(first.text, "overdue") == every[:10]
    assert f'id="overdue-pager">10 / {len(every)}' in first.text
    assert _link(first.text, "overdue-previous") is None
    # The list's part of the page grows with the limit, not with the list.
    least = client.get(base + "&limit=1&list=overdue")
    assert len(first.data) - len(least.data) < (len(whole.data) - len(least.data)) / 2
    seen, pages, answer = [], [], first
    while True:
        seen += _ids(answer.text, "overdue")
        pages.append(answer)
        following = _link(answer.text, "overdue-next")
        if following is None:
            break
        answer = client.get(following)
        assert answer.status_code == 200, answer.text
        assert len(_ids(answer.text, "overdue")) <= 10
    assert seen == every and len(pages) == -(-len(every) // 10)
    back = _link(pages[1].text, "overdue-previous")
    assert back is not None
    assert _ids(client.get(back).text, "overdue") == every[:10]


def test_the_api_pages_each_list_by_cursor(world: Api) -> None:
    """``GET …/party-life/due``: ``limit`` items a list, the totals, and a cursor that gives
    the rest in order; a cursor the API did not give is refused naming the field."""
    district = world.ids["district"]
    url = f"/api/v1/districts/{district}/party-life/due?year={YEAR}&as_of={YEAR}-12-31"
    whole = world.get(url + "&limit=500", "office")
    assert whole.status_code == 200, whole.text
    every = whole.json["overdue"]
    assert whole.json["totals"]["overdue"] == len(every) > 7
    seen, after = [], None
    while True:
        answer = world.get(url + "&limit=7" + (f"&after={after}" if after else ""), "office")
        assert answer.status_code == 200, answer.text
        assert len(answer.json["overdue"]) <= 7
        assert answer.json["totals"] == whole.json["totals"]
        seen += answer.json["overdue"]
        after = answer.json["next"]["overdue"]
        if after is None:
            break
    assert seen == every
    bad = world.get(url + "&after=bm90LWEtY3Vyc29y", "office")
    assert bad.status_code == 422
    assert "after" in bad.text and "valid_cursor" in bad.text
