"""Tokens are changed only by revoking them, and every creation and revocation is recorded.

* ``api_token_events``: one row per token created or revoked, with who did it, when and
  why. Append-only: UPDATE and DELETE are refused (and TRUNCATE on PostgreSQL), for every
  role, as for the event log (revision 0003).
* ``api_tokens``: no row is deleted, and a row changes only as a revocation changes it
  (``revoked_at`` from empty to a time, every other column as it was). On PostgreSQL the
  service role also loses DELETE on both tables and UPDATE on the audit table.

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

DEFAULT_SERVICE_ROLE = "taizhang_app"
TOKEN_COLUMNS = (
    "id",
    "name",
    "role",
    "source",
    "district_id",
    "group_id",
    "committee_ids",
    "branch_ids",
    "token_hash",
    "created_at",
)
TOKEN_REFUSAL = "api_tokens rows are only ever revoked (revoked_at set once), never changed"
AUDIT_REFUSAL = "api_token_events is append-only: token history is never changed"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(name: str, what: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{what}: {name!r} is not a plain lower-case SQL identifier")
    return f'"{name}"'


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgres(bind)
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS guard_token_change ON api_tokens")
        op.execute("DROP TRIGGER IF EXISTS guard_token_truncate ON api_tokens")
        op.execute("DROP FUNCTION IF EXISTS taizhang_guard_token_change()")
        op.execute("DROP TABLE api_token_events")
        op.execute("DROP FUNCTION IF EXISTS taizhang_refuse_token_audit_change()")
    else:
        for trigger in ("api_tokens_guard_update", "api_tokens_refuse_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE api_token_events")


def _create_audit_table(position: str) -> None:
    op.execute(
        f"CREATE TABLE api_token_events ({position}, recorded_at TEXT NOT NULL,"
        " action TEXT NOT NULL, token_id TEXT NOT NULL, token_name TEXT NOT NULL,"
        " role TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL)"
    )


def _same_but_revoked(old: str, new: str) -> str:
    unchanged = " AND ".join(f"{new}.{c} IS NOT DISTINCT FROM {old}.{c}" for c in TOKEN_COLUMNS)
    return f"{old}.revoked_at IS NULL AND {new}.revoked_at IS NOT NULL AND {unchanged}"


def _upgrade_sqlite() -> None:
    _create_audit_table("position INTEGER PRIMARY KEY AUTOINCREMENT")
    for operation in ("update", "delete"):
        op.execute(
            f"CREATE TRIGGER api_token_events_refuse_{operation} "
            f"BEFORE {operation.upper()} ON api_token_events "
            f"BEGIN SELECT RAISE(ABORT, '{operation.upper()} refused: {AUDIT_REFUSAL}'); END"
        )
    # SQLite has IS NOT for IS DISTINCT FROM.
    same = _same_but_revoked("OLD", "NEW").replace("IS NOT DISTINCT FROM", "IS")
    op.execute(
        "CREATE TRIGGER api_tokens_guard_update BEFORE UPDATE ON api_tokens "
        f"WHEN NOT ({same}) "
        f"BEGIN SELECT RAISE(ABORT, 'UPDATE refused: {TOKEN_REFUSAL}'); END"
    )
    op.execute(
        "CREATE TRIGGER api_tokens_refuse_delete BEFORE DELETE ON api_tokens "
        f"BEGIN SELECT RAISE(ABORT, 'DELETE refused: {TOKEN_REFUSAL}'); END"
    )


def _service_role() -> str:
    config = op.get_context().config
    attributes = config.attributes if config else {}
    return _identifier(attributes.get("service_role") or DEFAULT_SERVICE_ROLE, "service_role")


def _upgrade_postgres(bind: Connection) -> None:
    _create_audit_table("position BIGSERIAL PRIMARY KEY")
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION taizhang_refuse_token_audit_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% on % refused: {AUDIT_REFUSAL}', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER refuse_token_audit_change BEFORE UPDATE OR DELETE ON api_token_events "
        "FOR EACH ROW EXECUTE FUNCTION taizhang_refuse_token_audit_change()"
    )
    op.execute(
        "CREATE TRIGGER refuse_token_audit_truncate BEFORE TRUNCATE ON api_token_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION taizhang_refuse_token_audit_change()"
    )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION taizhang_guard_token_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND {_same_but_revoked("OLD", "NEW")} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '% on % refused: {TOKEN_REFUSAL}', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER guard_token_change BEFORE UPDATE OR DELETE ON api_tokens "
        "FOR EACH ROW EXECUTE FUNCTION taizhang_guard_token_change()"
    )
    op.execute(
        "CREATE TRIGGER guard_token_truncate BEFORE TRUNCATE ON api_tokens "
        "FOR EACH STATEMENT EXECUTE FUNCTION taizhang_guard_token_change()"
    )
    service = _service_role()
    exists = bind.execute(
        text("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = :name"),
        {"name": service.strip('"')},
    ).first()
    if exists:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON api_token_events FROM {service}")
        op.execute(f"REVOKE DELETE, TRUNCATE ON api_tokens FROM {service}")
