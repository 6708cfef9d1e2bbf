"""An overview's body is kept rendered per state of the views it is drawn from
(``taizhang.api.pages.fragments``): it must still show exactly what the JSON view shows, follow the
view when the view changes, and never carry one session's token or name to another."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from taizhang.api.pages.fragments import page_cache
from taizhang.config import Settings
from tests.api.conftest import TODAY, Api, make_api
from tests.api.test_views import catch_up, work
from tests.pages.world import add_facts, csrf_of, sign_in

CARD = re.compile(r'<span class="n">(\d+)</span><span>列出问题</span>')


@pytest.fixture
def world(settings: Settings) -> Iterator[Api]:
    for api in make_api(settings):
        add_facts(api)
        yield api


def listed_on_page(client: Any, path: str) -> int:
    found = CARD.search(client.get(path).text)
    assert found, "no card of problems listed"
    return int(found.group(1))


def test_the_kept_overview_follows_the_view(world: Api) -> None:
    api = world
    client = api.app.test_client()
    sign_in(client, api.tokens["office"])
    campaign, district = api.ids["campaign"], api.ids["district"]
    page = f"/pages/campaigns/{campaign}/districts/{district}"
    view = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    before = api.get(view, "office").get_json()["problems_listed"]
    assert listed_on_page(client, page) == before == listed_on_page(client, page)
    api.ok(
        api.event(
            work(api, "b2") + "/problems",
            None,
            {
                "category": "four_winds",
                "description": "学习不经常",
                "measures": "每月集中学习",
                "responsible_person": "P000102",
                "deadline": (TODAY + timedelta(days=30)).isoformat(),
            },
        )
    )
    catch_up(api)
    deadline = time.monotonic() + 10
    while api.get(view, "office").get_json()["problems_listed"] == before:
        assert time.monotonic() < deadline, "the view never showed the new problem"
        time.sleep(0.2)
    assert listed_on_page(client, page) == before + 1


def test_a_kept_body_carries_no_session_s_token_or_name(world: Api) -> None:
    api = world
    pages = {}
    for who in ("office", "supervisor_district"):
        client = api.app.test_client()
        sign_in(client, api.tokens[who])
        text = client.get(client.get("/").headers["Location"]).text
        pages[who] = (text, csrf_of(text))
    (office, office_csrf), (supervisor, supervisor_csrf) = pages.values()
    assert office_csrf != supervisor_csrf
    assert office_csrf not in supervisor and supervisor_csrf not in office
    assert "supervisor_district ·" in supervisor and "supervisor_district ·" not in office
    body = office[office.index('<h1 id="title">') : office.index("</main>")]
    assert body in supervisor  # the same figures for the same view
    # Kept once for both: tokens of one scope share what they are shown.
    assert len(page_cache_of(api)._fragments) == 1


def page_cache_of(api: Api) -> Any:
    with api.app.app_context():
        return page_cache()
