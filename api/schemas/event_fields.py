"""The fields the event schemas are made of: strict types, bounded text, counts, ids and
vocabularies, each refusing what the domain could not hold."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    fields,
    validate,
)

from taizhang.domain.vocabulary import (
    Labelled,
)

TEXT = 4000
NAME = 200
MAX_IDS = 1000
MAX_COUNT = 10_000_000


class Strict(Schema):
    class Meta:
        unknown = RAISE


def vocab_field(enum: type[Labelled], **kw: Any) -> fields.Field:
    """A vocabulary key, loaded as its key (the domain turns it into the member)."""
    keys = [m.value for m in enum]
    return fields.String(
        validate=validate.OneOf(keys, error=f"must be one of: {', '.join(keys)}"),
        metadata={"enum": keys},
        **kw,
    )


def text_field(required: bool = True, max_length: int = TEXT, **kw: Any) -> fields.Field:
    if not required:
        kw.setdefault("load_default", "")
    return fields.String(required=required, validate=validate.Length(max=max_length), **kw)


def name_field(**kw: Any) -> fields.Field:
    return fields.String(required=True, validate=validate.Length(min=1, max=NAME), **kw)


def person_field(**kw: Any) -> fields.Field:
    """A person named in a fact: their pseudonymous id (e.g. P000101), never their name."""
    kw.setdefault("metadata", {"description": "a pseudonymous id, e.g. P000101"})
    return fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{1,100}$", error="a pseudonymous id: letters, digits, - and _"
        ),
        **kw,
    )


def optional_person_field() -> fields.Field:
    """A person a fact may name: their pseudonymous id, or left out when it names no one."""
    return fields.String(
        load_default="",
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{1,100}$", error="a pseudonymous id: letters, digits, - and _"
        ),
        metadata={"description": "a pseudonymous id, e.g. P000101; needed with the name"},
    )


def person_name_field() -> fields.Field:
    """The person's name, optional: sealed under the person's key before it is stored, so
    that erasing the person (``taizhang erase-person``) leaves it unreadable."""
    return fields.String(
        load_default="",
        validate=validate.Length(min=1, max=NAME),
        metadata={"description": "the person's name; stored sealed, erasable"},
    )


def count_field(required: bool = True, minimum: int = 0, **kw: Any) -> fields.Field:
    if not required:
        kw.setdefault("load_default", 0)
    return StrictInteger(
        required=required, validate=validate.Range(min=minimum, max=MAX_COUNT), **kw
    )


def amount_field(**kw: Any) -> fields.Field:
    """Days or hours: a decimal number (JSON number or numeric string), 0 to 10,000."""
    return fields.Decimal(
        required=True,
        places=None,
        allow_nan=False,
        validate=validate.Range(min=0, max=10_000),
        **kw,
    )


def id_field(required: bool = True, **kw: Any) -> fields.Field:
    return fields.UUID(required=required, **kw)


def ids_field(required: bool = False, **kw: Any) -> fields.Field:
    if not required:
        kw.setdefault("load_default", list)
    kw.setdefault("validate", validate.Length(max=MAX_IDS))
    return fields.List(fields.UUID(), required=required, **kw)


class StrictBoolean(fields.Boolean):
    """Only JSON true and false: 1, "yes" and the like are refused."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(fields.Integer):
    """Only JSON integers: true/false (which Python counts as ints) and 1.5 are refused."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(strict=True, **kw)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def bool_field(**kw: Any) -> fields.Field:
    return StrictBoolean(required=True, **kw)
