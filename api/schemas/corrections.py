"""The schemas of corrections and withdrawals: which fields of which fact a correction may
change, with the type each must have."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from marshmallow import (
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from taizhang.api.schemas.event_fields import (
    MAX_COUNT,
    MAX_IDS,
    TEXT,
    Strict,
    StrictBoolean,
    StrictInteger,
    id_field,
    text_field,
    vocab_field,
)
from taizhang.domain.base import Fact
from taizhang.domain.branch_life import BranchLife
from taizhang.domain.branch_work import BranchWork
from taizhang.domain.problem import Problem
from taizhang.domain.vocabulary import (
    Labelled,
)

# -- corrections ----------------------------------------------------------------------------


def _correctable_field_types() -> dict[str, fields.Field]:
    """Every field a fact can have corrected, with the type it has on the facts.

    Read from the fact classes, so a new fact field is checked here without edits.
    A name with different types on different facts is left to the domain.
    """
    found: dict[str, Any] = {}
    for owner in (BranchWork, Problem, BranchLife):
        for cls in vars(owner).values():
            if not (isinstance(cls, type) and issubclass(cls, Fact)):
                continue
            hints = typing.get_type_hints(cls)
            for field in cls.correctable_fields():
                if field == "occurred_on":
                    continue
                hint = hints.get(field)
                if field in found and found[field] != hint:
                    found[field] = None
                else:
                    found[field] = hint
    mapped: dict[str, fields.Field] = {"occurred_on": fields.Date()}
    for field, hint in found.items():
        mapped[field] = _field_for(hint)
    return mapped


def _field_for(hint: Any) -> fields.Field:
    if hint is bool:
        return StrictBoolean()
    if hint is int:
        return StrictInteger(validate=validate.Range(min=0, max=MAX_COUNT))
    if hint is Decimal:
        return fields.Decimal(places=None, allow_nan=False, validate=validate.Range(min=0))
    if hint is str:
        return fields.String(validate=validate.Length(max=TEXT))
    if hint is date:
        return fields.Date()
    if hint is UUID:
        return fields.UUID()
    args = typing.get_args(hint)
    if typing.get_origin(hint) is list and args:
        inner = args[0]
        if isinstance(inner, type) and issubclass(inner, Labelled):
            return fields.List(vocab_field(inner), validate=validate.Length(min=1, max=50))
        return fields.List(_field_for(inner), validate=validate.Length(max=MAX_IDS))
    if isinstance(hint, type) and issubclass(hint, Labelled):
        return vocab_field(hint)
    return fields.Raw()


CORRECTABLE = _correctable_field_types()


class Changes(fields.Dict):
    """The new values of a corrected fact, each loaded with the type it has on the facts."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("must be an object of field names to new values")
        if not value:
            raise ValidationError("a correction changes at least one field")
        errors: dict[str, Any] = {}
        loaded: dict[str, Any] = {}
        for key, raw in value.items():
            field = CORRECTABLE.get(key)
            if field is None:
                errors[key] = [f"no fact has a correctable field {key!r}"]
                continue
            try:
                loaded[key] = field.deserialize(raw)
            except ValidationError as error:
                errors[key] = error.messages
        if errors:
            raise ValidationError(errors)
        return loaded


class _Correction(Strict):
    """Of a branch's work (campaign_id and branch_id), of a problem (problem_id), or of a
    branch's organizational life (branch_id alone)."""

    campaign_id = id_field(required=False)
    branch_id = id_field(required=False)
    problem_id = id_field(required=False)
    reason = text_field()

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_: Any) -> None:
        on_work = "branch_id" in data
        on_problem = "problem_id" in data
        if on_work == on_problem or ("campaign_id" in data and not on_work):
            raise ValidationError(
                "name either branch_id (with campaign_id for its work in a campaign), or "
                "problem_id",
                "problem_id",
            )


class FactCorrected(_Correction):
    corrects = id_field()
    changes = Changes(required=True)


class FactWithdrawn(_Correction):
    withdraws = id_field()
