"""Posting over HTTP, on SQLite and PostgreSQL: answers, retries, If-Match, batches, history."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tests.api.conftest import TODAY, Api, new_id


def work_path(api: Api, branch: str = "b1") -> str:
    return f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids[branch]}/events"


def meeting(participants: int = 12) -> dict[str, object]:
    return {"participants": participants, "upper_level_attendee": "P000201", "form": "现场"}


def history(api: Api, path: str, who: str = "admin", query: str = "") -> list[dict]:
    response = api.get(f"{path}/history{query}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_post_answers_with_ids_version_position_and_location(api: Api) -> None:
    response = api.event(work_path(api), "MobilizationMeetingHeld", meeting(), who="integrator_b1")
    body = api.ok(response)
    assert set(body) == {
        "event_id",
        "event_type",
        "aggregate_id",
        "version",
        "position",
        "chain_hash",
    }
    assert body["event_type"] == "MobilizationMeetingHeld"
    assert body["version"] == 2  # opened, then the meeting
    assert isinstance(body["position"], int) and body["position"] > 0
    location = response.headers["Location"]
    assert location == f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}"
    state = api.get(location, "integrator_b1")
    assert state.status_code == 200
    assert state.headers["ETag"] == '"2"'
    facts = state.get_json()["facts"]
    assert [f["type"] for f in facts] == ["MobilizationMeetingHeld"]
    assert facts[0]["data"]["participants"] == 12


def test_actor_and_source_come_from_the_token_not_the_body(api: Api) -> None:
    api.ok(api.event(work_path(api), "MobilizationMeetingHeld", meeting(), who="integrator_b1"))
    events = history(api, work_path(api).removesuffix("/events"))
    held = [e for e in events if e["type"] == "MobilizationMeetingHeld"][0]
    assert held["actor"] == "integrator_b1"
    assert held["source"] == "branch-system"
    assert held["occurred_on"] == TODAY.isoformat()
    assert held["recorded_at"]
    # A body that tries to name the actor is refused, not obeyed.
    refused = api.post(
        work_path(api),
        {
            "type": "MobilizationMeetingHeld",
            "occurred_on": TODAY.isoformat(),
            "actor": "someone else",
            "data": meeting(),
        },
        "integrator_b1",
    )
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "actor"


def test_retry_with_client_event_id_returns_first_answer_and_stores_nothing(api: Api) -> None:
    body = {
        "type": "MobilizationMeetingHeld",
        "occurred_on": TODAY.isoformat(),
        "client_event_id": "meeting-1",
        "data": meeting(),
    }
    first = api.post(work_path(api), body, "integrator_b1")
    again = api.post(work_path(api), body, "integrator_b1")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    path = work_path(api).removesuffix("/events")
    assert len([e for e in history(api, path) if e["type"] == "MobilizationMeetingHeld"]) == 1
    changed = dict(body, data=meeting(13))
    conflict = api.post(work_path(api), changed, "integrator_b1")
    assert conflict.status_code == 409
    assert conflict.get_json()["errors"][0]["field"] == "client_event_id"


def test_concurrent_duplicates_store_once_and_both_get_the_answer(api: Api) -> None:
    body = {
        "type": "OptionalActionRecorded",
        "occurred_on": TODAY.isoformat(),
        "client_event_id": "optional-1",
        "data": {"title": "读书会"},
    }
    answers: list[tuple[int, object]] = []
    start = threading.Barrier(4)

    def post() -> None:
        client = api.app.test_client()
        start.wait()
        r = client.post(work_path(api), json=body, headers=api.headers("integrator_b1"))
        answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in answers} == {201}
    assert len({str(b) for _, b in answers}) == 1
    path = work_path(api).removesuffix("/events")
    assert len([e for e in history(api, path) if e["type"] == "OptionalActionRecorded"]) == 1


def test_if_match_stale_version_is_412_with_current_version(api: Api) -> None:
    branch = f"/api/v1/branches/{api.ids['b1']}"
    version = int(api.get(branch).headers["ETag"].strip('"'))
    data = {"full_members": 6, "probationary_members": 1}
    body = {"type": "MembershipChanged", "occurred_on": TODAY.isoformat(), "data": data}
    stale = api.post(f"{branch}/events", body, "admin", **{"If-Match": f'"{version - 1}"'})
    assert stale.status_code == 412
    problem = stale.get_json()
    assert problem["current_version"] == version
    assert stale.headers["Content-Type"] == "application/problem+json"
    fresh = api.post(f"{branch}/events", body, "admin", **{"If-Match": f'"{version}"'})
    assert fresh.status_code == 201
    assert fresh.get_json()["version"] == version + 1
    assert api.get(branch).headers["ETag"] == f'"{version + 1}"'


def stored_total(api: Api, event_type: str) -> float:
    """``taizhang_events_stored_total`` of one event type, as /metrics tells it."""
    sample = f'taizhang_events_stored_total{{type="{event_type}"}} '
    for line in api.get("/metrics", None).get_data(as_text=True).splitlines():
        if line.startswith(sample):
            return float(line.removeprefix(sample))
    return 0.0


def test_batch_is_stored_all_or_nothing_with_every_bad_item_named(api: Api) -> None:
    campaign, b1, b2 = (str(api.ids[k]) for k in ("campaign", "b1", "b2"))
    good = {
        "type": "MobilizationMeetingHeld",
        "occurred_on": TODAY.isoformat(),
        "data": {"campaign_id": campaign, "branch_id": b1, "participants": 9},
    }
    schema_bad = {
        "type": "MobilizationMeetingHeld",
        "occurred_on": TODAY.isoformat(),
        "data": {"campaign_id": campaign, "branch_id": b2, "participants": -1},
    }
    rule_bad = {
        "type": "PlanApproved",
        "occurred_on": TODAY.isoformat(),
        "data": {"campaign_id": campaign, "branch_id": b2},
    }
    rejected = api.post("/api/v1/batches", {"items": [good, schema_bad]})
    assert rejected.status_code == 422
    errors = rejected.get_json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "items.1.data.participants")]
    rejected = api.post("/api/v1/batches", {"items": [good, rule_bad]})
    assert rejected.status_code == 422
    errors = rejected.get_json()["errors"]
    assert [(e["index"], e["field"], e["rule"]) for e in errors] == [
        (1, "items.1.data.plan", "submitted_before_approval")
    ]
    work = f"/api/v1/campaigns/{campaign}/branches/{b1}"
    assert api.get(work).status_code == 404  # nothing of the batch was stored

    second = dict(good, data=dict(good["data"], branch_id=b2))
    counted = stored_total(api, "MobilizationMeetingHeld")
    stored = api.post("/api/v1/batches", {"items": [good, second]}, **{"Idempotency-Key": "k1"})
    assert stored.status_code == 201, stored.get_json()
    assert stored_total(api, "MobilizationMeetingHeld") == counted + 2
    items = stored.get_json()["items"]
    assert [i["location"] for i in items] == [work, f"/api/v1/campaigns/{campaign}/branches/{b2}"]
    replay = api.post("/api/v1/batches", {"items": [good, second]}, **{"Idempotency-Key": "k1"})
    assert replay.status_code == 201
    assert replay.get_json() == stored.get_json()
    assert stored_total(api, "MobilizationMeetingHeld") == counted + 2  # a replay stores none
    assert len([e for e in history(api, work) if e["type"] == "MobilizationMeetingHeld"]) == 1


def test_history_filters_and_correction_links_and_state_as_of(api: Api) -> None:
    path = work_path(api)
    held = api.ok(api.event(path, "MobilizationMeetingHeld", meeting(10), who="integrator_b1"))
    between = datetime.now(UTC)
    api.ok(
        api.event(
            path,
            "FactCorrected",
            {"corrects": held["event_id"], "reason": "数错了", "changes": {"participants": 11}},
        )
    )
    work = path.removesuffix("/events")
    events = history(api, work)
    assert [e["type"] for e in events] == [
        "BranchWorkOpened",
        "MobilizationMeetingHeld",
        "FactCorrected",
    ]
    assert events[2]["corrects"] == held["event_id"]
    assert events[2]["actor"] == "admin"
    assert [e["type"] for e in history(api, work, query="?actor=integrator_b1")] == [
        "BranchWorkOpened",
        "MobilizationMeetingHeld",
    ]
    assert [e["type"] for e in history(api, work, query="?types=FactCorrected")] == [
        "FactCorrected"
    ]
    until = between.isoformat().replace("+00:00", "Z")
    assert len(history(api, work, query=f"?until={until}")) == 2
    page = api.get(f"{work}/history?limit=2").get_json()
    assert len(page["items"]) == 2 and page["next"] == "2"
    rest = api.get(f"{work}/history?limit=2&after={page['next']}").get_json()
    assert [e["version"] for e in rest["items"]] == [3] and rest["next"] is None
    # The store is read a page at a time (limit + 1): a filter reaches past the first page.
    late = api.get(f"{work}/history?limit=1&types=FactCorrected").get_json()
    assert [e["version"] for e in late["items"]] == [3] and late["next"] is None
    first = api.get(f"{work}/history?limit=1&actor=integrator_b1").get_json()
    assert [e["version"] for e in first["items"]] == [1] and first["next"] == "1"

    now = api.get(work).get_json()
    assert now["facts"][0]["data"]["participants"] == 11
    before = api.get(f"{work}?version=2")
    assert before.headers["ETag"] == '"2"'
    assert before.get_json()["facts"][0]["data"]["participants"] == 10
    as_of = api.get(f"{work}?known_at={until}").get_json()
    assert as_of["version"] == 2 and as_of["current_version"] == 3
    assert api.get(f"{work}?version=9").status_code == 404


def test_feed_follows_the_log_without_receipts(api: Api) -> None:
    first = api.get("/api/v1/feed?limit=500").get_json()
    head = first["last_position"]
    api.ok(
        api.event(
            work_path(api),
            "MobilizationMeetingHeld",
            meeting(),
            who="integrator_b1",
            client_event_id=new_id(),
        )
    )
    page = api.get(f"/api/v1/feed?after={head}").get_json()
    assert [i["type"] for i in page["items"]] == ["BranchWorkOpened", "MobilizationMeetingHeld"]
    assert all(i["position"] > head for i in page["items"])
    only = api.get(f"/api/v1/feed?after={head}&types=MobilizationMeetingHeld").get_json()
    assert [i["type"] for i in only["items"]] == ["MobilizationMeetingHeld"]
    registered = api.get("/api/v1/feed?types=DistrictRegistered").get_json()
    assert len(registered["items"]) == 2
    # An office sees its own district's events only.
    other = api.get("/api/v1/feed?limit=500", "office_other").get_json()
    kinds = {i["aggregate_id"] for i in other["items"]}
    assert str(api.ids["other_district"]) in kinds and str(api.ids["district"]) not in kinds
