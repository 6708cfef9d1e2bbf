"""The feed reveals nothing out of the caller's scope, positions included (issue 16 finding 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from taizhang.api import reads
from taizhang.ledger import Ledger
from tests.api.conftest import TODAY, Api, new_id
from tests.api.test_writes import meeting, work_path


def head(api: Api) -> int:
    ledger: Ledger = api.app.extensions["taizhang"].ledger
    return ledger.recorder.max_notification_id() or 0


def list_problem(api: Api) -> int:
    campaign, branch = api.ids["campaign"], api.ids["b1"]
    listed = api.ok(
        api.event(
            f"/api/v1/campaigns/{campaign}/branches/{branch}/problems",
            None,
            {
                "category": "four_winds",
                "description": "会议多",
                "measures": "精简会议",
                "responsible_person": "p-0001",
                "deadline": (TODAY + timedelta(days=30)).isoformat(),
            },
        )
    )
    position: int = listed["position"]
    return position


def test_hidden_events_cannot_be_located_with_types(api: Api) -> None:
    """`next`/`last_position` moved past hidden events, so with `types=` a caller could count
    and locate another district's events. Now they stop at the log's head, which every
    write already tells, whatever the hidden events' types."""
    start = head(api)
    hidden = list_problem(api)
    api.ok(
        api.event(work_path(api), "MobilizationMeetingHeld", meeting(), client_event_id=new_id())
    )
    page = api.get(
        f"/api/v1/feed?after={start}&types=ProblemListed&limit=1", "office_other"
    ).get_json()
    assert page["items"] == [] and page["next"] is None
    assert page["last_position"] == head(api) != hidden
    # The district that owns them sees them, at their positions.
    own = api.get(f"/api/v1/feed?after={start}&types=ProblemListed", "office").get_json()
    assert [i["position"] for i in own["items"]] == [hidden]


def test_a_page_ends_on_a_visible_event(api: Api) -> None:
    """With more to come, `next` is the position of the last event the caller was shown."""
    start = head(api)
    for _ in range(3):
        list_problem(api)
    page = api.get(f"/api/v1/feed?after={start}&limit=2", "office").get_json()
    positions = [i["position"] for i in page["items"]]
    assert len(positions) == 2 and page["next"] == str(positions[-1])
    assert page["last_position"] == positions[-1]
    hidden = api.get(f"/api/v1/feed?after={start}&limit=2", "office_other").get_json()
    assert hidden == {"items": [], "next": None, "last_position": head(api)}


def test_a_long_hidden_stretch_is_crossed_by_blocks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan stops on a block boundary fixed by `after` alone, never on a hidden event."""
    monkeypatch.setattr(reads, "FEED_BLOCK", 2)
    monkeypatch.setattr(reads, "FEED_SCAN", 4)
    start = head(api)
    for _ in range(8):
        list_problem(api)
    assert head(api) - start > 5
    after = start + 1
    boundary = (after + 4) // 2 * 2
    for types in ("", "&types=ProblemListed", "&types=BranchWorkOpened"):
        page = api.get(f"/api/v1/feed?after={after}{types}", "office_other").get_json()
        assert page == {"items": [], "next": str(boundary), "last_position": boundary}
    mine = api.get(f"/api/v1/feed?after={after}", "office").get_json()
    assert mine["next"] == str(boundary)
    assert all(after < i["position"] <= boundary for i in mine["items"])
