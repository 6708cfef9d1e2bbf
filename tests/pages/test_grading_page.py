"""The grading page and an organization's grading timeline in the browser (Chinese), with
the Excel downloads, for the signed-in token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO

import pytest
from openpyxl import load_workbook

from taizhang.config import Settings
from tests.api.conftest import Api, make_api
from tests.api.test_grade_corrections import correct
from tests.api.test_grading import catch_up, define_round, grade
from tests.pages.test_pages import pages_of


@pytest.fixture
def world(settings: Settings) -> Iterator[Api]:
    for api in make_api(settings):
        round_id = define_round(api, name="年度分类定级")
        first = api.ok(grade(api, round_id, "b1", "advanced"))["event_id"]
        api.ok(correct(api, round_id, "b1", first, grade="lagging"))
        api.ok(grade(api, round_id, "b2", "average"))
        api.ids["round"] = round_id  # type: ignore[assignment]
        catch_up(api)
        yield api


def test_the_office_sees_the_grades_the_lagging_list_and_downloads_them(world: Api) -> None:
    """001 §二1: 分类定级…先进、一般、后进 — counted as corrected; the lagging list links to
    each organization's timeline."""
    campaign = world.ids["campaign"]
    client = pages_of(world, "office")
    page = client.get(f"/pages/campaigns/{campaign}/grading")
    assert page.status_code == 200, page.text
    assert "分类定级" in page.text
    lagging = re.search(r'id="total-lagging">(\d+)<', page.text)
    assert lagging is not None and lagging.group(1) == "1"
    link = re.search(r'href="([^"]+/grading/[^"]+/upgrading\.xlsx[^"]*)"', page.text)
    assert link is not None
    book = client.get(link.group(1).replace("&amp;", "&"))
    assert book.status_code == 200
    rows = list(load_workbook(BytesIO(book.data)).active.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1
    timeline = re.search(r'href="([^"]+/branches/[^"]+/grading)"', page.text)
    assert timeline is not None
    shown = client.get(timeline.group(1))
    assert shown.status_code == 200 and "已被更正" in shown.text and "更正了" in shown.text


def test_a_committee_sees_its_own_part(world: Api) -> None:
    campaign = world.ids["campaign"]
    page = pages_of(world, "committee_c1").get(f"/pages/campaigns/{campaign}/grading")
    assert page.status_code == 200, page.text
    total = re.search(r'id="total-average">(\d+)<', page.text)
    assert total is not None and total.group(1) == "0"
