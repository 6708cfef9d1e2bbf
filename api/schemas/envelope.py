"""The envelope of a posting and of a batch; the data inside is checked per event type."""

from __future__ import annotations

from marshmallow import fields, validate

from api.schemas.events import Strict
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
