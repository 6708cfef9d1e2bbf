"""The envelope's fast path agrees with the marshmallow schema it stands in for."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError

from taizhang.api.schemas.envelope import PostingSchema, plain_envelope

GOOD = {"type": "StudySessionHeld", "occurred_on": "2014-05-01", "data": {"topic": "党章"}}

CASES: list[Any] = [
    GOOD,
    {**GOOD, "client_event_id": "oa-1"},
    {"occurred_on": "2014-05-01", "data": {}},
    {**GOOD, "client_event_id": ""},
    {**GOOD, "client_event_id": "x" * 201},
    {**GOOD, "client_event_id": "x" * 200},
    {**GOOD, "client_event_id": None},
    {**GOOD, "client_event_id": 7},
    {**GOOD, "type": ""},
    {**GOOD, "type": "T" * 101},
    {**GOOD, "type": None},
    {**GOOD, "occurred_on": "2014-02-30"},
    {**GOOD, "occurred_on": "20140501"},
    {**GOOD, "occurred_on": "2014-W18-4"},
    {**GOOD, "occurred_on": "2014-05-01T00:00:00"},
    {**GOOD, "occurred_on": 20140501},
    {**GOOD, "occurred_on": None},
    {**GOOD, "data": []},
    {**GOOD, "data": None},
    {**GOOD, "data": {"nested": {"a": [1, 2]}}},
    {**GOOD, "extra": 1},
    {"type": "X", "data": {}},
    {"type": "X", "occurred_on": "2014-05-01"},
    [],
    "text",
    None,
]


@pytest.mark.parametrize("body", CASES)
def test_what_the_fast_path_accepts_the_schema_accepts_alike(body: Any) -> None:
    fast = plain_envelope(body)
    try:
        loaded = PostingSchema().load(body)
    except ValidationError:
        assert fast is None
        return
    assert fast is None or fast == loaded


def test_the_fast_path_takes_the_plain_envelope() -> None:
    assert plain_envelope({**GOOD, "client_event_id": "oa-1"}) is not None
    assert plain_envelope({"occurred_on": "2014-05-01", "data": {}}) is not None
