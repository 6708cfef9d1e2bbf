"""Every error status is a problem+json document naming the field and the rule (SQLite)."""

from __future__ import annotations

import psycopg
import pytest

from tests.api.conftest import TODAY, Api

PROBLEM = "application/problem+json"


def work(api: Api) -> str:
    return f"/api/v1/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}/events"


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance"} <= set(body)
    return body


def test_malformed_json_is_400(sqlite_api: Api) -> None:
    r = sqlite_api.client.post(
        work(sqlite_api),
        data=b'{"type": ',
        headers=sqlite_api.headers("admin", **{"Content-Type": "application/json"}),
    )
    assert assert_problem(r, 400)["errors"][0]["field"] == "body"


def test_wrong_content_type_is_415(sqlite_api: Api) -> None:
    r = sqlite_api.client.post(work(sqlite_api), data="type=x", headers=sqlite_api.headers("admin"))
    assert assert_problem(r, 415)["errors"][0]["field"] == "Content-Type"


def test_too_large_is_413(sqlite_api: Api) -> None:
    big = b'{"x": "' + b"a" * (6 * 1024 * 1024) + b'"}'
    r = sqlite_api.client.post(
        "/api/v1/batches",
        data=big,
        headers=sqlite_api.headers("admin", **{"Content-Type": "application/json"}),
    )
    assert_problem(r, 413)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic abc", "Bearer not-a-token"],
)
def test_missing_or_unknown_token_is_401(sqlite_api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    r = sqlite_api.client.get(f"/api/v1/branches/{sqlite_api.ids['b1']}", headers=headers)
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_401(sqlite_api: Api) -> None:
    path = f"/api/v1/branches/{sqlite_api.ids['b1']}"
    assert sqlite_api.get(path, "office").status_code == 200
    sqlite_api.app.extensions["taizhang"].tokens.revoke("office")
    assert_problem(sqlite_api.get(path, "office"), 401)


def test_unknown_resource_and_route_are_404_and_wrong_method_405(sqlite_api: Api) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    body = assert_problem(sqlite_api.get(f"/api/v1/branches/{missing}"), 404)
    assert body["errors"][0]["field"] == "branch_id"
    assert_problem(sqlite_api.get("/api/v1/nothing-here"), 404)
    assert_problem(sqlite_api.get("/api/v1/branches/not-a-uuid"), 404)
    r = sqlite_api.client.delete(
        f"/api/v1/branches/{sqlite_api.ids['b1']}", headers=sqlite_api.headers("admin")
    )
    assert "GET" in assert_problem(r, 405)["detail"] or "GET" in r.headers["Allow"]
    posted = sqlite_api.event(
        f"/api/v1/branches/{missing}/events", "EmployeesCounted", {"employees": 3}
    )
    assert assert_problem(posted, 404)["errors"][0]["field"] == "branch_id"


def test_schema_errors_are_422_with_the_path_of_every_bad_field(sqlite_api: Api) -> None:
    r = sqlite_api.post(
        work(sqlite_api),
        {
            "type": "OrganizationalLifeMeetingHeld",
            "occurred_on": "2014-13-40",
            "data": {
                "participants": "many",
                "self_examination": 1,
                "members_evaluated": -2,
                "surprise": True,
            },
        },
    )
    errors = assert_problem(r, 422)["errors"]
    assert {e["field"] for e in errors} == {"occurred_on"}
    r = sqlite_api.event(
        work(sqlite_api),
        "OrganizationalLifeMeetingHeld",
        {"participants": "many", "self_examination": 1, "members_evaluated": -2, "surprise": 1},
    )
    errors = assert_problem(r, 422)["errors"]
    by_field = {e["field"]: e["rule"] for e in errors}
    assert by_field == {
        "data.participants": "type",
        "data.self_examination": "type",
        "data.criticism": "required",
        "data.members_evaluated": "range",
        "data.surprise": "unknown_field",
    }
    r = sqlite_api.event(work(sqlite_api), "OpinionsCollected", {"count": 3, "sources": ["aliens"]})
    assert assert_problem(r, 422)["errors"][0] == {
        "field": "data.sources.0",
        "rule": "one_of",
        "message": r.get_json()["errors"][0]["message"],
    }


def test_type_must_be_known_and_belong_to_the_resource(sqlite_api: Api) -> None:
    r = sqlite_api.event(work(sqlite_api), "NoSuchThing", {})
    assert assert_problem(r, 422)["errors"][0]["rule"] == "known_event_type"
    r = sqlite_api.event(work(sqlite_api), "EmployeesCounted", {"employees": 3})
    assert assert_problem(r, 422)["errors"][0]["rule"] == "allowed_here"
    r = sqlite_api.post(work(sqlite_api), {"occurred_on": TODAY.isoformat(), "data": {}})
    assert assert_problem(r, 422)["errors"][0] == {
        "field": "type",
        "rule": "required",
        "message": "Missing data for required field.",
    }


def test_url_ids_win_and_a_differing_body_id_is_refused(sqlite_api: Api) -> None:
    r = sqlite_api.event(
        work(sqlite_api),
        "OptionalActionRecorded",
        {"title": "x", "branch_id": str(sqlite_api.ids["b2"])},
    )
    assert assert_problem(r, 422)["errors"][0]["rule"] == "matches_url"


def test_domain_errors_map_by_class(sqlite_api: Api) -> None:
    # RuleViolation: the state forbids it now → 409
    r = sqlite_api.event(work(sqlite_api), "PlanApproved", {})
    body = assert_problem(r, 409)
    assert body["errors"][0]["field"] == "data.plan"
    assert body["errors"][0]["rule"] == "submitted_before_approval"
    # InvalidValue: a value out of range → 422
    r = sqlite_api.event(
        work(sqlite_api), "ConflictScreeningDone", {"disputes_found": 1, "disputes_resolved": 2}
    )
    assert assert_problem(r, 422)["errors"][0]["rule"] == "at_most_found"
    # a business date in the future → 422 on occurred_on
    r = sqlite_api.event(
        work(sqlite_api), "OptionalActionRecorded", {"title": "x"}, occurred_on="2999-01-01"
    )
    assert assert_problem(r, 422)["errors"][0]["field"] == "occurred_on"
    # a branch not enrolled in the campaign → 409
    other = f"/api/v1/campaigns/{sqlite_api.ids['campaign']}/branches/{sqlite_api.ids['b3']}"
    r = sqlite_api.event(other + "/events", "OptionalActionRecorded", {"title": "x"})
    assert r.status_code in (404, 409)


def test_bad_if_match_and_bad_query_values(sqlite_api: Api) -> None:
    r = sqlite_api.post(
        work(sqlite_api),
        {
            "type": "OptionalActionRecorded",
            "occurred_on": TODAY.isoformat(),
            "data": {"title": "x"},
        },
        **{"If-Match": "yesterday"},
    )
    assert assert_problem(r, 400)["errors"][0]["field"] == "If-Match"
    branch = f"/api/v1/branches/{sqlite_api.ids['b1']}"
    assert assert_problem(sqlite_api.get(f"{branch}?version=0"), 422)["errors"][0]["field"] == (
        "version"
    )
    assert assert_problem(sqlite_api.get(f"{branch}/history?limit=0"), 422)
    assert assert_problem(sqlite_api.get(f"{branch}/history?since=soon"), 422)
    assert assert_problem(sqlite_api.get(f"{branch}?colour=red"), 422)["errors"][0] == {
        "field": "colour",
        "rule": "unknown_field",
        "message": "Unknown field.",
    }
    assert assert_problem(sqlite_api.get("/api/v1/feed?types=Nope"), 422)


def test_database_unavailable_is_503_with_retry_after(
    sqlite_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(sqlite_api.app.extensions["taizhang"].service, "post", down)
    r = sqlite_api.event(work(sqlite_api), "OptionalActionRecorded", {"title": "x"})
    assert_problem(r, 503)
    assert r.headers["Retry-After"]


def test_unexpected_errors_are_500_without_internals(
    sqlite_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret table name and password")

    monkeypatch.setattr(sqlite_api.app.extensions["taizhang"].service, "post", broken)
    r = sqlite_api.event(work(sqlite_api), "OptionalActionRecorded", {"title": "x"})
    body = assert_problem(r, 500)
    assert "secret" not in r.get_data(as_text=True)
    assert body["title"] == "Internal server error"


def test_batch_limits_and_shape(sqlite_api: Api) -> None:
    assert (
        assert_problem(sqlite_api.post("/api/v1/batches", {"items": []}), 422)["errors"][0]["field"]
        == "items"
    )
    item = {"type": "OptionalActionRecorded", "occurred_on": TODAY.isoformat(), "data": {}}
    r = sqlite_api.post("/api/v1/batches", {"items": [item] * 1001})
    assert assert_problem(r, 422)["errors"][0]["rule"] == "length"
    r = sqlite_api.post("/api/v1/batches", {"items": [{"occurred_on": "x"}, 5]})
    errors = assert_problem(r, 422)["errors"]
    assert {e["index"] for e in errors} == {0, 1}
