"""An account the office creates, in a real Chromium with JavaScript off (issue 18: "Sign in
with a token once (or an account the office creates that holds one)"): the office makes it
on its accounts page, and the person signs in with login name and password and sees only
the scope the account holds."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.browser.test_browser import go, sign_in, wait
from tests.pages.world import B1_PROBLEM, B2_PROBLEM

LOGIN, PASSWORD = "sv-browser", "correct horse battery"


def submit(browser: Any, button: str) -> None:
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button).click()
    wait(browser).until(ec.staleness_of(old))


def test_the_office_makes_an_account_and_its_person_signs_in_with_it(
    browser_world: Any, browser: Any
) -> None:
    api, _, base = browser_world
    sign_in(browser, base, api.tokens["office"])
    go(browser, "账户管理")
    browser.find_element(By.ID, "new-login").send_keys(LOGIN)
    browser.find_element(By.ID, "new-password").send_keys(PASSWORD)
    Select(browser.find_element(By.ID, "new-role")).select_by_value("committee")
    Select(browser.find_element(By.ID, "new-committees")).select_by_value(str(api.ids["c1"]))
    submit(browser, "create-account")
    assert browser.find_element(By.ID, "done").text
    assert LOGIN in browser.find_element(By.ID, f"account-{LOGIN}").text
    submit(browser, "signout")
    # The person: a wrong password first, then the right one.
    browser.find_element(By.ID, "login").send_keys(LOGIN)
    browser.find_element(By.ID, "password").send_keys("not the password")
    submit(browser, "signin-account")
    assert browser.find_element(By.ID, "account-failed").text
    browser.find_element(By.ID, "login").send_keys(LOGIN)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser, "signin-account")
    assert f"/committees/{api.ids['c1']}" in browser.current_url
    assert LOGIN in browser.find_element(By.CLASS_NAME, "signed-in").text
    assert not browser.find_elements(By.ID, "nav-accounts")
    go(browser, "问题清单台账")
    ledger = browser.find_element(By.ID, "ledger").text
    assert B1_PROBLEM in ledger and B2_PROBLEM not in ledger
    submit(browser, "signout")
    wait(browser).until(ec.presence_of_element_located((By.ID, "login")))
    assert browser.current_url.endswith("/pages/signin")
