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


def _served(tmp: Path) -> tuple[Api, Iterator[Api]]:
    settings_ = Settings.from_env(
        {"TAIZHANG_DATABASE_URL": f"sqlite:///{tmp}/st.sqlite", "TAIZHANG_DATA_DIR": str(tmp)}
    )
    made = served_api(settings_)
    return next(made), made


_TMP = Path(__import__("tempfile").mkdtemp(prefix="taizhang-schemathesis-"))
_API, _KEEP = _served(_TMP)
APP, TOKEN = _API.app, _API.tokens["admin"]
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


# Issue 16's findings, put to every operation of the document that takes them: cursors that
# are base64 of anything else, a knowledge time with no UTC equivalent, a date at the edge of
# the calendar, and posted text that cannot be stored (lone surrogates, NUL).
_ODD_QUERY = {
    "after": ["e30=", "Ingi", "WzEsMl0=", "MWU5OTk=", "%%%"],
    "known_at": ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
    "as_of": ["0001-01-01", "9999-12-31"],
}
_ODD_TEXT = ["a\ud800b", "\udfff", "a\x00b"]


def _path_parameters(operation: object) -> dict[str, str]:
    ids = _API.ids
    known = {
        "campaign_id": ids["campaign"],
        "branch_id": ids["b1"],
        "district_id": ids["district"],
        "committee_id": ids["c1"],
        "group_id": ids["group"],
    }
    return {p.name: str(known.get(p.name, ids["b1"])) for p in operation.path_parameters}  # type: ignore[attr-defined]


def _odd_cases() -> list[schemathesis.Case]:
    cases = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.query}
        for name, values in _ODD_QUERY.items():
            if name in names:
                for value in values:
                    cases.append(
                        operation.Case(
                            path_parameters=_path_parameters(operation),
                            query={name: value},
                        )
                    )
        if operation.method.upper() == "POST" and operation.body:
            for text in _ODD_TEXT:
                cases.append(
                    operation.Case(
                        path_parameters=_path_parameters(operation),
                        body={"type": "ProblemListed", "occurred_on": "2026-01-01",
                              "data": {"description": text, text: 1}},
                        media_type="application/json",
                    )
                )  # fmt: skip
    return cases


def test_issue_16_inputs_on_every_operation_that_takes_them() -> None:
    """Issue 16 finding 8 ("500s on bad input: a timeline cursor that is base64 of anything
    else, ``known_on=0001-01-01T00:00:00+14:00``, lone surrogates"), asked of the whole
    document: every such request is answered as the document says, never with a 5xx."""
    cases = _odd_cases()
    assert len(cases) > 20
    for case in cases:
        case.headers = {"Authorization": f"Bearer {TOKEN}"}
        response = case.call()
        assert response.status_code < 500, (case.operation.label, case.query, response.text)
        case.validate_response(response, checks=(not_a_server_error, content_type_conformance))
