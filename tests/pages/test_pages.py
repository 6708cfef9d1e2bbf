"""The supervisors' pages through Flask's test client (issue 18): signing in, the cookie's
flags, CSRF, and that every page shows what the API shows the same token and nothing more."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taizhang.api.pages.session import COOKIE_NAME
from taizhang.commands.serve import pages_hint
from taizhang.config import Settings
from tests.api.conftest import Api, make_api
from tests.pages.world import B1_PROBLEM, B2_PROBLEM, add_facts, csrf_of, sign_in


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[Api, dict[str, Any]]]:
    for api in make_api(settings):
        yield api, add_facts(api)


def pages_of(api: Api, who: str) -> Any:
    client = api.app.test_client()
    answer = sign_in(client, api.tokens[who])
    assert answer.status_code == 303, answer.text
    return client


def landing(client: Any) -> str:
    answer = client.get("/")
    assert answer.status_code == 302
    location: str = answer.headers["Location"]
    return location


def test_root_sends_a_stranger_to_sign_in_and_the_api_still_answers_401(
    world: tuple[Api, Any],
) -> None:
    api, _ = world
    client = api.app.test_client()
    assert client.get("/").headers["Location"].endswith("/pages/signin")
    page = client.get(f"/pages/campaigns/{api.ids['campaign']}/problems")
    assert page.status_code == 302 and page.headers["Location"].endswith("/pages/signin")
    # The JSON API is unchanged: no session cookie reaches it, and a cookie does not sign in.
    signed = pages_of(api, "office")
    answer = signed.get("/api/v1/me")
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert "Set-Cookie" not in api.get("/api/v1/me", "office").headers


def test_the_session_cookie_is_httponly_lax_and_secure_over_tls(world: tuple[Api, Any]) -> None:
    api, _ = world
    plain = sign_in(api.app.test_client(), api.tokens["office"])
    cookie = plain.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # The cookie never holds the token.
    assert api.tokens["office"] not in cookie
    tls = sign_in(api.app.test_client(), api.tokens["office"], base_url="https://localhost")
    assert "Secure" in tls.headers["Set-Cookie"]


def test_a_missing_or_forged_csrf_token_is_refused(world: tuple[Api, Any]) -> None:
    api, _ = world
    client = api.app.test_client()
    client.get("/pages/signin")
    token = api.tokens["office"]
    assert client.post("/pages/signin", data={"token": token}).status_code == 400
    forged = client.post("/pages/signin", data={"token": token, "csrf_token": "forged"})
    assert forged.status_code == 400
    # Another session's CSRF token is refused too.
    other = api.app.test_client()
    theirs = csrf_of(other.get("/pages/signin").text)
    assert (
        client.post("/pages/signin", data={"token": token, "csrf_token": theirs}).status_code == 400
    )
    assert client.get("/").headers["Location"].endswith("/pages/signin")
    # Signing out needs it as well: a forged sign-out leaves the session alone.
    signed = pages_of(api, "office")
    assert signed.post("/pages/signout", data={"csrf_token": "forged"}).status_code == 400
    assert "/pages/campaigns/" in landing(signed)


def test_a_wrong_token_does_not_sign_in_and_sign_out_ends_the_session(
    world: tuple[Api, Any],
) -> None:
    api, _ = world
    client = api.app.test_client()
    refused = sign_in(client, "tz_not-a-token")
    assert refused.status_code == 401 and "令牌无效" in refused.text
    signed = pages_of(api, "office")
    page = signed.get(landing(signed))
    signed_out = signed.post("/pages/signout", data={"csrf_token": csrf_of(page.text)})
    assert signed_out.status_code == 303
    assert signed.get("/").headers["Location"].endswith("/pages/signin")


def test_revoking_the_token_signs_its_sessions_out(world: tuple[Api, Any]) -> None:
    api, _ = world
    signed = pages_of(api, "office")
    api.app.extensions["taizhang"].tokens.revoke("office", reason="test")
    assert signed.get("/").headers["Location"].endswith("/pages/signin")


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("office", "/districts/"),
        ("supervisor_district", "/districts/"),
        ("supervisor_group", "/groups/"),
        ("committee_c1", "/committees/"),
        ("integrator_b1", "/branches/"),
    ],
)
def test_each_role_lands_on_its_own_page(world: tuple[Api, Any], who: str, kind: str) -> None:
    api, _ = world
    client = pages_of(api, who)
    location = landing(client)
    assert kind in location
    assert client.get(location).status_code == 200


SEES_B2 = {"office": True, "supervisor_district": True, "supervisor_group": False,
           "committee_c1": False, "supervisor_c1": False, "integrator_b1": False}  # fmt: skip


@pytest.mark.parametrize("who", sorted(SEES_B2))
def test_pages_show_exactly_the_tokens_scope(world: tuple[Api, Any], who: str) -> None:
    """Every page a role can reach names b1's problem, and b2's only where the API
    shows that token b2."""
    api, _ = world
    client = pages_of(api, who)
    campaign = api.ids["campaign"]
    paths = [
        landing(client),
        f"/pages/campaigns/{campaign}/problems",
        f"/pages/campaigns/{campaign}/branches",
        f"/pages/campaigns/{campaign}/chase",
    ]
    api_ledger = api.get(f"/api/v1/campaigns/{campaign}/problems", who).get_json()["items"]
    assert any(p["description"] == B2_PROBLEM for p in api_ledger) is SEES_B2[who]
    ledger = client.get(paths[1]).text
    assert B1_PROBLEM in ledger
    assert (B2_PROBLEM in ledger) is SEES_B2[who]
    assert ("支部 b2" in client.get(paths[2]).text) is SEES_B2[who]
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, path
        if not SEES_B2[who]:
            assert "支部 b2" not in page.text and B2_PROBLEM not in page.text, path
        assert "支部 b3" not in page.text and "天河" not in page.text
    b2 = client.get(f"/pages/campaigns/{campaign}/branches/{api.ids['b2']}")
    assert b2.status_code == (200 if SEES_B2[who] else 404)
    if not SEES_B2[who]:
        assert B2_PROBLEM not in b2.text and "支部 b2" not in b2.text
    # Naming a part outside the scope in a filter is refused as the API refuses it.
    c2 = client.get(f"/pages/campaigns/{campaign}/problems?committee_id={api.ids['c2']}")
    assert c2.status_code == (200 if SEES_B2[who] else 404)


def test_a_part_of_the_district_cannot_open_the_district_overview(
    world: tuple[Api, Any],
) -> None:
    api, _ = world
    client = pages_of(api, "committee_c1")
    campaign, district = api.ids["campaign"], api.ids["district"]
    page = client.get(f"/pages/campaigns/{campaign}/districts/{district}")
    assert page.status_code == 403
    assert "支部 b2" not in page.text
    other = pages_of(api, "office_other")
    assert other.get(f"/pages/campaigns/{campaign}/districts/{district}").status_code == 404


def test_the_branch_page_links_a_correction_both_ways(world: tuple[Api, Any]) -> None:
    api, facts = world
    client = pages_of(api, "office")
    page = client.get(f"/pages/campaigns/{api.ids['campaign']}/branches/{api.ids['b1']}").text
    assert f'id="ev-{facts["held"]}"' in page and f'id="ev-{facts["correction"]}"' in page
    assert f'href="#ev-{facts["held"]}"' in page  # the correction names what it corrects
    assert f'href="#ev-{facts["correction"]}"' in page  # the corrected fact, its correction
    for column in ("记录人", "来源", "业务日期", "记录时间"):
        assert column in page
    assert "召开一次动员会议" in page and "已完成" in page
    assert "志愿服务队与服务承诺" in page and "督导检查" in page


def test_the_overview_draws_the_campaign_week_by_week(world: tuple[Api, Any]) -> None:
    """Issue 18: "the figures over the campaign as a line chart (done per phase by week)",
    drawn on the server: one line per phase, each point the API's figure for its week."""
    api, _ = world
    client = pages_of(api, "office")
    page = client.get(landing(client)).text
    svg = page[page.index('<svg class="chart weekly"') :]
    svg = svg[: svg.index("</svg>")]
    campaign, district = api.ids["campaign"], api.ids["district"]
    weekly = api.get(
        f"/api/v1/campaigns/{campaign}/districts/{district}/weekly-progress"
    ).get_json()
    assert len(weekly["phases"]) == 8 and weekly["weeks"]
    for phase in weekly["phases"]:
        assert f'data-line="{phase["key"]}"' in svg
        for week in weekly["weeks"]:
            assert f"{phase['name_zh']} {week['on']}: {week['done'][phase['key']]}<" in svg
    assert weekly["weeks"][-1]["done"]["mobilization_meeting"] == 1


