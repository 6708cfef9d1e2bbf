"""The office's accounts page (issue 18: accounts the office creates that hold a token): its
forms create, reset and disable through the API's own checks, each needs the session's CSRF
token, and no other role reaches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from taizhang.config import Settings
from tests.api.conftest import Api, make_api
from tests.pages.world import add_facts, csrf_of, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture
def world(settings: Settings) -> Iterator[Api]:
    for api in make_api(settings):
        add_facts(api)
        yield api


def office(api: Api) -> Any:
    client = api.app.test_client()
    assert sign_in(client, api.tokens["office"]).status_code == 303
    return client


def new_account(client: Any, **fields: Any) -> Any:
    page = client.get("/pages/accounts")
    data = {
        "csrf_token": csrf_of(page.text),
        "login": "sv-0002",
        "password": PASSWORD,
        "role": "supervisor",
        "reason": "",
        **fields,
    }
    return client.post("/pages/accounts", data=data)


def account_id(api: Api, login: str) -> str:
    items = api.get("/api/v1/accounts", "office").get_json()["items"]
    return str(next(a["id"] for a in items if a["login"] == login))


def test_the_office_creates_an_account_on_the_page_and_it_signs_in(world: Api) -> None:
    api = world
    client = office(api)
    made = new_account(client, committee_ids=str(api.ids["c1"]))
    assert made.status_code == 303 and "done=created" in made.headers["Location"]
    page = client.get(made.headers["Location"])
    assert 'id="account-sv-0002"' in page.text and PASSWORD not in page.text
    assert "市桥街道党工委" in page.text  # its committee, by name
    # The person signs in with the login and password, and lands on the committee.
    person = api.app.test_client()
    csrf = csrf_of(person.get("/pages/signin").text)
    signed = person.post(
        "/pages/signin", data={"csrf_token": csrf, "login": "sv-0002", "password": PASSWORD}
    )
    assert signed.status_code == 303
    assert f"/committees/{api.ids['c1']}" in person.get("/").headers["Location"]
    # The office's name is kept as who made it.
    assert re.search(r"<td>开设</td><td>sv-0002</td><td>office</td>", page.text)


def test_bad_input_shows_the_api_s_field_errors_and_creates_nothing(world: Api) -> None:
    api = world
    client = office(api)
    short = new_account(client, password="short")
    assert short.status_code == 422 and "<code>password</code>" in short.text
    other = new_account(client, branch_ids=f"{api.ids['b3']}")
    assert other.status_code == 404 and "<code>branch_id</code>" in other.text
    assert api.get("/api/v1/accounts", "office").get_json()["items"] == []


def test_reset_and_disable_on_the_page(world: Api) -> None:
    api = world
    client = office(api)
    new_account(client)
    ident = account_id(api, "sv-0002")
    page = client.get("/pages/accounts")
    reset = client.post(
        f"/pages/accounts/{ident}/password",
        data={"csrf_token": csrf_of(page.text), "password": "another long password"},
    )
    assert reset.status_code == 303 and "done=reset" in reset.headers["Location"]
    disabled = client.post(
        f"/pages/accounts/{ident}/disable", data={"csrf_token": csrf_of(page.text)}
    )
    assert disabled.status_code == 303
    listed = api.get("/api/v1/accounts", "office").get_json()["items"]
    assert listed[0]["disabled_by"] == "office"
    assert "停用" in client.get("/pages/accounts").text


def test_every_form_needs_the_session_s_csrf_token(world: Api) -> None:
    api = world
    client = office(api)
    new_account(client)
    ident = account_id(api, "sv-0002")
    for path, data in (
        ("/pages/accounts", {"login": "sv-0003", "password": PASSWORD, "role": "supervisor"}),
        (f"/pages/accounts/{ident}/disable", {}),
        (f"/pages/accounts/{ident}/password", {"password": "another long password"}),
    ):
        assert client.post(path, data=data).status_code == 400
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    listed = api.get("/api/v1/accounts", "office").get_json()["items"]
    assert [(a["login"], a["disabled_at"]) for a in listed] == [("sv-0002", None)]


@pytest.mark.parametrize("who", ["supervisor_district", "committee_c1", "integrator_b1"])
def test_no_other_role_reaches_the_accounts_page(world: Api, who: str) -> None:
    api = world
    client = api.app.test_client()
    sign_in(client, api.tokens[who])
    assert client.get("/pages/accounts").status_code == 404
    page = client.get(client.get("/").headers["Location"])
    assert "nav-accounts" not in page.text
    answer = client.post(
        "/pages/accounts",
        data={"csrf_token": csrf_of(page.text), "login": "sv-0009", "password": PASSWORD},
    )
    assert answer.status_code in (403, 404)
    assert api.get("/api/v1/accounts", "office").get_json()["items"] == []
