"""The schemas of a problem's posted events: listing, rectification, revision, withdrawal.

The responsible person is named by pseudonymous id; a name, when given, is sealed under the
person's key before it is stored (``taizhang.domain.persons``).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from taizhang.api.schemas.event_fields import (
    Strict,
    StrictInteger,
    bool_field,
    id_field,
    optional_person_field,
    person_field,
    person_name_field,
    text_field,
    vocab_field,
)
from taizhang.domain.vocabulary import ProblemCategory


class ProblemListed(Strict):
    campaign_id = id_field()
    branch_id = id_field()
    category = vocab_field(ProblemCategory, required=True)
    description = text_field()
    measures = text_field()
    responsible_person = person_field()
    responsible_person_name = person_name_field()
    deadline = fields.Date(required=True)


class RectificationStarted(Strict):
    problem_id = id_field()
    note = text_field(required=False)


class RectificationProgressed(Strict):
    problem_id = id_field()
    note = text_field()
    percent_done = StrictInteger(required=True, validate=validate.Range(min=0, max=100))


class RectificationDone(Strict):
    problem_id = id_field()
    outcome = text_field()


class RectificationVerified(Strict):
    """Who verified is the token that posts it; ``verifier_note`` may add the signer's name
    and title, stored sealed under the key of ``verifier_person`` (their pseudonymous id)."""

    problem_id = id_field()
    verifier_person = optional_person_field()
    verifier_note = person_name_field()
    passed = bool_field()
    remarks = text_field(required=False)


class ProblemRevised(Strict):
    problem_id = id_field()
    measures = text_field()
    responsible_person = person_field()
    responsible_person_name = person_name_field()
    deadline = fields.Date(required=True)


class ProblemWithdrawn(Strict):
    problem_id = id_field()
    reason = text_field()


PROBLEM_SCHEMAS: dict[str, type[Schema]] = {
    cls.__name__: cls
    for cls in (
        ProblemListed,
        RectificationStarted,
        RectificationProgressed,
        RectificationDone,
        RectificationVerified,
        ProblemRevised,
        ProblemWithdrawn,
    )
}
