"""The data of the register's event types (``taizhang.domain.host_organization``).

People (a liaison, a mass organization's leader) are named by a pseudonymous id: letters,
digits, ``-`` and ``_``, never a name.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from taizhang.api.schemas.event_fields import (
    NAME,
    Strict,
    StrictBoolean,
    bool_field,
    count_field,
    id_field,
    name_field,
    text_field,
    vocab_field,
)
from taizhang.domain.vocabulary import (
    CoverageMode,
    FollowerKind,
    HostCategory,
    LocationKind,
    MassOrganizationKind,
)

PSEUDONYM = validate.Regexp(
    r"^[A-Za-z0-9_-]{1,100}$", error="a pseudonymous id: letters, digits, - and _"
)


def pseudonym_field(required: bool = True) -> fields.Field:
    return fields.String(required=required, validate=PSEUDONYM)


def short_text(required: bool = False) -> fields.Field:
    return text_field(required=required, max_length=NAME)


class HostOrganizationRegistered(Strict):
    district_id = id_field()
    committee_id = id_field()
    industry_committee_id = id_field(required=False, load_default=None, allow_none=True)
    name = name_field()
    category = vocab_field(HostCategory, required=True)
    sub_type = short_text()
    industry = short_text()
    employees = count_field()
    full_members = count_field()
    above_scale = StrictBoolean(load_default=False)
    scale_basis = short_text()
    location_kind = vocab_field(LocationKind, load_default="none")
    location_name = short_text()


class StaffCounted(Strict):
    host_organization_id = id_field()
    employees = count_field()
    full_members = count_field()
    above_scale = StrictBoolean(load_default=False)
    scale_basis = short_text()


class OrganizationRelocated(Strict):
    host_organization_id = id_field()
    location_kind = vocab_field(LocationKind, required=True)
    location_name = short_text()


class OrganizationCommitteesChanged(Strict):
    host_organization_id = id_field()
    committee_id = id_field()
    industry_committee_id = id_field(required=False, load_default=None, allow_none=True)


class CoveredByBranch(Strict):
    host_organization_id = id_field()
    branch_id = id_field()
    mode = vocab_field(CoverageMode, required=True)


class _Reasoned(Strict):
    host_organization_id = id_field()
    reason = text_field()


class CoverageEnded(_Reasoned):
    pass


class OrganizationClosed(_Reasoned):
    pass


class FollowerSent(Strict):
    """An instructor by ``instructor_id`` (a registered instructor), a liaison by
    ``follower`` (a pseudonymous id)."""

    host_organization_id = id_field()
    kind = vocab_field(FollowerKind, required=True)
    instructor_id = id_field(required=False)
    follower = pseudonym_field(required=False)

    @validates_schema
    def _one_follower(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("kind") == FollowerKind.INSTRUCTOR.value:
            if "instructor_id" not in data or "follower" in data:
                raise ValidationError(
                    "an instructor is named by instructor_id", field_name="instructor_id"
                )
        elif "follower" not in data or "instructor_id" in data:
            raise ValidationError("a liaison is named by follower", field_name="follower")


class FollowerRecalled(Strict):
    host_organization_id = id_field()
    instructor_id = id_field(required=False)
    follower = pseudonym_field(required=False)

    @validates_schema
    def _one_follower(self, data: dict[str, Any], **_: Any) -> None:
        if ("instructor_id" in data) == ("follower" in data):
            raise ValidationError(
                "name the instructor (instructor_id) or the liaison (follower)",
                field_name="follower",
            )


class MassOrganizationSetUp(Strict):
    host_organization_id = id_field()
    kind = vocab_field(MassOrganizationKind, required=True)
    leader = pseudonym_field()
    workers_heard = bool_field()


class MassOrganizationLeadershipChosen(MassOrganizationSetUp):
    pass


class MassOrganizationDissolved(Strict):
    host_organization_id = id_field()
    kind = vocab_field(MassOrganizationKind, required=True)
    reason = text_field()


HOST_EVENT_SCHEMAS: dict[str, type[Schema]] = {
    cls.__name__: cls
    for cls in (
        HostOrganizationRegistered,
        StaffCounted,
        OrganizationRelocated,
        OrganizationCommitteesChanged,
        CoveredByBranch,
        CoverageEnded,
        OrganizationClosed,
        FollowerSent,
        FollowerRecalled,
        MassOrganizationSetUp,
        MassOrganizationLeadershipChosen,
        MassOrganizationDissolved,
    )
}
