"""A province's district ledgers: which districts one service serves, and where each keeps
its ledger.

``TAIZHANG_DISTRICTS`` names a TOML file (read once, at start)::

    [province]                      # the province's own database: its tokens only
    database_url = "postgresql://taizhang@db:5432/taizhang?schema=province"

    [districts.panyu]               # the key is the district's URL prefix /districts/panyu/
    name = "番禺区"
    database_url = "postgresql://taizhang@db:5432/taizhang?schema=d_panyu"

    [districts.tianhe]
    name = "天河区"
    database_url = "sqlite:////srv/taizhang/tianhe.sqlite"

Each district's ledger is a whole taizhang ledger (its events table, view tables, tokens,
accounts) in its own PostgreSQL schema or SQLite file, served by the same code: its settings
are the service's with the district's database and a data directory of its own
(``<data dir>/districts/<key>``: its checkpoint key, unless ``TAIZHANG_CHECKPOINT_KEY`` gives
one key for all, and its page secret), and its own standby or none (``read_replica_url``; the
service's replica replays another database). No two districts, and not the province, share a
database (and schema): a ledger has one projector and one writer of its events table.
Without the file the service is the one ledger of ``TAIZHANG_DATABASE_URL``, as it always
was.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from taizhang.config import ConfigurationError, Settings

# A district's key is a path segment of its URLs: short, lowercase, unambiguous.
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_DISTRICTS = 1000


@dataclass(frozen=True)
class District:
    """One district ledger: its key (URL prefix), its name and its settings."""

    key: str
    name: str
    settings: Settings


@dataclass(frozen=True)
class Province:
    """The province's own settings (its tokens) and its districts, in the file's order."""

    settings: Settings
    districts: tuple[District, ...]

    def district(self, key: str) -> District | None:
        return next((d for d in self.districts if d.key == key), None)

    @property
    def ledgers(self) -> tuple[Settings, ...]:
        """Every database this service keeps: the province's, then each district's."""
        return (self.settings, *(d.settings for d in self.districts))


def load_province(settings: Settings) -> Province | None:
    """The province of ``settings.districts_file``, or None for a one-ledger service."""
    if not settings.districts_file:
        return None
    try:
        with open(settings.districts_file, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: cannot read the file: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: not TOML: {error}") from None
    return province_of(settings, document)


def province_of(settings: Settings, document: dict[str, Any]) -> Province:
    """The province a parsed districts file describes (checked whole before anything runs)."""
    unknown = set(document) - {"province", "districts"}
    if unknown:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: unknown section(s) {sorted(unknown)}")
    province = document.get("province")
    if not isinstance(province, dict):
        raise ConfigurationError("TAIZHANG_DISTRICTS: [province] with its database_url needed")
    entries = document.get("districts")
    if not isinstance(entries, dict) or not entries:
        raise ConfigurationError("TAIZHANG_DISTRICTS: at least one [districts.<key>] needed")
    if len(entries) > MAX_DISTRICTS:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: more than {MAX_DISTRICTS} districts")
    own = _ledger(settings, province, "province", os.path.join(settings.data_dir, "province"))
    districts = []
    for key, entry in entries.items():
        if not KEY.match(key):
            raise ConfigurationError(
                f"TAIZHANG_DISTRICTS: district key {key!r}: 1-40 of a-z, 0-9, '-' and '_'"
            )
        if not isinstance(entry, dict):
            raise ConfigurationError(f"TAIZHANG_DISTRICTS: [districts.{key}] must be a table")
        name = entry.get("name", key)
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(f"TAIZHANG_DISTRICTS: districts.{key}.name: text needed")
        data_dir = os.path.join(settings.data_dir, "districts", key)
        ledger = _ledger(settings, entry, f"districts.{key}", data_dir, extra={"name"})
        districts.append(District(key=key, name=name.strip(), settings=ledger))
    seen: dict[str, str] = {}
    for where, ledger in (
        ("province", own),
        *((f"districts.{d.key}", d.settings) for d in districts),
    ):
        if ledger.database_url in seen:
            raise ConfigurationError(
                f"TAIZHANG_DISTRICTS: {where} and {seen[ledger.database_url]} name the same "
                "database: each ledger needs its own schema or file"
            )
        seen[ledger.database_url] = where
    return Province(settings=own, districts=tuple(districts))


def _ledger(
    settings: Settings,
    entry: dict[str, Any],
    where: str,
    data_dir: str,
    extra: frozenset[str] | set[str] = frozenset(),
) -> Settings:
    unknown = set(entry) - {"database_url", "read_replica_url"} - set(extra)
    if unknown:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: {where}: unknown key(s) {sorted(unknown)}")
    url = entry.get("database_url")
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: {where}.database_url: a URL needed")
    # A ledger's standby replays that ledger's primary: the service's own replica is never
    # another database's, so each ledger names its own or has none.
    replica = entry.get("read_replica_url", "")
    if not isinstance(replica, str):
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: {where}.read_replica_url: a URL")
    try:
        return dataclasses.replace(
            settings,
            database_url=url.strip(),
            read_replica_url=replica.strip(),
            postgres_schema=None,
            data_dir=data_dir,
            checkpoint_key_file=os.path.join(
                data_dir, os.path.basename(settings.checkpoint_key_file)
            ),
            districts_file="",
        )
    except ConfigurationError as error:
        raise ConfigurationError(f"TAIZHANG_DISTRICTS: {where}: {error}") from None


def prepare(province: Province) -> None:
    """Make each ledger's data directory (its checkpoint key and page secret live there)."""
    for ledger in province.ledgers:
        os.makedirs(ledger.data_dir, mode=0o700, exist_ok=True)


def ledger_settings(settings: Settings, key: str) -> Settings:
    """The settings of one district's ledger (``taizhang --ledger KEY …``), so that every
    command of a one-ledger service works on it."""
    province = load_province(settings)
    if province is None:
        raise ConfigurationError("--ledger: no districts are configured (TAIZHANG_DISTRICTS)")
    found = province.district(key)
    if found is None:
        keys = ", ".join(d.key for d in province.districts)
        raise ConfigurationError(f"--ledger: no district {key!r} (the districts: {keys})")
    return found.settings


def ledgers_of(settings: Settings) -> tuple[Settings, ...]:
    """Every ledger a service of ``settings`` keeps: the province's and its districts', or
    the one ledger."""
    province = load_province(settings)
    return (settings,) if province is None else province.ledgers
