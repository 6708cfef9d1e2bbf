"""A small district for the pages: the API's test world (tests/api/conftest.py: two
committees, a group over the first, a campaign over b1 and b2) with a few facts, projected.

b1 (支部 b1, committee c1) holds a mobilization meeting, later corrected, and a problem that is
overdue; b2 (支部 b2, committee c2) holds a problem of its own. Each role's pages must show
b1's facts or b2's exactly as its token reaches them.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import TODAY, Api
from tests.api.test_views import catch_up, work

B1_PROBLEM = "会议多，文山会海"
B2_PROBLEM = "台账不全，资料散乱"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_facts(api: Api) -> dict[str, Any]:
    held = api.ok(api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9}))
    corrected = api.ok(
        api.event(
            work(api) + "/events",
            "FactCorrected",
            {"corrects": held["event_id"], "reason": "数错了", "changes": {"participants": 11}},
        )
    )
    for branch, text, days in (("b1", B1_PROBLEM, -3), ("b2", B2_PROBLEM, 20)):
        api.ok(
            api.event(
                work(api, branch) + "/problems",
                None,
                {
                    "category": "four_winds",
                    "description": text,
                    "measures": "精简会议，规范台账",
                    "responsible_person": "P000101",
                    "deadline": (TODAY + timedelta(days=days)).isoformat(),
                },
                occurred_on=(TODAY - timedelta(days=10)).isoformat(),
            )
        )
    catch_up(api)
    return {"held": held["event_id"], "correction": corrected["event_id"]}


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "a form without a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, token: str, **environ: Any) -> Any:
    page = client.get("/pages/signin", **environ)
    return client.post(
        "/pages/signin",
        data={"csrf_token": csrf_of(page.text), "token": token},
        **environ,
    )
