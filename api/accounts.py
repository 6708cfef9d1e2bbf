"""``/api/v1/accounts``: the campaign office's accounts for people who sign in to the pages.

The office (a token, or an account, of role ``office``) lists, creates, disables and resets
the password of the accounts of its district (``taizhang.api.account_store``). An account holds a
token of a role and scope the office grants, never wider than its own: its district, and
committees, a group or branches of it, each checked against the office's scope as an id in
a URL is (``taizhang.api.scope``). Who created or disabled an account is the office's credential.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, jsonify

from taizhang.api.account_store import AccountStore
from taizhang.api.auth import Credential
from taizhang.api.problems import ApiProblem, error_item
from taizhang.api.runtime import credential, json_body, runtime, scope
from taizhang.api.schemas.accounts import (
    AccountCreateSchema,
    AccountListSchema,
    AccountSchema,
    DisableSchema,
    PasswordResetSchema,
)
from taizhang.api.scope import Forbidden
from taizhang.domain.errors import InvalidValue

bp = Blueprint("accounts", __name__, url_prefix="/api/v1")
OFFICE = "office"
_CREATE = AccountCreateSchema()
_RESET = PasswordResetSchema()
_DISABLE = DisableSchema()


def accounts() -> AccountStore:
    return runtime().accounts


def _office() -> Credential:
    cred = credential()
    if cred.role != OFFICE:
        raise Forbidden("office_only", "only the campaign office manages accounts")
    return cred


def _invalid(error: InvalidValue) -> ApiProblem:
    return ApiProblem(
        422,
        error.message,
        slug="validation",
        errors=[error_item(error.field, error.rule, error.message)],
    )


def _answer(store: AccountStore, account_id: UUID, status: int = 200) -> Response:
    by = credential()
    account = store.get(by, account_id)
    held = {c.id: c for c in store.tokens.list()}.get(account.token_id)
    response = jsonify(account.as_dict(held))
    response.status_code = status
    return response


@bp.get("/accounts")
def list_accounts() -> Response:
    """The accounts of the office's district, with the role and scope each holds (never a
    password)."""
    by = _office()
    return jsonify({"items": [a.as_dict(c) for a, c in accounts().listing(by)]})


@bp.get("/accounts/history")
def account_history() -> Response:
    """Every account of the office's district created, disabled, reset or locked, oldest
    first, with who did it and why."""
    by = _office()
    return jsonify({"items": accounts().history(by)})


@bp.post("/accounts")
def create_account() -> Response:
    """Create an account: a login name and password holding a new token of the role and
    scope given (within the office's own)."""
    by = _office()
    data = _CREATE.load(json_body())
    s = scope()
    if data["group_id"] is not None:
        s.supervision_group(data["group_id"])
    for committee_id in data["committee_ids"]:
        s.committee(committee_id)
    for branch_id in data["branch_ids"]:
        s.branch(branch_id)
    try:
        account, _ = accounts().create(
            by,
            data["login"],
            data["password"],
            data["role"],
            group_id=data["group_id"],
            committee_ids=data["committee_ids"],
            branch_ids=data["branch_ids"],
            reason=data["reason"],
        )
    except InvalidValue as error:
        raise _invalid(_as_account_field(error)) from None
    return _answer(accounts(), account.id, 201)


@bp.post("/accounts/<uuid:account_id>/disable")
def disable_account(account_id: UUID) -> Response:
    """Disable an account: it cannot sign in, and its open sessions end (its token is
    revoked)."""
    by = _office()
    data = _DISABLE.load(json_body())
    accounts().disable(by, account_id, data["reason"])
    return _answer(accounts(), account_id)


@bp.post("/accounts/<uuid:account_id>/password")
def reset_password(account_id: UUID) -> Response:
    """Set a new password (and lift a lock); sessions signed in with the old one end."""
    by = _office()
    data = _RESET.load(json_body())
    try:
        accounts().reset_password(by, account_id, data["password"], data["reason"])
    except InvalidValue as error:
        raise _invalid(error) from None
    return _answer(accounts(), account_id)


_FIELDS = {"name": "login", "committee": "committee_ids", "district": "role"}


def _as_account_field(error: InvalidValue) -> InvalidValue:
    """The token store's fields named as the account's body names them."""
    field = _FIELDS.get(error.field, error.field)
    return InvalidValue(field, error.rule, error.message)


# -- the OpenAPI document ------------------------------------------------------------------

SCHEMAS = {
    "AccountCreate": AccountCreateSchema,
    "PasswordReset": PasswordResetSchema,
    "AccountDisable": DisableSchema,
    "Account": AccountSchema,
    "AccountList": AccountListSchema,
}
_BODIES = {
    "accounts.create_account": "AccountCreate",
    "accounts.disable_account": "AccountDisable",
    "accounts.reset_password": "PasswordReset",
}
_ANSWERS = {
    "accounts.list_accounts": ("200", "AccountList"),
    "accounts.account_history": ("200", None),
    "accounts.create_account": ("201", "Account"),
    "accounts.disable_account": ("200", "Account"),
    "accounts.reset_password": ("200", "Account"),
}


def openapi_operation(endpoint: str) -> dict[str, Any]:
    """The request body and answer of an accounts operation, for ``taizhang.api.openapi``."""
    status, ref = _ANSWERS[endpoint]
    schema: dict[str, Any] = {"$ref": f"#/components/schemas/{ref}"} if ref else {"type": "object"}
    found: dict[str, Any] = {
        "responses": {
            status: {"description": "ok", "content": {"application/json": {"schema": schema}}}
        }
    }
    body = _BODIES.get(endpoint)
    if body is not None:
        found["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return found
