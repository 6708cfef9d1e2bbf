"""Debian's Chromium under selenium, and the app served on a free port in this process."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TAIZHANG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TAIZHANG_CHROMEDRIVER", "/usr/bin/chromedriver")
WIDTH, HEIGHT = 1366, 768


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) or shutil.which(path)):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


def driver(*, javascript: bool = False, downloads: Path | None = None) -> Any:
    """A headless Chromium at a laptop's size, in Chinese, JavaScript off unless asked."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=en-US",
        f"--window-size={WIDTH},{HEIGHT}",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    prefs: dict[str, Any] = {"intl.accept_languages": "zh-CN,zh"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    if downloads is not None:
        prefs.update(
            {
                "download.default_directory": str(downloads),
                "download.prompt_for_download": False,
                "safebrowsing.enabled": True,
            }
        )
    options.add_experimental_option("prefs", prefs)
    browser = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    if downloads is not None:
        browser.execute_cdp_cmd(
            "Browser.setDownloadBehavior",
            {"behavior": "allow", "downloadPath": str(downloads)},
        )
    browser.set_page_load_timeout(60)
    return browser


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
