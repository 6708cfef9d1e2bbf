"""Accounts the campaign office makes (issue 18: "Sign in with a token once (or an account the
office creates that holds one)"): created, listed, disabled and reset over the API within the
office's own scope, signing in to the pages with login and password, locking after failures,
and every change kept with who made it. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from taizhang.api.account_store import FAILURES_TO_LOCK
from tests.api.conftest import Api
from tests.api.test_views import catch_up
from tests.pages.world import csrf_of

PASSWORD = "correct horse battery"
ACCOUNTS = "/api/v1/accounts"


def create(api: Api, who: str = "office", **body: Any) -> Any:
    body = {"login": "sv-0001", "password": PASSWORD, "role": "supervisor", **body}
    return api.post(ACCOUNTS, body, who)


def page_sign_in(api: Api, login: str, password: str) -> tuple[Any, Any]:
    client = api.app.test_client()
    csrf = csrf_of(client.get("/pages/signin").text)
    answer = client.post(
        "/pages/signin", data={"login": login, "password": password, "csrf_token": csrf}
    )
    return client, answer


def signed_in(client: Any) -> bool:
    return not client.get("/").headers["Location"].endswith("/pages/signin")


def test_the_office_creates_an_account_that_signs_in_with_its_scope(api: Api) -> None:
    made = create(api, committee_ids=[str(api.ids["c1"])], reason="督导组成员")
    assert made.status_code == 201, made.get_json()
    account = made.get_json()
    assert account["login"] == "sv-0001" and account["role"] == "supervisor"
    assert account["committee_ids"] == [str(api.ids["c1"])]
    assert account["created_by"] == "office" and account["disabled_at"] is None
    assert PASSWORD not in made.text and "hash" not in made.text
    listed = api.get(ACCOUNTS, "office").get_json()["items"]
    assert [a["login"] for a in listed] == ["sv-0001"]
    # The account's session holds its token: the pages show what that scope reaches.
    catch_up(api)
    client, answer = page_sign_in(api, "sv-0001", PASSWORD)
    assert answer.status_code == 303
    landing = client.get("/").headers["Location"]
    assert f"/committees/{api.ids['c1']}" in landing
    assert client.get(landing).status_code == 200
    other = f"/pages/campaigns/{api.ids['campaign']}/committees/{api.ids['c2']}"
    assert client.get(other).status_code == 404
    # Who made it comes from the credential, in the account's and the token's history.
    history = api.get(ACCOUNTS + "/history", "office").get_json()["items"]
    assert [(h["action"], h["login"], h["actor"], h["reason"]) for h in history] == [
        ("created", "sv-0001", "office", "督导组成员")
    ]
    tokens = api.app.extensions["taizhang"].tokens.history()
    assert ("created", "sv-0001", "office") in [
        (t["action"], t["token_name"], t["actor"]) for t in tokens
    ]


def test_only_the_office_manages_accounts_and_only_in_its_district(api: Api) -> None:
    account = create(api).get_json()
    for who in ("supervisor_district", "committee_c1", "integrator_b1", "admin"):
        assert api.get(ACCOUNTS, who).status_code == 403
        refused = create(api, who, login="other-01")
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    # Another district's office neither sees nor changes it.
    assert api.get(ACCOUNTS, "office_other").get_json()["items"] == []
    path = f"{ACCOUNTS}/{account['id']}"
    assert api.post(path + "/disable", {}, "office_other").status_code == 404
    reset = api.post(path + "/password", {"password": "another long one"}, "office_other")
    assert reset.status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "field", "rule"),
    [
        ({"role": "admin"}, 422, "role", "one_of"),
        ({"password": "short"}, 422, "password", "length"),
        ({"login": "张三"}, 422, "login", "pattern"),
        ({"login": "x"}, 422, "login", "pattern"),
        ({"owner": "P000101"}, 422, "owner", "unknown_field"),
        ({"role": "committee"}, 422, "committee_ids", "required"),
        ({"role": "office", "committee_ids": "C1"}, 422, "role", "whole_scope"),
        ({"committee_ids": "C3"}, 404, "committee_id", "exists"),
        ({"branch_ids": "B3"}, 404, "branch_id", "exists"),
        ({"group_id": "C1"}, 404, "group_id", "exists"),
    ],
)
def test_bad_input_is_a_problem_naming_field_and_rule_and_writes_nothing(
    api: Api, body: dict[str, Any], status: int, field: str, rule: str
) -> None:
    """Ids in the body are checked like ids in a URL: a committee of another district (C3), a
    branch of another district (B3) or a committee given as a group (C1) is not found."""
    ids = {"C1": str(api.ids["c1"]), "C3": str(api.ids["c3"]), "B3": str(api.ids["b3"])}
    for key in ("committee_ids", "branch_ids"):
        if isinstance(body.get(key), str):
            body = {**body, key: [ids[body[key]]]}
    if body.get("group_id") in ids:
        body = {**body, "group_id": ids[body["group_id"]]}
    answer = create(api, **body)
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    errors = answer.get_json()["errors"]
    assert (errors[0]["field"], errors[0]["rule"]) == (field, rule), errors
    assert api.get(ACCOUNTS, "office").get_json()["items"] == []
    assert api.get(ACCOUNTS + "/history", "office").get_json()["items"] == []


def test_a_login_is_taken_once(api: Api) -> None:
    assert create(api).status_code == 201
    again = create(api, password="a different password")
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["rule"] == "unique"
    # A token's name is an actor too: an account may not take it.
    taken = create(api, login="supervisor_c1")
    assert taken.status_code == 422 and taken.get_json()["errors"][0]["field"] == "login"


def test_disabling_an_account_ends_its_sessions_and_sign_ins(api: Api) -> None:
    account = create(api).get_json()
    client, _ = page_sign_in(api, "sv-0001", PASSWORD)
    assert signed_in(client)
    disabled = api.post(f"{ACCOUNTS}/{account['id']}/disable", {"reason": "调离"}, "office")
    assert disabled.status_code == 200
    assert disabled.get_json()["disabled_by"] == "office"
    assert not signed_in(client)
    _, again = page_sign_in(api, "sv-0001", PASSWORD)
    assert again.status_code == 401
    # The token it held is revoked, and both histories say who did it.
    tokens = api.app.extensions["taizhang"].tokens.history()
    assert ("revoked", "sv-0001", "office") in [
        (t["action"], t["token_name"], t["actor"]) for t in tokens
    ]
    actions = [h["action"] for h in api.get(ACCOUNTS + "/history", "office").get_json()["items"]]
    assert actions == ["created", "disabled"]
    # A disabled account stays disabled: no new password brings it back.
    reset = api.post(f"{ACCOUNTS}/{account['id']}/password", {"password": "x" * 12}, "office")
    assert reset.status_code == 422


def test_a_password_reset_ends_sessions_signed_in_with_the_old_one(api: Api) -> None:
    account = create(api).get_json()
    client, _ = page_sign_in(api, "sv-0001", PASSWORD)
    assert signed_in(client)
    new = "a new password of ours"
    reset = api.post(f"{ACCOUNTS}/{account['id']}/password", {"password": new}, "office")
    assert reset.status_code == 200 and new not in reset.text
    assert not signed_in(client)
    assert page_sign_in(api, "sv-0001", PASSWORD)[1].status_code == 401
    client, answer = page_sign_in(api, "sv-0001", new)
    assert answer.status_code == 303 and signed_in(client)


def test_failed_sign_ins_lock_the_account_and_never_say_whether_it_exists(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = create(api).get_json()
    unknown = page_sign_in(api, "nobody-here", "whatever it is")[1]
    for _ in range(FAILURES_TO_LOCK):
        wrong = page_sign_in(api, "sv-0001", "not the password")[1]
        assert wrong.status_code == 401
        assert wrong.text == unknown.text.replace(*_csrf_pair(unknown.text, wrong.text))
    # Locked: the right password is refused, with the same answer.
    locked = page_sign_in(api, "sv-0001", PASSWORD)[1]
    assert locked.status_code == 401 and "account-failed" in locked.text
    listed = api.get(ACCOUNTS, "office").get_json()["items"]
    assert listed[0]["locked"] is True
    history = api.get(ACCOUNTS + "/history", "office").get_json()["items"]
    assert [(h["action"], h["actor"]) for h in history][-1] == ("locked", "sign-in")
    # The office's reset lifts the lock.
    api.post(f"{ACCOUNTS}/{account['id']}/password", {"password": PASSWORD + "!"}, "office")
    assert page_sign_in(api, "sv-0001", PASSWORD + "!")[1].status_code == 303
    assert PASSWORD not in caplog.text and "not the password" not in caplog.text


def _csrf_pair(one: str, other: str) -> tuple[str, str]:
    """The two pages differ only in their sessions' CSRF tokens."""
    return csrf_of(one), csrf_of(other)


def test_the_document_describes_the_accounts_operations(api: Api) -> None:
    document = api.get("/openapi.json", None).get_json()
    create_op = document["paths"]["/api/v1/accounts"]["post"]
    body = create_op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AccountCreate"}
    assert "201" in create_op["responses"] and "default" in create_op["responses"]
    schema = document["components"]["schemas"]["AccountCreate"]
    assert schema["properties"]["password"]["minLength"] == 12
    assert "password" not in document["components"]["schemas"]["Account"]["properties"]
    for path in ("/api/v1/accounts/{account_id}/disable", "/api/v1/accounts/{account_id}/password"):
        assert "post" in document["paths"][path]
