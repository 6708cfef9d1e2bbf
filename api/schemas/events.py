"""One marshmallow schema per posted event type: the ``data`` of a posting.

Schemas check shape, types, ranges and vocabularies, and refuse unknown fields; the domain
checks the rules. Ids the URL names (``branch_id``, ``campaign_id``…) are filled in by the
endpoint before the data is loaded, so they are required here like any other field. The id
of a new aggregate is the server's to make: no schema takes one.
"""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from taizhang.api.schemas.corrections import FactCorrected, FactWithdrawn
from taizhang.api.schemas.event_fields import (
    MAX_IDS,
    NAME,
    Strict,
    StrictBoolean,
    StrictInteger,
    amount_field,
    bool_field,
    count_field,
    id_field,
    ids_field,
    name_field,
    optional_person_field,
    person_field,
    person_name_field,
    text_field,
    vocab_field,
)
from taizhang.api.schemas.grading import GRADING_SCHEMAS
from taizhang.api.schemas.host_events import HOST_EVENT_SCHEMAS
from taizhang.api.schemas.members import MEMBER_SCHEMAS
from taizhang.api.schemas.party_life import PARTY_LIFE_SCHEMAS
from taizhang.api.schemas.problem_events import PROBLEM_SCHEMAS
from taizhang.domain.party_life import LifeActivity, ThemedDayPart
from taizhang.domain.phases import MILESTONES
from taizhang.domain.vocabulary import (
    BranchLevel,
    CommitteeKind,
    Formation,
    HostCategory,
    OpinionSource,
    SupervisionGroupKind,
    WorkSystemChange,
)
from taizhang.handlers import EVENT_TYPES

# -- organizations --------------------------------------------------------------------------


class DistrictRegistered(Strict):
    name = name_field()
    code = fields.String(required=True, validate=validate.Length(min=1, max=50))


class CommitteeRegistered(Strict):
    district_id = id_field()
    name = name_field()
    kind = vocab_field(CommitteeKind, required=True)


class CommitteeRenamed(Strict):
    committee_id = id_field()
    name = name_field()


class ContactPointChosen(Strict):
    committee_id = id_field()
    member = person_field()
    member_name = person_name_field()
    branch_id = id_field()


class BranchRegistered(Strict):
    district_id = id_field()
    committee_id = id_field()
    name = name_field()
    level = vocab_field(BranchLevel, required=True)
    formation = vocab_field(Formation, required=True)
    host_name = name_field()
    host_category = vocab_field(HostCategory, required=True)
    employees = count_field()
    full_members = count_field()
    probationary_members = count_field(required=False)
    covered_units = fields.List(
        fields.String(validate=validate.Length(min=1, max=NAME)),
        load_default=list,
        validate=validate.Length(max=100),
    )


class MembershipChanged(Strict):
    branch_id = id_field()
    full_members = count_field()
    probationary_members = count_field()


class EmployeesCounted(Strict):
    branch_id = id_field()
    employees = count_field()


class FormationChanged(Strict):
    branch_id = id_field()
    formation = vocab_field(Formation, required=True)
    covered_units = fields.List(
        fields.String(validate=validate.Length(min=1, max=NAME)),
        load_default=list,
        validate=validate.Length(max=100),
    )


class MovedToCommittee(Strict):
    branch_id = id_field()
    committee_id = id_field()


class InstructorRegistered(Strict):
    """The instructor by pseudonymous id; a name, when given, is stored only sealed."""

    district_id = id_field()
    person = person_field(
        metadata={"description": "the instructor's pseudonymous id (e.g. P000301), never a name"}
    )
    person_name = person_name_field()


class InstructorAssigned(Strict):
    branch_id = id_field()
    instructor_id = id_field()


class InstructorUnassigned(InstructorAssigned):
    pass


class DesignatedRectificationTarget(Strict):
    branch_id = id_field()
    reasons = text_field()


class RectificationTargetWaived(Strict):
    branch_id = id_field()
    reasons = text_field()


class Reorganized(Strict):
    branch_id = id_field()
    leadership_completed = bool_field()
    secretary_replaced = bool_field()
    notes = text_field(required=False)


class SupervisionGroupRegistered(Strict):
    district_id = id_field()
    name = name_field()
    kind = vocab_field(SupervisionGroupKind, required=True)


