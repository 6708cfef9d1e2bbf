"""The supervisors' pages in a real Chromium with JavaScript off (issue 18): each role signs
in and sees only its scope, changes the date, follows a branch to its audit history,
downloads the Excel and signs out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.pages.world import B1_PROBLEM, B2_PROBLEM

WAIT = 30


def wait(browser: Any) -> WebDriverWait:
    return WebDriverWait(browser, WAIT)


def sign_in(browser: Any, base: str, token: str) -> None:
    browser.get(base + "/")
    wait(browser).until(ec.presence_of_element_located((By.ID, "token")))
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "signin").click()
    wait(browser).until(ec.presence_of_element_located((By.ID, "signout")))


def go(browser: Any, link_text: str) -> None:
    """Follow a navigation link and wait for the next page."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.LINK_TEXT, link_text).click()
    wait(browser).until(ec.staleness_of(old))


SCOPES = {
    # who: (landing page kind, sees b2)
    "office": ("/districts/", True),
    "supervisor_group": ("/groups/", False),
    "committee_c1": ("/committees/", False),
    "integrator_b1": ("/branches/", False),
}


@pytest.mark.parametrize("who", sorted(SCOPES))
def test_each_role_sees_only_its_scope(browser_world: Any, browser: Any, who: str) -> None:
    api, _, base = browser_world
    kind, sees_b2 = SCOPES[who]
    sign_in(browser, base, api.tokens[who])
    assert kind in browser.current_url
    assert "支部 b3" not in browser.page_source
    go(browser, "问题清单台账")
    ledger = browser.find_element(By.ID, "ledger").text
    assert B1_PROBLEM in ledger
    assert (B2_PROBLEM in ledger) is sees_b2
    go(browser, "支部")
    listed = browser.find_element(By.ID, "branch-list").text
    assert "支部 b1" in listed
    assert ("支部 b2" in listed) is sees_b2
    go(browser, "督办清单")
    if not sees_b2:
        assert "支部 b2" not in browser.page_source
        browser.get(f"{base}/pages/campaigns/{api.ids['campaign']}/branches/{api.ids['b2']}")
        assert "找不到，或不在您的权限范围内" in browser.page_source
        assert B2_PROBLEM not in browser.page_source


def test_change_the_date_follow_a_branch_to_its_audit_history_and_sign_out(
    browser_world: Any, browser: Any
) -> None:
    api, facts, base = browser_world
    sign_in(browser, base, api.tokens["office"])
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect[data-status]")
    # The business date: typed into the date field (month/day/year in an en-US browser).
    field = browser.find_element(By.ID, "as_of")
    field.send_keys("01022020")
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "show").click()
    wait(browser).until(ec.staleness_of(old))
    assert "as_of=2020-01-02" in browser.current_url
    assert browser.find_element(By.ID, "view-as-of").text == "2020-01-02"
    # The ledger, a branch, its audit history, a correction and what it corrects.
    go(browser, "问题清单台账")
    go(browser, "支部 b1")
    assert "支部 b1" in browser.find_element(By.ID, "title").text
    browser.find_element(By.ID, "to-audit").click()
    wait(browser).until(ec.url_contains("#audit"))
    audit = browser.find_element(By.ID, "audit-table").text
    for word in ("MobilizationMeetingHeld", "FactCorrected", "admin", "记录人", "来源"):
        assert word in audit
    correction = browser.find_element(By.ID, f"ev-{facts['correction']}")
    correction.find_element(By.CLASS_NAME, "link-corrects").click()
    wait(browser).until(ec.url_contains(f"#ev-{facts['held']}"))
    held = browser.find_element(By.ID, f"ev-{facts['held']}")
    assert held.find_element(By.CLASS_NAME, "link-corrected-by")
    # Sign out: the pages ask for a token again.
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, "signout").click()
    wait(browser).until(ec.staleness_of(old))
    wait(browser).until(ec.presence_of_element_located((By.ID, "token")))
    assert browser.current_url.endswith("/pages/signin")
    browser.get(f"{base}/pages/campaigns/{api.ids['campaign']}/problems")
    assert browser.current_url.endswith("/pages/signin")


def test_download_the_excel(browser_world: Any, browser: Any, tmp_path: Path) -> None:
    api, _, base = browser_world
    sign_in(browser, base, api.tokens["committee_c1"])
    go(browser, "问题清单台账")
    browser.find_element(By.ID, "download").click()
    target = tmp_path / "problem-ledger.xlsx"
    deadline = time.monotonic() + WAIT
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert target.exists(), list(tmp_path.iterdir())
    assert target.read_bytes()[:2] == b"PK"


def test_english_on_the_switch(browser_world: Any, browser: Any) -> None:
    api, _, base = browser_world
    sign_in(browser, base, api.tokens["office"])
    go(browser, "English")
    assert "Committee ranking" in browser.page_source
    assert "Mobilization meeting" in browser.page_source
    go(browser, "Problem ledger")
    assert "Problem ledger" in browser.find_element(By.ID, "title").text
