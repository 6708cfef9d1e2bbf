"""A baseline survey that finds a branch weak and lax makes it a rectification target,
unless its committee decides otherwise (issue 15 item 8)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, new_id
from tests.api.test_views import catch_up, work


def survey(api: Api, weak: bool, who: str = "integrator_b1") -> Any:
    data = {
        "leadership_complete": not weak,
        "full_members": 4,
        "probationary_members": 0,
        "weak_and_lax": weak,
        "findings": "书记长期不在岗" if weak else "班子健全",
    }
    return api.event(work(api) + "/events", "BaselineSurveyRecorded", data, who,
                     client_event_id=new_id())  # fmt: skip


def meeting(api: Api) -> Any:
    return api.event(work(api) + "/events", "MobilizationMeetingHeld", {"participants": 9},
                     "integrator_b1", client_event_id=new_id())  # fmt: skip


def branch_state(api: Api) -> dict[str, Any]:
    answer: dict[str, Any] = api.get(f"/api/v1/branches/{api.ids['b1']}").get_json()
    return answer


def test_a_weak_and_lax_survey_makes_a_target_unless_the_committee_decides_otherwise(
    api: Api,
) -> None:
    """Seed 000 §三(一): "研究确定整顿对象…对被确定为整顿对象的“两新”组织，在4月中旬集中进行
    组织整顿，然后再开展教育实践活动" — found weak and lax, a branch is reorganized first;
    the committee (not the branch) may decide it need not be."""
    api.ok(survey(api, weak=True))
    state = branch_state(api)
    assert state["is_rectification_target"] is True and state["reorganized"] is False
    designation = [
        e for e in api.get(f"/api/v1/branches/{api.ids['b1']}/history").get_json()["items"]
        if e["type"] == "DesignatedRectificationTarget"
    ]  # fmt: skip
    assert len(designation) == 1 and designation[0]["actor"] == "integrator_b1"
    assert "书记长期不在岗" in designation[0]["data"]["reasons"]
    # Reorganized first: no other work until then.
    refused = meeting(api)
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["rule"] == "reorganized_first"
    catch_up(api)
    progress = api.get(work(api) + "/progress").get_json()
    assert progress["rectification_target"] == "pending"
    # The branch cannot lift it; its committee can.
    waiver = {"reasons": "党委研究：书记已回岗，不列为整顿对象"}
    branch_events = f"/api/v1/branches/{api.ids['b1']}/events"
    denied = api.event(branch_events, "RectificationTargetWaived", waiver, "integrator_b1")
    assert denied.status_code == 403
    api.ok(api.event(branch_events, "RectificationTargetWaived", waiver, "committee_c1"))
    assert branch_state(api)["is_rectification_target"] is False
    api.ok(meeting(api))
    # Once the committee has decided, a later weak finding does not designate it again.
    api.ok(survey(api, weak=True))
    assert branch_state(api)["is_rectification_target"] is False
    catch_up(api)
    progress = api.get(work(api) + "/progress").get_json()
    assert progress["rectification_target"] == "not_target"


def test_a_sound_survey_designates_nothing(api: Api) -> None:
    api.ok(survey(api, weak=False))
    assert branch_state(api)["is_rectification_target"] is False
    api.ok(meeting(api))
