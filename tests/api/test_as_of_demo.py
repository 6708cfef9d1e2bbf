"""The demo district as it stood on past dates, over HTTP: every figure as of the date.

Each case below was wrong when the views counted today's figures whatever the date asked:
a district one day into the campaign showed thousands of problems, a branch showed
activity from months later, and the Excel ledger of 1 May held problems listed after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from taizhang.api import create_app
from taizhang.config import Settings
from tests.projections.scenario import projected_demo


@pytest.fixture
def demo(settings: Settings) -> Iterator[tuple[Any, dict[str, str], Any]]:
    summary = projected_demo(settings)
    app = create_app(settings)
    token, _ = app.extensions["taizhang"].tokens.create(
        "office", "office", district_id=summary.district_id
    )
    headers = {"Authorization": f"Bearer {token}"}
    yield app.test_client(), headers, summary
    app.extensions["taizhang"].close()


def _get(client: Any, headers: dict[str, str], path: str) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_every_view_counts_as_of_the_date_asked(demo) -> None:
    client, headers, summary = demo
    campaign, district = summary.campaign_id, summary.district_id
    view = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    today = _get(client, headers, view).get_json()
    assert today["problems_listed"] > 0
    # One day into the campaign: every branch enrolled, nothing listed yet.
    early = _get(client, headers, f"{view}?as_of=2014-04-11").get_json()
    assert early["as_of"] == "2014-04-11" and early["branches"] >= today["branches"]
    assert (early["problems_listed"], early["problems_rectified"]) == (0, 0)
    assert early["volunteer_teams"] == 0 and early["commitments_made"] == 0
    # No branch shows activity after the date it is judged on.
    progress = f"/api/v1/campaigns/{campaign}/progress?as_of=2014-04-12&limit=500"
    for item in _get(client, headers, progress).get_json()["items"]:
        assert item["last_activity_on"] is None or item["last_activity_on"] <= "2014-04-12"
        assert item["problems_listed"] == 0
    # The ledger and its Excel on 1 May: the problems listed by then, with their status then.
    may = _get(client, headers, f"{view}?as_of=2014-05-01").get_json()
    ledger = _get(
        client, headers, f"/api/v1/campaigns/{campaign}/problems?as_of=2014-05-01&limit=500"
    ).get_json()["items"]
    assert len(ledger) == may["problems_listed"]
    assert all(row["listed_on"] <= "2014-05-01" for row in ledger)
    assert all(row["rectified_on"] is None or row["rectified_on"] <= "2014-05-01" for row in ledger)
    book = _get(client, headers, f"/api/v1/campaigns/{campaign}/problems.xlsx?as_of=2014-05-01")
    sheet = load_workbook(BytesIO(book.data)).active
    assert "2014-05-01" in sheet["A2"].value
    assert len(list(sheet.iter_rows(min_row=4))) == may["problems_listed"]
    # Overdue on a day is judged with the status of that day.
    august = _get(client, headers, f"{view}?as_of=2014-08-15").get_json()
    overdue = _get(
        client,
        headers,
        f"/api/v1/campaigns/{campaign}/problems?as_of=2014-08-15&overdue=true&limit=500",
    ).get_json()["items"]
    assert len(overdue) == august["problems_overdue"]
    assert all(row["status"] in ("listed", "in_progress") for row in overdue)


def test_business_date_and_knowledge_time_together(demo) -> None:
    client, headers, summary = demo
    campaign, district = summary.campaign_id, summary.district_id
    view = f"/api/v1/campaigns/{campaign}/districts/{district}/supervision"
    live = _get(client, headers, f"{view}?as_of=2014-06-01").get_json()
    # Known now, as of 1 June: the replay of the whole log equals the live view.
    now = quote(datetime.now(UTC).isoformat())
    both = _get(client, headers, f"{view}?as_of=2014-06-01&known_at={now}").get_json()
    assert both["known_at"] is not None and both["as_of"] == "2014-06-01"
    assert {k: v for k, v in both.items() if k != "known_at"} == {
        k: v for k, v in live.items() if k != "known_at"
    }
    # Known before the demo was loaded: nothing of the campaign was recorded.
    never = client.get(
        f"{view}?as_of=2014-06-01&known_at=2000-01-01T00:00:00%2B08:00", headers=headers
    )
    assert never.status_code == 404
    # Every list takes both times under the same names.
    for path in (
        f"/api/v1/campaigns/{campaign}/progress",
        f"/api/v1/campaigns/{campaign}/problems",
        f"/api/v1/campaigns/{campaign}/districts/{district}/committee-ranking",
    ):
        answer = _get(client, headers, f"{path}?as_of=2014-06-01&known_at={now}").get_json()
        assert "items" in answer
