"""The ``data`` of the posted events of member development (发展党员, seed 002) and 推优
(seed 004): shapes, types and vocabularies; the domain checks the rules.

People are named by pseudonymous ids only: the person by ``candidate_id`` (the server makes
it on ``MembershipApplied``), contacts and sponsors by the members' pseudonymous ids, and
documents by id. Who decided is the token's, never a field here.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from taizhang.api.schemas.event_fields import (
    Strict,
    StrictInteger,
    bool_field,
    count_field,
    id_field,
    name_field,
    text_field,
    vocab_field,
)
from taizhang.api.schemas.queries import Query, business_date, known_at_field
from taizhang.domain.development_plan import MAX_TARGET, TARGETS
from taizhang.domain.member_path import WAIVABLE
from taizhang.domain.member_rules import MAX_MEMBER_ID
from taizhang.domain.member_vocabulary import (
    ConversionOutcome,
    MassOrganization,
    OpinionSource,
    RecommendedAs,
    VoteMethod,
)


def _member_ids() -> fields.Field:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=MAX_MEMBER_ID)),
        required=True,
        validate=validate.Length(max=10),
    )


def _documents() -> fields.Field:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=50),
    )


class Votes(Strict):
    """Counts of a vote: those entitled to vote who should attend (应到会有表决权人数),
    present, in favour, against, abstaining."""

    entitled = count_field()
    present = count_field()
    in_favour = count_field()
    against = count_field()
    abstaining = count_field()


class _Step(Strict):
    candidate_id = id_field()
    document_ids = _documents()


class MembershipApplied(Strict):
    branch_id = id_field()
    document_ids = _documents()


class RecommendedByMassOrganization(_Step):
    organization = vocab_field(MassOrganization, required=True)
    organization_name = name_field()
    recommended_as = vocab_field(RecommendedAs, required=True)
    votes = fields.Nested(Votes, required=True)


class ActivistDesignated(_Step):
    pass


class ContactsNamed(_Step):
    contact_ids = _member_ids()


class ThoughtReportReceived(_Step):
    pass


class ActivistAssessed(_Step):
    opinion = text_field()


class DevelopmentCandidateDesignated(_Step):
    opinions_heard = fields.List(vocab_field(OpinionSource), required=True)


class PoliticalReviewDone(_Step):
    passed = bool_field()


class TrainingCompleted(_Step):
    days = StrictInteger(required=True, validate=validate.Range(min=0, max=366))
    class_hours = StrictInteger(required=True, validate=validate.Range(min=0, max=10_000))


class SponsorsNamed(_Step):
    sponsor_ids = _member_ids()


class AdmissionVoted(_Step):
    method = vocab_field(VoteMethod, required=True)
    votes = fields.Nested(Votes, required=True)


class PublicityHeld(_Step):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class AdmissionApproved(_Step):
    approved = bool_field()


class ConversionVoted(_Step):
    outcome = vocab_field(ConversionOutcome, required=True)
    extension_months = StrictInteger(load_default=0, validate=validate.Range(min=0, max=24))
    method = vocab_field(VoteMethod, required=True)
    votes = fields.Nested(Votes, required=True)


class ConversionApproved(_Step):
    approved = bool_field()


class ExceptionGranted(_Step):
    rule = fields.String(
        required=True,
        validate=validate.OneOf(sorted(WAIVABLE)),
        metadata={"enum": sorted(WAIVABLE)},
    )
    reason = text_field()


class PersonalDataRecorded(_Step):
    """The person's name: sealed under the person's key before it is stored (the API
    passes ``sealed_name`` to the domain, never the name)."""

    name = name_field()


class PersonErased(_Step):
    reason = text_field()


class StepCorrected(Strict):
    """A wrongly recorded step, corrected: ``changes`` are some of the step's own values
    (and ``occurred_on``), given as when it was recorded; the domain checks which and how."""

    candidate_id = id_field()
    corrects = fields.UUID(required=True)
    reason = text_field()
    changes = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.Raw(allow_none=False),
        required=True,
        validate=validate.Length(min=1, max=20),
    )


class StepWithdrawn(Strict):
    """A step recorded in error: it no longer counts."""

    candidate_id = id_field()
    withdraws = fields.UUID(required=True)
    reason = text_field()


def _targets() -> fields.Field:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(TARGETS)),
        values=StrictInteger(validate=validate.Range(min=0, max=MAX_TARGET)),
        required=True,
        metadata={"description": "numbers for the year: " + ", ".join(TARGETS)},
    )


class DevelopmentPlanSet(Strict):
    """A committee's plan for a year, following the upper level's guiding plan."""

    committee_id = id_field()
    year = StrictInteger(required=True, validate=validate.Range(min=2000, max=2100))
    targets = _targets()
    guidance_document_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    guidance_admitted = StrictInteger(required=True, validate=validate.Range(min=0, max=MAX_TARGET))
    document_ids = _documents()


class DevelopmentPlanRevised(Strict):
    committee_id = id_field()
    year = StrictInteger(required=True, validate=validate.Range(min=2000, max=2100))
    targets = _targets()
    reason = text_field()
    document_ids = _documents()


MEMBER_SCHEMAS: dict[str, type[Schema]] = {
    cls.__name__: cls
    for cls in (
        MembershipApplied,
        RecommendedByMassOrganization,
        ActivistDesignated,
        ContactsNamed,
        ThoughtReportReceived,
        ActivistAssessed,
        DevelopmentCandidateDesignated,
        PoliticalReviewDone,
        TrainingCompleted,
        SponsorsNamed,
        AdmissionVoted,
        PublicityHeld,
        AdmissionApproved,
        ConversionVoted,
        ConversionApproved,
        ExceptionGranted,
        PersonalDataRecorded,
        PersonErased,
        StepCorrected,
        StepWithdrawn,
        DevelopmentPlanSet,
        DevelopmentPlanRevised,
    )
}


class MemberPipelineQuery(Query):
    """The two times of every view (docs/ARCHITECTURE.md)."""

    as_of = business_date("business date: the pipeline as it stood then (default today)")
    known_at = known_at_field()


class DevelopmentPlanQuery(MemberPipelineQuery):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "the plan's year (default: the year of as_of)"},
    )
