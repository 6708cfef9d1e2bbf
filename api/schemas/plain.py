"""A plain loader for an event type's data: ``schema.load(data)`` for plainly valid data.

A batch loads a thousand items' data, and marshmallow's general machinery (field lookups,
error bookkeeping, hooks) cost about as much as the rest of an item's work. For schemas
made only of simple fields (text, vocabulary keys, ids, true/false, bounded integers) the
loader below does the same checks directly. Anything it does not recognise as plainly
valid gives None, and the caller loads through the schema, which says what is wrong and
names field and rule; what the loader accepts, the schema accepts with the same result
(tests/unit/test_plain_loader.py compares them).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, validate
from marshmallow.utils import missing

from taizhang.api.schemas.event_fields import StrictBoolean, StrictInteger

PlainLoader = Callable[[dict[str, Any]], dict[str, Any] | None]
# One field: the value as loaded, or _REFUSED to let the schema say what is wrong.
_Check = Callable[[Any], Any]
_REFUSED = object()


def plain_loader(schema: Schema) -> PlainLoader | None:
    """A loader equal to ``schema.load`` on plainly valid data, or None for schemas with
    hooks or fields it does not know (those always load through the schema)."""
    if any(schema._hooks.values()) or schema.unknown != "raise":  # noqa: SLF001
        return None
    checks: dict[str, tuple[_Check, bool, Any]] = {}
    for name, field in schema.load_fields.items():
        check = _field_check(field)
        if (
            check is None
            or field.data_key not in (None, name)
            or field.attribute
            not in (
                None,
                name,
            )
        ):
            return None
        checks[name] = (check, field.required, field.load_default)
    if schema.dump_fields.keys() - schema.load_fields.keys():
        return None  # dump-only fields are refused on load with an error of their own
    names = frozenset(checks)

    def load(data: dict[str, Any]) -> dict[str, Any] | None:
        if not data.keys() <= names:
            return None
        loaded: dict[str, Any] = {}
        for name, (check, required, default) in checks.items():
            if name in data:
                value = check(data[name])
                if value is _REFUSED:
                    return None
                loaded[name] = value
            elif required:
                return None
            elif default is not missing:
                loaded[name] = default() if callable(default) else default
        return loaded

    return load


def _field_check(field: fields.Field) -> _Check | None:
    if field.allow_none:
        return None
    kind = type(field)
    bounds = _validators(field.validators)
    if bounds is None:
        return None
    length, choices, span = bounds
    if kind is fields.String and span is None:
        return _text(length, choices)
    if kind is fields.UUID and length is None and choices is None and span is None:
        return _uuid
    if kind is StrictBoolean and not field.validators:
        return _bool
    if kind is StrictInteger and length is None and choices is None:
        return _integer(span)
    return None


def _validators(
    validators: list[Any],
) -> tuple[tuple[int | None, int | None] | None, frozenset[str] | None, Any] | None:
    length: tuple[int | None, int | None] | None = None
    choices: frozenset[str] | None = None
    span: tuple[Any, Any] | None = None
    for validator in validators:
        kind = type(validator)
        if kind is validate.Length and validator.equal is None and length is None:
            length = (validator.min, validator.max)
        elif (
            kind is validate.OneOf
            and choices is None
            and all(type(c) is str for c in validator.choices)
        ):
            choices = frozenset(validator.choices)
        elif (
            kind is validate.Range
            and span is None
            and validator.min_inclusive
            and validator.max_inclusive
            and all(type(b) in (int, type(None)) for b in (validator.min, validator.max))
        ):
            span = (validator.min, validator.max)
        else:
            return None
    return length, choices, span


def _text(length: tuple[int | None, int | None] | None, choices: frozenset[str] | None) -> _Check:
    shortest, longest = length or (None, None)

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _REFUSED
        if shortest is not None and len(value) < shortest:
            return _REFUSED
        if longest is not None and len(value) > longest:
            return _REFUSED
        if choices is not None and value not in choices:
            return _REFUSED
        return value

    return check


def _uuid(value: Any) -> Any:
    if type(value) is not str:
        return _REFUSED
    return _parsed_uuid(value)


# A batch names the same campaign and branches in item after item, and parsing a UUID
# costs more than a look-up. UUIDs are immutable, so parsed ones can be shared.
@functools.lru_cache(maxsize=16_384)
def _parsed_uuid(value: str) -> Any:
    try:
        return uuid.UUID(value)
    except ValueError:
        return _REFUSED


def _bool(value: Any) -> Any:
    return value if type(value) is bool else _REFUSED


def _integer(span: tuple[Any, Any] | None) -> _Check:
    lowest, highest = span or (None, None)

    def check(value: Any) -> Any:
        if type(value) is not int:
            return _REFUSED
        if lowest is not None and value < lowest:
            return _REFUSED
        if highest is not None and value > highest:
            return _REFUSED
        return value

    return check
