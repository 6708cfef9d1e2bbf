"""The member-development page: a committee's pipeline, plan and downloads for the signed-in
token; people by pseudonymous id, names only for the roles that may read them.

The name below is made up for the test (a pseudonym), as every name in fixtures must be."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from taizhang.config import Settings
from tests.api.conftest import TODAY, Api, make_api
from tests.api.members import apply, step
from tests.api.test_views import catch_up
from tests.pages.test_pages import pages_of

NAME = "化名己庚"


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    yield from make_api(settings)


def test_the_page_shows_the_pipeline_its_people_and_downloads(api: Api) -> None:
    """seed 002 (1): "由申请人向所在单位(部门)党支部提出书面申请" -- an applicant counted and
    listed by pseudonymous id; the supervisor's page shows the count, never the person."""
    person = apply(api, str(api.ids["b1"]), TODAY - timedelta(days=5))
    api.ok(step(api, person, "PersonalDataRecorded", TODAY - timedelta(days=5), name=NAME))
    catch_up(api)
    campaign, c1 = api.ids["campaign"], api.ids["c1"]
    client = pages_of(api, "committee_c1")
    page = client.get(f"/pages/campaigns/{campaign}/members")
    assert page.status_code == 200, page.text
    assert 'id="stage-applicant"><td>入党申请人</td><td class="num">1</td>' in page.text
    assert f'id="person-{person}"' in page.text and NAME in page.text
    workbook = client.get(f"/pages/campaigns/{campaign}/members/overdue.xlsx?committee_id={c1}")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    supervised = pages_of(api, "supervisor_c1").get(f"/pages/campaigns/{campaign}/members").text
    assert 'id="stage-applicant"><td>入党申请人</td><td class="num">1</td>' in supervised
    assert person not in supervised and NAME not in supervised
    other = client.get(f"/pages/campaigns/{campaign}/members?committee_id={api.ids['c2']}")
    assert other.status_code == 404
