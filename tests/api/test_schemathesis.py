"""Property-based run of schemathesis against /openapi.json (SQLite, bounded examples):
every operation of the document, no 5xx, and every response matches the document. The
stateful run, which follows the document's links, is test_schemathesis_stateful.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from taizhang.config import Settings
from tests.api.conftest import Api
from tests.api.served import served_api

pytestmark = pytest.mark.slow


def _app_and_token(tmp: Path) -> tuple[object, str, Iterator[Api]]:
    settings_ = Settings.from_env(
        {"TAIZHANG_DATABASE_URL": f"sqlite:///{tmp}/st.sqlite", "TAIZHANG_DATA_DIR": str(tmp)}
    )
    made = served_api(settings_)
    api = next(made)
    return api.app, api.tokens["admin"], made


_TMP = Path(__import__("tempfile").mkdtemp(prefix="taizhang-schemathesis-"))
APP, TOKEN, _KEEP = _app_and_token(_TMP)
schema = schemathesis.openapi.from_wsgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_document(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    response = case.call()
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
