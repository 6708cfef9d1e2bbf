"""Alembic environment: runs the read-model and security migrations against our database.

The event tables themselves are created by the eventsourcing library; migrations here
only add what the project owns beside them (views, tokens, grants and triggers).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.get_main_option("sqlalchemy.url")
schema = config.attributes.get("schema")


def run_migrations_online() -> None:
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=connect_args)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            version_table_schema=schema,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