class ScopeAssigned(Strict):
    group_id = id_field()
    committee_ids = ids_field()
    branch_ids = ids_field()

    @validates_schema
    def _names_something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("committee_ids") and not data.get("branch_ids"):
            raise ValidationError("name at least one committee or branch", "committee_ids")


class ScopeUnassigned(ScopeAssigned):
    pass


# -- campaigns ------------------------------------------------------------------------------

_MILESTONE = fields.String(validate=validate.Length(min=1, max=100))


class PhaseSchema(Strict):
    key = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,62}$", error="lower snake_case"),
    )
    name_zh = name_field()
    name_en = name_field()
    order = StrictInteger(required=True, validate=validate.Range(min=0, max=1000))
    deadline = fields.Date(load_default=None, allow_none=True)
    done_when = fields.List(_MILESTONE, load_default=list, validate=validate.Length(max=50))
    started_by = fields.List(_MILESTONE, load_default=list, validate=validate.Length(max=50))
    due = fields.List(
        _MILESTONE,
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "milestones the deadline binds (default: all of done_when)"},
    )

    @validates_schema
    def _known_milestones(self, data: dict[str, Any], **_: Any) -> None:
        own = f"phase:{data.get('key')}"
        for field in ("done_when", "started_by", "due"):
            unknown = [m for m in data.get(field, []) if m not in MILESTONES and m != own]
            if unknown:
                raise ValidationError(
                    f"unknown milestones {unknown}; known: {', '.join(sorted(MILESTONES))}",
                    field,
                )

    @post_load
    def _tuples(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["done_when"] = tuple(data["done_when"])
        data["started_by"] = tuple(data["started_by"])
        data["due"] = tuple(data["due"])
        return data


class CampaignDefined(Strict):
    district_id = id_field()
    name = name_field()
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    phases = fields.List(
        fields.Nested(PhaseSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    template_key = fields.String(load_default="", validate=validate.Length(max=100))


class BranchesEnrolled(Strict):
    campaign_id = id_field()
    branch_ids = ids_field(required=True, validate=validate.Length(min=1, max=MAX_IDS))


class BranchWithdrawn(Strict):
    campaign_id = id_field()
    branch_id = id_field()
    reason = text_field()


class PhaseDeadlineChanged(Strict):
    campaign_id = id_field()
    phase_key = fields.String(required=True, validate=validate.Length(min=1, max=63))
    deadline = fields.Date(required=True)


# -- a branch's work in a campaign ----------------------------------------------------------


class Work(Strict):
    campaign_id = id_field()
    branch_id = id_field()


class BaselineSurveyRecorded(Work):
    leadership_complete = bool_field()
    full_members = count_field()
    probationary_members = count_field()
    weak_and_lax = bool_field()
    findings = text_field(required=False)


class PlanSubmitted(Work):
    goals = text_field()
    measures = text_field()
    schedule = text_field()


class PlanReturned(Work):
    reasons = text_field()


class PlanApproved(Work):
    """Who approved is the token that posts it; ``approver_note`` may add the signer's name
    and title, stored sealed under the key of ``approver_person`` (their pseudonymous id)."""

    approver_person = optional_person_field()
    approver_note = person_name_field()
    remarks = text_field(required=False)


class MobilizationMeetingHeld(Work):
    participants = count_field()
    joint_with = ids_field()
    upper_level_attendee = optional_person_field()
    upper_level_attendee_name = person_name_field()
    remote_members_reached = count_field(required=False)
    form = text_field(required=False, max_length=NAME)


class StudySessionHeld(Work):
    topic = text_field()
    days = amount_field()
    hours = amount_field()
    participants = count_field()


class SecretaryTrainingHeld(Work):
    days = amount_field()
    hours = amount_field()
    organizer = optional_person_field()
    organizer_name = person_name_field()


class OpinionsCollected(Work):
    count = count_field()
    sources = fields.List(
        vocab_field(OpinionSource), required=True, validate=validate.Length(min=1, max=20)
    )
    summary = text_field(required=False)


class ConflictScreeningDone(Work):
    disputes_found = count_field()
    disputes_resolved = count_field()
    summary = text_field(required=False)


class HeartToHeartTalksHeld(Work):
    talks = count_field(minimum=1)


class OrganizationalLifeMeetingHeld(Work):
    participants = count_field()
    self_examination = bool_field()
    criticism = bool_field()
    members_evaluated = count_field()
    materials = text_field(required=False)


class LifeMeetingResultMadeKnown(Work):
    how = text_field()


class ProblemListPublicized(Work):
    how = text_field()


class WorkSystemChanged(Work):
    system_id = id_field()
    name = name_field()
    change = vocab_field(WorkSystemChange, required=True)
    existing = StrictBoolean(
        metadata={"description": "the system was in force before the campaign (废、改 only)"}
    )


class VolunteerTeamSetUp(Work):
    team_id = id_field()
    name = name_field()
    service_kinds = fields.List(
        fields.String(validate=validate.Length(min=1, max=NAME)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    members = count_field()
    joint_with = ids_field()


class ServiceCommitmentMade(Work):
    commitment_id = id_field()
    member = person_field()
    member_name = person_name_field()
    content = text_field()


class ServiceCommitmentFulfilled(Work):
    commitment_id = id_field()
    outcome = text_field(required=False)


class OptionalActionRecorded(Work):
    title = name_field()
    description = text_field(required=False)


class SupervisionVisitRecorded(Work):
    group_id = id_field()
    findings = text_field()
    suggestions = text_field(required=False)
    suggestion_items = fields.List(
        fields.String(validate=validate.Length(min=1, max=1000)),
        validate=validate.Length(max=50),
        metadata={"description": "suggestions to be answered one by one by the committee"},
    )


class SuggestionAnswered(Work):
    item_id = id_field(metadata={"description": "a visit's suggestion item"})
    answer = text_field()
    closed = bool_field()


class SuggestionReferred(Work):
    item_id = id_field(metadata={"description": "a visit's suggestion item"})
    note = text_field(required=False)


class PhaseWorkRecorded(Work):
    phase_key = fields.String(required=True, validate=validate.Length(min=1, max=63))
    done = bool_field()
    note = text_field(required=False)


# -- a branch's regular organizational life (seeds 002, 003 §二) ----------------------------


class LifeActivityHeld(Strict):
    branch_id = id_field()
    activity = vocab_field(LifeActivity, required=True)
    topic = text_field()
    participants = count_field()
    absent = count_field(required=False)
    absence_reasons = text_field(required=False)
    parts = fields.List(
        vocab_field(ThemedDayPart),
        load_default=list,
        validate=validate.Length(max=6),
        metadata={"description": 'the themed party day\'s "6" done (seed 003 §二)'},
    )
    own_activities = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "the themed party day's \"X\": the branch's own activities"},
    )
    upper_level_theme = text_field(required=False, max_length=200)
    theme_id = id_field(
        required=False,
        metadata={"description": 'the upper level\'s theme of the month it follows (the "1")'},
    )
    theme_reason = text_field(
        required=False,
        max_length=400,
        metadata={"description": "why it was not held on the theme's unified date"},
    )


def _duty_field() -> fields.Field:
    return fields.String(required=True, validate=validate.Length(min=1, max=63))


def _period_field() -> fields.Field:
    return fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$"),
        metadata={"description": "2014-07, 2014-Q3, 2014-H1 or 2014"},
    )


class LifeMeetingDelayRequested(Strict):
    branch_id = id_field()
    duty = _duty_field()
    period = _period_field()
    until = fields.Date(required=True)
    reason = text_field()


class LifeMeetingDelayApproved(Strict):
    branch_id = id_field()
    duty = _duty_field()
    period = _period_field()
    until = fields.Date(required=True)
    note = text_field(required=False)


EVENT_SCHEMAS: dict[str, type[Schema]] = {
    **{name: globals()[name] for name in EVENT_TYPES if isinstance(globals().get(name), type)},
    "FactCorrected": FactCorrected,
    "FactWithdrawn": FactWithdrawn,
    **PROBLEM_SCHEMAS,
    **GRADING_SCHEMAS,
    **MEMBER_SCHEMAS,
    **HOST_EVENT_SCHEMAS,
    **PARTY_LIFE_SCHEMAS,
}
_missing = set(EVENT_TYPES) - set(EVENT_SCHEMAS)
if _missing:  # a new event type must come with its schema
    raise RuntimeError(f"no API schema for event types {sorted(_missing)}")