def test_the_date_form_reaches_the_views(world: tuple[Api, Any]) -> None:
    api, _ = world
    client = pages_of(api, "office")
    location = landing(client)
    page = client.get(location + "?as_of=2020-01-01").text
    assert 'id="view-as-of">2020-01-01<' in page
    # A knowledge time without an offset is Beijing time, as the API takes it.
    known = client.get(location + "?known_at=2020-01-01T08:00")
    assert known.status_code in (200, 404, 503)


def test_english_on_a_switch_chinese_by_default(world: tuple[Api, Any]) -> None:
    api, _ = world
    client = pages_of(api, "office")
    location = landing(client)
    assert "环节" in client.get(location).text
    english = client.get(location + "?lang=en")
    assert "Mobilization meeting" in english.text and "lang=zh" in english.text
    assert "taizhang_lang=en" in english.headers["Set-Cookie"]
    assert "Committee ranking" in client.get(location).text  # kept by the cookie


def test_the_excel_download_is_the_apis_workbook(world: tuple[Api, Any]) -> None:
    api, _ = world
    client = pages_of(api, "committee_c1")
    campaign = api.ids["campaign"]
    ledger = client.get(f"/pages/campaigns/{campaign}/problems").text
    link = re.search(r'id="download" href="([^"]+)"', ledger)
    assert link
    workbook = client.get(link.group(1).replace("&amp;", "&"))
    assert workbook.status_code == 200
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    assert workbook.data[:2] == b"PK"


def test_pages_are_not_cached_or_framed(world: tuple[Api, Any]) -> None:
    api, _ = world
    client = pages_of(api, "office")
    page = client.get(landing(client))
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text
    css = client.get("/pages/static/print.css")
    assert css.status_code == 200 and b"@page" in css.data


def test_serve_first_names_the_pages_and_how_to_sign_in(sqlite_settings: Settings) -> None:
    args = argparse.Namespace(host=None, port=None)
    assert "http://127.0.0.1:8000/" in pages_hint(sqlite_settings, args)
    assert "taizhang token create" in pages_hint(sqlite_settings, args)
    tokens = Path(sqlite_settings.data_dir) / "demo-tokens.json"
    tokens.parent.mkdir(parents=True, exist_ok=True)
    tokens.write_text("{}")
    assert f"demo token from {tokens}" in pages_hint(sqlite_settings, args)
