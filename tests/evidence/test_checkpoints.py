"""Signed checkpoints: when the head is due to be signed, and where the key comes from."""

from __future__ import annotations

import base64
import dataclasses
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from taizhang.commands.serve import role_warning
from taizhang.config import Settings
from taizhang.evidence.checkpoints import (
    Checkpointer,
    CheckpointError,
    as_document,
    due,
    from_document,
    key_file,
    key_id,
    load_key,
    pem_of,
    public_bytes,
)
from taizhang.ledger import Ledger
from taizhang.migrate import upgrade
from tests.evidence.helpers import district_events, store_of

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


def test_the_head_is_signed_first_then_every_n_events_or_m_minutes(settings: Settings) -> None:
    settings = dataclasses.replace(settings, checkpoint_events=5, checkpoint_minutes=10)
    upgrade(settings)  # the credential histories a checkpoint signs beside the log
    ledger = Ledger(settings)
    try:
        store = store_of(ledger)
        checkpointer = Checkpointer(store, settings, load_key(settings))
        assert checkpointer.step(NOW) is None  # an empty log: nothing to sign
        ledger.record(district_events(2))
        first = checkpointer.step(NOW)  # never signed: the first covers what is there
        assert first is not None and first.position == 2
        assert checkpointer.step(NOW + timedelta(hours=1)) is None  # nothing new
        ledger.record(district_events(3))
        assert checkpointer.step(NOW + timedelta(minutes=1)) is None  # 3 new, 1 minute
        assert due(store, settings, NOW + timedelta(minutes=10))  # 3 new, 10 minutes
        ledger.record(district_events(2))
        second = checkpointer.step(NOW + timedelta(minutes=2))  # 5 new
        assert second is not None and second.position == 7
        assert [c.position for c in store.checkpoints_list()] == [2, 7]
        document = as_document(second)
        assert from_document(document) == second
        assert document["key_id"] == key_id(public_bytes(load_key(settings)))
    finally:
        ledger.close()


def test_a_key_file_is_made_owner_only_and_refused_when_others_may_read_it(
    sqlite_settings: Settings,
) -> None:
    path = key_file(sqlite_settings)
    assert not path.exists()
    made = load_key(sqlite_settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_bytes(load_key(sqlite_settings)) == public_bytes(made)  # kept, not remade
    os.chmod(path, 0o640)
    with pytest.raises(CheckpointError, match="0600"):
        load_key(sqlite_settings)


def test_a_key_in_the_environment_comes_first(sqlite_settings: Settings, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    for text in (base64.b64encode(raw).decode(), pem_of(key)):
        settings = dataclasses.replace(sqlite_settings, checkpoint_key=text)
        assert public_bytes(load_key(settings)) == public_bytes(key)
    assert not key_file(sqlite_settings).exists()
    with pytest.raises(CheckpointError, match="TAIZHANG_CHECKPOINT_KEY"):
        load_key(dataclasses.replace(sqlite_settings, checkpoint_key="not a key"))
    assert "checkpoint_key" not in repr(dataclasses.replace(sqlite_settings, checkpoint_key="x"))


def test_the_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TAIZHANG_DATA_DIR": str(tmp_path),
            "TAIZHANG_CHECKPOINT_EVENTS": "250",
            "TAIZHANG_CHECKPOINT_MINUTES": "2.5",
            "TAIZHANG_CHECKPOINT_KEY_FILE": str(tmp_path / "k.pem"),
        }
    )
    assert (settings.checkpoint_events, settings.checkpoint_minutes) == (250, 2.5)
    assert settings.checkpoint_key_file == str(tmp_path / "k.pem")
    default = Settings.from_env({"TAIZHANG_DATA_DIR": str(tmp_path)})
    assert (default.checkpoint_events, default.checkpoint_minutes) == (1000, 10.0)
    assert default.checkpoint_key_file == str(tmp_path / "checkpoint-key.pem")


def test_serve_warns_when_its_role_can_rewrite_the_log(postgres_settings: Settings) -> None:
    upgrade(postgres_settings)  # the event table owned by taizhang_owner (0003)
    warning = role_warning(postgres_settings)  # the tests' role is a superuser
    assert warning is not None and "superuser" in warning
    p = postgres_settings.postgres_params()
    service = Settings.from_env(
        {
            "TAIZHANG_DATABASE_URL": (
                f"postgresql://taizhang_app@{p.host}:{p.port}/{p.dbname}?schema={p.schema}"
            ),
            "TAIZHANG_DATA_DIR": postgres_settings.data_dir,
        }
    )
    assert role_warning(service) is None
    assert (
        role_warning(Settings.from_env({"TAIZHANG_DATA_DIR": postgres_settings.data_dir})) is None
    )
