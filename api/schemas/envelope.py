"""The envelope of a posting and of a batch; the data inside is checked per event type."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import fields, validate

from taizhang.api.schemas.event_fields import Strict
from taizhang.service import MAX_BATCH

CLIENT_EVENT_ID = validate.Length(min=1, max=200)


class PostingSchema(Strict):
    type = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the event type; implied by registration endpoints"},
    )
    occurred_on = fields.Date(
        required=True, metadata={"description": "business date: when it happened (YYYY-MM-DD)"}
    )
    client_event_id = fields.String(
        validate=CLIENT_EVENT_ID,
        metadata={"description": "the integrator's id; a retry with it returns the first answer"},
    )
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the event's fields; see the event type's schema"},
    )


class BatchSchema(Strict):
    items = fields.List(
        fields.Raw(metadata={"type": "object"}),
        required=True,
        validate=validate.Length(min=1, max=MAX_BATCH),
        metadata={"description": "postings, each with its type, ids in data, and data"},
    )


_ENVELOPE_FIELDS = frozenset({"type", "occurred_on", "client_event_id", "data"})


def plain_envelope(body: Any) -> dict[str, Any] | None:
    """``PostingSchema().load(body)`` for the plain well-formed envelope, or None.

    A batch loads a thousand envelopes, and marshmallow's general machinery cost more than
    the rest of an item's work. Anything this does not recognise as plainly valid (None)
    goes through the schema, which says what is wrong; what it accepts, the schema accepts
    with the same result.
    """
    if type(body) is not dict or not body.keys() <= _ENVELOPE_FIELDS:
        return None
    occurred_on, data = body.get("occurred_on"), body.get("data")
    if type(occurred_on) is not str or len(occurred_on) != 10 or type(data) is not dict:
        return None
    try:
        day = date.fromisoformat(occurred_on)
    except ValueError:
        return None
    loaded: dict[str, Any] = {"occurred_on": day}
    for name, longest in (("type", 100), ("client_event_id", 200)):
        if name in body:
            value = body[name]
            if type(value) is not str or not 1 <= len(value) <= longest:
                return None
            loaded[name] = value
    if not all(type(key) is str for key in data):
        return None
    loaded["data"] = dict(data)
    return loaded
