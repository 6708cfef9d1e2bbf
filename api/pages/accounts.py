"""The office's accounts page: list, create, disable and reset the password of the accounts
of its district. Every form posts (with its CSRF token, checked before any page's work) to
the JSON API's own view (``taizhang.api.pages.bridge.send``), so a page can do exactly what the API
lets the same token do, and shows the API's field errors."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from flask import g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from taizhang.api.account_store import PASSWORD_MIN
from taizhang.api.pages.bridge import Refused, read, send
from taizhang.api.pages.routes import _me, bp
from taizhang.api.schemas.accounts import GRANTABLE

_IDS = re.compile(r"[\s,，;；]+")
DONE = ("created", "disabled", "reset")


def _page(errors: list[dict[str, Any]] | None = None, status: int = 200) -> tuple[str, int]:
    if g.credential.role != "office":
        raise Refused(404, "only the campaign office manages accounts")
    done = request.args.get("done", "")
    return render_template(
        "pages/accounts.html",
        accounts=read("accounts.list_accounts")["items"],
        history=read("accounts.account_history")["items"][-50:][::-1],
        me=_me(),
        errors=errors or [],
        done=done if done in DONE else "",
        asked=request.form if errors else {},
        committee_names={c["committee_id"]: c["name"] for c in _me()["committees"]},
        grantable=GRANTABLE,
        password_min=PASSWORD_MIN,
    ), status


@bp.get("/accounts")
def accounts() -> tuple[str, int]:
    return _page()


def _sent(endpoint: str, body: dict[str, Any], done: str, **path: Any) -> Any:
    try:
        send(endpoint, body, **path)
    except Refused as refused:
        if refused.status >= 500:
            raise
        errors = refused.errors or [{"field": "", "message": refused.detail}]
        return _page(errors, refused.status)
    return redirect(url_for("pages.accounts", done=done), code=303)


@bp.post("/accounts")
def create_account() -> BaseResponse | tuple[str, int]:
    form = request.form
    body: dict[str, Any] = {
        "login": form.get("login", "").strip(),
        "password": form.get("password", ""),
        "role": form.get("role", ""),
        "reason": form.get("reason", ""),
        "committee_ids": [c for c in form.getlist("committee_ids") if c],
        "branch_ids": [b for b in _IDS.split(form.get("branch_ids", "")) if b],
    }
    if form.get("group_id"):
        body["group_id"] = form["group_id"]
    found: BaseResponse | tuple[str, int] = _sent("accounts.create_account", body, "created")
    return found


@bp.post("/accounts/<uuid:account_id>/disable")
def disable_account(account_id: UUID) -> BaseResponse | tuple[str, int]:
    body = {"reason": request.form.get("reason", "")}
    found: BaseResponse | tuple[str, int] = _sent(
        "accounts.disable_account", body, "disabled", account_id=account_id
    )
    return found


@bp.post("/accounts/<uuid:account_id>/password")
def reset_password(account_id: UUID) -> BaseResponse | tuple[str, int]:
    body = {"password": request.form.get("password", ""), "reason": request.form.get("reason", "")}
    found: BaseResponse | tuple[str, int] = _sent(
        "accounts.reset_password", body, "reset", account_id=account_id
    )
    return found
