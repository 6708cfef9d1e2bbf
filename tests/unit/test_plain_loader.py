"""Each event type's plain data loader agrees with the marshmallow schema it stands in for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from taizhang.api.schemas.events import EVENT_SCHEMAS
from taizhang.api.schemas.plain import plain_loader

SCHEMAS = {name: cls() for name, cls in EVENT_SCHEMAS.items()}
LOADERS = {name: loader for name, s in SCHEMAS.items() if (loader := plain_loader(s)) is not None}
ID = "0f0e0d0c-0b0a-4908-8706-050403020100"

# Values near every rule a plain field checks: types JSON can send, empty and over-long
# text, ids in several spellings, true/false and numbers at and past their bounds.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1, 100, 101, 10_000_000, 10_000_001, 1.0, 1.5]),
    st.sampled_from(["", "x", "x" * 200, "x" * 201, "x" * 4000, "x" * 4001, "支部"]),
    st.sampled_from([ID, ID.upper(), ID.replace("-", ""), "{" + ID + "}", "not-a-uuid", "12"]),
    st.sampled_from(["yes", "true", "1"]),
    st.lists(st.just(ID), max_size=2),
    st.dictionaries(st.just("a"), st.just(1), max_size=1),
)


def _good(schema: Any) -> dict[str, Any]:
    """A value every field of the schema takes, to vary one field at a time."""
    data: dict[str, Any] = {}
    for name, field in schema.load_fields.items():
        if isinstance(field, fields.UUID):
            data[name] = ID
        elif isinstance(field, fields.Boolean):
            data[name] = True
        elif isinstance(field, fields.Integer):
            data[name] = 1
        else:
            choices = [getattr(v, "choices", None) for v in field.validators]
            data[name] = next((list(c)[0] for c in choices if c), "x")
    return data


def _agree(name: str, data: dict[str, Any]) -> None:
    plain = LOADERS[name](data)
    try:
        loaded = SCHEMAS[name].load(data)
    except ValidationError:
        assert plain is None, f"{name} plainly loaded what its schema refuses: {data}"
        return
    assert plain is None or plain == loaded
    assert plain is None or {k: type(v) for k, v in plain.items()} == {
        k: type(v) for k, v in loaded.items()
    }


def test_the_simple_schemas_have_plain_loaders() -> None:
    assert {"OptionalActionRecorded", "PlanSubmitted", "RectificationProgressed"} <= set(LOADERS)
    assert "CampaignDefined" not in LOADERS  # nested phases and hooks: always the schema


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_plainly_valid_data_is_loaded_plainly_and_alike(name: str) -> None:
    good = _good(SCHEMAS[name])
    assert LOADERS[name](good) is not None
    _agree(name, good)


@pytest.mark.parametrize("name", sorted(LOADERS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_one_field_changed_or_dropped_loads_alike(name: str, data: st.DataObject) -> None:
    good = _good(SCHEMAS[name])
    field = data.draw(st.sampled_from([*good, "unknown_field"]))
    changed = dict(good)
    if data.draw(st.booleans()) and field in changed:
        del changed[field]
    else:
        changed[field] = data.draw(VALUES)
    _agree(name, changed)
