"""Does the service connect to PostgreSQL as a role that can rewrite the log?

A superuser can skip the append-only triggers without any DDL (``SET
session_replication_role = replica``), and the event table's owner (or a member of its
role) can drop or disable them. The chain and signed checkpoints still catch what such a
role changes (docs/EVIDENCE.md), but the service should never run as one: ``taizhang serve``
warns when it does.
"""

from __future__ import annotations

import psycopg

from taizhang.config import Settings


def privileged_role(settings: Settings, events_table: str = "ledger_events") -> str | None:
    """Why the configured role may rewrite the log, or None (also on SQLite, where whoever
    can write the file can)."""
    if not settings.is_postgres:
        return None
    schema = settings.postgres_schema or "public"
    with psycopg.connect(settings.psycopg_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT current_user, r.rolsuper, "
            "(SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
            " JOIN pg_namespace n ON n.oid = c.relnamespace "
            " WHERE n.nspname = %s AND c.relname = %s) AS owner "
            "FROM pg_roles r WHERE r.rolname = current_user",
            (schema, events_table),
        ).fetchone()
    if row is None:
        return None
    user, superuser, owner = row
    if superuser:
        return f"role {user} is a superuser: it can skip the event log's append-only triggers"
    if owner:
        return f"role {user} owns the event log: it can drop its append-only triggers"
    return None
