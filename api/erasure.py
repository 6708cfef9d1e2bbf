"""Erasing a person over HTTP: ``POST /api/v1/persons/{person}/erasure``.

The campaign office (and the administrator) erases a person the campaign's facts name by
pseudonymous id, on their request (PIPL Art. 47), giving a reason: the erasure is recorded
in the log as ``NamedPersonErasureRecorded`` with the token's name as actor, then the
person's key is destroyed, as ``taizhang erase-person`` does (``taizhang.erasure``). An
office erases the people its district's facts named (``person_districts``, noted when a
posting naming them is stored); another district's person answers 404, as one never named
does. Asking again answers 200 with ``recorded_now`` false. A candidate (a UUID) is erased by
posting ``PersonErased`` to its events.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response
from marshmallow import ValidationError, fields, validate

from taizhang.api.problems import ApiProblem, error_item, validation_problem
from taizhang.api.reads import as_json
from taizhang.api.runtime import credential, json_body, runtime, scope
from taizhang.api.schemas.event_fields import Strict
from taizhang.domain.errors import NotFound
from taizhang.domain.persons import PSEUDONYM
from taizhang.erasure import erase_named_person

bp = Blueprint("erasure", __name__, url_prefix="/api/v1")

# Who may erase: the district's campaign office, and the administrator.
ERASERS = ("office", "admin")


class ErasureSchema(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ErasureAnswerSchema(Strict):
    person = fields.String(required=True)
    erased = fields.Boolean(required=True)
    recorded_now = fields.Boolean(required=True)


SCHEMAS = {"Erasure": ErasureSchema, "ErasureAnswer": ErasureAnswerSchema}
_SCHEMA = ErasureSchema()


@bp.post("/persons/<person>/erasure")
def erase_person(person: str) -> Response:
    """Erase a person named by pseudonymous id: record why, destroy their key (office, admin)."""
    cred = credential()
    if cred.role not in ERASERS:
        raise ApiProblem(
            403,
            f"a token of role {cred.role} may not erase a person",
            slug="forbidden",
            errors=[
                error_item(
                    "Authorization", "eraser", f"persons are erased by: {', '.join(ERASERS)}"
                )
            ],
        )
    _check_person(person)
    try:
        body = _SCHEMA.load(json_body())
    except ValidationError as error:
        raise validation_problem(error) from None
    if not body["reason"].strip():
        raise ApiProblem(
            422,
            "say why",
            slug="validation",
            errors=[error_item("reason", "required", "say why the person is erased")],
        )
    keys = runtime().personal_keys
    caller_scope = scope()
    if not caller_scope.is_admin:
        named_in = keys.districts_of(person)
        ours = {district for district in named_in if caller_scope.in_district(district)}
        if not ours:
            raise NotFound("person", "person", person)  # type: ignore[arg-type]
        if ours != named_in:
            # One key per pseudonymous id: destroying it erases the person from the other
            # districts' facts too, which is not this office's to decide.
            raise ApiProblem(
                403,
                "the person is named in other districts' facts too; the administrator erases them",
                slug="forbidden",
                errors=[
                    error_item(
                        "person",
                        "other_districts",
                        "named in other districts' facts too: erased by the administrator",
                    )
                ],
            )
    recorded = erase_named_person(runtime().ledger, keys, person, body["reason"], cred.caller)
    return as_json({"person": person, "erased": True, "recorded_now": recorded})


def _check_person(person: str) -> None:
    try:
        UUID(person)
    except ValueError:
        pass
    else:
        raise ApiProblem(
            422,
            "a candidate is erased by posting PersonErased to its events",
            slug="validation",
            errors=[error_item("person", "pseudonymous_id", "a pseudonymous id, e.g. P000101")],
        )
    if PSEUDONYM.fullmatch(person) is None:
        raise ApiProblem(
            422,
            "name the person by pseudonymous id",
            slug="validation",
            errors=[error_item("person", "pseudonymous_id", "a pseudonymous id, e.g. P000101")],
        )


def openapi_operation() -> dict[str, Any]:
    """The request body and answer, for ``taizhang.api.openapi``."""
    return {
        "responses": {
            "200": {
                "description": "erased (recorded_now: false when it was erased before)",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErasureAnswer"}}
                },
            }
        },
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erasure"}}},
        },
    }
