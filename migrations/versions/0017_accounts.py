"""Accounts the campaign office creates: a login name and password that hold a token.

* ``accounts``: one row per account; the token it holds is a row of ``api_tokens`` (its
  role and scope live there). Only the password (its scrypt hash and when it was set), the
  failed sign-ins and the lock, and the disabling change; a disabled account stays
  disabled, and no row is deleted.
* ``account_events``: one row per account created, disabled, password reset or locked,
  with who did it, when and why. Append-only, as ``api_token_events`` (revision 0009).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

DEFAULT_SERVICE_ROLE = "taizhang_app"
FIXED_COLUMNS = (
    "id",
    "login",
    "district_id",
    "token_id",
    "token_hash",
    "created_at",
    "created_by",
)
ACCOUNT_REFUSAL = "accounts keep their login and token; a disabled account stays disabled"
AUDIT_REFUSAL = "account_events is append-only: account history is never changed"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(name: str, what: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what}: {name!r} is not a plain lower-case SQL identifier")
    return f'"{name}"'


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.execute(
        "CREATE TABLE accounts (id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE,"
        " district_id TEXT NOT NULL, token_id TEXT NOT NULL, token_hash TEXT NOT NULL,"
        " password_hash TEXT NOT NULL, password_set_at TEXT NOT NULL,"
        " failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT,"
        " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
        " disabled_at TEXT, disabled_by TEXT)"
    )
    op.execute("CREATE INDEX accounts_district ON accounts (district_id)")
    position = (
        "position BIGSERIAL PRIMARY KEY"
        if postgres
        else ("position INTEGER PRIMARY KEY AUTOINCREMENT")
    )
    op.execute(
        f"CREATE TABLE account_events ({position}, recorded_at TEXT NOT NULL,"
        " action TEXT NOT NULL, account_id TEXT NOT NULL, login TEXT NOT NULL,"
        " district_id TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL)"
    )
    op.execute("CREATE INDEX account_events_district ON account_events (district_id)")
    if postgres:
        _upgrade_postgres(bind)
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TABLE account_events")
        op.execute("DROP TABLE accounts")
        op.execute("DROP FUNCTION IF EXISTS taizhang_refuse_account_audit_change()")
        op.execute("DROP FUNCTION IF EXISTS taizhang_guard_account_change()")
    else:
        op.execute("DROP TABLE account_events")
        op.execute("DROP TABLE accounts")


def _kept(old: str, new: str, same: str) -> str:
    """The fixed columns unchanged, and a disabled account still disabled."""
    unchanged = " AND ".join(f"{new}.{c} {same} {old}.{c}" for c in FIXED_COLUMNS)
    return f"{unchanged} AND ({old}.disabled_at IS NULL OR {new}.disabled_at IS NOT NULL)"


def _upgrade_sqlite() -> None:
    for operation in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER account_events_refuse_{operation} "
            f"BEFORE {operation.upper()} ON account_events "
            f"BEGIN SELECT RAISE(ABORT, '{operation.upper()} refused: {AUDIT_REFUSAL}'); END"
        )
    op.execute(
        "CREATE TRIGGER accounts_guard_update BEFORE UPDATE ON accounts "
        f"WHEN NOT ({_kept('OLD', 'NEW', 'IS')}) "
        f"BEGIN SELECT RAISE(ABORT, 'UPDATE refused: {ACCOUNT_REFUSAL}'); END"
    )
    op.execute(
        "CREATE TRIGGER accounts_refuse_delete BEFORE DELETE ON accounts "
        f"BEGIN SELECT RAISE(ABORT, 'DELETE refused: {ACCOUNT_REFUSAL}'); END"
    )


def _service_role() -> str:
    config = op.get_context().config
    attributes = config.attributes if config else {}
    return _identifier(attributes.get("service_role") or DEFAULT_SERVICE_ROLE, "service_role")


def _upgrade_postgres(bind: Connection) -> None:
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION taizhang_refuse_account_audit_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% on % refused: {AUDIT_REFUSAL}', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER refuse_account_audit_change BEFORE UPDATE OR DELETE ON account_events "
        "FOR EACH ROW EXECUTE FUNCTION taizhang_refuse_account_audit_change()"
    )
    op.execute(
        "CREATE TRIGGER refuse_account_audit_truncate BEFORE TRUNCATE ON account_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION taizhang_refuse_account_audit_change()"
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION taizhang_guard_account_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND {_kept("OLD", "NEW", "IS NOT DISTINCT FROM")} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '% on % refused: {ACCOUNT_REFUSAL}', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER guard_account_change BEFORE UPDATE OR DELETE ON accounts "
        "FOR EACH ROW EXECUTE FUNCTION taizhang_guard_account_change()"
    )
    op.execute(
        "CREATE TRIGGER guard_account_truncate BEFORE TRUNCATE ON accounts "
        "FOR EACH STATEMENT EXECUTE FUNCTION taizhang_guard_account_change()"
    )
    service = _service_role()
    exists = bind.execute(
        text("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :name"),
        {"name": service.strip('"')},
    ).first()
    if exists:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON account_events FROM {service}")
        op.execute(f"REVOKE DELETE, TRUNCATE ON accounts FROM {service}")
