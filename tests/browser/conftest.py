"""Browser tests: skipped only where Chromium is absent and CI is not set (under CI a
missing browser fails them: .ci/run installs it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from taizhang.config import Settings
from tests.api.conftest import Api, make_api
from tests.browser.chrome import chromium_missing, driver, serving
from tests.conftest import sqlite_env
from tests.pages.world import add_facts


@pytest.fixture(scope="module")
def browser_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Any, str]]:
    missing = chromium_missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need Chromium under CI: {missing}")
        pytest.skip(missing)
    path = tmp_path_factory.mktemp("browser")
    settings = Settings.from_env(sqlite_env(path))
    for api in make_api(settings):
        facts = add_facts(api)
        with serving(api.app) as base:
            yield api, facts, base


@pytest.fixture
def browser(browser_world: Any, tmp_path: Any) -> Iterator[Any]:
    found = driver(downloads=tmp_path)
    try:
        yield found
    finally:
        found.quit()
