"""Screenshots of the pages from the demo district, for docs/screenshots and the README.

    python -m tests.browser.screenshots [--branches N] [--out docs/screenshots]

Loads the demo (seed 2014) into a fresh SQLite database, projects it, serves the app on a
free port and signs in with the office's demo token in Chromium (a CJK font, e.g. Debian's
fonts-noto-cjk, draws the Chinese). Pages are read as of 2014-07-31, mid-campaign.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from taizhang.api import create_app
from taizhang.api.auth import TokenStore
from taizhang.config import Settings
from taizhang.demo import generate
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from taizhang.projections.worker import Worker
from tests.browser.chrome import WIDTH, driver, serving
from tests.conftest import sqlite_env

AS_OF = "2014-07-31"
TALLEST = 2400


def shoot(browser: Any, url: str, path: Path) -> None:
    browser.set_window_size(WIDTH, 768)
    browser.get(url)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(WIDTH, min(int(height) + 40, TALLEST))
    browser.save_screenshot(str(path))
    print(f"  {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=300)
    parser.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings.from_env(sqlite_env(Path(directory)))
        upgrade(settings)
        ledger = Ledger(settings)
        summary = generate(ledger, branches=args.branches, progress=False)
        worker = Worker(settings, ledger=ledger)
        worker.catch_up()
        worker.close()
        tokens = TokenStore(settings)
        token, _ = tokens.create("区委实践办 demo", "office", district_id=summary.district_id)
        tokens.close()
        app = create_app(settings, ledger=ledger)
        browser = driver(javascript=True)
        try:
            with serving(app) as base:
                browser.get(base + "/pages/signin")
                browser.find_element(By.ID, "token").send_keys(token)
                browser.find_element(By.ID, "signin").click()
                overview = browser.current_url
                shoot(browser, f"{overview}?as_of={AS_OF}", out / "overview.png")
                campaign = re.search(r"/campaigns/([^/]+)/", overview)
                assert campaign is not None, overview
                ledger_url = f"{base}/pages/campaigns/{campaign.group(1)}/problems?as_of={AS_OF}"
                shoot(browser, ledger_url, out / "ledger.png")
                link = browser.find_element(By.CLASS_NAME, "branch-link").get_attribute("href")
                shoot(browser, str(link), out / "branch.png")
        finally:
            browser.quit()
            app.extensions["taizhang"].close()
            ledger.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
