"""What the office posts to manage accounts (``taizhang.api.accounts``): checked here for form; the
scope of every id is checked against the office's token by ``taizhang.api.accounts``."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from taizhang.api.account_store import LOGIN, PASSWORD_MAX, PASSWORD_MIN

# The roles an office may grant: its own and narrower, never the operator's.
GRANTABLE = ("office", "committee", "supervisor", "integrator")
REASON_MAX = 500
IDS_MAX = 1000


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _password() -> fields.String:
    return fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=PASSWORD_MIN, max=PASSWORD_MAX),
        metadata={"description": "never stored, logged or answered; its scrypt hash is kept"},
    )


def _reason() -> fields.String:
    return fields.String(load_default="", validate=validate.Length(max=REASON_MAX))


def _ids() -> fields.List[Any]:
    return fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=IDS_MAX))


class AccountCreateSchema(_Strict):
    login = fields.String(
        required=True,
        validate=validate.Regexp(
            LOGIN, error="String does not match: 3-64 letters, digits, '.', '_' or '-'"
        ),
        metadata={"description": "a pseudonymous login name, never a person's real name"},
    )
    password = _password()
    role = fields.String(required=True, validate=validate.OneOf(GRANTABLE))
    group_id = fields.UUID(load_default=None, allow_none=True)
    committee_ids = fields.List(
        fields.UUID(), load_default=list, validate=validate.Length(max=IDS_MAX)
    )
    branch_ids = fields.List(
        fields.UUID(), load_default=list, validate=validate.Length(max=IDS_MAX)
    )
    reason = _reason()


class PasswordResetSchema(_Strict):
    password = _password()
    reason = _reason()


class DisableSchema(_Strict):
    reason = _reason()


class AccountSchema(Schema):
    """An account as the office sees it: never a password or its hash."""

    id = fields.UUID(required=True)
    login = fields.String(required=True)
    role = fields.String(allow_none=True)
    district_id = fields.UUID(required=True)
    group_id = fields.UUID(allow_none=True)
    committee_ids = fields.List(fields.UUID())
    branch_ids = fields.List(fields.UUID())
    created_at = fields.String(required=True)
    created_by = fields.String(required=True)
    password_set_at = fields.String(required=True)
    locked = fields.Boolean(required=True)
    disabled_at = fields.String(allow_none=True)
    disabled_by = fields.String(allow_none=True)


class AccountListSchema(Schema):
    items = fields.List(fields.Nested(AccountSchema), required=True)
