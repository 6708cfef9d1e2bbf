"""The coverage page: the register's rates and gap lists for the signed-in token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from taizhang.config import Settings
from tests.api.conftest import Api, make_api
from tests.api.test_register_writes import REGISTER, events_of, org_data
from tests.api.test_views import catch_up
from tests.pages.test_pages import pages_of


@pytest.fixture
def world(settings: Settings) -> Iterator[Api]:
    for api in make_api(settings):
        covered = api.ok(api.event(REGISTER, None, org_data(api, "c1")))["aggregate_id"]
        api.ok(
            api.event(
                events_of(covered),
                "CoveredByBranch",
                {"branch_id": str(api.ids["b1"]), "mode": "standalone"},
            )
        )
        api.ok(api.event(REGISTER, None, org_data(api, "c2", full_members=1)))
        catch_up(api)
        yield api


def test_the_office_sees_the_district_and_a_committee_its_own(world: Api) -> None:
    """003 §三: "确保党组织应建尽建率和党的工作覆盖率均达到100%"."""
    campaign = world.ids["campaign"]
    office = pages_of(world, "office").get(f"/pages/campaigns/{campaign}/coverage")
    assert office.status_code == 200, office.text
    rate = re.search(
        r'id="rate-should_build_rate".*?<td class="num">([^<]+)</td>', office.text, re.S
    )
    assert rate and rate.group(1) == "50.0%"
    assert 'id="by-committee"' in office.text
    own = pages_of(world, "committee_c1").get(f"/pages/campaigns/{campaign}/coverage").text
    rate = re.search(r'id="rate-should_build_rate".*?<td class="num">([^<]+)</td>', own, re.S)
    assert rate and rate.group(1) == "100.0%"
    # Another committee's part is refused as the API refuses it.
    other = pages_of(world, "committee_c1").get(
        f"/pages/campaigns/{campaign}/coverage?committee_id={world.ids['c2']}"
    )
    assert other.status_code == 404


def test_a_gap_list_downloads_as_the_apis_workbook(world: Api) -> None:
    client = pages_of(world, "office")
    page = client.get(f"/pages/campaigns/{world.ids['campaign']}/coverage").text
    link = re.search(r'id="gap-party_organization_missing">.*?href="([^"]+)" download', page, re.S)
    assert link
    workbook = client.get(link.group(1).replace("&amp;", "&"))
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
