"""Bring a database up to date: the library's event tables, then our migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from taizhang import migrations
from taizhang.config import Settings
from taizhang.ledger import Ledger


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if settings.is_postgres:
        p = settings.postgres_params()
        auth = p.user + (f":{p.password}" if p.password else "")
        url = f"postgresql+psycopg://{auth}@{p.host}:{p.port}/{p.dbname}"
        config.attributes["schema"] = p.schema
    else:
        url = f"sqlite:///{settings.sqlite_path()}"
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    # The library creates its event tables on construction (unless told not to), and the
    # ledger its insert function, also when told not to but it is missing.
    ledger = Ledger(settings, migrating=True)
    ledger.close()
    command.upgrade(alembic_config(settings), revision)
